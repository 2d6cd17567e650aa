//! End-to-end behaviour of the analytics engine on small, hand-checked inputs.

use pintar_core::analytics::{InputFormat, analyze_bytes};
use pintar_core::options::{AnalysisOptions, OutlierPolicy};
use pintar_core::report::{AnalysisReport, Direction, SeriesStatus};
use pintar_core::{AnalyticsError, Frequency};

fn monthly_csv(category: &str, values: &[f64]) -> String {
    let mut out = String::from("date,category,value\n");
    for (i, v) in values.iter().enumerate() {
        out.push_str(&format!(
            "{}-{:02}-01,{category},{v}\n",
            2015 + i / 12,
            i % 12 + 1
        ));
    }
    out
}

fn seasonal(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| {
            let noise = ((i * 7919 % 23) as f64 - 11.0) * 0.8;
            ((500.0 + 4.0 * i as f64)
                * (1.0 + 0.2 * (i as f64 * std::f64::consts::TAU / 12.0).sin())
                + noise)
                .round()
        })
        .collect()
}

fn analyze(text: &str) -> AnalysisReport {
    analyze_bytes(
        text.as_bytes(),
        InputFormat::sniff(text.as_bytes()),
        &AnalysisOptions::default(),
    )
    .expect("analysis succeeds")
}

#[test]
fn rows_in_any_order_give_the_same_report() {
    let _timing = crate::timing::shared();
    // The original Python version analysed rows in file order; shuffling must not matter.
    let csv = monthly_csv("coffee", &seasonal(60));
    let mut lines: Vec<&str> = csv.lines().skip(1).collect();
    lines.reverse();
    lines.swap(3, 40);
    let shuffled = format!("date,category,value\n{}\n", lines.join("\n"));
    let a = analyze(&csv);
    let b = analyze(&shuffled);
    assert_eq!(a.series, b.series);
    let s = &a.series[0];
    assert_eq!(s.frequency, Frequency::Month);
    assert_eq!(s.start.to_string(), "2015-01-01");
    assert_eq!(
        s.trend.as_ref().expect("trend").direction,
        Direction::Increasing
    );
}

#[test]
fn forecast_is_dated_after_the_history_with_ordered_bands() {
    let _timing = crate::timing::shared();
    let r = analyze(&monthly_csv("tea", &seasonal(72)));
    let s = &r.series[0];
    assert_eq!(s.status, SeriesStatus::Ok);
    let f = s.forecast.as_ref().expect("forecast");
    assert_eq!(f.points.len(), 12, "default horizon is one season");
    assert_eq!(f.points[0].date.to_string(), "2021-01-01");
    assert_eq!(f.points[11].date.to_string(), "2021-12-01");
    for p in &f.points {
        assert!(p.lower_95 <= p.lower_80 && p.lower_80 <= p.value, "{p:?}");
        assert!(p.value <= p.upper_80 && p.upper_80 <= p.upper_95, "{p:?}");
    }
    assert!(f.backtest.mase.is_finite() && f.backtest.smape.is_finite());
    assert!(f.candidates.len() >= 6, "every model of the pool is scored");
    let season = s.seasonality.as_ref().expect("seasonality");
    assert_eq!(season.period, 12);
    assert!(season.detected && season.strength > 0.5, "{season:?}");
}

