//! The audit trail: every finished request's record, one row each in the server's
//! store, refused requests included.
//!
//! [`install`] (by the generated binary's `serve`) turns it on for the process; until
//! then, and in a server embedded without it, [`submit`] costs one atomic load. Rows
//! never hold up a request: [`submit`] puts the record in a bounded queue and returns,
//! and a thread of the trail's own ([`writer`]) turns records into rows and writes them
//! in one transaction per batch. A full queue or a store that cannot be written drops
//! rows: they are counted ([`dropped`]) and a warning says how many, at most every
//! [`writer::WARN_INTERVAL`]. Dropping the [`AuditGuard`] writes what is queued.
//!
//! Argument values reach the trail only as a summary ([`summary`]): strings cut to
//! `audit.max_value_chars`, fields marked PII as a keyed hash.

pub(crate) mod summary;
mod writer;

use std::{
    path::PathBuf,
    sync::{
        OnceLock,
        atomic::{AtomicBool, AtomicU64, Ordering},
        mpsc::{SyncSender, TrySendError, sync_channel},
    },
    thread::JoinHandle,
    time::Duration,
};

use super::record::Record;

/// The audit trail's settings: the spec's `audit` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditSettings {
    /// Whether `serve` keeps the trail (`audit.enabled`, default true).
    pub enabled: bool,
    /// What is kept of a call's arguments (`audit.arguments`), unless a tool says
    /// otherwise ([`ToolAudit::arguments`]).
    pub arguments: AuditArguments,
    /// Rows older than this many days are deleted (`audit.retain_days`, default 30).
    pub retain_days: u32,
    /// Longer string values are cut to this many characters in the summary
    /// (`audit.max_value_chars`, default 80).
    pub max_value_chars: usize,
}

impl Default for AuditSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            arguments: AuditArguments::Summary,
            retain_days: 30,
            max_value_chars: 80,
        }
    }
}

/// What the audit trail keeps of a call's arguments.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AuditArguments {
    /// Nothing.
    None,
    /// Their summary: strings cut short, fields marked PII as a keyed hash.
    #[default]
    Summary,
}

/// A tool's own audit settings ([`crate::ToolDef::audit`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ToolAudit {
    /// What is kept of its arguments; `None` for the server's setting.
    pub arguments: Option<AuditArguments>,
    /// The arguments marked PII (`pii: true`, `#[arg(pii)]`), as paths: `email`,
    /// `customer.email`, `contacts[].phone` (`[]` for every item of an array). Their
    /// values appear only as keyed hashes in the audit trail, and never in an error
    /// message about the arguments.
    pub pii: Vec<String>,
}

/// The environment variable holding the secret PII values are hashed with.
pub const AUDIT_KEY_ENV: &str = "MCPGEN_AUDIT_KEY";

/// Whether the trail is on: read on every request.
static ON: AtomicBool = AtomicBool::new(false);
/// Rows not written since the process started.
static DROPPED: AtomicU64 = AtomicU64::new(0);
static SINK: OnceLock<Sink> = OnceLock::new();

/// The queue into the writer, and what the request path needs to summarize arguments.
struct Sink {
    queue: SyncSender<writer::Message>,
    summary: summary::Summarizer,
}

/// How many records wait for the writer at most; beyond, rows are dropped (and
/// counted) rather than held in memory or making a request wait.
const QUEUE: usize = 8192;

/// Whether the audit trail is on (one atomic load).
pub(crate) fn enabled() -> bool {
    ON.load(Ordering::Relaxed)
}

/// How many rows were not written (a full queue, a store that cannot be written)
/// since the process started: for metrics.
pub(crate) fn dropped() -> u64 {
    DROPPED.load(Ordering::Relaxed)
}

pub(crate) fn count_dropped(rows: u64) {
    DROPPED.fetch_add(rows, Ordering::Relaxed);
}

