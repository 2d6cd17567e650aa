//! The few SQL spellings that differ between SQLite and PostgreSQL. Timestamps are stored
//! as RFC 3339 text in UTC on SQLite and as `timestamptz` on PostgreSQL.

use sea_orm::DbBackend;

/// The UTC day of timestamp column `col`, as a value to group by (format it with
/// [`period_text`]).
pub fn day(backend: DbBackend, col: &str) -> String {
    match backend {
        DbBackend::Sqlite => format!("substr({col}, 1, 10)"),
        _ => format!("date_trunc('day', {col} AT TIME ZONE 'UTC')"),
    }
}

/// The Monday starting the ISO week (UTC) of timestamp column `col`, as a value to group by
/// (format it with [`period_text`]).
pub fn week(backend: DbBackend, col: &str) -> String {
    match backend {
        // The next Sunday (or the day itself when a Sunday), less six days.
        DbBackend::Sqlite => format!("date(substr({col}, 1, 10), 'weekday 0', '-6 days')"),
        _ => format!("date_trunc('week', {col} AT TIME ZONE 'UTC')"),
    }
}

/// A [`day`] or [`week`] value as `YYYY-MM-DD` text (formatting once per group, not per row).
pub fn period_text(backend: DbBackend, col: &str) -> String {
    match backend {
        DbBackend::Sqlite => col.to_owned(),
        _ => format!("to_char({col}, 'YYYY-MM-DD')"),
    }
}

/// Seconds from timestamp `from` to timestamp `to`, as a double.
pub fn seconds_between(backend: DbBackend, from: &str, to: &str) -> String {
    match backend {
        DbBackend::Sqlite => format!("((julianday({to}) - julianday({from})) * 86400.0)"),
        _ => format!("CAST(EXTRACT(EPOCH FROM ({to} - {from})) AS DOUBLE PRECISION)"),
    }
}

/// The number under `key` of JSON column `col`, as a double (NULL when absent).
pub fn json_number(backend: DbBackend, col: &str, key: &str) -> String {
    match backend {
        DbBackend::Sqlite => format!("CAST(json_extract({col}, '$.{key}') AS REAL)"),
        _ => format!("CAST(({col} ->> '{key}') AS DOUBLE PRECISION)"),
    }
}