#[test]
fn dirty_rows_are_cleaned_and_reported() {
    let _timing = crate::timing::shared();
    let mut values = seasonal(48);
    values[20] *= 12.0; // a spike
    let mut csv = monthly_csv("rubber", &values);
    csv.push_str("2016-03-01,rubber,999999\n"); // second value for a month: summed
    csv.push_str("2015-01-01,rubber,495\n"); // exact repeat of the first row: dropped
    csv.push_str("2019-01-01,rubber,\n"); // empty value
    csv.push_str("someday,rubber,5\n"); // unreadable date
    let first = csv.lines().nth(1).expect("row").to_string();
    csv.push_str(&format!("{first}\n"));
    let r = analyze(&csv);
    let q = &r.series[0].quality;
    assert_eq!(q.duplicate_rows, 1);
    assert_eq!(
        q.duplicate_dates, 2,
        "the summed row and the empty-valued duplicate month"
    );
    assert_eq!(q.invalid_rows, 1);
    assert!(
        q.outliers
            .iter()
            .any(|o| o.date.to_string() == "2016-09-01"),
        "{:?}",
        q.outliers
    );
    let spike = q
        .outliers
        .iter()
        .find(|o| o.date.to_string() == "2016-09-01")
        .expect("spike");
    assert!(spike.replaced_with < spike.value / 3.0);
    let w = &r.summary.warnings[0];
    assert_eq!((w.row, w.column.as_str()), (52, "date"));
    assert_eq!(r.summary.invalid_rows, 1);
}

#[test]
fn keep_policy_leaves_values_alone() {
    let _timing = crate::timing::shared();
    let mut values = seasonal(48);
    values[20] *= 12.0;
    let opts = AnalysisOptions {
        outliers: OutlierPolicy::Keep,
        ..AnalysisOptions::default()
    };
    let csv = monthly_csv("x", &values);
    let r = analyze_bytes(csv.as_bytes(), InputFormat::Csv, &opts).expect("analysis");
    let o = &r.series[0].quality.outliers;
    assert!(!o.is_empty());
    assert!(o.iter().all(|o| o.value == o.replaced_with));
    assert_eq!(r.series[0].history[20].cleaned, values[20]);
}

#[test]
fn json_and_csv_of_the_same_data_agree() {
    let _timing = crate::timing::shared();
    let values = seasonal(40);
    let csv = monthly_csv("cocoa", &values);
    let records: Vec<String> = values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            format!(
                r#"{{"Date":"{}-{:02}","Category":"cocoa","Value":{v}}}"#,
                2015 + i / 12,
                i % 12 + 1
            )
        })
        .collect();
    let json = format!(r#"{{"data":[{}]}}"#, records.join(","));
    assert_eq!(analyze(&csv).series, analyze(&json).series);
}

#[test]
fn wide_quarterly_input() {
    let _timing = crate::timing::shared();
    let mut csv = String::from("Quarter,Coffee,Tea\n");
    for i in 0..24 {
        csv.push_str(&format!(
            "{}-Q{},{},{}\n",
            2018 + i / 4,
            i % 4 + 1,
            100 + i * 3,
            50 + (i % 4) * 10
        ));
    }
    let r = analyze(&csv);
    assert_eq!(r.summary.layout, "wide");
    assert_eq!(r.series.len(), 2);
    let coffee = &r.series[0];
    assert_eq!(
        (coffee.category.as_str(), coffee.frequency),
        ("Coffee", Frequency::Quarter)
    );
    let f = coffee.forecast.as_ref().expect("forecast");
    assert_eq!(f.points.len(), 4);
    assert_eq!(f.points[0].date.to_string(), "2024-01-01");
}

#[test]
fn short_and_constant_series_are_reported_not_failed() {
    let _timing = crate::timing::shared();
    let csv = "date,category,value\n2024-01,a,1\n2024-02,a,2\n2024-01,b,5\n2024-02,b,5\n2024-03,b,5\n2024-04,b,5\n2024-05,b,5\n";
    let r = analyze(csv);
    let a = &r.series[0];
    assert_eq!(a.status, SeriesStatus::TooShort);
    assert!(a.forecast.is_none() && a.trend.is_none());
    assert_eq!(a.stats.count, 2);
    let b = &r.series[1];
    assert_eq!(b.status, SeriesStatus::Constant);
    let f = b.forecast.as_ref().expect("flat forecast");
    assert!(f.points.iter().all(|p| p.value == 5.0 && p.upper_95 == 5.0));
}

