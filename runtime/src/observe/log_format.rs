//! How a log line is written: tracing-subscriber's text and JSON formats, with a timer
//! ([`LogTime`]) and, for text, a field formatter ([`TextFields`]) that write what its
//! defaults write for less work. The server writes a line per request, about twenty
//! fields each, so their cost is on every request's path.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use tracing::field::{Field, Visit};
use tracing_subscriber::field::{RecordFields, VisitOutput as _};
use tracing_subscriber::fmt::format::{DefaultVisitor, Writer};
use tracing_subscriber::fmt::{FormatFields, time::FormatTime};

/// The time of a line as tracing-subscriber's default timer writes it, in UTC to the
/// microsecond (`2026-11-21T10:56:10.695352Z`), through chrono: a third of the
/// instructions.
pub(crate) struct LogTime;

impl FormatTime for LogTime {
    fn format_time(&self, writer: &mut Writer<'_>) -> fmt::Result {
        let since = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_err(|_| fmt::Error)?;
        let seconds = i64::try_from(since.as_secs()).map_err(|_| fmt::Error)?;
        let time =
            chrono::DateTime::from_timestamp(seconds, since.subsec_nanos()).ok_or(fmt::Error)?;
        writer.write_str(&time.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
    }
}

/// The fields of a text line as tracing-subscriber's default field formatter writes
/// them (`message name="value" count=3`). What most fields hold, a string that needs
/// no escaping, an integer or a boolean, is written as it is; the rest (the message,
/// which it sanitizes, other strings, debug values, errors) goes to its own visitor,
/// field by field.
pub(crate) struct TextFields;

impl<'w> FormatFields<'w> for TextFields {
    fn format_fields<R: RecordFields>(&self, writer: Writer<'w>, fields: R) -> fmt::Result {
        let mut visitor = TextVisitor {
            writer,
            empty: true,
            result: Ok(()),
        };
        fields.record(&mut visitor);
        visitor.result
    }
}

struct TextVisitor<'w> {
    writer: Writer<'w>,
    /// No field written yet: the next one goes without a space before it.
    empty: bool,
    result: fmt::Result,
}

impl TextVisitor<'_> {
    /// Whether to write `field`: not after a failed write, and not tracing-log's own
    /// `log.*` fields, which the line has already said (as the default skips them).
    fn writes(&self, field: &Field) -> bool {
        self.result.is_ok() && !field.name().starts_with("log.")
    }

    /// `name=value`, the value between quotes or not.
    fn plain(&mut self, field: &Field, value: &str, quoted: bool) {
        if !self.writes(field) {
            return;
        }
        let name = field.name();
        let name = name.strip_prefix("r#").unwrap_or(name);
        let separator = if self.empty { "" } else { " " };
        self.empty = false;
        let (equals, quote) = if quoted { ("=\"", "\"") } else { ("=", "") };
        let w = &mut self.writer;
        // One `write_str` a piece: through `core::fmt`, several times the instructions.
        self.result = [separator, name, equals, value, quote]
            .into_iter()
            .filter(|piece| !piece.is_empty())
            .try_for_each(|piece| w.write_str(piece));
    }

    /// The field as tracing-subscriber's default visitor writes it.
    fn as_default(&mut self, field: &Field, record: impl FnOnce(&mut DefaultVisitor<'_>)) {
        if !self.writes(field) {
            return;
        }
        let mut visitor = DefaultVisitor::new(self.writer.by_ref(), self.empty);
        record(&mut visitor);
        self.empty = false;
        self.result = visitor.finish();
    }
}

