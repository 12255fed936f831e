//! The SQLite backend: opening the file, the schema migrations, and the SQL of each
//! table. Everything SQLite-specific is here, so that another backend (PostgreSQL, for
//! several instances) replaces this file and not the logic around it.

use std::{
    path::Path,
    time::{Duration, Instant},
};

use rusqlite::{Connection, OpenFlags, OptionalExtension, Row, TransactionBehavior, params};

use super::tokens::ManagedToken;

/// The file in the data directory.
pub(super) const FILE_NAME: &str = "store.sqlite3";

/// How long a statement waits for another process's write lock before it fails: long
/// enough for a `token` command and the running server to share the file unnoticed.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// One step of the schema. Steps are applied in order, each once, and never edited
/// once released: a change to the schema is a new step.
struct Migration {
    version: i64,
    name: &'static str,
    sql: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "managed tokens",
        // Times are unix seconds. Scopes are space-separated, as in OAuth's `scope`.
        sql: "CREATE TABLE tokens (
              id           TEXT PRIMARY KEY,
              hash         BLOB NOT NULL UNIQUE,
              prefix       TEXT NOT NULL,
              subject      TEXT NOT NULL,
              scopes       TEXT NOT NULL,
              note         TEXT,
              created_at   INTEGER NOT NULL,
              expires_at   INTEGER,
              revoked_at   INTEGER,
              last_used_at INTEGER
          ) STRICT;",
    },
    Migration {
        version: 2,
        name: "audit trail",
        // One row per request (`observe/audit`). Times in microseconds since the Unix
        // epoch; `arguments` is the JSON text of the argument summary (PII fields
        // hashed), `trace_id` the request's W3C trace id when traces are on.
        sql: super::audit::MIGRATION,
    },
];

/// The schema version this build writes.
pub(super) fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// A connection with the settings every use needs.
pub(super) fn connect(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // With WAL, the durability of each commit is kept and only the last commits before
    // a power loss may be lost: fine for tokens and last-used times.
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    Ok(conn)
}

/// Whether the store answers: a new connection to the file (never creating it) reads
/// its schema, as any request would. A connection of its own, so the check does not
/// wait behind the request path's, and sees the file as it is now.
pub(super) fn probe(path: &Path) -> rusqlite::Result<()> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(1))?;
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |row| {
        row.get::<_, i64>(0)
    })?;
    Ok(())
}

/// What [`migrate`] found.
pub(super) enum Schema {
    /// At this build's version, possibly after applying steps.
    Current,
    /// Written by a newer build, at this version: nothing was changed.
    Newer(i64),
}

/// Puts the file in WAL mode (readers never wait for a writer, so a `token` command
/// does not stall the server) and applies the steps it lacks.
pub(super) fn migrate(conn: &mut Connection) -> rusqlite::Result<Schema> {
    // Persistent in the file; a no-op once set.
    let _mode: String = conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
    let latest = latest_version();
    match applied_version(conn)? {
        v if v > latest => return Ok(Schema::Newer(v)),
        v if v == latest => return Ok(Schema::Current),
        _ => {}
    }
    // Another process may be migrating too: decide again under the write lock.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version    INTEGER PRIMARY KEY,
             name       TEXT NOT NULL,
             applied_at INTEGER NOT NULL
         ) STRICT;",
    )?;
    let current = applied_version(&tx)?;
    if current > latest {
        return Ok(Schema::Newer(current));
    }
    for step in MIGRATIONS.iter().filter(|m| m.version > current) {
        tx.execute_batch(step.sql)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
            params![step.version, step.name, super::unix_now()],
        )?;
    }
    tx.commit()?;
    Ok(Schema::Current)
}

/// The highest step applied, 0 for a new file.
fn applied_version(conn: &Connection) -> rusqlite::Result<i64> {
    let exists: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations')",
        [],
        |r| r.get(0),
    )?;
    if !exists {
        return Ok(0);
    }
    conn.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
        [],
        |r| r.get(0),
    )
}

/// Tells whether another connection has committed to the file, for the request path.
///
/// `PRAGMA data_version` says so exactly, but starts a read transaction: two `fcntl`
/// lock calls, 2 µs of CPU, most of the budget of a request. So the check first reads
/// the 48 bytes of the WAL-index header at the start of the `-shm` file (one `pread`,
/// no lock, a fifth of the cost): every commit in WAL mode rewrites that header (its
/// change counter and frame count) before the commit returns, so unchanged bytes mean
/// no commit since the last look. Only changed bytes, or a header that cannot be read
/// or is not the documented format (sqlite.org/walformat.html), ask the pragma.
///
/// Even the `pread` is a system call per request, so a look is trusted for
/// [`LOOK_INTERVAL`]; the commands that change tokens wait [`SETTLED`] after their
/// commit before they return, so every request that arrives after one has returned
/// meets a look taken after its commit.
#[derive(Debug)]
pub(super) struct Changes {
    shm: Option<std::fs::File>,
    header: Option<[u8; WAL_INDEX_HEADER]>,
    version: Option<i64>,
    looked_at: Option<Instant>,
}

/// How long the request path trusts its last look at the file.
pub(super) const LOOK_INTERVAL: Duration = Duration::from_millis(1);
/// How long a command that changed tokens waits before it returns: longer than
/// [`LOOK_INTERVAL`], so that a running server has looked again by then.
pub(super) const SETTLED: Duration = Duration::from_millis(5);

