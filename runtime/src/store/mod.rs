//! The server's embedded store: one SQLite file in the data directory, shared by the
//! running server and the `token` commands.
//!
//! It holds the managed tokens and the audit trail (`audit.rs`); per-agent state comes
//! next, and a PostgreSQL backend for several instances after that. So the store is one type,
//! [`Store`], whose backend-specific code (the file, the SQL, the schema migrations)
//! lives in `sqlite.rs` and whose logic (the token cache, last-use batching) does not
//! depend on it.
//!
//! The file is in WAL mode with a busy timeout, so a `token` command in another
//! terminal and the running server use it at once: readers never wait, and a writer
//! waits a few seconds for another writer. The schema is versioned: opening applies the
//! migrations the file lacks, and a file written by a newer build is refused.

pub(crate) mod audit;
mod data_dir;
mod last_used;
mod sqlite;
mod tokens;

use std::{
    fmt,
    path::{Path, PathBuf},
    sync::{Arc, Mutex, MutexGuard, PoisonError},
    time::{SystemTime, UNIX_EPOCH},
};

use rusqlite::Connection;

pub use data_dir::{DATA_DIR_ENV, resolve_data_dir};
pub(crate) use tokens::rfc3339;
pub use tokens::{ManagedToken, TokenSecret};

/// The server's store. Cheap to clone: clones share the connections.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    file: PathBuf,
    /// The request path's connection and the token map it fills. Never written
    /// through, so every change of its `data_version` is another connection's commit.
    reader: Mutex<(Connection, tokens::TokenCache)>,
    /// The management commands' connection.
    writer: Mutex<Connection>,
    last_used: last_used::Recorder,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("file", &self.inner.file)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens the store in `data_dir`, creating the directory and the file on first use
    /// and applying the schema migrations the file lacks.
    ///
    /// # Errors
    /// A directory or file that cannot be created or written (the message names the
    /// path, the reason, and the settings that choose another directory), or a file
    /// written by a newer build of the server.
    pub fn open(data_dir: &Path) -> Result<Self, StoreError> {
        data_dir::create(data_dir)?;
        let file = data_dir.join(sqlite::FILE_NAME);
        let unwritable = |err: rusqlite::Error| {
            StoreError::new(
                StoreErrorKind::Unavailable,
                format!(
                    "cannot open the store {} ({err}); check that the directory can be written by this user, or choose another one with `--data-dir DIR`, `{DATA_DIR_ENV}`, or the spec's `store.data_dir`",
                    file.display()
                ),
            )
        };
        let mut writer = sqlite::connect(&file).map_err(unwritable)?;
        match sqlite::migrate(&mut writer).map_err(unwritable)? {
            sqlite::Schema::Current => {}
            sqlite::Schema::Newer(version) => {
                return Err(StoreError::new(
                    StoreErrorKind::NewerSchema,
                    format!(
                        "the store {} was written by a newer build of this server (schema version {version}; this build knows up to {}), and this build will not change it; run the newer build, or point `--data-dir` / `{DATA_DIR_ENV}` at another directory",
                        file.display(),
                        sqlite::latest_version()
                    ),
                ));
            }
        }
        let reader = sqlite::connect(&file).map_err(unwritable)?;
        let changes = sqlite::Changes::new(&reader, &file).map_err(unwritable)?;
        let cache = tokens::TokenCache::new(changes);
        Ok(Self {
            inner: Arc::new(Inner {
                reader: Mutex::new((reader, cache)),
                writer: Mutex::new(writer),
                last_used: last_used::Recorder::new(file.clone()),
                file,
            }),
        })
    }

    /// The store's file.
    pub fn file(&self) -> &Path {
        &self.inner.file
    }

    /// Whether the store answers a query now (`/readyz`); the error says why not,
    /// without the file's path (the answer is public).
    pub(crate) fn probe(&self) -> Result<(), String> {
        sqlite::probe(&self.inner.file).map_err(|err| {
            // SQLite's own words for the failure; its message may name the file.
            let reason = match err {
                rusqlite::Error::SqliteFailure(failure, _) => failure.to_string(),
                other => other.to_string(),
            };
            format!("the store does not answer a query ({reason})")
        })
    }
}

impl Inner {
    // A panic while a connection was held leaves nothing half-done that the next user
    // could trip on (SQLite rolls back an unfinished transaction), so poisoning is
    // ignored rather than spread to every request.
    fn lock_reader(&self) -> MutexGuard<'_, (Connection, tokens::TokenCache)> {
        self.reader.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn lock_writer(&self) -> MutexGuard<'_, Connection> {
        self.writer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A database error in a management command, with the file and what to check.
    fn db_error(&self, action: &str, err: &rusqlite::Error) -> StoreError {
        StoreError::new(
            StoreErrorKind::Unavailable,
            format!(
                "cannot {action} the store {} ({err}); check that the file and its directory can be written by this user",
                self.file.display()
            ),
        )
    }
}

/// Why the store could not do what was asked. The message says what probably went
/// wrong and what to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError {
    kind: StoreErrorKind,
    message: String,
}

/// What kind of problem a [`StoreError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreErrorKind {
    /// The data directory or the file cannot be found, created, read or written.
    Unavailable,
    /// The file was written by a newer build of the server.
    NewerSchema,
    /// No such token.
    NotFound,
    /// An argument the store cannot take (an empty subject, a bad scope name).
    Invalid,
}

impl StoreError {
    pub(crate) fn new(kind: StoreErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// What kind of problem it is.
    pub fn kind(&self) -> StoreErrorKind {
        self.kind
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for StoreError {}

/// The store's file in `data_dir`, whether or not it exists.
pub(crate) fn file_in(data_dir: &Path) -> PathBuf {
    data_dir.join(sqlite::FILE_NAME)
}

/// Now, in unix seconds.
pub(crate) fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests;
