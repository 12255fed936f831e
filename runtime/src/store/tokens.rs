//! Managed bearer tokens: created, listed and revoked by the `token` commands, checked
//! by [`Store::verify`] on every request.
//!
//! The request path reads an in-memory map from token hash to row, kept until another
//! connection commits to the file (a `token revoke` in another terminal; see
//! `sqlite::Changes` for how that is seen cheaply): the next request then reloads the
//! map, so a revocation takes effect by the time the command returns, without a restart. Expiry is compared
//! with the clock on every use.

use std::{collections::HashMap, sync::Arc, time::Duration};

use super::{Store, StoreError, StoreErrorKind, sqlite, unix_now};
use crate::auth::{AuthMethod, Principal, Rejection, RejectionKind, token};

/// How often a token's last use is written: at most once a minute per token, so a busy
/// token costs one write a minute, not one per request.
const LAST_USED_RESOLUTION_S: i64 = 60;

/// A managed token as the store keeps it: everything but the token itself, which is
/// shown once by [`Store::create_token`] and never kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedToken {
    /// The token's id (`tok_` and 8 letters or digits), for `token revoke`.
    pub id: String,
    /// The first characters after `mcpgen_`, to tell tokens apart in `token list`.
    pub prefix: String,
    /// Who the token belongs to.
    pub subject: String,
    /// The scopes it grants, sorted.
    pub scopes: Vec<String>,
    /// What it is for, as given at creation.
    pub note: Option<String>,
    /// When it was created, in unix seconds.
    pub created_at: i64,
    /// When it stops working, in unix seconds; `None` for never.
    pub expires_at: Option<i64>,
    /// When it was revoked, in unix seconds.
    pub revoked_at: Option<i64>,
    /// When it was last accepted, in unix seconds, to the minute.
    pub last_used_at: Option<i64>,
}

impl ManagedToken {
    /// Whether the token is past its expiry at `now` (unix seconds).
    pub fn is_expired_at(&self, now: i64) -> bool {
        self.expires_at.is_some_and(|at| at <= now)
    }
}

/// A token as [`Store::create_token`] returns it, the one time it exists outside the
/// client. Its `Debug` does not show it, so it cannot end up in a log by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenSecret(String);

impl TokenSecret {
    /// The token, to show once.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for TokenSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenSecret(..)")
    }
}

/// What the request path keeps of a row.
#[derive(Debug)]
struct Cached {
    id: String,
    /// Who the token names, built once per load: every request shares it.
    principal: Arc<Principal>,
    expires_at: Option<i64>,
    revoked_at: Option<i64>,
    /// The last use written or queued: the next is queued a minute later.
    last_used_at: i64,
}

/// The rows the request path checks tokens against, reloaded when another connection
/// has committed.
#[derive(Debug)]
pub(super) struct TokenCache {
    changes: sqlite::Changes,
    by_hash: HashMap<[u8; 32], Cached>,
}

impl TokenCache {
    pub(super) fn new(changes: sqlite::Changes) -> Self {
        Self {
            changes,
            by_hash: HashMap::new(),
        }
    }

    /// Reloads the rows when another connection has committed since the last load.
    pub(super) fn refresh(&mut self, conn: &rusqlite::Connection) -> rusqlite::Result<()> {
        if !self.changes.check(conn)? {
            return Ok(());
        }
        match sqlite::all_tokens(conn) {
            Ok(rows) => {
                self.by_hash = rows
                    .into_iter()
                    .map(|(row, hash)| (hash, cached(row)))
                    .collect();
                Ok(())
            }
            Err(err) => {
                self.changes.reset();
                Err(err)
            }
        }
    }
}

/// Waits until every running server using the store has looked at it again (they look
/// at most [`sqlite::LOOK_INTERVAL`] apart), so that the change counts for any request
/// sent after the command that made it returns.
fn settle() {
    std::thread::sleep(sqlite::SETTLED);
}

fn cached(row: ManagedToken) -> Cached {
    Cached {
        principal: Arc::new(Principal {
            subject: row.subject,
            scopes: row.scopes,
            method: AuthMethod::ManagedToken,
            token_id: Some(row.id.clone()),
        }),
        id: row.id,
        expires_at: row.expires_at,
        revoked_at: row.revoked_at,
        last_used_at: row.last_used_at.unwrap_or(0),
    }
}

impl Store {
    /// Checks a bearer token that may be a managed one: its form and checksum first
    /// (no lookup), then the store, then expiry and revocation. Cheap enough for every
    /// request (a SHA-256, a map lookup, and at most once a millisecond a 48-byte read
    /// that tells whether the file changed), and a change made by another process, such
    /// as `token revoke`, counts for every call that arrives after the command returned.
    ///
    /// # Errors
    /// A [`Rejection`] whose description the client may see; it never holds the token.
    pub fn verify(&self, bearer: &str) -> Result<Principal, Rejection> {
        let digest = token::hash(bearer);
        self.verify_digest(bearer, &digest).map(|p| (*p).clone())
    }

