//! The per-period table of a report as CSV: history with moving averages, then the forecast
//! with its bounds. `pintar analyze --csv` and the API's `?format=csv` write the same table,
//! in chunks of rows ([`PeriodsCsv`]) so a large report streams instead of being held whole.
//!
//! Cells made from the input's text are safe to open in a spreadsheet: one that begins with
//! `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'` (OWASP's rule for CSV
//! injection), so it reads as text, never as a formula. Numbers and dates are the engine's
//! own and stay as they are.

use crate::AnalyticsError;
use crate::analytics::stats::moving_average;
use crate::report::{AnalysisReport, SeriesReport};

/// The columns, in order.
pub const COLUMNS: [&str; 11] = [
    "date",
    "category",
    "value",
    "cleaned",
    "ma_3",
    "ma_season",
    "forecast",
    "lower_80",
    "upper_80",
    "lower_95",
    "upper_95",
];

/// Rows written per chunk.
const CHUNK_ROWS: usize = 1_000;

/// `text` as a spreadsheet reads it safely: a leading `'` when it would start a formula.
pub fn spreadsheet_safe(text: &str) -> std::borrow::Cow<'_, str> {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}").into(),
        _ => text.into(),
    }
}

/// One row per period and series (empty cells where a column does not apply), whole.
pub fn periods_csv(report: &AnalysisReport) -> Result<String, AnalyticsError> {
    let mut out = String::new();
    for chunk in PeriodsCsv::new(report) {
        out.push_str(&chunk?);
    }
    Ok(out)
}

/// The table in chunks of at most [`CHUNK_ROWS`] rows (the header comes with the first).
pub struct PeriodsCsv<R> {
    report: R,
    series: usize,
    row: usize,
    header: bool,
    /// The current series' moving averages, computed once per series.
    averages: Option<Averages>,
}

/// A series' two moving averages, per period.
type Averages = (Vec<Option<f64>>, Vec<Option<f64>>);

impl<R: std::borrow::Borrow<AnalysisReport>> PeriodsCsv<R> {
    /// The chunks of `report` (borrowed, or owned to stream it).
    pub fn new(report: R) -> Self {
        Self {
            report,
            series: 0,
            row: 0,
            header: true,
            averages: None,
        }
    }

    fn write_rows(&mut self, w: &mut csv::Writer<Vec<u8>>) -> Result<bool, csv::Error> {
        let cell = |x: Option<f64>| x.map(|v| v.to_string()).unwrap_or_default();
        let mut written = 0;
        while written < CHUNK_ROWS {
            let report = self.report.borrow();
            let Some(s) = report.series.get(self.series) else {
                return Ok(written > 0);
            };
            let history = s.history.len();
            let forecast = s.forecast.as_ref().map_or(0, |f| f.points.len());
            if self.row >= history + forecast {
                self.series += 1;
                self.row = 0;
                self.averages = None;
                continue;
            }
            let category = spreadsheet_safe(&s.category).into_owned();
            if self.row < history {
                let (ma3, mas) = self.averages.get_or_insert_with(|| averages(s));
                let p = &s.history[self.row];
                let season = s.frequency.season_length().max(1);
                w.write_record([
                    p.date.to_string(),
                    category,
                    cell(p.value),
                    cell(Some(p.cleaned)),
                    cell(ma3[self.row]),
                    cell(if season > 1 { mas[self.row] } else { None }),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                ])?;
            } else if let Some(p) = s
                .forecast
                .as_ref()
                .and_then(|f| f.points.get(self.row - history))
            {
                w.write_record([
                    p.date.to_string(),
                    category,
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    p.value.to_string(),
                    p.lower_80.to_string(),
                    p.upper_80.to_string(),
                    p.lower_95.to_string(),
                    p.upper_95.to_string(),
                ])?;
            }
            self.row += 1;
            written += 1;
        }
        Ok(true)
    }
}

fn averages(s: &SeriesReport) -> (Vec<Option<f64>>, Vec<Option<f64>>) {
    let cleaned: Vec<f64> = s.history.iter().map(|p| p.cleaned).collect();
    let season = s.frequency.season_length().max(1);
    (
        moving_average(&cleaned, 3),
        moving_average(&cleaned, season),
    )
}

impl<R: std::borrow::Borrow<AnalysisReport>> Iterator for PeriodsCsv<R> {
    type Item = Result<String, AnalyticsError>;

    fn next(&mut self) -> Option<Self::Item> {
        let err = |e: csv::Error| AnalyticsError::Write(format!("CSV: {e}"));
        let mut w = csv::Writer::from_writer(Vec::new());
        let header = std::mem::take(&mut self.header);
        if header && let Err(e) = w.write_record(COLUMNS) {
            return Some(Err(err(e)));
        }
        let more = match self.write_rows(&mut w) {
            Ok(more) => more,
            Err(e) => return Some(Err(err(e))),
        };
        if !more && !header {
            return None;
        }
        let bytes = match w.into_inner() {
            Ok(b) => b,
            Err(e) => return Some(Err(AnalyticsError::Write(format!("CSV: {e}")))),
        };
        Some(
            String::from_utf8(bytes)
                .map_err(|e| AnalyticsError::Write(format!("CSV is not UTF-8: {e}"))),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_that_would_start_a_formula_read_as_text() {
        for (raw, safe) in [
            (
                "=HYPERLINK(\"http://x\",\"y\")",
                "'=HYPERLINK(\"http://x\",\"y\")",
            ),
            ("+1", "'+1"),
            ("-1+2", "'-1+2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("coffee:USA", "coffee:USA"),
            ("", ""),
        ] {
            assert_eq!(spreadsheet_safe(raw), safe, "{raw}");
        }
    }
}
