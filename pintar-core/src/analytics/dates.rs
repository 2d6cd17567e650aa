//! Date parsing (several common forms plus an explicit format) and period arithmetic.

use crate::Frequency;
use chrono::{Datelike, Days, NaiveDate, NaiveDateTime};

/// Parses one date cell. Accepted forms, tried in order: the explicit `format` (if any), then
/// `YYYY-MM-DD` (also with `/` or `.`, and with a time part), `YYYY-MM`, `YYYY-Qn` / `YYYYQn` /
/// `Qn YYYY`, and a bare `YYYY`. Returns the first day of the period for partial dates.
pub fn parse_date(raw: &str, format: Option<&str>) -> Option<NaiveDate> {
    let s = raw.trim().trim_matches('"').trim();
    if s.is_empty() {
        return None;
    }
    if let Some(fmt) = format {
        if let Ok(d) = NaiveDate::parse_from_str(s, fmt) {
            return Some(d);
        }
        if let Ok(dt) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(dt.date());
        }
        // A format without a day (e.g. `%Y-%m`): complete it with day 1.
        if let Ok(d) = NaiveDate::parse_from_str(&format!("{s}-01"), &format!("{fmt}-%d")) {
            return Some(d);
        }
    }
    let bytes = s.as_bytes();
    // Quarter forms: 2024-Q3, 2024Q3, 2024 Q3, Q3 2024, Q3-2024.
    let upper = s.to_ascii_uppercase();
    if let Some(qpos) = upper.find('Q') {
        let (a, b) = (&upper[..qpos], &upper[qpos + 1..]);
        let a = a.trim_matches(|c: char| c == '-' || c == ' ' || c == '/');
        let b = b.trim_matches(|c: char| c == '-' || c == ' ' || c == '/');
        let (year, quarter) = if a.len() == 4 {
            (a.parse::<i32>().ok()?, b.parse::<u32>().ok()?)
        } else if a.is_empty() && b.len() >= 6 {
            let (q, y) = b.split_at(1);
            (
                y.trim_matches(|c: char| c == '-' || c == ' ' || c == '/')
                    .parse::<i32>()
                    .ok()?,
                q.parse::<u32>().ok()?,
            )
        } else {
            return None;
        };
        if !(1..=4).contains(&quarter) {
            return None;
        }
        return NaiveDate::from_ymd_opt(year, (quarter - 1) * 3 + 1, 1);
    }
    if bytes.len() == 4 && bytes.iter().all(u8::is_ascii_digit) {
        return NaiveDate::from_ymd_opt(s.parse().ok()?, 1, 1);
    }
    // Normalise separators so one parser serves 2024-01-31, 2024/01/31 and 2024.01.31.
    let norm: String = s
        .chars()
        .map(|c| if c == '/' || c == '.' { '-' } else { c })
        .collect();
    let date_part = norm.split(['T', ' ']).next().unwrap_or(&norm);
    if let Ok(d) = NaiveDate::parse_from_str(date_part, "%Y-%m-%d") {
        return Some(d);
    }
    let mut parts = date_part.split('-');
    if let (Some(y), Some(m), None) = (parts.next(), parts.next(), parts.next())
        && y.len() == 4
    {
        return NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, 1);
    }
    None
}

/// An integer index of the period a date falls in, so that consecutive periods differ by one.
/// Weeks count from `anchor` (the first date of the series).
pub fn period_index(date: NaiveDate, freq: Frequency, anchor: NaiveDate) -> i64 {
    match freq {
        Frequency::Day => i64::from(date.num_days_from_ce()),
        Frequency::Week => (date - anchor).num_days().div_euclid(7),
        Frequency::Month => i64::from(date.year()) * 12 + i64::from(date.month0()),
        Frequency::Quarter => i64::from(date.year()) * 4 + i64::from(date.month0() / 3),
        Frequency::Year => i64::from(date.year()),
    }
}

