//! When tokens were last used, written off the request path: [`Recorder::record`] only
//! queues, and a thread writes what was queued in one transaction a few seconds later.
//!
//! The thread has its own connection, so a write that waits for another process's lock
//! never holds up a request. Its commits are another connection's to the request path,
//! which costs one reload of the token map per batch (a few per minute at most).

use std::{
    collections::HashMap,
    path::PathBuf,
    sync::{
        OnceLock,
        mpsc::{Receiver, RecvTimeoutError, Sender, channel},
    },
    thread::JoinHandle,
    time::{Duration, Instant},
};

use super::sqlite;

/// How long uses are collected before they are written together.
const BATCH_WINDOW: Duration = Duration::from_secs(10);

/// Queues last-use times for the writer thread, which starts on the first use (a
/// `token` command never starts it).
#[derive(Debug)]
pub(super) struct Recorder {
    file: PathBuf,
    writer: OnceLock<Option<Writer>>,
}

#[derive(Debug)]
struct Writer {
    queue: Sender<(String, i64)>,
    thread: JoinHandle<()>,
}

impl Recorder {
    pub(super) fn new(file: PathBuf) -> Self {
        Self {
            file,
            writer: OnceLock::new(),
        }
    }

    /// Queues "token `id` was used at `at`"; never blocks.
    pub(super) fn record(&self, id: String, at: i64) {
        let writer = self.writer.get_or_init(|| {
            let (queue, uses) = channel();
            let file = self.file.clone();
            let spawned = std::thread::Builder::new()
                .name("mcpgen-last-used".into())
                .spawn(move || write_batches(&file, &uses));
            match spawned {
                Ok(thread) => Some(Writer { queue, thread }),
                Err(err) => {
                    tracing::warn!(error = %err, "cannot start the thread that records when tokens were last used; `token list` will not show last uses");
                    None
                }
            }
        });
        if let Some(writer) = writer {
            // Fails only once the thread has stopped, after a write error it logged.
            let _ = writer.queue.send((id, at));
        }
    }
}

impl Drop for Recorder {
    /// Writes what is still queued before the store goes away.
    fn drop(&mut self) {
        if let Some(Some(Writer { queue, thread })) = self.writer.take() {
            drop(queue);
            let _ = thread.join();
        }
    }
}

/// The writer thread: waits for a use, collects uses for [`BATCH_WINDOW`] (or until
/// the store is dropped), writes them, and again.
fn write_batches(file: &std::path::Path, uses: &Receiver<(String, i64)>) {
    let mut conn = None;
    while let Ok((id, at)) = uses.recv() {
        let mut batch = HashMap::from([(id, at)]);
        let deadline = Instant::now() + BATCH_WINDOW;
        let closed = loop {
            match uses.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok((id, at)) => {
                    let latest = batch.entry(id).or_insert(at);
                    *latest = (*latest).max(at);
                }
                Err(RecvTimeoutError::Timeout) => break false,
                Err(RecvTimeoutError::Disconnected) => break true,
            }
        };
        let batch: Vec<_> = batch.into_iter().collect();
        let written = match &mut conn {
            Some(conn) => sqlite::mark_used(conn, &batch),
            None => sqlite::connect(file).and_then(|mut c| {
                sqlite::mark_used(&mut c, &batch)?;
                conn = Some(c);
                Ok(())
            }),
        };
        if let Err(err) = written {
            tracing::warn!(
                store = %file.display(),
                error = %err,
                "cannot record when tokens were last used (the tokens still work); check that the store's file can be written"
            );
        }
        if closed {
            return;
        }
    }
}
