//! Where `serve` writes its log lines: standard error, in batches.
//!
//! The server logs one event per request. Written as it happens, each line is one
//! `write` system call on the request's path. Here a line at INFO, DEBUG or TRACE waits
//! in memory, and a task on the server's tokio runtime writes what gathered
//! [`FLUSH_DELAY`] after the first line came in: one system call for all the lines of
//! that span. A task rather than a thread of its own: creating a thread is on the way
//! to the first answer. What matters at once is written at once:
//!
//! - a WARN or ERROR line is written by the thread that logs it, after every line
//!   before it (lines keep their order);
//! - so is every line once [`MAX_BUFFERED`] bytes wait (a burst never grows the buffer
//!   further, and never drops a line);
//! - stopping the server ([`LogGuard`]'s drop) writes what waits, and lines logged after
//!   that are written at once;
//! - so is a line logged outside a tokio runtime (before the server's runtime starts).
//!
//! What a crash the process cannot see (SIGKILL, an abort) loses is at most the last
//! [`FLUSH_DELAY`] of INFO lines.

use std::io::{self, Write};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tracing::{Level, Metadata};
use tracing_subscriber::fmt::MakeWriter;

/// How long an INFO line waits at most before it is written.
const FLUSH_DELAY: Duration = Duration::from_millis(50);

/// Bytes that may wait; the line that reaches this is written with all before it.
const MAX_BUFFERED: usize = 64 * 1024;

struct State {
    buffer: Vec<u8>,
    /// The server stopped: no more batching.
    closed: bool,
    /// A task will write the buffer.
    scheduled: bool,
}

/// The buffer and the output have locks of their own: a batch is taken from the buffer
/// and written with only the output locked, so a line logged meanwhile (on another
/// worker) goes into the next batch instead of waiting for the write. Writers take the
/// output's lock before the buffer's, so batches go out in the order their lines came.
struct Shared<W> {
    state: Mutex<State>,
    out: Mutex<W>,
    delay: Duration,
    max_buffered: usize,
}

/// Locks `mutex`; a panic while it was held leaves whole lines behind at worst.
fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl<W: Write + Send + 'static> Shared<W> {
    fn push(self: &Arc<Self>, bytes: &[u8], urgent: bool) {
        let runtime = tokio::runtime::Handle::try_current().ok();
        let mut state = locked(&self.state);
        state.buffer.extend_from_slice(bytes);
        let Some(runtime) = runtime
            .filter(|_| !(urgent || state.closed || state.buffer.len() >= self.max_buffered))
        else {
            drop(state);
            self.write_out();
            return;
        };
        if state.scheduled {
            return;
        }
        state.scheduled = true;
        // Unlocked first: a runtime that is shutting down drops the task at once.
        drop(state);
        let flush = Flush(Arc::clone(self));
        runtime.spawn(async move {
            tokio::time::sleep(flush.0.delay).await;
            drop(flush);
        });
    }

    /// Writes what waits. A failing stderr (closed by the parent) cannot be reported
    /// anywhere; its lines are dropped and the server goes on serving.
    fn write_out(&self) {
        let mut out = locked(&self.out);
        let batch = std::mem::take(&mut locked(&self.state).buffer);
        self.write_batch(&mut out, batch);
    }

    fn write_batch(&self, out: &mut W, mut batch: Vec<u8>) {
        if batch.is_empty() {
            return;
        }
        let _ = out.write_all(&batch);
        let _ = out.flush();
        // The allocation goes back, unless lines came in meanwhile and made another.
        batch.clear();
        let mut state = locked(&self.state);
        if state.buffer.is_empty() {
            state.buffer = batch;
        }
    }
}

/// A scheduled write of the buffer, done when dropped: after the delay, or when the
/// runtime that holds the task drops it unrun (a runtime a handler made and dropped),
/// so batching never stops with a write that will not come.
struct Flush<W: Write + Send + 'static>(Arc<Shared<W>>);

impl<W: Write + Send + 'static> Drop for Flush<W> {
    fn drop(&mut self) {
        locked(&self.0.state).scheduled = false;
        self.0.write_out();
    }
}

/// The `MakeWriter` of the log subscriber (see the module docs).
pub(crate) struct LogSink<W: Write + Send + 'static> {
    shared: Arc<Shared<W>>,
}

/// Stops the batching when dropped: writes what waits, and every later line at once.
pub(crate) struct LogGuard<W: Write + Send + 'static> {
    shared: Arc<Shared<W>>,
}

