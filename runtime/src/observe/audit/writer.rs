//! The audit trail's writer thread: records in, rows out, one transaction per batch,
//! old rows deleted at start-up and every [`RETENTION_INTERVAL`], and a warning when
//! rows were dropped.

use std::{
    path::Path,
    sync::mpsc::{Receiver, RecvTimeoutError, TryRecvError},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use rusqlite::Connection;

use super::count_dropped;
use crate::observe::record::Record;
use crate::store::audit::{self as table, AuditRow};

/// What the request path sends the writer.
pub(super) enum Message {
    Record(Box<Record>),
    /// Write what was sent before, then stop.
    Stop,
}

/// How long records gather after the first before they are written together.
const BATCH_WINDOW: Duration = Duration::from_millis(10);
/// The most rows in one transaction.
const BATCH_ROWS: usize = 1024;
/// How often rows past `audit.retain_days` are deleted.
const RETENTION_INTERVAL: Duration = Duration::from_secs(3600);
/// The shortest time between two warnings about dropped rows.
pub(super) const WARN_INTERVAL: Duration = Duration::from_secs(10);

/// The writer's state between batches.
struct Writer<'a> {
    file: &'a Path,
    conn: Option<Connection>,
    retain: Duration,
    pruned_at: Option<Instant>,
    /// The drop count the last warning reported, and when it was given.
    warned: (u64, Option<Instant>),
    /// Why the last batch could not be written.
    last_error: Option<String>,
}

/// Runs until [`Message::Stop`] or until every sender is gone.
pub(super) fn run(file: &Path, records: &Receiver<Message>, retain: Duration) {
    let mut writer = Writer {
        file,
        conn: None,
        retain,
        pruned_at: None,
        warned: (0, None),
        last_error: None,
    };
    writer.prune();
    loop {
        let (batch, stop) = collect(records);
        writer.write(&batch);
        if stop {
            writer.warn_dropped(true);
            return;
        }
        if writer
            .pruned_at
            .is_none_or(|at| at.elapsed() >= RETENTION_INTERVAL)
        {
            writer.prune();
        }
        writer.warn_dropped(false);
    }
}

/// The next batch: waits up to a second for a first record, then lets records gather
/// for [`BATCH_WINDOW`] (none when a full batch is already waiting) and takes what
/// came, up to [`BATCH_ROWS`]. Whether to stop after it.
///
/// Sleeping through the window instead of receiving record by record matters: a
/// receiver blocked on the queue is woken by every send, a futex call and a context
/// switch per request on both sides, which cost a busy server a third of its
/// throughput. A sleeping writer is not waiting on the queue, so a send is a plain
/// write into it.
fn collect(records: &Receiver<Message>) -> (Vec<AuditRow>, bool) {
    let mut batch = Vec::new();
    let first = match records.recv_timeout(Duration::from_secs(1)) {
        Ok(Message::Record(record)) => record,
        Ok(Message::Stop) | Err(RecvTimeoutError::Disconnected) => return (batch, true),
        Err(RecvTimeoutError::Timeout) => return (batch, false),
    };
    batch.push(row_of(*first));
    // Behind (a full batch waiting): no window, write at once.
    if take_waiting(records, &mut batch) {
        return (batch, true);
    }
    if batch.len() < BATCH_ROWS {
        std::thread::sleep(BATCH_WINDOW);
        let stop = take_waiting(records, &mut batch);
        return (batch, stop);
    }
    (batch, false)
}

/// Moves the records waiting in the queue into `batch`, up to [`BATCH_ROWS`], without
/// waiting. Whether to stop after them.
fn take_waiting(records: &Receiver<Message>, batch: &mut Vec<AuditRow>) -> bool {
    while batch.len() < BATCH_ROWS {
        match records.try_recv() {
            Ok(Message::Record(record)) => batch.push(row_of(*record)),
            Ok(Message::Stop) | Err(TryRecvError::Disconnected) => return true,
            Err(TryRecvError::Empty) => break,
        }
    }
    false
}

impl Writer<'_> {
    fn connection(&mut self) -> rusqlite::Result<&mut Connection> {
        if self.conn.is_none() {
            self.conn = Some(table::connect(self.file)?);
        }
        self.conn.as_mut().ok_or(rusqlite::Error::InvalidQuery)
    }

    /// Writes `batch`, or counts it dropped.
    fn write(&mut self, batch: &[AuditRow]) {
        if batch.is_empty() {
            return;
        }
        let written = self
            .connection()
            .and_then(|conn| table::insert(conn, batch));
        if let Err(err) = written {
            count_dropped(batch.len() as u64);
            self.last_error = Some(err.to_string());
            // Connect again next time: the file may have been replaced or fixed.
            self.conn = None;
        }
    }

    /// Deletes the rows older than the retention.
    fn prune(&mut self) {
        self.pruned_at = Some(Instant::now());
        let before = SystemTime::now()
            .checked_sub(self.retain)
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX));
        let deleted = self
            .connection()
            .and_then(|conn| table::delete_before(conn, before));
        if let Err(err) = deleted {
            tracing::warn!(
                store = %self.file.display(),
                error = %err,
                "cannot delete audit rows older than `audit.retain_days`; check that the store's file can be written"
            );
        }
    }

    /// A warning with the number of rows dropped since the last one, at most every
    /// [`WARN_INTERVAL`] (or at once when `last`).
    fn warn_dropped(&mut self, last: bool) {
        let total = super::dropped();
        let (reported, at) = self.warned;
        if total == reported || (!last && at.is_some_and(|at| at.elapsed() < WARN_INTERVAL)) {
            return;
        }
        self.warned = (total, Some(Instant::now()));
        let why = self.last_error.take().map_or_else(
            || "the writer could not keep up (queue full)".to_owned(),
            |err| format!("the store could not be written: {err}"),
        );
        tracing::warn!(
            dropped = total - reported,
            dropped_total = total,
            store = %self.file.display(),
            "audit rows dropped: {} requests were served but not written to the audit trail ({why}); check that the store's file and directory can be written and the disk has room",
            total - reported
        );
    }
}

