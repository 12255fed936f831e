//! The log line format of `serve`: the text of `tracing_subscriber`'s default format
//! without colours (`2026-11-21T10:56:10.695352Z  INFO target: message key="value"`),
//! written for less work per line. The server writes one line per tool call, so the
//! line is on the hot path: the default formatter spends about 9,000 instructions on
//! it (styling wrappers even with colours off, a full date computation every time);
//! this one about a third of that (`bench/callgrind.sh`).

use std::cell::RefCell;
use std::fmt::{self, Write as _};
use std::time::{SystemTime, UNIX_EPOCH};

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_log::NormalizeEvent;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields};
use tracing_subscriber::registry::LookupSpan;

/// The event format installed by [`crate::cli::main`].
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct LineFormat;

impl<S, N> FormatEvent<S, N> for LineFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        write_timestamp(&mut writer, SystemTime::now())?;
        // Records of the `log` crate arrive as events of target `log`; their own target
        // and level are in fields, as the default format reads them.
        let normalized = event.normalized_metadata();
        let metadata = normalized.as_ref().unwrap_or_else(|| event.metadata());
        writer.write_str(level_label(*metadata.level()))?;
        if let Some(scope) = ctx.event_scope() {
            let mut any = false;
            for span in scope.from_root() {
                writer.write_str(span.name())?;
                let extensions = span.extensions();
                if let Some(fields) = extensions.get::<FormattedFields<N>>()
                    && !fields.is_empty()
                {
                    write!(writer, "{{{fields}}}")?;
                }
                writer.write_char(':')?;
                any = true;
            }
            if any {
                writer.write_char(' ')?;
            }
        }
        writer.write_str(metadata.target())?;
        writer.write_str(": ")?;
        let mut visitor = Fields {
            writer: &mut writer,
            first: true,
            result: Ok(()),
        };
        event.record(&mut visitor);
        visitor.result?;
        writer.write_char('\n')
    }
}

/// `" INFO "`, right-aligned to five characters as the default format does.
fn level_label(level: Level) -> &'static str {
    match level {
        Level::TRACE => "TRACE ",
        Level::DEBUG => "DEBUG ",
        Level::INFO => " INFO ",
        Level::WARN => " WARN ",
        Level::ERROR => "ERROR ",
    }
}

/// The message first, as is, then `name=value` for every other field; strings are
/// quoted and escaped (`{:?}`), so a value cannot forge a line or a terminal escape.
struct Fields<'w, 'a> {
    writer: &'w mut Writer<'a>,
    first: bool,
    result: fmt::Result,
}

impl Fields<'_, '_> {
    /// Writes one field with `write`, after a separator; skips `tracing-log`'s own
    /// `log.*` fields, and everything after a failed write.
    fn write(&mut self, field: &Field, write: impl FnOnce(&mut Writer<'_>) -> fmt::Result) {
        if self.result.is_err() || field.name().starts_with("log.") {
            return;
        }
        let separator = if self.first {
            self.first = false;
            Ok(())
        } else {
            self.writer.write_char(' ')
        };
        self.result = separator.and_then(|()| write(self.writer));
    }
}

impl Visit for Fields<'_, '_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        // `name="value"`, as `{:?}` writes it, without the formatting machinery when
        // nothing needs escaping (tool names, outcome codes).
        let plain = value
            .bytes()
            .all(|b| (b' '..=b'~').contains(&b) && b != b'"' && b != b'\\');
        if field.name() == "message" {
            self.write(field, |w| Escaped(w).write_str(value));
        } else if plain {
            self.write(field, |w| {
                w.write_str(field.name())?;
                w.write_str("=\"")?;
                w.write_str(value)?;
                w.write_char('"')
            });
        } else {
            self.record_debug(field, &value);
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            self.write(field, |w| write!(Escaped(w), "{value:?}"));
        } else {
            self.write(field, |w| {
                w.write_str(field.name())?;
                w.write_char('=')?;
                write!(w, "{value:?}")
            });
        }
    }
}

/// Escapes control characters (newlines, terminal escapes) in messages.
struct Escaped<'w, W: fmt::Write>(&'w mut W);

impl<W: fmt::Write> fmt::Write for Escaped<'_, W> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if !s.chars().any(char::is_control) {
            return self.0.write_str(s);
        }
        for c in s.chars() {
            if c.is_control() {
                write!(self.0, "{}", c.escape_default())?;
            } else {
                self.0.write_char(c)?;
            }
        }
        Ok(())
    }
}

thread_local! {
    /// The last second formatted on this thread and its text (`2026-11-21T10:56:10`).
    static SECOND: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
}

/// `2026-11-21T10:56:10.695352Z ` (UTC, microseconds, then a space), as the default
/// format.
fn write_timestamp(writer: &mut impl fmt::Write, now: SystemTime) -> fmt::Result {
    let since = now.duration_since(UNIX_EPOCH).unwrap_or_default();
    let seconds = since.as_secs();
    SECOND.with(|cell| {
        let mut cached = cell.borrow_mut();
        if cached.0 != seconds {
            let text = &mut cached.1;
            text.clear();
            format_second(text, seconds)?;
            cached.0 = seconds;
        }
        writer.write_str(&cached.1)?;
        write!(writer, ".{:06}Z ", since.subsec_micros())
    })
}

