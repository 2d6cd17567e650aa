//! Reading uploads: CSV or JSON, long or wide layout, into raw per-series observations.
//!
//! Both formats become one polars `DataFrame` of string columns (CSV is parsed by polars'
//! multi-threaded reader; JSON records are laid into columns), so layout detection, grouping
//! (`partition_by`) and cell parsing are shared.

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
    let df = match format {
        InputFormat::Csv => read_csv(strip_bom(bytes))?,
        InputFormat::Json => read_json(strip_bom(bytes))?,
    };
    split_series(&df, opts)
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

fn read_json(bytes: &[u8]) -> Result<DataFrame, AnalyticsError> {
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| AnalyticsError::Json(e.to_string()))?;
    let records = match value {
        serde_json::Value::Array(items) => items,
        serde_json::Value::Object(mut map) => match map.remove("data") {
            Some(serde_json::Value::Array(items)) => items,
            _ => {
                return Err(AnalyticsError::Json(
                    "expected an array of records or an object with a \"data\" array".into(),
                ));
            }
        },
        _ => {
            return Err(AnalyticsError::Json(
                "expected an array of records or an object with a \"data\" array".into(),
            ));
        }
    };
    if records.is_empty() {
        return Err(AnalyticsError::Empty);
    }
    let mut names: Vec<String> = Vec::new();
    let mut columns: Vec<Vec<Option<String>>> = Vec::new();
    for (i, record) in records.iter().enumerate() {
        let serde_json::Value::Object(map) = record else {
            return Err(AnalyticsError::Json(format!(
                "record {} is not an object",
                i + 1
            )));
        };
        for (key, cell) in map {
            let col = match names.iter().position(|n| n == key) {
                Some(c) => c,
                None => {
                    names.push(key.clone());
                    columns.push(vec![None; records.len()]);
                    names.len() - 1
                }
            };
            columns[col][i] = match cell {
                serde_json::Value::Null => None,
                serde_json::Value::String(s) => Some(s.clone()),
                other => Some(other.to_string()),
            };
        }
    }
    let cols: Vec<Column> = names
        .iter()
        .zip(columns)
        .map(|(name, values)| Column::new(name.as_str().into(), values))
        .collect();
    let df =
        DataFrame::new(records.len(), cols).map_err(|e| AnalyticsError::Json(e.to_string()))?;
    with_row_numbers(df)
}

fn find_column<'a>(names: &[&'a str], aliases: &[&str]) -> Option<&'a str> {
    aliases.iter().find_map(|alias| {
        names
            .iter()
            .find(|n| n.trim().eq_ignore_ascii_case(alias))
            .copied()
    })
}

fn split_series(df: &DataFrame, opts: &AnalysisOptions) -> Result<Ingested, AnalyticsError> {
    let owned: Vec<String> = df
        .get_column_names()
        .into_iter()
        .filter(|n| n.as_str() != ROW)
        .map(|n| n.to_string())
        .collect();
    let names: Vec<&str> = owned.iter().map(String::as_str).collect();
    let found = names.join(", ");
    let date_col =
        find_column(&names, DATE_ALIASES).ok_or_else(|| AnalyticsError::MissingColumn {
            what: "date",
            found: found.clone(),
            hint: "name it date, period, month, year or tanggal",
        })?;
    let value_col = find_column(&names, VALUE_ALIASES);
    let category_col = find_column(&names, CATEGORY_ALIASES);
    let rows_read = df.height();

    if let Some(value_col) = value_col {
        let Some(category_col) = category_col else {
            let series = read_series(df, value_col.to_string(), date_col, value_col, opts)?;
            return Ok(Ingested {
                layout: "long",
                rows_read,
                orphan_rows: 0,
                warnings: Vec::new(),
                series: vec![series],
            });
        };
        let parts = df
            .partition_by([category_col], true)
            .map_err(|e| AnalyticsError::Csv(e.to_string()))?;
        let mut orphan_rows = 0;
        let mut warnings = Vec::new();
        let mut named = Vec::with_capacity(parts.len());
        for part in parts {
            let key = part
                .column(category_col)
                .and_then(|c| c.str().map(|s| s.get(0).map(|k| k.trim().to_string())))
                .map_err(|e| AnalyticsError::Csv(e.to_string()))?;
            match key {
                Some(k) if !k.is_empty() => named.push((k, part)),
                _ => {
                    orphan_rows += part.height();
                    if let Ok(rows) = row_numbers(&part) {
                        warnings.extend(rows.into_iter().take(MAX_WARNINGS_PER_SERIES).map(
                            |row| InputWarning {
                                row,
                                column: category_col.to_string(),
                                message: "empty category; row skipped".into(),
                            },
                        ));
                    }
                }
            }
        }
        let series = named
            .into_par_iter()
            .map(|(name, part)| read_series(&part, name, date_col, value_col, opts))
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(Ingested {
            layout: "long",
            rows_read,
            orphan_rows,
            warnings,
            series,
        });
    }

    // Wide layout: every other column is a series.
    let value_cols: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| *n != date_col && Some(*n) != category_col)
        .collect();
    if value_cols.is_empty() {
        return Err(AnalyticsError::MissingColumn {
            what: "value",
            found,
            hint: "use long layout (date, category, value) or one numeric column per series",
        });
    }
    let series = value_cols
        .into_par_iter()
        .map(|col| read_series(df, col.trim().to_string(), date_col, col, opts))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Ingested {
        layout: "wide",
        rows_read,
        orphan_rows: 0,
        warnings: Vec::new(),
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
    let mut series = RawSeries {
        category,
        rows_read: df.height(),
        observations: Vec::with_capacity(df.height()),
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
    for ((row, date), value) in rows.into_iter().zip(dates.iter()).zip(values.iter()) {
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
    Ok(series)
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
}