/// The first day of the period with the given index (inverse of [`period_index`]).
pub fn period_start(index: i64, freq: Frequency, anchor: NaiveDate) -> Option<NaiveDate> {
    match freq {
        Frequency::Day => NaiveDate::from_num_days_from_ce_opt(i32::try_from(index).ok()?),
        Frequency::Week => {
            let days = index.checked_mul(7)?;
            if days >= 0 {
                anchor.checked_add_days(Days::new(u64::try_from(days).ok()?))
            } else {
                anchor.checked_sub_days(Days::new(days.unsigned_abs()))
            }
        }
        Frequency::Month => {
            let year = i32::try_from(index.div_euclid(12)).ok()?;
            NaiveDate::from_ymd_opt(year, u32::try_from(index.rem_euclid(12)).ok()? + 1, 1)
        }
        Frequency::Quarter => {
            let year = i32::try_from(index.div_euclid(4)).ok()?;
            NaiveDate::from_ymd_opt(year, u32::try_from(index.rem_euclid(4)).ok()? * 3 + 1, 1)
        }
        Frequency::Year => NaiveDate::from_ymd_opt(i32::try_from(index).ok()?, 1, 1),
    }
}

/// Detects the frequency from sorted dates by the lower quartile of the gaps between distinct
/// dates (robust to missing periods, which only lengthen gaps). Returns `None` when there are
/// fewer than two distinct dates.
pub fn detect_frequency(sorted: &[NaiveDate]) -> Option<Frequency> {
    let mut gaps: Vec<i64> = sorted
        .windows(2)
        .map(|w| (w[1] - w[0]).num_days())
        .filter(|&g| g > 0)
        .collect();
    if gaps.is_empty() {
        return None;
    }
    let quartile = gaps.len() / 4;
    let (_, typical, _) = gaps.select_nth_unstable(quartile);
    Some(match *typical {
        ..=3 => Frequency::Day,
        4..=10 => Frequency::Week,
        11..=45 => Frequency::Month,
        46..=135 => Frequency::Quarter,
        _ => Frequency::Year,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid test date")
    }

    #[test]
    fn parses_the_documented_forms() {
        assert_eq!(parse_date("2024-03-15", None), Some(d(2024, 3, 15)));
        assert_eq!(parse_date("2024/03/15", None), Some(d(2024, 3, 15)));
        assert_eq!(
            parse_date("2024-03-15T10:20:00Z", None),
            Some(d(2024, 3, 15))
        );
        assert_eq!(parse_date("2024-03", None), Some(d(2024, 3, 1)));
        assert_eq!(parse_date("2024", None), Some(d(2024, 1, 1)));
        assert_eq!(parse_date("2024-Q3", None), Some(d(2024, 7, 1)));
        assert_eq!(parse_date("2024Q4", None), Some(d(2024, 10, 1)));
        assert_eq!(parse_date("Q2 2024", None), Some(d(2024, 4, 1)));
        assert_eq!(
            parse_date("15/03/2024", Some("%d/%m/%Y")),
            Some(d(2024, 3, 15))
        );
        assert_eq!(parse_date("03.2024", Some("%m.%Y")), Some(d(2024, 3, 1)));
    }

    #[test]
    fn rejects_garbage() {
        for s in [
            "",
            "abc",
            "2024-13",
            "2024-Q5",
            "Q",
            "20245",
            "2024-02-30",
            "ΩΩ",
        ] {
            assert_eq!(parse_date(s, None), None, "{s}");
        }
    }

    #[test]
    fn period_index_round_trips() {
        let anchor = d(2020, 1, 6);
        for freq in [
            Frequency::Day,
            Frequency::Week,
            Frequency::Month,
            Frequency::Quarter,
            Frequency::Year,
        ] {
            let i = period_index(d(2021, 5, 1), freq, anchor);
            let start = period_start(i, freq, anchor).expect("in range");
            assert_eq!(period_index(start, freq, anchor), i, "{freq}");
        }
    }

    #[test]
    fn detects_frequency_from_gaps() {
        let months: Vec<_> = (1..=12).map(|m| d(2024, m, 1)).collect();
        assert_eq!(detect_frequency(&months), Some(Frequency::Month));
        let years: Vec<_> = (2000..2010).map(|y| d(y, 1, 1)).collect();
        assert_eq!(detect_frequency(&years), Some(Frequency::Year));
        assert_eq!(detect_frequency(&[d(2024, 1, 1)]), None);
        // Monthly with a third of the months missing is still monthly.
        let gappy: Vec<_> = (1..=12)
            .filter(|m| m % 3 != 0)
            .map(|m| d(2024, m, 1))
            .collect();
        assert_eq!(detect_frequency(&gappy), Some(Frequency::Month));
    }
}
