//! Activity over time: one metric per day or week, with a forecast from the analytics
//! engine (`pintar_core::analytics::forecast`, the engine behind `POST /analytics/analyze`).

use super::{dialect, rows, start_of};
use crate::error::ServerError;
use crate::learning::activity::Kind;
use chrono::{Datelike, Days, NaiveDate};
use pintar_core::Frequency;
use pintar_core::analytics::forecast::{MIN_POINTS, Z80, Z95, auto_forecast};
use pintar_core::api::{
    ActivityForecast, ActivityForecastPoint, ActivityInterval, ActivityMetric, ActivityPoint,
};
use sea_orm::{ConnectionTrait, Value};
use std::collections::HashMap;
use uuid::Uuid;

/// The periods a series covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Day or week.
    pub interval: ActivityInterval,
    /// First day of the first period.
    pub first: NaiveDate,
    /// Periods.
    pub periods: u32,
}

impl Window {
    /// `periods` periods of `interval`, the last one holding `to`; `None` when that reaches
    /// outside the calendar.
    pub fn ending(interval: ActivityInterval, to: NaiveDate, periods: u32) -> Option<Self> {
        let last = match interval {
            ActivityInterval::Day => to,
            ActivityInterval::Week => {
                to.checked_sub_days(Days::new(u64::from(to.weekday().num_days_from_monday())))?
            }
        };
        let back = u64::from(periods.checked_sub(1)?) * u64::from(Self::days(interval));
        Some(Self {
            interval,
            first: last.checked_sub_days(Days::new(back))?,
            periods,
        })
    }

    fn days(interval: ActivityInterval) -> u32 {
        match interval {
            ActivityInterval::Day => 1,
            ActivityInterval::Week => 7,
        }
    }

    /// First day of period `k` (from 0), and of the periods after the last.
    pub fn date(&self, k: u32) -> Option<NaiveDate> {
        self.first.checked_add_days(Days::new(
            u64::from(k) * u64::from(Self::days(self.interval)),
        ))
    }

    /// Last day of the last period.
    pub fn last_day(&self) -> Option<NaiveDate> {
        self.date(self.periods)?.pred_opt()
    }

    /// The engine's frequency for this interval (its season length drives the forecast).
    pub fn frequency(&self) -> Frequency {
        match self.interval {
            ActivityInterval::Day => Frequency::Day,
            ActivityInterval::Week => Frequency::Week,
        }
    }
}

/// The value of `metric` in each period of `window` (0 where nothing happened), for one
/// course or the whole platform: one `GROUP BY` over the window's events.
pub async fn series<C: ConnectionTrait>(
    conn: &C,
    metric: ActivityMetric,
    window: &Window,
    course: Option<Uuid>,
) -> Result<Vec<ActivityPoint>, ServerError> {
    let backend = conn.get_database_backend();
    let end = window
        .date(window.periods)
        .ok_or_else(|| super::invalid("to", "is too late"))?;
    let bucket = match window.interval {
        ActivityInterval::Day => dialect::day(backend, "created_at"),
        ActivityInterval::Week => dialect::week(backend, "created_at"),
    };
    let (kind, value) = match metric {
        ActivityMetric::Enrollments => (Some(Kind::Enrolled), "COUNT(*)"),
        ActivityMetric::ContentOpens => (Some(Kind::ContentOpened), "COUNT(*)"),
        ActivityMetric::Completions => (Some(Kind::CourseCompleted), "COUNT(*)"),
        ActivityMetric::QuizAttempts => (Some(Kind::QuizAttempted), "COUNT(*)"),
        ActivityMetric::ActiveLearners => (None, "COUNT(DISTINCT user_id)"),
    };
    let mut filter = String::from("created_at >= $1 AND created_at < $2");
    let mut values = vec![
        Value::from(start_of(window.first)),
        Value::from(start_of(end)),
    ];
    if let Some(k) = kind {
        filter.push_str(&format!(" AND kind = '{}'", k.as_str()));
    }
    if let Some(c) = course {
        values.push(Value::from(c));
        filter.push_str(&format!(" AND course_id = ${}", values.len()));
    }
    let text = dialect::period_text(backend, "period");
    let sql = format!(
        "SELECT {text} AS period, value FROM ( \
           SELECT {bucket} AS period, {value} AS value FROM activity_events \
           WHERE {filter} GROUP BY 1) t"
    );
    let mut found: HashMap<NaiveDate, f64> = HashMap::new();
    for r in rows(conn, &sql, values).await? {
        let period: String = r.try_get("", "period")?;
        let date = NaiveDate::parse_from_str(&period, "%Y-%m-%d")
            .map_err(|e| ServerError::Internal(format!("stored period {period:?}: {e}")))?;
        found.insert(date, super::count(&r, "value")? as f64);
    }
    (0..window.periods)
        .map(|k| {
            let date = window
                .date(k)
                .ok_or_else(|| super::invalid("to", "is too late"))?;
            Ok(ActivityPoint {
                date,
                value: found.get(&date).copied().unwrap_or(0.0),
            })
        })
        .collect()
}