#[test]
fn yearly_data_defaults_to_five_periods() {
    let _timing = crate::timing::shared();
    let mut csv = String::from("year,value\n");
    for (i, y) in (1990..2020).enumerate() {
        csv.push_str(&format!("{y},{}\n", 1000 + i * 37 % 90 + i * 10));
    }
    let r = analyze(&csv);
    let s = &r.series[0];
    assert_eq!(s.frequency, Frequency::Year);
    assert_eq!(s.forecast.as_ref().expect("forecast").points.len(), 5);
    assert!(s.growth.cagr_pct.is_some());
}

#[test]
fn report_round_trips_through_json() {
    let _timing = crate::timing::shared();
    let r = analyze(&monthly_csv("nickel", &seasonal(50)));
    let text = serde_json::to_string(&r).expect("encode");
    let back: AnalysisReport = serde_json::from_str(&text).expect("decode");
    assert_eq!(serde_json::to_string(&back).expect("encode again"), text);
    let v: serde_json::Value = serde_json::from_str(&text).expect("json");
    for key in [
        "category",
        "frequency",
        "quality",
        "stats",
        "trend",
        "growth",
        "seasonality",
        "forecast",
    ] {
        assert!(v["series"][0].get(key).is_some(), "missing {key}");
    }
    for key in [
        "date", "value", "lower_80", "upper_80", "lower_95", "upper_95",
    ] {
        assert!(
            v["series"][0]["forecast"]["points"][0].get(key).is_some(),
            "missing {key}"
        );
    }
}

#[test]
fn errors_name_what_is_wrong() {
    let _timing = crate::timing::shared();
    let err = |text: &str, opts: AnalysisOptions| {
        analyze_bytes(text.as_bytes(), InputFormat::sniff(text.as_bytes()), &opts)
            .expect_err("should fail")
            .to_string()
    };
    let d = AnalysisOptions::default;
    assert!(err("date,category,value\nnope,a,1\n", d()).contains("row 1, column 'date'"));
    assert!(err("when,value\n2024-01,1\n", d()).contains("no date column"));
    assert!(err("{\"data\": 5}", d()).contains("\"data\" array"));
    assert!(err("[1, 2]", d()).contains("record 1 is not an object"));
    let only_x = AnalysisOptions {
        categories: vec!["x".into()],
        ..d()
    };
    assert!(err("date,category,value\n2024-01,a,1\n", only_x).contains("available: a"));
    let bad_h = AnalysisOptions {
        horizon: Some(0),
        ..d()
    };
    assert!(matches!(
        analyze_bytes(b"date,value\n2024-01,1\n", InputFormat::Csv, &bad_h),
        Err(AnalyticsError::InvalidOption(_))
    ));
}

#[test]
fn forecasts_of_a_non_negative_series_stay_non_negative() {
    let _timing = crate::timing::shared();
    // Exports collapsing towards zero: a linear model would forecast below it.
    let falling: Vec<f64> = (0..36)
        .map(|i| (1000.0 - 30.0 * i as f64 + ((i * 7) % 5) as f64).max(0.0))
        .collect();
    let r = analyze_bytes(
        monthly_csv("tin", &falling).as_bytes(),
        InputFormat::Csv,
        &AnalysisOptions {
            horizon: Some(24),
            ..AnalysisOptions::default()
        },
    )
    .expect("analysis succeeds");
    let points = &r.series[0].forecast.as_ref().expect("forecast").points;
    assert!(points.iter().any(|p| p.lower_95 == 0.0), "{points:?}");
    for p in points {
        for x in [p.value, p.lower_80, p.upper_80, p.lower_95, p.upper_95] {
            assert!(x >= 0.0, "{p:?}");
        }
    }
    // A series that has been negative is left alone.
    let mut signed = falling.clone();
    signed[3] = -5.0;
    let r = analyze_bytes(
        monthly_csv("balance", &signed).as_bytes(),
        InputFormat::Csv,
        &AnalysisOptions {
            horizon: Some(24),
            outliers: OutlierPolicy::Keep,
            ..AnalysisOptions::default()
        },
    )
    .expect("analysis succeeds");
    let points = &r.series[0].forecast.as_ref().expect("forecast").points;
    assert!(points.iter().any(|p| p.lower_95 < 0.0), "{points:?}");
}
