//! Reading uploads: CSV or JSON, long or wide layout, into raw per-series observations.
//!
//! Both formats become polars `DataFrame`s of string columns (CSV is parsed by polars'
//! multi-threaded reader; of JSON records only the columns the layout uses are laid out), so
//! layout detection, grouping and cell parsing are shared. Every step is
//! linear in the input: no column is made per distinct JSON key.

use super::dates::parse_date;
use crate::AnalyticsError;
use crate::options::AnalysisOptions;
use crate::report::InputWarning;
use chrono::NaiveDate;
use polars::prelude::*;
use rayon::prelude::*;
use std::io::Cursor;

/// The input's encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    /// Comma-separated values with a header row.
    Csv,
    /// An array of records, or `{"data": [...]}`.
    Json,
}

impl InputFormat {
    /// Guesses the format from the first non-blank byte (`[` or `{` means JSON).
    pub fn sniff(bytes: &[u8]) -> Self {
        match strip_bom(bytes).iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'[' | b'{') => InputFormat::Json,
            _ => InputFormat::Csv,
        }
    }
}

/// Names accepted for the date column (compared case-insensitively, after trimming).
pub const DATE_ALIASES: &[&str] = &[
    "date",
    "ds",
    "period",
    "time",
    "timestamp",
    "month",
    "year",
    "quarter",
    "week",
    "day",
    "tanggal",
    "waktu",
    "periode",
    "bulan",
    "tahun",
];
/// Longest series name, in characters (a name is repeated on every row of the per-period
/// table, so an unbounded one would multiply the output).
pub const MAX_NAME: usize = 200;

/// Refuses a series name longer than [`MAX_NAME`], naming the first row that carries it.
fn check_name(name: &str, row: usize) -> Result<(), AnalyticsError> {
    let length = name.chars().count();
    if length > MAX_NAME {
        return Err(AnalyticsError::NameTooLong {
            row,
            length,
            limit: MAX_NAME,
        });
    }
    Ok(())
}

/// Names accepted for the category (series) column.
pub const CATEGORY_ALIASES: &[&str] = &[
    "category",
    "series",
    "unique_id",
    "commodity",
    "product",
    "item",
    "name",
    "key",
    "id",
    "hs_code",
    "destination",
    "country",
    "kategori",
    "komoditas",
    "produk",
    "negara",
];
/// Names accepted for the value column in long layout.
pub const VALUE_ALIASES: &[&str] = &[
    "value",
    "y",
    "amount",
    "export_value",
    "exports",
    "export",
    "total",
    "volume",
    "quantity",
    "qty",
    "price",
    "nilai",
    "jumlah",
    "usd",
    "value_usd",
    "fob",
    "fob_value",
];

const MAX_WARNINGS_PER_SERIES: usize = 20;
const ROW: &str = "__pintar_row";

/// One dated observation of a series, before cleaning.
#[derive(Debug, Clone, PartialEq)]
pub struct RawObservation {
    /// 1-based data row in the input.
    pub row: usize,
    /// Parsed date.
    pub date: NaiveDate,
    /// Parsed value (`None` when the cell was empty or unreadable).
    pub value: Option<f64>,
}

/// All observations of one series, in input order, with what could not be read.
#[derive(Debug, Clone, Default)]
pub struct RawSeries {
    /// Series name.
    pub category: String,
    /// Rows of this series in the input.
    pub rows_read: usize,
    /// Observations with a readable date.
    pub observations: Vec<RawObservation>,
    /// Rows skipped for an unreadable date.
    pub invalid_rows: usize,
    /// First problems met, naming row and column.
    pub warnings: Vec<InputWarning>,
}

/// The input split into series.
#[derive(Debug, Clone)]
pub struct Ingested {
    /// `long` or `wide`.
    pub layout: &'static str,
    /// Data rows in the input.
    pub rows_read: usize,
    /// Rows that belong to no series (blank category).
    pub orphan_rows: usize,
    /// Warnings not tied to a series.
    pub warnings: Vec<InputWarning>,
    /// The series, in no particular order.
    pub series: Vec<RawSeries>,
}

fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// Reads bytes of the given format into series.
pub fn ingest(
    bytes: &[u8],
    format: InputFormat,
    opts: &AnalysisOptions,
) -> Result<Ingested, AnalyticsError> {
    match format {
        InputFormat::Csv => split_series(&read_csv(strip_bom(bytes))?, opts),
        InputFormat::Json => ingest_json(strip_bom(bytes), opts),
    }
}