/// `YYYY-MM-DDTHH:MM:SS` of a Unix time (days to civil date: Howard Hinnant's
/// algorithm, exact for the proleptic Gregorian calendar).
fn format_second(out: &mut String, seconds: u64) -> fmt::Result {
    let days = i64::try_from(seconds / 86_400).unwrap_or(i64::MAX);
    let of_day = seconds % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    write!(
        out,
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        of_day / 3_600,
        of_day / 60 % 60,
        of_day % 60
    )
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn at(seconds: u64, micros: u32) -> String {
        let mut out = String::new();
        let time = UNIX_EPOCH + Duration::from_secs(seconds) + Duration::from_micros(micros.into());
        write_timestamp(&mut out, time).expect("formats");
        out
    }

    #[test]
    fn timestamps_are_rfc3339_utc_with_microseconds() {
        assert_eq!(at(0, 0), "1970-01-01T00:00:00.000000Z ");
        assert_eq!(at(951_782_400, 7), "2000-02-29T00:00:00.000007Z ");
        assert_eq!(at(1_795_258_570, 695_352), "2026-11-21T10:56:10.695352Z ");
        assert_eq!(at(4_107_542_399, 999_999), "2100-02-28T23:59:59.999999Z ");
        // The cached second is per thread and replaced when the second changes.
        assert_eq!(at(1_795_258_571, 1), "2026-11-21T10:56:11.000001Z ");
    }

    #[test]
    fn lines_match_the_default_format_without_colours() {
        use std::sync::{Arc, Mutex};
        #[derive(Clone, Default)]
        struct Sink(Arc<Mutex<Vec<u8>>>);
        impl std::io::Write for Sink {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.0
                    .lock()
                    .map_err(|_| std::io::ErrorKind::Other)?
                    .extend_from_slice(buf);
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let ours = Sink::default();
        let theirs = Sink::default();
        let emit = |sink: Sink, custom: bool| {
            let builder = tracing_subscriber::fmt()
                .with_writer(move || sink.clone())
                .with_ansi(false)
                .without_time();
            let run = || {
                let span = tracing::info_span!("serve", transport = "stdio");
                let _entered = span.enter();
                tracing::info!(
                    tool = "get_forecast",
                    outcome = "ok",
                    duration_ms = 3_u64,
                    "tool call succeeded"
                );
                tracing::warn!(city = "Zürich\n\u{1b}[31m", retry = true, "two words");
                tracing::error!(error = ?("x", 1), "failed: {}", 42);
                // A record of the `log` crate, as `tracing-log` forwards it.
                let _ = tracing_log::format_trace(
                    &log::Record::builder()
                        .args(format_args!("from a log-crate dependency"))
                        .level(log::Level::Warn)
                        .target("redis::cluster")
                        .module_path_static(Some("redis::cluster"))
                        .file_static(Some("cluster.rs"))
                        .line(Some(7))
                        .build(),
                );
            };
            if custom {
                tracing::subscriber::with_default(builder.event_format(NoTime).finish(), run);
            } else {
                tracing::subscriber::with_default(builder.finish(), run);
            }
        };
        emit(ours.clone(), true);
        emit(theirs.clone(), false);
        let text = |s: &Sink| String::from_utf8(s.0.lock().expect("lock").clone()).expect("utf-8");
        assert_eq!(text(&ours), text(&theirs));
        assert!(text(&ours).contains(
            "INFO serve{transport=\"stdio\"}: mcpgen_runtime::observe::log::tests: tool call succeeded tool=\"get_forecast\" outcome=\"ok\" duration_ms=3\n"
        ));
        assert!(
            text(&ours).contains(
                " WARN serve{transport=\"stdio\"}: redis::cluster: from a log-crate dependency\n"
            ),
            "{}",
            text(&ours)
        );
    }

    #[test]
    fn a_message_stays_on_one_line() {
        let mut out = String::new();
        let mut escaped = Escaped(&mut out);
        escaped.write_str("line\nbreak \u{1b}[31m").expect("writes");
        assert_eq!(out, "line\\nbreak \\u{1b}[31m");
    }

    /// [`LineFormat`] without its timestamp, to compare with the default format.
    struct NoTime;

    impl<S, N> FormatEvent<S, N> for NoTime
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
        N: for<'a> FormatFields<'a> + 'static,
    {
        fn format_event(
            &self,
            ctx: &FmtContext<'_, S, N>,
            writer: Writer<'_>,
            event: &Event<'_>,
        ) -> fmt::Result {
            let mut line = String::new();
            LineFormat.format_event(ctx, Writer::new(&mut line), event)?;
            // Drop `2026-11-21T10:56:10.695352Z `.
            let mut writer = writer;
            writer.write_str(line.split_once("Z ").map_or("", |(_, rest)| rest))
        }
    }
}
