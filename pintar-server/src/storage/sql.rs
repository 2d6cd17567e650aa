//! Raw SQL for the few queries the query builder does not express well (aggregates, one
//! join), written once for both engines with PostgreSQL's `$1` placeholders.

use crate::error::ServerError;
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement, Value};

/// A statement for `conn`'s engine from SQL written with PostgreSQL's `$1`, `$2`, …
/// placeholders (rewritten to SQLite's equivalent `?1`, `?2`, … there).
pub fn statement(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    let sql = match backend {
        DbBackend::Sqlite => {
            let mut out = String::with_capacity(sql.len());
            let mut chars = sql.chars().peekable();
            while let Some(c) = chars.next() {
                if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
                    out.push('?');
                } else {
                    out.push(c);
                }
            }
            out
        }
        _ => sql.to_owned(),
    };
    Statement::from_sql_and_values(backend, sql, values)
}

/// `$first, $first+1, …` for `n` values (an `IN` list).
pub fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Runs `sql` with `values` and returns every row.
pub async fn rows<C: ConnectionTrait>(
    conn: &C,
    sql: &str,
    values: Vec<Value>,
) -> Result<Vec<QueryResult>, ServerError> {
    let backend = conn.get_database_backend();
    Ok(conn.query_all_raw(statement(backend, sql, values)).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_follow_the_engine() {
        let s = statement(
            DbBackend::Sqlite,
            "SELECT json_extract(m, '$.score') WHERE a = $1 AND b IN ($2, $3) AND c = $1",
            vec![],
        );
        assert_eq!(
            s.sql,
            "SELECT json_extract(m, '$.score') WHERE a = ?1 AND b IN (?2, ?3) AND c = ?1"
        );
        let s = statement(DbBackend::Postgres, "x = $12", vec![]);
        assert_eq!(s.sql, "x = $12");
        assert_eq!(placeholders(3, 3), "$3, $4, $5");
    }
}
