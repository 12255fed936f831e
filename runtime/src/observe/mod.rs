//! What the server tells its operator: the record of every request ([`record`]), its
//! one log event ([`log`]), its row in the audit trail ([`audit`]), the Prometheus
//! metrics counted from it ([`metrics`]), and the subscriber that writes the log
//! ([`install`]): tracing-subscriber's text or JSON format ([`log_format`]), on standard error (standard
//! output is the stdio transport), written in batches off the request path ([`log_sink`]).
//! When an OTLP endpoint is configured, each record also becomes a span ([`traces`]),
//! and handlers start spans of their own under it ([`child_span`]).

pub(crate) mod audit;
pub(crate) mod child_span;
pub(crate) mod health;
pub(crate) mod log;
mod log_format;
pub(crate) mod log_sink;
pub(crate) mod metrics;
pub(crate) mod otlp_client;
#[cfg(test)]
mod outcome_tests;
pub(crate) mod record;
pub(crate) mod trace_config;
pub(crate) mod traceparent;
pub(crate) mod traces;

use std::{fmt, str::FromStr};

/// The environment variable that selects the log format when the command line does not.
pub const LOG_FORMAT_ENV: &str = "MCPGEN_LOG_FORMAT";

/// How log events are written: one line each, as text or as a JSON object.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// `2026-11-21T10:56:10.695352Z  INFO mcpgen_runtime::request: request outcome="ok" ...`
    #[default]
    Text,
    /// `{"timestamp":"...","level":"INFO","message":"request","outcome":"ok",...}`, for
    /// log collectors.
    Json,
}

impl LogFormat {
    /// The names [`FromStr`] accepts, as a command line lists them.
    pub const NAMES: [&'static str; 2] = ["text", "json"];
}

impl FromStr for LogFormat {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, String> {
        match name.trim().to_ascii_lowercase().as_str() {
            "text" => Ok(Self::Text),
            "json" => Ok(Self::Json),
            _ => Err(format!(
                "`{name}` is not a log format; use `text` or `json`"
            )),
        }
    }
}

impl fmt::Display for LogFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Text => "text",
            Self::Json => "json",
        })
    }
}

/// Flushes the log when dropped: what is still queued is written before the server's
/// last words (an error message, the exit).
#[derive(Debug)]
#[must_use = "the log is flushed when this is dropped"]
pub(crate) struct LogGuard(
    #[expect(dead_code, reason = "held for its drop")] Option<log_sink::LogGuard<std::io::Stderr>>,
);

/// Installs the log subscriber, in `format` if given, else as [`LOG_FORMAT_ENV`] says,
/// else as text. `RUST_LOG` filters (default: `info`, rmcp's own lines from `warn`).
///
/// Lines are written in batches ([`log_sink`]): an INFO line at most 50 ms later, a
/// WARN or ERROR line at once, everything when the server stops. No line is dropped.
/// A panic is logged as an error event through the same writer, after the lines logged
/// before it. A second call (a subscriber is already installed) changes nothing.
///
/// Not tracing-appender's writer thread: it competes with the requests for a CPU when
/// the server has few, and creating it delays the first answer.
pub(crate) fn install(format: Option<LogFormat>) -> LogGuard {
    let from_env = std::env::var(LOG_FORMAT_ENV).ok();
    let (format, unknown) = match (format, from_env.as_deref().map(str::parse::<LogFormat>)) {
        (Some(format), _) => (format, None),
        (None, Some(Ok(format))) => (format, None),
        (None, Some(Err(problem))) => (LogFormat::Text, Some(problem)),
        (None, None) => (LogFormat::Text, None),
    };
    // rmcp logs its per-connection lifecycle at info: three lines for every stateless
    // HTTP request. The server's own event per request says what matters.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,rmcp=warn"));
    let (writer, guard) = log_sink::sink(std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .with_timer(log_format::LogTime);
    let installed = match format {
        LogFormat::Text => builder.fmt_fields(log_format::TextFields).try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
    if installed.is_err() {
        return LogGuard(None);
    }
    log_panics();
    if let Some(problem) = unknown {
        tracing::warn!("{LOG_FORMAT_ENV}: {problem}; writing text");
    }
    LogGuard(Some(guard))
}

/// Panics become log events: in the log's format, and after the lines queued before
/// them (the default hook writes to stderr at once, ahead of them). With
/// `RUST_BACKTRACE` set, the default hook also runs, for its backtrace.
fn log_panics() {
    let previous = std::panic::take_hook();
    let backtrace = std::env::var_os("RUST_BACKTRACE").is_some_and(|v| v != "0");
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| info.payload().downcast_ref::<String>().map(String::as_str))
            .unwrap_or("a panic without a message");
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()));
        let thread = std::thread::current();
        tracing::error!(
            target: "panic",
            thread = thread.name().unwrap_or("unnamed"),
            location = location.as_deref(),
            "panicked: {message}"
        );
        if backtrace {
            previous(info);
        }
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_formats_parse_from_their_names() {
        assert_eq!("json".parse(), Ok(LogFormat::Json));
        assert_eq!(" Text ".parse(), Ok(LogFormat::Text));
        assert!(
            "yaml"
                .parse::<LogFormat>()
                .unwrap_err()
                .contains("`text` or `json`")
        );
        for name in LogFormat::NAMES {
            assert_eq!(
                name.parse::<LogFormat>().map(|f| f.to_string()).as_deref(),
                Ok(name)
            );
        }
    }
}