    /// [`Store::verify`] with the token's SHA-256 already computed (the gate computes it
    /// once for every kind of token).
    pub(crate) fn verify_digest(
        &self,
        bearer: &str,
        hash: &[u8; 32],
    ) -> Result<Arc<Principal>, Rejection> {
        token::check(bearer).map_err(|m| Rejection::new(RejectionKind::Malformed, m.describe()))?;
        let now = unix_now();
        let mut reader = self.inner.lock_reader();
        let (conn, cache) = &mut *reader;
        if let Err(err) = cache.refresh(conn) {
            tracing::error!(
                store = %self.inner.file.display(),
                error = %err,
                "managed tokens cannot be checked: the store cannot be read, so every request with a managed token is refused until it can; check the file and its directory"
            );
            return Err(Rejection::new(
                RejectionKind::Unavailable,
                "the server cannot check tokens right now (its token store cannot be read); try again later, and tell the server's operator if it persists",
            ));
        }
        let Some(row) = cache.by_hash.get_mut(hash) else {
            return Err(Rejection::new(
                RejectionKind::Unknown,
                "the bearer token is not one this server knows: it may belong to another server or another data directory; ask the server's operator for a token (`token create`)",
            ));
        };
        if let Some(at) = row.revoked_at {
            return Err(Rejection::new(
                RejectionKind::Revoked,
                format!(
                    "the token {} was revoked at {}; ask the server's operator for a new one (`token create`)",
                    row.id,
                    rfc3339(at)
                ),
            ));
        }
        if let Some(at) = row.expires_at.filter(|at| *at <= now) {
            return Err(Rejection::new(
                RejectionKind::Expired,
                format!(
                    "the token {} expired at {}; ask the server's operator for a new one (`token create`)",
                    row.id,
                    rfc3339(at)
                ),
            ));
        }
        let principal = Arc::clone(&row.principal);
        let used = (now - row.last_used_at >= LAST_USED_RESOLUTION_S).then(|| {
            row.last_used_at = now;
            row.id.clone()
        });
        drop(reader);
        if let Some(id) = used {
            self.inner.last_used.record(id, now);
        }
        Ok(principal)
    }

    /// Creates a token for `subject` with `scopes`, valid for `expires_in` (forever
    /// when `None`). Returns its row and the token, which is shown to the caller once
    /// and never kept: the store holds only its SHA-256.
    ///
    /// # Errors
    /// An empty subject, a scope with white space, a zero `expires_in`, or a store that
    /// cannot be written.
    pub fn create_token(
        &self,
        subject: &str,
        scopes: &[String],
        expires_in: Option<Duration>,
        note: Option<&str>,
    ) -> Result<(ManagedToken, TokenSecret), StoreError> {
        let subject = subject.trim();
        if subject.is_empty() {
            return Err(invalid(
                "the subject is empty; name who the token is for, such as `--subject ci-bot`",
            ));
        }
        let mut scopes = scopes.to_vec();
        if let Some(bad) = scopes
            .iter()
            .find(|s| s.is_empty() || s.contains(char::is_whitespace))
        {
            return Err(invalid(format!(
                "`{bad}` is not a scope name: scopes are single words, given as `--scopes a,b`"
            )));
        }
        scopes.sort();
        scopes.dedup();
        let now = unix_now();
        let expires_at = match expires_in {
            Some(d) if d.as_secs() == 0 => {
                return Err(invalid(
                    "`--expires-in` is under a second, so the token would never work; give a duration such as 30d, 12h or 90m",
                ));
            }
            Some(d) => Some(now.saturating_add(i64::try_from(d.as_secs()).unwrap_or(i64::MAX))),
            None => None,
        };
        let randomness = |err: getrandom::Error| {
            StoreError::new(
                StoreErrorKind::Unavailable,
                format!("the operating system gave no randomness for the token ({err})"),
            )
        };
        let secret = token::generate().map_err(randomness)?;
        let row = ManagedToken {
            id: format!("tok_{}", token::random_base62(8).map_err(randomness)?),
            prefix: token::display_prefix(&secret).to_owned(),
            subject: subject.to_owned(),
            scopes,
            note: note
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_owned),
            created_at: now,
            expires_at,
            revoked_at: None,
            last_used_at: None,
        };
        let conn = self.inner.lock_writer();
        sqlite::insert_token(&conn, &row, &token::hash(&secret))
            .map_err(|err| self.inner.db_error("add the token to", &err))?;
        drop(conn);
        settle();
        Ok((row, TokenSecret(secret)))
    }

    /// Every token, oldest first, revoked and expired ones included.
    ///
    /// # Errors
    /// A store that cannot be read.
    pub fn list_tokens(&self) -> Result<Vec<ManagedToken>, StoreError> {
        let conn = self.inner.lock_writer();
        let rows = sqlite::all_tokens(&conn).map_err(|err| self.inner.db_error("read", &err))?;
        Ok(rows.into_iter().map(|(row, _)| row).collect())
    }

    /// Revokes the token `id`: every server using this store refuses it from its next
    /// request. Revoking a revoked token changes nothing and returns it as it was.
    ///
    /// # Errors
    /// No token with that id, or a store that cannot be written.
    pub fn revoke_token(&self, id: &str) -> Result<ManagedToken, StoreError> {
        let conn = self.inner.lock_writer();
        let revoked = sqlite::revoke_token(&conn, id, unix_now())
            .map_err(|err| self.inner.db_error("revoke the token in", &err))?
            .ok_or_else(|| {
                StoreError::new(
                    StoreErrorKind::NotFound,
                    format!(
                        "there is no token `{id}` in {}; `token list` shows the ids (check `--data-dir` if the list is not the one you expect)",
                        self.inner.file.display()
                    ),
                )
            })?;
        drop(conn);
        settle();
        Ok(revoked)
    }
}

fn invalid(message: impl Into<String>) -> StoreError {
    StoreError::new(StoreErrorKind::Invalid, message)
}

/// Unix seconds as RFC 3339 in UTC, such as `2026-05-01T12:00:00Z`.
pub(crate) fn rfc3339(unix_s: i64) -> String {
    chrono::DateTime::from_timestamp(unix_s, 0).map_or_else(
        || format!("{unix_s} (unix seconds)"),
        |t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    )
}
