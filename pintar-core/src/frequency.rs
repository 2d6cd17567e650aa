//! Sampling frequency of a time series.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The regular spacing between observations of a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Frequency {
    /// One observation per day.
    Day,
    /// One observation per week.
    Week,
    /// One observation per calendar month.
    Month,
    /// One observation per calendar quarter.
    Quarter,
    /// One observation per calendar year.
    Year,
}

impl Frequency {
    /// The usual seasonal period: 7 days a week, 52 weeks, 12 months, 4 quarters; 1 for years.
    pub fn season_length(self) -> usize {
        match self {
            Frequency::Day => 7,
            Frequency::Week => 52,
            Frequency::Month => 12,
            Frequency::Quarter => 4,
            Frequency::Year => 1,
        }
    }

    /// Periods per year, used to annualise growth rates (CAGR).
    pub fn periods_per_year(self) -> f64 {
        match self {
            Frequency::Day => 365.25,
            Frequency::Week => 52.18,
            Frequency::Month => 12.0,
            Frequency::Quarter => 4.0,
            Frequency::Year => 1.0,
        }
    }

    /// The lowercase name used in reports and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Frequency::Day => "day",
            Frequency::Week => "week",
            Frequency::Month => "month",
            Frequency::Quarter => "quarter",
            Frequency::Year => "year",
        }
    }
}

impl fmt::Display for Frequency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Frequency {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "d" | "day" | "daily" => Ok(Frequency::Day),
            "w" | "week" | "weekly" => Ok(Frequency::Week),
            "m" | "month" | "monthly" => Ok(Frequency::Month),
            "q" | "quarter" | "quarterly" => Ok(Frequency::Quarter),
            "y" | "a" | "year" | "yearly" | "annual" => Ok(Frequency::Year),
            other => Err(format!(
                "unknown frequency '{other}' (expected day, week, month, quarter or year)"
            )),
        }
    }
}