fn read_csv(bytes: &[u8]) -> Result<DataFrame, AnalyticsError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(AnalyticsError::Empty);
    }
    let df = CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .with_raise_if_empty(true)
        .map_parse_options(|p| {
            p.with_encoding(CsvEncoding::LossyUtf8)
                .with_truncate_ragged_lines(true)
                .with_missing_is_null(true)
        })
        .into_reader_with_file_handle(Cursor::new(bytes))
        .finish()
        .map_err(|e| AnalyticsError::Csv(e.to_string()))?;
    with_row_numbers(df)
}

fn with_row_numbers(df: DataFrame) -> Result<DataFrame, AnalyticsError> {
    if df.height() == 0 {
        return Err(AnalyticsError::Empty);
    }
    df.with_row_index(ROW.into(), Some(1))
        .map_err(|e| AnalyticsError::Csv(e.to_string()))
}

/// The records of a JSON upload, whose keys are read once to find the layout; only the cells
/// of the columns the layout uses are then copied out.
struct JsonRecords {
    records: Vec<serde_json::Map<String, serde_json::Value>>,
    /// Distinct keys in order of first appearance.
    keys: Vec<String>,
}

fn parse_json(bytes: &[u8]) -> Result<JsonRecords, AnalyticsError> {
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| AnalyticsError::Json(e.to_string()))?;
    let shape = || {
        AnalyticsError::Json(
            "expected an array of records or an object with a \"data\" array".into(),
        )
    };
    let items = match value {
        serde_json::Value::Array(items) => items,
        serde_json::Value::Object(mut map) => match map.remove("data") {
            Some(serde_json::Value::Array(items)) => items,
            _ => return Err(shape()),
        },
        _ => return Err(shape()),
    };
    if items.is_empty() {
        return Err(AnalyticsError::Empty);
    }
    let mut records = Vec::with_capacity(items.len());
    let mut seen = std::collections::HashSet::new();
    let mut keys = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let serde_json::Value::Object(map) = item else {
            return Err(AnalyticsError::Json(format!(
                "record {} is not an object",
                i + 1
            )));
        };
        for key in map.keys() {
            if !seen.contains(key.as_str()) {
                seen.insert(key.clone());
                keys.push(key.clone());
            }
        }
        records.push(map);
    }
    Ok(JsonRecords { records, keys })
}

fn cell_text(cell: &serde_json::Value) -> Option<String> {
    match cell {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// Every record's cell under `key` (`None` where absent or null): one column of the table.
fn json_column(records: &JsonRecords, key: &str) -> Column {
    let cells: Vec<Option<String>> = records
        .records
        .iter()
        .map(|r| r.get(key).and_then(cell_text))
        .collect();
    Column::new(key.into(), cells)
}

fn json_frame(columns: Vec<Column>) -> Result<DataFrame, AnalyticsError> {
    let height = columns.first().map_or(0, Column::len);
    let df = DataFrame::new(height, columns).map_err(|e| AnalyticsError::Json(e.to_string()))?;
    with_row_numbers(df)
}

/// JSON keeps only the columns its layout uses, so records that each carry their own extra
/// key cost one pass over the keys rather than a full column per key. In the wide layout a
/// series is made of the records that carry its key (a record without it is not an
/// observation of that series), so cells are copied only where they exist.
fn ingest_json(bytes: &[u8], opts: &AnalysisOptions) -> Result<Ingested, AnalyticsError> {
    let json = parse_json(bytes)?;
    let names: Vec<&str> = json.keys.iter().map(String::as_str).collect();
    let roles = Roles::find(&names)?;
    if let Some(value_col) = roles.value {
        // Long layout: the date, value and (if any) category columns.
        let columns = [Some(roles.date), Some(value_col), roles.category]
            .into_iter()
            .flatten()
            .map(|key| json_column(&json, key))
            .collect();
        let df = json_frame(columns)?;
        return split_long(&df, &roles, value_col, opts);
    }
    let series_keys = roles.wide_series(&names)?;
    let rows_read = json.records.len();
    let series = series_keys
        .into_par_iter()
        .map(|key| {
            let mut rows = Vec::new();
            let mut dates = Vec::new();
            let mut cells = Vec::new();
            for (i, record) in json.records.iter().enumerate() {
                if let Some(cell) = record.get(key) {
                    rows.push(i as u64 + 1);
                    dates.push(record.get(roles.date).and_then(cell_text));
                    cells.push(cell_text(cell));
                }
            }
            let df = DataFrame::new(
                rows.len(),
                vec![
                    Column::new(ROW.into(), rows),
                    Column::new(roles.date.into(), dates),
                    Column::new(key.into(), cells),
                ],
            )
            .map_err(|e| AnalyticsError::Json(e.to_string()))?;
            read_series(&df, key.trim().to_string(), roles.date, key, opts)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Ingested {
        layout: "wide",
        rows_read,
        orphan_rows: 0,
        warnings: Vec::new(),
        series,
    })
}

fn find_column<'a>(names: &[&'a str], aliases: &[&str]) -> Option<&'a str> {
    aliases.iter().find_map(|alias| {
        names
            .iter()
            .find(|n| n.trim().eq_ignore_ascii_case(alias))
            .copied()
    })
}