impl<W: Write + Send + 'static> std::fmt::Debug for LogGuard<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogGuard").finish_non_exhaustive()
    }
}

/// A batching sink over `out` and its guard.
pub(crate) fn sink<W: Write + Send + 'static>(out: W) -> (LogSink<W>, LogGuard<W>) {
    sink_with(out, FLUSH_DELAY, MAX_BUFFERED)
}

fn sink_with<W: Write + Send + 'static>(
    out: W,
    delay: Duration,
    max_buffered: usize,
) -> (LogSink<W>, LogGuard<W>) {
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            buffer: Vec::new(),
            closed: false,
            scheduled: false,
        }),
        out: Mutex::new(out),
        delay,
        max_buffered,
    });
    (
        LogSink {
            shared: Arc::clone(&shared),
        },
        LogGuard { shared },
    )
}

impl<W: Write + Send + 'static> Clone for LogSink<W> {
    fn clone(&self) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<W: Write + Send + 'static> Drop for LogGuard<W> {
    fn drop(&mut self) {
        locked(&self.shared.state).closed = true;
        self.shared.write_out();
    }
}

/// One log line on its way into the sink.
pub(crate) struct Line<'a, W: Write + Send + 'static> {
    shared: &'a Arc<Shared<W>>,
    urgent: bool,
}

impl<W: Write + Send + 'static> Write for Line<'_, W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.shared.push(bytes, self.urgent);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a, W: Write + Send + 'static> MakeWriter<'a> for LogSink<W> {
    type Writer = Line<'a, W>;

    fn make_writer(&'a self) -> Self::Writer {
        Line {
            shared: &self.shared,
            urgent: true,
        }
    }