/// The row of a finished record.
pub(super) fn row_of(record: Record) -> AuditRow {
    let int = |n: Option<u64>| n.map(|n| i64::try_from(n).unwrap_or(i64::MAX));
    let principal = record.principal.as_deref();
    AuditRow {
        id: 0,
        at_us: i64::try_from(record.received_at_us()).unwrap_or(i64::MAX),
        outcome: record.outcome.map_or("ok", |o| o.as_str()).to_owned(),
        client_kind: record
            .client_kind
            .as_str(record.method.is_some())
            .to_owned(),
        transport: record.transport_name().to_owned(),
        subject: principal.map(|p| p.subject.clone()),
        auth_method: principal.map(|p| p.method.as_str().to_owned()),
        method: record.method.map(|m| m.into_owned()),
        target: record.target,
        request_id: record.request_id.map(|id| id.to_string()),
        agent: record.agent.map(|a| a.into_owned()),
        client_name: record.client_name,
        client_version: record.client_version,
        protocol: record.protocol,
        latency_us: i64::try_from(record.latency.as_micros()).unwrap_or(i64::MAX),
        request_bytes: int(record.request_bytes),
        response_bytes: int(record.response_bytes),
        http_status: record.status.map(i64::from),
        error_code: record.error_code.map(i64::from),
        trace_id: record.trace_id,
        arguments: record.arguments,
        detail: record.detail,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc::sync_channel;

    use super::*;
    use crate::observe::record::{Outcome, Transport};
    use crate::store::{Store, audit::AuditFilter};

    fn record(target: &str) -> Box<Record> {
        let mut record = Record::new(Transport::Stdio);
        record.method = Some("tools/call".into());
        record.target = Some(target.into());
        record.outcome = Some(Outcome::Ok);
        record.arguments = Some(r#"{"q":"x"}"#.into());
        Box::new(record)
    }

    #[test]
    fn a_row_keeps_the_trace_id_of_its_request() {
        let mut traced = record("t");
        traced.trace_id = Some("4bf92f3577b34da6a3ce929d0e0e4736".into());
        let row = row_of(*traced);
        assert_eq!(
            row.trace_id.as_deref(),
            Some("4bf92f3577b34da6a3ce929d0e0e4736")
        );
        assert_eq!(row_of(*record("t")).trace_id, None);
    }

    #[test]
    fn records_are_written_in_batches_and_all_of_them_before_it_stops() {
        let dir = tempfile::tempdir().expect("a directory");
        let store = Store::open(dir.path()).expect("a store");
        let (queue, records) = sync_channel(4096);
        let file = store.file().to_owned();
        let writer = std::thread::spawn(move || run(&file, &records, Duration::from_secs(86_400)));
        for i in 0..3000 {
            queue
                .send(Message::Record(record(&format!("t{}", i % 3))))
                .expect("queued");
        }
        queue.send(Message::Stop).expect("queued");
        writer.join().expect("the writer ends");
        let rows = store.audit_rows(&AuditFilter::default()).expect("rows");
        assert_eq!(rows.len(), 3000);
        assert_eq!(rows[0].target.as_deref(), Some("t0"));
        assert_eq!(rows[0].client_kind, "mcp_stdio");
        assert_eq!(rows[0].transport, "stdio");
        assert_eq!(rows[0].arguments.as_deref(), Some(r#"{"q":"x"}"#));
        let t1 = AuditFilter {
            target: Some("t1".into()),
            limit: Some(5),
            ..AuditFilter::default()
        };
        let last = store.audit_rows(&t1).expect("rows");
        assert_eq!(last.len(), 5);
        assert!(last.windows(2).all(|w| w[0].id < w[1].id), "oldest first");
        assert_eq!(last[4].id, rows[2998].id, "the most recent ones");
    }

    #[test]
    fn rows_past_the_retention_are_deleted_at_start_up() {
        let dir = tempfile::tempdir().expect("a directory");
        let store = Store::open(dir.path()).expect("a store");
        let now_us = crate::store::unix_now() * 1_000_000;
        let old = AuditRow {
            at_us: now_us - 3 * 86_400_000_000,
            outcome: "ok".into(),
            client_kind: "mcp_stdio".into(),
            transport: "stdio".into(),
            ..AuditRow::default()
        };
        let recent = AuditRow {
            at_us: now_us - 3_600_000_000,
            ..old.clone()
        };
        let mut conn = table::connect(store.file()).expect("a connection");
        table::insert(&mut conn, &[old, recent.clone()]).expect("inserted");
        let (queue, records) = sync_channel(1);
        drop(queue);
        run(store.file(), &records, Duration::from_secs(2 * 86_400));
        let rows = store.audit_rows(&AuditFilter::default()).expect("rows");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].at_us, recent.at_us);
    }

    #[test]
    fn rows_that_cannot_be_written_are_counted_dropped() {
        let dir = tempfile::tempdir().expect("a directory");
        // A directory where the file should be: nothing can be written there.
        let file = dir.path().join("store.sqlite3");
        std::fs::create_dir(&file).expect("a directory");
        let before = super::super::dropped();
        let (queue, records) = sync_channel(16);
        for _ in 0..3 {
            queue.send(Message::Record(record("t"))).expect("queued");
        }
        queue.send(Message::Stop).expect("queued");
        run(&file, &records, Duration::from_secs(86_400));
        assert!(super::super::dropped() >= before + 3);
    }
}