/// The size of one copy of the WAL-index header.
const WAL_INDEX_HEADER: usize = 48;
/// The header's first field, the WAL-index format version, in native byte order.
const WAL_INDEX_VERSION: u32 = 3_007_000;

impl Changes {
    /// For `conn`, a connection to `db`. Outside WAL mode (a file system without the
    /// shared memory WAL needs) a `-shm` file would be a stale one, so it is not read.
    pub(super) fn new(conn: &Connection, db: &Path) -> rusqlite::Result<Self> {
        let mode: String = conn.pragma_query_value(None, "journal_mode", |r| r.get(0))?;
        let mut shm = db.as_os_str().to_owned();
        shm.push("-shm");
        let shm = mode
            .eq_ignore_ascii_case("wal")
            .then(|| std::fs::File::open(shm).ok())
            .flatten();
        Ok(Self {
            shm,
            header: None,
            version: None,
            looked_at: None,
        })
    }

    /// Whether another connection has committed since the last call; true on the
    /// first.
    pub(super) fn check(&mut self, conn: &Connection) -> rusqlite::Result<bool> {
        // The time before the look: a look that began after a commit has ended sees it.
        let now = Instant::now();
        let recent = self
            .looked_at
            .is_some_and(|at| now.duration_since(at) < LOOK_INTERVAL);
        if recent && self.version.is_some() {
            return Ok(false);
        }
        self.looked_at = Some(now);
        // The header before the version, and both before the caller reads its rows: a
        // commit in between then shows as a change next time, never goes unseen.
        let header = self.read_header();
        if header.is_some() && header == self.header && self.version.is_some() {
            return Ok(false);
        }
        let version: i64 = conn
            .prepare_cached("PRAGMA data_version")?
            .query_row([], |r| r.get(0))?;
        let changed = self.version != Some(version);
        self.header = header;
        self.version = Some(version);
        Ok(changed)
    }

    /// Whether the cheap check is in use.
    #[cfg(test)]
    pub(super) fn reads_header(&self) -> bool {
        self.read_header().is_some()
    }

    /// Forgets what was seen, so the next [`Changes::check`] says changed (after the
    /// caller failed to read what changed).
    pub(super) fn reset(&mut self) {
        self.header = None;
        self.version = None;
        self.looked_at = None;
    }

    #[cfg(unix)]
    fn read_header(&self) -> Option<[u8; WAL_INDEX_HEADER]> {
        use std::os::unix::fs::FileExt;
        let mut header = [0u8; WAL_INDEX_HEADER];
        self.shm.as_ref()?.read_exact_at(&mut header, 0).ok()?;
        let version = u32::from_ne_bytes([header[0], header[1], header[2], header[3]]);
        (version == WAL_INDEX_VERSION).then_some(header)
    }

    // Elsewhere the pragma decides every time: correct, and slower.
    #[cfg(not(unix))]
    fn read_header(&self) -> Option<[u8; WAL_INDEX_HEADER]> {
        None
    }
}

const TOKEN_COLUMNS: &str =
    "id, prefix, subject, scopes, note, created_at, expires_at, revoked_at, last_used_at";

fn token_row(row: &Row<'_>) -> rusqlite::Result<ManagedToken> {
    let scopes: String = row.get(3)?;
    Ok(ManagedToken {
        id: row.get(0)?,
        prefix: row.get(1)?,
        subject: row.get(2)?,
        scopes: scopes.split_whitespace().map(str::to_owned).collect(),
        note: row.get(4)?,
        created_at: row.get(5)?,
        expires_at: row.get(6)?,
        revoked_at: row.get(7)?,
        last_used_at: row.get(8)?,
    })
}

/// Adds a token; fails on a duplicate id or hash.
pub(super) fn insert_token(
    conn: &Connection,
    token: &ManagedToken,
    hash: &[u8; 32],
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO tokens (id, hash, prefix, subject, scopes, note, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            token.id,
            hash.as_slice(),
            token.prefix,
            token.subject,
            token.scopes.join(" "),
            token.note,
            token.created_at,
            token.expires_at,
        ],
    )?;
    Ok(())
}

/// Every token with its hash, oldest first.
pub(super) fn all_tokens(conn: &Connection) -> rusqlite::Result<Vec<(ManagedToken, [u8; 32])>> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {TOKEN_COLUMNS}, hash FROM tokens ORDER BY created_at, rowid"
    ))?;
    let rows = statement.query_map([], |row| {
        let hash: Vec<u8> = row.get(9)?;
        let hash = <[u8; 32]>::try_from(hash.as_slice()).unwrap_or([0; 32]);
        Ok((token_row(row)?, hash))
    })?;
    rows.collect()
}

/// Marks a token revoked at `now` unless it already was; `None` when there is no such
/// token.
pub(super) fn revoke_token(
    conn: &Connection,
    id: &str,
    now: i64,
) -> rusqlite::Result<Option<ManagedToken>> {
    conn.execute(
        "UPDATE tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
        params![id, now],
    )?;
    conn.query_row(
        &format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE id = ?1"),
        [id],
        token_row,
    )
    .optional()
}

/// Records when tokens were last used, in one transaction.
pub(super) fn mark_used(conn: &mut Connection, uses: &[(String, i64)]) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    {
        let mut statement = tx.prepare_cached(
            "UPDATE tokens SET last_used_at = MAX(COALESCE(last_used_at, 0), ?2) WHERE id = ?1",
        )?;
        for (id, at) in uses {
            statement.execute(params![id, at])?;
        }
    }
    tx.commit()
}