    fn make_writer_for(&'a self, meta: &Metadata<'_>) -> Self::Writer {
        Line {
            shared: &self.shared,
            urgent: *meta.level() <= Level::WARN,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Everything written, and how many writes it took.
    #[derive(Clone, Default)]
    struct Recorder(Arc<Mutex<(Vec<u8>, usize)>>);

    impl Write for Recorder {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            let mut inner = self.0.lock().expect("lock");
            inner.0.extend_from_slice(bytes);
            inner.1 += 1;
            Ok(bytes.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Recorder {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().expect("lock").0.clone()).expect("utf-8")
        }
        fn writes(&self) -> usize {
            self.0.lock().expect("lock").1
        }
    }

    /// Logs `lines` (level, message) through a subscriber writing to `sink`.
    fn logged<W: Write + Send + 'static>(sink: &LogSink<W>, lines: &[(Level, &str)]) {
        let subscriber = tracing_subscriber::fmt()
            .with_writer(sink.clone())
            .with_ansi(false)
            .without_time()
            .with_level(false)
            .with_target(false)
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            for &(level, message) in lines {
                if level == Level::WARN {
                    tracing::warn!("{message}");
                } else {
                    tracing::info!("{message}");
                }
            }
        });
    }

    /// A sink whose delay and cap no test reaches: only the rule under test writes.
    fn unhurried() -> (Recorder, LogSink<Recorder>, LogGuard<Recorder>) {
        let out = Recorder::default();
        let (sink, guard) = sink_with(out.clone(), Duration::from_secs(3600), 1 << 20);
        (out, sink, guard)
    }

    // Inside a tokio runtime with its clock paused: `sleep` moves the clock at once, so
    // "after the delay" takes no real time.

    #[tokio::test(start_paused = true)]
    async fn info_lines_wait_and_go_out_together() {
        let out = Recorder::default();
        let (sink, _guard) = sink_with(out.clone(), Duration::from_secs(1), 1 << 20);
        let lines: Vec<String> = (0..50).map(|n| format!("line {n}")).collect();
        let info: Vec<(Level, &str)> = lines.iter().map(|l| (Level::INFO, l.as_str())).collect();
        logged(&sink, &info);
        tokio::time::sleep(Duration::from_millis(990)).await;
        assert_eq!(out.writes(), 0, "written before the delay: {}", out.text());
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(out.writes(), 1, "one write for the batch");
        let expected: String = lines.iter().map(|l| format!("{l}\n")).collect();
        assert_eq!(out.text(), expected);
        // The next line starts the next batch.
        logged(&sink, &[(Level::INFO, "later")]);
        tokio::time::sleep(Duration::from_millis(1010)).await;
        assert_eq!((out.writes(), out.text().ends_with("later\n")), (2, true));
    }

    #[tokio::test(start_paused = true)]
    async fn a_warning_is_written_at_once_after_the_lines_before_it() {
        let (out, sink, _guard) = unhurried();
        logged(&sink, &[(Level::INFO, "first"), (Level::WARN, "careful")]);
        assert_eq!(out.text(), "first\ncareful\n");
        logged(&sink, &[(Level::INFO, "after")]);
        assert_eq!(out.text(), "first\ncareful\n");
        logged(&sink, &[(Level::WARN, "failed")]);
        assert_eq!(out.text(), "first\ncareful\nafter\nfailed\n");
    }

    #[tokio::test(start_paused = true)]
    async fn a_full_buffer_is_written_by_the_line_that_fills_it() {
        let out = Recorder::default();
        let (sink, _guard) = sink_with(out.clone(), Duration::from_secs(3600), 64);
        let line = "x".repeat(39);
        logged(&sink, &[(Level::INFO, &line)]);
        assert_eq!(out.writes(), 0);
        logged(&sink, &[(Level::INFO, &line)]);
        assert_eq!(
            out.text(),
            format!("{line}\n").repeat(2),
            "80 bytes reach the 64-byte cap"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn stopping_writes_what_waits_and_later_lines_at_once() {
        let (out, sink, guard) = unhurried();
        logged(&sink, &[(Level::INFO, "before")]);
        assert_eq!(out.writes(), 0);
        drop(guard);
        assert_eq!(out.text(), "before\n");
        logged(&sink, &[(Level::INFO, "after")]);
        assert_eq!(out.text(), "before\nafter\n");
    }

    /// A writer whose writes wait until the test lets them through.
    struct Gate {
        entered: std::sync::mpsc::Sender<()>,
        release: std::sync::mpsc::Receiver<()>,
        out: Recorder,
    }

    impl Write for Gate {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            let _ = self.entered.send(());
            let _ = self.release.recv();
            self.out.write(bytes)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_line_logged_during_a_write_waits_for_no_one() {
        let (entered_tx, entered) = std::sync::mpsc::channel();
        // A rendezvous: each send lets one write through.
        let (release, release_rx) = std::sync::mpsc::sync_channel(0);
        let out = Recorder::default();
        let gate = Gate {
            entered: entered_tx,
            release: release_rx,
            out: out.clone(),
        };
        let (sink, guard) = sink_with(gate, Duration::from_secs(3600), 1 << 20);
        let writer = {
            let sink = sink.clone();
            std::thread::spawn(move || logged(&sink, &[(Level::WARN, "first")]))
        };
        entered.recv().expect("the warning's write began");
        let (done_tx, done) = std::sync::mpsc::channel();
        let logger = {
            let sink = sink.clone();
            std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_time()
                    .build()
                    .expect("runtime");
                runtime.block_on(async { logged(&sink, &[(Level::INFO, "second")]) });
                let _ = done_tx.send(());
                // Kept until the test ends: its drop would write the line.
                runtime
            })
        };
        let waited = done.recv_timeout(Duration::from_secs(5));
        // Let every write through, whatever the outcome, so no thread is left blocked
        // (the loop ends when the sink, and with it the gate, is dropped).
        std::thread::spawn(move || while release.send(()).is_ok() {});
        writer.join().expect("writer");
        let runtime = logger.join().expect("logger");
        assert!(
            waited.is_ok(),
            "an INFO line waited for a write of earlier lines to finish"
        );
        drop(runtime);
        drop(guard);
        assert_eq!(out.text(), "first\nsecond\n");
    }

    #[test]
    fn outside_a_runtime_a_line_is_written_at_once() {
        let (out, sink, _guard) = unhurried();
        logged(&sink, &[(Level::INFO, "starting")]);
        assert_eq!(out.text(), "starting\n");
    }

    #[test]
    fn a_write_dropped_with_its_runtime_is_done_then_and_batching_goes_on() {
        let (out, sink, _guard) = unhurried();
        let rounds = [
            ("inside", "", "inside\n"),
            ("next", "inside\n", "inside\nnext\n"),
        ];
        for (line, before_drop, after_drop) in rounds {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .build()
                .expect("runtime");
            runtime.block_on(async { logged(&sink, &[(Level::INFO, line)]) });
            assert_eq!(out.text(), before_drop);
            drop(runtime);
            assert_eq!(out.text(), after_drop);
        }
    }
}