/// Hands a finished record to the trail; never blocks.
pub(crate) fn submit(record: Record) {
    if !enabled() {
        return;
    }
    let Some(sink) = SINK.get() else { return };
    match sink
        .queue
        .try_send(writer::Message::Record(Box::new(record)))
    {
        Ok(()) => {}
        Err(TrySendError::Full(_)) => count_dropped(1),
        // The writer has stopped: the process is shutting down.
        Err(TrySendError::Disconnected(_)) => count_dropped(1),
    }
}

/// The summary of a tool call's `arguments` for its record, or `None` when the trail
/// is off or the tool (or the server) keeps no arguments.
pub(crate) fn summarize(
    tool: &ToolAudit,
    arguments: &serde_json::Map<String, serde_json::Value>,
) -> Option<String> {
    if !enabled() {
        return None;
    }
    SINK.get()?.summary.summarize(tool, arguments)
}

/// Writes what is queued and stops the writer when dropped.
#[must_use = "the audit trail is flushed when this is dropped"]
pub(crate) struct AuditGuard(Option<(SyncSender<writer::Message>, JoinHandle<()>)>);

impl Drop for AuditGuard {
    fn drop(&mut self) {
        let Some((queue, thread)) = self.0.take() else {
            return;
        };
        ON.store(false, Ordering::Relaxed);
        // Waits for room: every record queued before it is written first.
        let _ = queue.send(writer::Message::Stop);
        let _ = thread.join();
    }
}

/// Turns the trail on for this process, writing to the store file `file`. The key of
/// PII hashes comes from [`AUDIT_KEY_ENV`]; without it, a random key of this run's
/// (hashes then correlate within one run only) and a warning when a tool has PII
/// fields. A second call, or `settings.enabled == false`, changes nothing.
pub(crate) fn install(file: PathBuf, settings: &AuditSettings, has_pii: bool) -> AuditGuard {
    if !settings.enabled || SINK.get().is_some() {
        return AuditGuard(None);
    }
    let key = match std::env::var(AUDIT_KEY_ENV) {
        Ok(key) if !key.is_empty() => {
            if key.len() < 32 {
                tracing::warn!(
                    "{AUDIT_KEY_ENV} is shorter than 32 characters: PII values in the audit trail are hashed with it, and a short key makes them easier to guess back; use 32 random characters or more (`openssl rand -hex 32`)"
                );
            }
            key.into_bytes()
        }
        _ => {
            if has_pii && settings.arguments == AuditArguments::Summary {
                tracing::warn!(
                    "{AUDIT_KEY_ENV} is not set: PII fields in the audit trail are hashed with a random key of this run, so equal values can be matched only within this run; set {AUDIT_KEY_ENV} to a secret of 32 random characters or more (`openssl rand -hex 32`) to match them across restarts"
                );
            }
            let mut key = vec![0; 32];
            if getrandom::fill(&mut key).is_err() {
                tracing::warn!(
                    "cannot draw a random key for the audit trail's PII hashes; the audit trail keeps no arguments in this run (set {AUDIT_KEY_ENV})"
                );
                key.clear();
            }
            key
        }
    };
    let summary = summary::Summarizer::new(settings, key);
    let (queue, records) = sync_channel(QUEUE);
    let retain = Duration::from_secs(u64::from(settings.retain_days) * 86_400);
    let writer_file = file.clone();
    let spawned = std::thread::Builder::new()
        .name("mcpgen-audit".into())
        .spawn(move || writer::run(&writer_file, &records, retain));
    let thread = match spawned {
        Ok(thread) => thread,
        Err(err) => {
            tracing::warn!(error = %err, "cannot start the audit trail's writer thread; this run keeps no audit trail");
            return AuditGuard(None);
        }
    };
    if SINK
        .set(Sink {
            queue: queue.clone(),
            summary,
        })
        .is_err()
    {
        return AuditGuard(None);
    }
    ON.store(true, Ordering::Relaxed);
    AuditGuard(Some((queue, thread)))
}