impl Visit for TextVisitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        // Printable ASCII but `"` and `\` is all that `{:?}` writes as it is.
        let verbatim = value
            .bytes()
            .all(|b| matches!(b, b' '..=b'~') && b != b'"' && b != b'\\');
        if verbatim && field.name() != "message" {
            self.plain(field, value, true);
        } else {
            self.as_default(field, |v| v.record_str(field, value));
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.plain(field, itoa::Buffer::new().format(value), false);
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.plain(field, itoa::Buffer::new().format(value), false);
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.plain(field, if value { "true" } else { "false" }, false);
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.as_default(field, |v| v.record_error(field, value));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.as_default(field, |v| v.record_debug(field, value));
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[derive(Clone, Default)]
    struct Lines(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Lines {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("lock").extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// Events with fields of every kind, in a span with fields.
    fn log_everything() {
        #[derive(Debug)]
        struct Failed;
        impl fmt::Display for Failed {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("failed \x1b[31m")
            }
        }
        impl std::error::Error for Failed {}
        let span = tracing::info_span!("call", tool = "get_forecast", n = 3, r#type = "x");
        let _entered = span.enter();
        let none: Option<&str> = None;
        tracing::info!(
            plain = "get_forecast",
            empty = "",
            quoted = "say \"hi\"",
            backslash = r"C:\temp",
            newline = "two\nlines",
            escape = "\x1b[31mred",
            unicode = "Zürich",
            absent = none,
            present = Some("yes"),
            zero = 0u64,
            max = u64::MAX,
            negative = i64::MIN,
            small = 7u16,
            yes = true,
            no = false,
            ratio = 0.5,
            big = u128::MAX,
            display = %"shown as is",
            debug = ?vec!["a", "b"],
            error = &Failed as &(dyn std::error::Error + 'static),
            r#type = "raw",
            "the \x1b[2Jmessage {}",
            42
        );
        tracing::warn!("a message alone");
        tracing::info!(only = "fields", n = 1);
        tracing::info!(message = "a message field", after = 2);
        tracing::info!(message = %"a displayed message", "log.target" = "kept out");
    }

    /// What a text subscriber writes for [`log_everything`], with these fields.
    fn written<N>(fields: N) -> String
    where
        N: for<'w> FormatFields<'w> + Send + Sync + 'static,
    {
        let lines = Lines::default();
        let writer = lines.clone();
        let subscriber = tracing_subscriber::fmt()
            .fmt_fields(fields)
            .with_ansi(false)
            .without_time()
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, log_everything);
        let bytes = lines.0.lock().expect("lock").clone();
        String::from_utf8(bytes).expect("utf-8")
    }

    #[test]
    fn text_fields_are_written_as_the_default_writes_them() {
        let default = written(tracing_subscriber::fmt::format::DefaultFields::new());
        assert_eq!(written(TextFields), default);
        // The cases are there to compare.
        for piece in [
            r#"quoted="say \"hi\"""#,
            "negative=-9223372036854775808",
            r#"call{tool="get_forecast" n=3 type="x"}"#,
        ] {
            assert!(default.contains(piece), "{piece} in {default}");
        }
    }

    #[test]
    fn the_time_is_written_as_the_default_timer_writes_it() {
        let mut ours = String::new();
        LogTime
            .format_time(&mut Writer::new(&mut ours))
            .expect("written");
        let mut default = String::new();
        tracing_subscriber::fmt::time::SystemTime
            .format_time(&mut Writer::new(&mut default))
            .expect("written");
        // `2026-11-21T10:56:10.695352Z`: the same shape; the same second, unless the
        // second turned between the two.
        let shape = |time: &str| {
            time.len() == 27
                && time.char_indices().all(|(i, c)| match i {
                    4 | 7 => c == '-',
                    10 => c == 'T',
                    13 | 16 => c == ':',
                    19 => c == '.',
                    26 => c == 'Z',
                    _ => c.is_ascii_digit(),
                })
        };
        assert!(shape(&ours) && shape(&default), "{ours} {default}");
        let parsed = |time: &str| chrono::DateTime::parse_from_rfc3339(time).expect("RFC 3339");
        let apart = parsed(&ours) - parsed(&default);
        assert!(apart.num_seconds().abs() < 2, "{ours} {default}");
    }
}
