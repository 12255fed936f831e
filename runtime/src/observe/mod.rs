//! What the server tells its operator: log lines on stderr ([`log`]), written in
//! batches off the request path ([`log_sink`]).

pub(crate) mod log;
pub(crate) mod log_sink;

/// Installs the log subscriber: lines on stderr, batched ([`crate::observe::log_sink`]: an INFO
/// line waits at most 50 ms, a WARN or ERROR line is written at once). The guard writes
/// what waits when the server stops. (tracing-appender's writer thread, one write per
/// line, measured no faster here and cost 4 MiB for its queue and a worse p99 latency.)
pub(crate) fn install(format: LogFormat) -> log_sink::LogGuard<std::io::Stderr> {
    // rmcp logs its per-connection lifecycle at info: three lines for every stateless
    // HTTP request. The server's own line per call says what matters.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,rmcp=warn"));
    let (sink, guard) = log_sink::sink(std::io::stderr());
    // A panic message comes after the lines logged before it.
    let before_panic = sink.clone();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        before_panic.flush_now();
        previous(info);
    }));
    // Ignore the error of a second call (a subscriber is already installed).
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(sink)
        .with_ansi(false)
        .event_format(log::LineFormat)
        .try_init();
    if format == LogFormat::Json {
        tracing::warn!("JSON log lines are not available in this build yet; writing text");
    }
    guard
}

/// How log lines are written (`serve --log-format`, `MCPGEN_LOG_FORMAT`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// One line of text per event.
    #[default]
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}