/// Most series a wide file may have. Every series is laid over every row, so more columns
/// than this almost always mean a misread layout (an id per record, a transposed table) rather
/// than that many series; the long layout (date, category, value) has no such limit.
pub const MAX_WIDE_SERIES: usize = 10_000;

/// Column names shown in an error before the rest are only counted.
const NAMES_SHOWN: usize = 20;

/// The columns playing each role in a table, found by name.
struct Roles<'a> {
    date: &'a str,
    value: Option<&'a str>,
    category: Option<&'a str>,
}

fn list_names(names: &[&str]) -> String {
    let mut list = names
        .iter()
        .take(NAMES_SHOWN)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > NAMES_SHOWN {
        list.push_str(&format!(" and {} more", names.len() - NAMES_SHOWN));
    }
    list
}

impl<'a> Roles<'a> {
    fn find(names: &[&'a str]) -> Result<Self, AnalyticsError> {
        let date =
            find_column(names, DATE_ALIASES).ok_or_else(|| AnalyticsError::MissingColumn {
                what: "date",
                found: list_names(names),
                hint: "name it date, period, month, year or tanggal",
            })?;
        Ok(Self {
            date,
            value: find_column(names, VALUE_ALIASES),
            category: find_column(names, CATEGORY_ALIASES),
        })
    }

    /// Wide layout: every column but the date and category is a series.
    fn wide_series(&self, names: &[&'a str]) -> Result<Vec<&'a str>, AnalyticsError> {
        let series: Vec<&str> = names
            .iter()
            .copied()
            .filter(|n| *n != self.date && Some(*n) != self.category)
            .collect();
        if series.is_empty() {
            return Err(AnalyticsError::MissingColumn {
                what: "value",
                found: list_names(names),
                hint: "use long layout (date, category, value) or one numeric column per series",
            });
        }
        if series.len() > MAX_WIDE_SERIES {
            return Err(AnalyticsError::TooManyColumns {
                columns: series.len(),
                limit: MAX_WIDE_SERIES,
            });
        }
        for name in &series {
            // A column name is on the header row (row 0).
            check_name(name.trim(), 0)?;
        }
        Ok(series)
    }
}

fn split_series(df: &DataFrame, opts: &AnalysisOptions) -> Result<Ingested, AnalyticsError> {
    let owned: Vec<String> = df
        .get_column_names()
        .into_iter()
        .filter(|n| n.as_str() != ROW)
        .map(|n| n.to_string())
        .collect();
    let names: Vec<&str> = owned.iter().map(String::as_str).collect();
    let roles = Roles::find(&names)?;
    if let Some(value_col) = roles.value {
        return split_long(df, &roles, value_col, opts);
    }
    let series = roles
        .wide_series(&names)?
        .into_par_iter()
        .map(|col| read_series(df, col.trim().to_string(), roles.date, col, opts))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Ingested {
        layout: "wide",
        rows_read: df.height(),
        orphan_rows: 0,
        warnings: Vec::new(),
        series,
    })
}

/// Long layout: one series per category (or a single series without a category column).
fn split_long(
    df: &DataFrame,
    roles: &Roles<'_>,
    value_col: &str,
    opts: &AnalysisOptions,
) -> Result<Ingested, AnalyticsError> {
    let rows_read = df.height();
    let date_col = roles.date;
    let Some(category_col) = roles.category else {
        let series = read_series(df, value_col.to_string(), date_col, value_col, opts)?;
        return Ok(Ingested {
            layout: "long",
            rows_read,
            orphan_rows: 0,
            warnings: Vec::new(),
            series: vec![series],
        });
    };
    // Rows are grouped by category in one hashing pass, and each group reads its cells
    // straight from the columns (no frame per category: 100,000 categories stay cheap).
    let polars_err = |e: PolarsError| AnalyticsError::Csv(e.to_string());
    let strings = |name: &str| -> Result<Vec<Option<&str>>, AnalyticsError> {
        Ok(df
            .column(name)
            .and_then(|c| c.str())
            .map_err(polars_err)?
            .iter()
            .collect())
    };
    let row_of = row_numbers(df).map_err(polars_err)?;
    let (categories, dates, values) = (
        strings(category_col)?,
        strings(date_col)?,
        strings(value_col)?,
    );
    let mut index: std::collections::HashMap<Option<&str>, usize> =
        std::collections::HashMap::new();
    let mut groups: Vec<(Option<&str>, Vec<usize>)> = Vec::new();
    for (i, key) in categories.iter().enumerate() {
        let g = *index.entry(*key).or_insert_with(|| {
            groups.push((*key, Vec::new()));
            groups.len() - 1
        });
        groups[g].1.push(i);
    }
    let mut orphan_rows = 0;
    let mut warnings = Vec::new();
    let mut named = Vec::with_capacity(groups.len());
    for (key, members) in groups {
        match key.map(str::trim) {
            Some(k) if !k.is_empty() => {
                check_name(k, members.first().map_or(0, |&i| row_of[i]))?;
                named.push((k.to_string(), members));
            }
            _ => {
                orphan_rows += members.len();
                warnings.extend(members.iter().take(MAX_WARNINGS_PER_SERIES).map(|&i| {
                    InputWarning {
                        row: row_of[i],
                        column: category_col.to_string(),
                        message: "empty category; row skipped".into(),
                    }
                }));
            }
        }
    }
    let series = named
        .into_par_iter()
        .map(|(name, members)| {
            let cells = members.iter().map(|&i| ((row_of[i], dates[i]), values[i]));
            read_cells(name, cells, members.len(), (date_col, value_col), opts)
        })
        .collect();
    Ok(Ingested {
        layout: "long",
        rows_read,
        orphan_rows,
        warnings,
        series,
    })
}

fn row_numbers(df: &DataFrame) -> PolarsResult<Vec<usize>> {
    let col = df.column(ROW)?.cast(&DataType::Int64)?;
    Ok(col
        .i64()?
        .iter()
        .map(|r| r.and_then(|r| usize::try_from(r).ok()).unwrap_or(0))
        .collect())
}

fn read_series(
    df: &DataFrame,
    category: String,
    date_col: &str,
    value_col: &str,
    opts: &AnalysisOptions,
) -> Result<RawSeries, AnalyticsError> {
    let polars_err = |e: PolarsError| AnalyticsError::Csv(e.to_string());
    let rows = row_numbers(df).map_err(polars_err)?;
    let dates = df
        .column(date_col)
        .and_then(|c| c.str())
        .map_err(polars_err)?;
    let values = df
        .column(value_col)
        .and_then(|c| c.str())
        .map_err(polars_err)?;
    Ok(read_cells(
        category,
        rows.into_iter().zip(dates.iter()).zip(values.iter()),
        df.height(),
        (date_col, value_col),
        opts,
    ))
}

/// Parses one series' cells: `(row, date)` and value per row, `rows` of them.
fn read_cells<'a>(
    category: String,
    cells: impl Iterator<Item = ((usize, Option<&'a str>), Option<&'a str>)>,
    rows: usize,
    (date_col, value_col): (&str, &str),
    opts: &AnalysisOptions,
) -> RawSeries {
    let mut series = RawSeries {
        category,
        rows_read: rows,
        observations: Vec::with_capacity(rows),
        ..RawSeries::default()
    };
    let fmt = opts.date_format.as_deref();
    let warn = |series: &mut RawSeries, row: usize, column: &str, message: String| {
        if series.warnings.len() < MAX_WARNINGS_PER_SERIES {
            series.warnings.push(InputWarning {
                row,
                column: column.to_string(),
                message,
            });
        }
    };
    for ((row, date), value) in cells {
        let Some(date) = date.and_then(|d| parse_date(d, fmt)) else {
            series.invalid_rows += 1;
            let shown = date.unwrap_or("");
            warn(
                &mut series,
                row,
                date_col,
                format!("cannot read date '{}'; row skipped", truncate(shown)),
            );
            continue;
        };
        let value = match value.map(str::trim) {
            None => None,
            Some(v) if is_missing_marker(v) => None,
            Some(v) => match parse_number(v) {
                Some(x) => Some(x),
                None => {
                    warn(
                        &mut series,
                        row,
                        value_col,
                        format!("cannot read number '{}'; treated as missing", truncate(v)),
                    );
                    None
                }
            },
        };
        series
            .observations
            .push(RawObservation { row, date, value });
    }
    series
}

fn truncate(s: &str) -> String {
    s.chars().take(40).collect()
}

fn is_missing_marker(v: &str) -> bool {
    v.is_empty()
        || ["na", "n/a", "nan", "null", "none", "-", "--", "?"]
            .iter()
            .any(|m| v.eq_ignore_ascii_case(m))
}

/// Parses a number written as `1234.5`, `1,234.5`, `1 234,5`, `12,5` or `-3e4`; `None` for
/// anything else, including infinities.
pub fn parse_number(raw: &str) -> Option<f64> {
    let s: String = raw
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '_' | '\u{a0}' | '$'))
        .collect();
    let parsed = if s.contains(',') {
        if s.contains('.') {
            // 1,234.56: commas group thousands.
            s.replace(',', "").parse::<f64>().ok()
        } else if is_thousands_grouped(&s) {
            s.replace(',', "").parse::<f64>().ok()
        } else {
            // 12,5: decimal comma.
            s.replace(',', ".").parse::<f64>().ok()
        }
    } else {
        s.parse::<f64>().ok()
    };
    parsed.filter(|x| x.is_finite())
}

