//! The log event of a finished request: one per request, built from its
//! [`super::record::Record`], at info when it went as asked and at warn when it
//! failed, every field of the record a structured field of the event: the tool, prompt
//! or resource the request names as `name` (`target` is the event's own), the arrival
//! as `received_at_us` (microseconds since the Unix epoch), `truncated` and `replayed`
//! only when true, and what the record does not know not at all. The event is on every
//! request's path: each field costs formatting, so none is there for nothing.

use super::record::Record;

/// The target of request events, for filters (`RUST_LOG=mcpgen_runtime::request=warn`).
pub(crate) const REQUEST_TARGET: &str = "mcpgen_runtime::request";

/// Emits the log event of a finished record.
pub(crate) fn request(record: &Record) {
    let outcome = record.outcome.unwrap_or(super::record::Outcome::Ok);
    // One field list for both levels: `tracing` fixes an event's level where it is written.
    macro_rules! event {
        ($level:expr) => {
            tracing::event!(
                target: REQUEST_TARGET,
                $level,
                outcome = outcome.as_str(),
                method = record.method.as_deref(),
                // `target` is the event's own (`mcpgen_runtime::request`).
                name = record.target.as_deref(),
                agent = record.agent.as_deref(),
                subject = record.principal.as_ref().map(|p| p.subject.as_str()),
                auth = record.principal.as_ref().map(|p| p.method.as_str()),
                transport = record.transport_name(),
                protocol = record.protocol.as_deref(),
                request_id = record.request_id.as_ref().map(display),
                client_name = record.client_name.as_deref(),
                client_version = record.client_version.as_deref(),
                http_method = record.http_method.as_ref().map(|m| display(m.as_str())),
                status = record.status,
                error_code = record.error_code,
                latency_us = u64::try_from(record.latency.as_micros()).unwrap_or(u64::MAX),
                received_at_us = record.received_at_us(),
                request_bytes = record.request_bytes,
                response_bytes = record.response_bytes,
                truncated = record.truncated.then_some(true),
                replayed = record.replayed.then_some(true),
                detail = record.detail.as_deref(),
                trace_id = record.trace_id.as_deref(),
                "request"
            )
        };
    }
    if outcome.is_failure() {
        event!(tracing::Level::WARN);
    } else {
        event!(tracing::Level::INFO);
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! The request events a piece of code emits, as the JSON log format writes them.

    use std::sync::{Arc, Mutex};

    use serde_json::{Map, Value};

    #[derive(Clone, Default)]
    struct Lines(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Lines {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| std::io::ErrorKind::Other)?
                .extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// Runs `run` with a JSON subscriber on this thread; returns the request events it
    /// logged, flattened (`fields` merged into the top level).
    pub(crate) fn capture(run: impl FnOnce()) -> Vec<Map<String, Value>> {
        let lines = Lines::default();
        let writer = lines.clone();
        let subscriber = tracing_subscriber::fmt()
            .json()
            .flatten_event(true)
            .with_max_level(tracing::Level::INFO)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, run);
        let bytes = lines.0.lock().expect("lock").clone();
        String::from_utf8(bytes)
            .expect("utf-8")
            .lines()
            .map(|line| serde_json::from_str::<Map<String, Value>>(line).expect("a JSON line"))
            .filter(|event| event["target"] == super::REQUEST_TARGET)
            .collect()
    }

    /// [`capture`] of a future, run to its end on a runtime of this thread.
    pub(crate) fn capture_async<F: Future>(run: impl FnOnce() -> F) -> Vec<Map<String, Value>> {
        capture(|| {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime")
                .block_on(run());
        })
    }
}