/// The forecast of `values` (one per period of `window`) for `horizon` periods, from the
/// engine's model pool, never below zero (the metrics are counts); or why there is none.
/// CPU work: call it off the async runtime.
pub fn forecast(values: &[f64], window: &Window, horizon: u32) -> Result<ActivityForecast, String> {
    let h = horizon as usize;
    let dates: Vec<NaiveDate> = (window.periods..window.periods + horizon)
        .map(|k| window.date(k))
        .collect::<Option<_>>()
        .ok_or("the forecast would reach past the calendar")?;
    let n = values.len();
    if n < MIN_POINTS {
        return Err(format!(
            "{n} period(s): at least {MIN_POINTS} are needed for a forecast"
        ));
    }
    if values.iter().all(|v| *v == values[0]) {
        let v = values[0];
        return Ok(ActivityForecast {
            model: "constant".into(),
            mase: Some(0.0),
            smape: Some(0.0),
            holdout: 0,
            points: dates
                .iter()
                .map(|&date| ActivityForecastPoint {
                    date,
                    value: v,
                    lower_80: v,
                    upper_80: v,
                    lower_95: v,
                    upper_95: v,
                })
                .collect(),
        });
    }
    let period = window.frequency().season_length();
    let f = auto_forecast(values, period, h).ok_or("no model could forecast this series")?;
    let (lo80, hi80) = f.prediction.bounds(Z80);
    let (lo95, hi95) = f.prediction.bounds(Z95);
    let chosen = f.validations.iter().find(|v| v.method == f.method);
    let finite = |x: f64| x.is_finite().then_some(x);
    let floor = |x: f64| x.max(0.0);
    Ok(ActivityForecast {
        model: f.prediction.label.clone(),
        mase: chosen.and_then(|v| finite(v.mase)),
        smape: chosen.and_then(|v| finite(v.smape)),
        holdout: u32::try_from(f.holdout).unwrap_or(u32::MAX),
        points: dates
            .iter()
            .enumerate()
            .map(|(k, &date)| ActivityForecastPoint {
                date,
                value: floor(f.prediction.point[k]),
                lower_80: floor(lo80[k]),
                upper_80: floor(hi80[k]),
                lower_95: floor(lo95[k]),
                upper_95: floor(hi95[k]),
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn windows_end_with_the_period_holding_to() {
        let w = Window::ending(ActivityInterval::Week, d("2026-11-26"), 3).expect("window");
        assert_eq!(w.first, d("2026-11-09"), "a Monday, two weeks before");
        assert_eq!(w.last_day(), Some(d("2026-11-29")));
        let w = Window::ending(ActivityInterval::Day, d("2026-11-26"), 1).expect("window");
        assert_eq!(
            (w.first, w.last_day()),
            (d("2026-11-26"), Some(d("2026-11-26")))
        );
        assert!(Window::ending(ActivityInterval::Day, d("2026-11-26"), 0).is_none());
    }

    #[test]
    fn forecasts_are_dated_and_never_negative() {
        let w = Window::ending(ActivityInterval::Day, d("2026-11-26"), 28).expect("window");
        // A falling series that a trend model would carry below zero.
        let values: Vec<f64> = (0..28).map(|i| (27 - i) as f64 + (i % 3) as f64).collect();
        let f = forecast(&values, &w, 30).expect("forecast");
        assert_eq!(f.points.len(), 30);
        assert_eq!(f.points[0].date, d("2026-11-27"));
        assert!(f.points.iter().all(|p| p.value >= 0.0 && p.lower_95 >= 0.0));
        let flat = forecast(&[2.0; 10], &w, 3).expect("flat");
        assert_eq!(flat.model, "constant");
        assert!(forecast(&[1.0, 2.0], &w, 3).is_err());
    }
}
