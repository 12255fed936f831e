//! The audit trail's table: one row per request, written in batches by the audit
//! writer (`observe/audit`), read by the `audit` commands. The SQL of the table is
//! here rather than in `sqlite.rs` so that the trail reads in one file; it is SQLite's
//! all the same, and another backend replaces it with that file.

use rusqlite::{Connection, Row, ToSql, params};
use serde::Serialize;

use super::{Store, StoreError};

/// Migration 2 (`sqlite::MIGRATIONS`): the table and its one index. Every row is
/// written on the server's own CPU and each index is one more B-tree insertion per row,
/// so only the time is indexed: queries name a window (`--since`), which the index
/// narrows, and filter its rows by tool, outcome or subject.
pub(super) const MIGRATION: &str = "CREATE TABLE audit (
        id             INTEGER PRIMARY KEY,
        at_us          INTEGER NOT NULL,
        outcome        TEXT NOT NULL,
        method         TEXT,
        target         TEXT,
        request_id     TEXT,
        subject        TEXT,
        agent          TEXT,
        auth_method    TEXT,
        client_name    TEXT,
        client_version TEXT,
        client_kind    TEXT NOT NULL,
        transport      TEXT NOT NULL,
        protocol       TEXT,
        latency_us     INTEGER NOT NULL,
        request_bytes  INTEGER,
        response_bytes INTEGER,
        http_status    INTEGER,
        error_code     INTEGER,
        trace_id       TEXT,
        arguments      TEXT,
        detail         TEXT
    ) STRICT;
    CREATE INDEX audit_at ON audit (at_us);";

/// One request as the audit trail keeps it. Never a credential; argument values only as
/// the summary (`arguments`), where fields marked PII are keyed hashes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub(crate) struct AuditRow {
    /// The row's id, increasing; 0 before it is written.
    pub(crate) id: i64,
    /// When the request arrived, in microseconds since the Unix epoch.
    pub(crate) at_us: i64,
    pub(crate) outcome: String,
    pub(crate) method: Option<String>,
    pub(crate) target: Option<String>,
    pub(crate) request_id: Option<String>,
    pub(crate) subject: Option<String>,
    pub(crate) agent: Option<String>,
    pub(crate) auth_method: Option<String>,
    pub(crate) client_name: Option<String>,
    pub(crate) client_version: Option<String>,
    pub(crate) client_kind: String,
    pub(crate) transport: String,
    pub(crate) protocol: Option<String>,
    pub(crate) latency_us: i64,
    pub(crate) request_bytes: Option<i64>,
    pub(crate) response_bytes: Option<i64>,
    pub(crate) http_status: Option<i64>,
    pub(crate) error_code: Option<i64>,
    pub(crate) trace_id: Option<String>,
    pub(crate) arguments: Option<String>,
    pub(crate) detail: Option<String>,
}

const COLUMNS: &str = "id, at_us, outcome, method, target, request_id, subject, agent, auth_method, \
     client_name, client_version, client_kind, transport, protocol, latency_us, request_bytes, \
     response_bytes, http_status, error_code, trace_id, arguments, detail";

fn row(r: &Row<'_>) -> rusqlite::Result<AuditRow> {
    Ok(AuditRow {
        id: r.get(0)?,
        at_us: r.get(1)?,
        outcome: r.get(2)?,
        method: r.get(3)?,
        target: r.get(4)?,
        request_id: r.get(5)?,
        subject: r.get(6)?,
        agent: r.get(7)?,
        auth_method: r.get(8)?,
        client_name: r.get(9)?,
        client_version: r.get(10)?,
        client_kind: r.get(11)?,
        transport: r.get(12)?,
        protocol: r.get(13)?,
        latency_us: r.get(14)?,
        request_bytes: r.get(15)?,
        response_bytes: r.get(16)?,
        http_status: r.get(17)?,
        error_code: r.get(18)?,
        trace_id: r.get(19)?,
        arguments: r.get(20)?,
        detail: r.get(21)?,
    })
}

/// A connection of the audit writer's own, so a write that waits for another
/// process's lock holds up no request.
pub(crate) fn connect(file: &std::path::Path) -> rusqlite::Result<Connection> {
    super::sqlite::connect(file)
}

/// Writes `rows` in one transaction: all of them, or none.
pub(crate) fn insert(conn: &mut Connection, rows: &[AuditRow]) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    {
        let mut statement = tx.prepare_cached(&format!(
            "INSERT INTO audit ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, \
             ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)",
            COLUMNS.trim_start_matches("id, ")
        ))?;
        for r in rows {
            statement.execute(params![
                r.at_us,
                r.outcome,
                r.method,
                r.target,
                r.request_id,
                r.subject,
                r.agent,
                r.auth_method,
                r.client_name,
                r.client_version,
                r.client_kind,
                r.transport,
                r.protocol,
                r.latency_us,
                r.request_bytes,
                r.response_bytes,
                r.http_status,
                r.error_code,
                r.trace_id,
                r.arguments,
                r.detail,
            ])?;
        }
    }
    tx.commit()
}

/// Deletes the rows of requests that arrived before `before_us`; how many.
pub(crate) fn delete_before(conn: &Connection, before_us: i64) -> rusqlite::Result<usize> {
    conn.execute("DELETE FROM audit WHERE at_us < ?1", [before_us])
}

/// What `audit query` and `audit tail` select. Every filter is optional.
#[derive(Debug, Clone, Default)]
pub(crate) struct AuditFilter {
    /// The tool, prompt or resource URI.
    pub(crate) target: Option<String>,
    pub(crate) outcome: Option<String>,
    pub(crate) subject: Option<String>,
    /// Requests that arrived at or after this time (microseconds since the epoch).
    pub(crate) since_us: Option<i64>,
    /// Rows with a greater id (`audit tail --follow`).
    pub(crate) after_id: Option<i64>,
    /// At most this many rows: the most recent ones.
    pub(crate) limit: Option<u32>,
}

/// A condition of a query, with its value, when the value is given.
fn clause<'v, T: ToSql>(
    sql: &'static str,
    value: Option<&'v T>,
) -> Option<(&'static str, &'v dyn ToSql)> {
    value.map(|v| (sql, v as &dyn ToSql))
}

/// The rows `filter` selects, oldest first.
fn select(conn: &Connection, filter: &AuditFilter) -> rusqlite::Result<Vec<AuditRow>> {
    let (clauses, values): (Vec<&str>, Vec<&dyn ToSql>) = [
        clause("target = ?", filter.target.as_ref()),
        clause("outcome = ?", filter.outcome.as_ref()),
        clause("subject = ?", filter.subject.as_ref()),
        clause("at_us >= ?", filter.since_us.as_ref()),
        clause("id > ?", filter.after_id.as_ref()),
    ]
    .into_iter()
    .flatten()
    .unzip();
    let filter_sql = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    let limit = filter.limit.map_or(-1, i64::from);
    let sql = format!(
        "SELECT * FROM (SELECT {COLUMNS} FROM audit {filter_sql} ORDER BY id DESC LIMIT {limit}) ORDER BY id"
    );
    let mut statement = conn.prepare(&sql)?;
    let rows = statement.query_map(values.as_slice(), row)?;
    rows.collect()
}

impl Store {
    /// The audit rows `filter` selects, oldest first, for the `audit` commands.
    ///
    /// # Errors
    /// The store cannot be read.
    pub(crate) fn audit_rows(&self, filter: &AuditFilter) -> Result<Vec<AuditRow>, StoreError> {
        let conn = self.inner.lock_writer();
        select(&conn, filter).map_err(|e| self.inner.db_error("read the audit trail of", &e))
    }
}