fn is_thousands_grouped(s: &str) -> bool {
    let digits = s.trim_start_matches(['-', '+']);
    let mut groups = digits.split(',');
    let first_ok = groups
        .next()
        .is_some_and(|g| (1..=3).contains(&g.len()) && g.bytes().all(|b| b.is_ascii_digit()));
    let rest: Vec<&str> = groups.collect();
    first_ok
        && !rest.is_empty()
        && rest
            .iter()
            .all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> AnalysisOptions {
        AnalysisOptions::default()
    }

    #[test]
    fn numbers_in_common_notations() {
        assert_eq!(parse_number("1234.5"), Some(1234.5));
        assert_eq!(parse_number("1,234.5"), Some(1234.5));
        assert_eq!(parse_number("1,234,567"), Some(1_234_567.0));
        assert_eq!(parse_number("12,5"), Some(12.5));
        assert_eq!(parse_number("-3e2"), Some(-300.0));
        assert_eq!(parse_number("$ 1 000"), Some(1000.0));
        assert_eq!(parse_number("abc"), None);
        assert_eq!(parse_number("inf"), None);
    }

    #[test]
    fn long_csv_with_aliases_and_case() {
        let csv = b"Tanggal,Komoditas,Nilai\n2024-01,kopi,1\n2024-02,kopi,2\n2024-01,teh,3\n";
        let got = ingest(csv, InputFormat::Csv, &opts()).expect("reads");
        assert_eq!(got.layout, "long");
        let mut names: Vec<_> = got.series.iter().map(|s| s.category.as_str()).collect();
        names.sort_unstable();
        assert_eq!(names, ["kopi", "teh"]);
    }

    #[test]
    fn wide_csv_makes_one_series_per_column() {
        let csv = b"month,coffee,tea\n2024-01,1,2\n2024-02,3,\n";
        let got = ingest(csv, InputFormat::Csv, &opts()).expect("reads");
        assert_eq!(got.layout, "wide");
        let tea = got
            .series
            .iter()
            .find(|s| s.category == "tea")
            .expect("tea");
        assert_eq!(tea.observations.len(), 2);
        assert_eq!(tea.observations[1].value, None);
    }

    #[test]
    fn json_records_and_data_wrapper() {
        let a = br#"[{"date":"2024-01","category":"a","value":1},{"date":"2024-02","category":"a","value":null}]"#;
        let b = br#"{"data":[{"date":"2024-01","value":"5"}]}"#;
        assert_eq!(InputFormat::sniff(a), InputFormat::Json);
        let got = ingest(a, InputFormat::Json, &opts()).expect("array");
        assert_eq!(got.series[0].observations[1].value, None);
        let got = ingest(b, InputFormat::Json, &opts()).expect("wrapper");
        assert_eq!(got.series[0].observations[0].value, Some(5.0));
    }

    #[test]
    fn bad_cells_are_reported_with_row_and_column() {
        let csv = b"date,category,value\n2024-01,a,1\nnot-a-date,a,2\n2024-03,a,lots\n";
        let got = ingest(csv, InputFormat::Csv, &opts()).expect("reads");
        let s = &got.series[0];
        assert_eq!(s.invalid_rows, 1);
        assert_eq!(s.warnings[0].row, 2);
        assert_eq!(s.warnings[0].column, "date");
        assert_eq!(s.warnings[1].row, 3);
        assert_eq!(s.warnings[1].column, "value");
    }

    #[test]
    fn missing_date_column_names_the_columns() {
        let err = ingest(b"when,value\nx,1\n", InputFormat::Csv, &opts()).expect_err("no date");
        let msg = err.to_string();
        assert!(
            msg.contains("no date column") && msg.contains("when, value"),
            "{msg}"
        );
    }

    #[test]
    fn empty_inputs_are_errors() {
        assert!(matches!(
            ingest(b"", InputFormat::Csv, &opts()),
            Err(AnalyticsError::Empty)
        ));
        assert!(ingest(b"date,value\n", InputFormat::Csv, &opts()).is_err());
        assert!(matches!(
            ingest(b"[]", InputFormat::Json, &opts()),
            Err(AnalyticsError::Empty)
        ));
    }

    #[test]
    fn json_extra_keys_are_not_columns() {
        // Every record carries a key of its own: only date and value are read.
        let records: Vec<String> = (0..2_000)
            .map(|i| {
                format!(
                    r#"{{"date":"2020-01-{:02}","value":{i},"note_{i}":"x"}}"#,
                    i % 28 + 1
                )
            })
            .collect();
        let text = format!("[{}]", records.join(","));
        let got = ingest(text.as_bytes(), InputFormat::Json, &opts()).expect("reads");
        assert_eq!(got.layout, "long");
        assert_eq!(got.series.len(), 1);
        assert_eq!(got.series[0].observations.len(), 2_000);
    }

    #[test]
    fn wide_json_series_are_the_records_that_carry_their_key() {
        let text = br#"[{"date":"2024-01","a":1,"b":2},{"date":"2024-02","a":null},{"date":"2024-03","b":"4"}]"#;
        let got = ingest(text, InputFormat::Json, &opts()).expect("reads");
        assert_eq!(got.layout, "wide");
        let series = |name: &str| {
            got.series
                .iter()
                .find(|s| s.category == name)
                .expect("series")
        };
        let a: Vec<_> = series("a")
            .observations
            .iter()
            .map(|o| (o.row, o.value))
            .collect();
        assert_eq!(a, [(1, Some(1.0)), (2, None)]);
        let b: Vec<_> = series("b")
            .observations
            .iter()
            .map(|o| (o.row, o.value))
            .collect();
        assert_eq!(b, [(1, Some(2.0)), (3, Some(4.0))]);
    }

    #[test]
    fn too_many_wide_columns_is_a_clear_error() {
        let records: Vec<String> = (0..=MAX_WIDE_SERIES)
            .map(|i| format!(r#"{{"date":"2020-01-01","s{i}":1}}"#))
            .collect();
        let text = format!("[{}]", records.join(","));
        let err = ingest(text.as_bytes(), InputFormat::Json, &opts()).expect_err("too wide");
        assert!(
            matches!(err, AnalyticsError::TooManyColumns { columns, limit: MAX_WIDE_SERIES } if columns == MAX_WIDE_SERIES + 1),
            "{err}"
        );
        assert!(err.to_string().contains("10000"), "{err}");
        let header: Vec<String> = (0..=MAX_WIDE_SERIES).map(|i| format!("s{i}")).collect();
        let csv = format!(
            "date,{}
2020-01-01{}
",
            header.join(","),
            ",1".repeat(header.len())
        );
        assert!(matches!(
            ingest(csv.as_bytes(), InputFormat::Csv, &opts()),
            Err(AnalyticsError::TooManyColumns { .. })
        ));
    }

    #[test]
    fn missing_column_errors_list_a_bounded_number_of_names() {
        let keys: Vec<String> = (0..500).map(|i| format!(r#""k{i}":1"#)).collect();
        let text = format!("[{{{}}}]", keys.join(","));
        let msg = ingest(text.as_bytes(), InputFormat::Json, &opts())
            .expect_err("no date")
            .to_string();
        assert!(msg.contains("and 480 more") && msg.len() < 400, "{msg}");
    }
}
