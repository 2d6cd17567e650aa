//! The per-period table of a report as CSV: history with moving averages, then the forecast
//! with its bounds. `pintar analyze --csv` and the API's `?format=csv` write the same table.

use crate::AnalyticsError;
use crate::analytics::stats::moving_average;
use crate::report::AnalysisReport;

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

/// One row per period and series (empty cells where a column does not apply).
pub fn periods_csv(report: &AnalysisReport) -> Result<String, AnalyticsError> {
    let err = |e: csv::Error| AnalyticsError::Write(format!("CSV: {e}"));
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(COLUMNS).map_err(err)?;
    let cell = |x: Option<f64>| x.map(|v| v.to_string()).unwrap_or_default();
    for s in &report.series {
        let cleaned: Vec<f64> = s.history.iter().map(|p| p.cleaned).collect();
        let season = s.frequency.season_length().max(1);
        let ma3 = moving_average(&cleaned, 3);
        let mas = moving_average(&cleaned, season);
        for (i, p) in s.history.iter().enumerate() {
            w.write_record([
                p.date.to_string(),
                s.category.clone(),
                cell(p.value),
                cell(Some(p.cleaned)),
                cell(ma3[i]),
                cell(if season > 1 { mas[i] } else { None }),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ])
            .map_err(err)?;
        }
        for p in s.forecast.iter().flat_map(|f| &f.points) {
            w.write_record([
                p.date.to_string(),
                s.category.clone(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                p.value.to_string(),
                p.lower_80.to_string(),
                p.upper_80.to_string(),
                p.lower_95.to_string(),
                p.upper_95.to_string(),
            ])
            .map_err(err)?;
        }
    }
    let bytes = w
        .into_inner()
        .map_err(|e| AnalyticsError::Write(format!("CSV: {e}")))?;
    String::from_utf8(bytes).map_err(|e| AnalyticsError::Write(format!("CSV is not UTF-8: {e}")))
}
