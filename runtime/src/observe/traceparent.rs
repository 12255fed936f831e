//! W3C Trace Context (`traceparent`, `tracestate`): read from what a caller sent (a
//! request's `_meta` on 2026-07-28, an HTTP header), written for a handler's own
//! outbound calls.
//!
//! What a caller sends is never a reason to fail its call: a malformed `traceparent`
//! is ignored (the request starts a trace of its own), a malformed `tracestate` is
//! dropped and the `traceparent` kept, as the W3C recommendation says.

use std::str::FromStr as _;

use opentelemetry::trace::{SpanContext, SpanId, TraceFlags, TraceId, TraceState};

/// The `_meta` key and the HTTP header of the trace context.
pub(crate) const TRACEPARENT: &str = "traceparent";
/// The `_meta` key and the HTTP header of vendor-specific trace data.
pub(crate) const TRACESTATE: &str = "tracestate";

/// The caller's span, as a remote parent, or `None` when `traceparent` is malformed.
pub(crate) fn parse(traceparent: &str, tracestate: Option<&str>) -> Option<SpanContext> {
    let text = traceparent.trim();
    let bytes = text.as_bytes();
    // Slicing below is by byte: anything but ASCII is malformed anyway.
    if !text.is_ascii() {
        return None;
    }
    // version "-" trace-id "-" parent-id "-" flags: 2 + 1 + 32 + 1 + 16 + 1 + 2.
    if bytes.len() < 55 || [2, 35, 52].iter().any(|&i| bytes[i] != b'-') {
        return None;
    }
    let version = hex(&text[..2])?;
    // Version ff is invalid; version 00 has exactly these fields; a later version may
    // append fields after a dash, which this reader does not know and skips.
    let tail_ok = match version {
        0xff => false,
        0 => bytes.len() == 55,
        _ => bytes.len() == 55 || bytes[55] == b'-',
    };
    if !tail_ok || !is_lower_hex(&text[3..35]) || !is_lower_hex(&text[36..52]) {
        return None;
    }
    let trace_id = TraceId::from_hex(&text[3..35]).ok()?;
    let span_id = SpanId::from_hex(&text[36..52]).ok()?;
    if trace_id == TraceId::INVALID || span_id == SpanId::INVALID {
        return None;
    }
    // Only the sampled bit is understood; the others are not passed on.
    let flags = TraceFlags::new(hex(&text[53..55])?) & TraceFlags::SAMPLED;
    let state = tracestate
        .map(str::trim)
        .filter(|s| valid_tracestate(s))
        .and_then(|s| TraceState::from_str(s).ok())
        .unwrap_or_default();
    Some(SpanContext::new(trace_id, span_id, flags, true, state))
}

/// The `traceparent` of `span`: how a callee names it as its parent.
pub(crate) fn format(span: &SpanContext) -> String {
    format!(
        "00-{}-{}-{:02x}",
        span.trace_id(),
        span.span_id(),
        span.trace_flags().to_u8()
    )
}

/// The `tracestate` to send along with [`format`]'s, if it has any entries.
pub(crate) fn state(span: &SpanContext) -> Option<String> {
    let header = span.trace_state().header();
    (!header.is_empty()).then_some(header)
}

/// W3C `tracestate`: at most 32 `key=value` members separated by commas (empty ones
/// allowed); keys lowercase (`vendor` or `tenant@vendor`), values printable ASCII
/// without `,` and `=`. OpenTelemetry's own parser lets more through.
fn valid_tracestate(text: &str) -> bool {
    let mut members = text.split(',').map(str::trim).filter(|m| !m.is_empty());
    let mut count = 0;
    members.all(|member| {
        count += 1;
        let Some((key, value)) = member.split_once('=') else {
            return false;
        };
        count <= 32 && valid_key(key) && valid_value(value)
    })
}

fn valid_key(key: &str) -> bool {
    let part = |text: &str, max: usize| {
        let mut bytes = text.bytes();
        let first = bytes.next();
        let first_ok = first.is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        first_ok
            && text.len() <= max
            && bytes.all(|b| {
                b.is_ascii_lowercase()
                    || b.is_ascii_digit()
                    || matches!(b, b'_' | b'-' | b'*' | b'/')
            })
    };
    match key.split_once('@') {
        Some((tenant, system)) => part(tenant, 241) && part(system, 14),
        None => part(key, 256) && key.as_bytes()[0].is_ascii_lowercase(),
    }
}

fn valid_value(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 256
        && !value.ends_with(' ')
        && value
            .bytes()
            .all(|b| (0x20..=0x7e).contains(&b) && b != b',' && b != b'=')
}

fn hex(pair: &str) -> Option<u8> {
    if !is_lower_hex(pair) {
        return None;
    }
    u8::from_str_radix(pair, 16).ok()
}

/// W3C trace context ids are lowercase hex; an uppercase digit makes them invalid.
fn is_lower_hex(text: &str) -> bool {
    text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn a_valid_traceparent_is_a_remote_parent() {
        let parent = parse(VALID, Some("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE")).unwrap();
        assert_eq!(
            parent.trace_id().to_string(),
            "4bf92f3577b34da6a3ce929d0e0e4736"
        );
        assert_eq!(parent.span_id().to_string(), "00f067aa0ba902b7");
        assert!(parent.is_sampled());
        assert!(parent.is_remote());
        assert_eq!(
            state(&parent).as_deref(),
            Some("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE")
        );
        assert_eq!(format(&parent), VALID);
        let unsampled = parse(&VALID.replace("-01", "-00"), None).unwrap();
        assert!(!unsampled.is_sampled());
        assert_eq!(state(&unsampled), None);
        // Surrounding blanks, as a header value may have.
        assert!(parse(&format!(" {VALID} "), None).is_some());
    }

    #[test]
    fn a_later_version_may_append_fields() {
        let later = "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-09-whatever";
        let parent = parse(later, None).unwrap();
        assert!(parent.is_sampled());
        // Flags beyond sampled are not passed on; the version written is ours.
        assert_eq!(format(&parent), VALID);
        assert!(
            parse(
                "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",
                None
            )
            .is_none()
        );
    }

    #[test]
    fn malformed_traceparents_are_ignored() {
        let malformed = [
            "",
            "garbage",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "0g-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",
            "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-zz",
            "00-4bf92f3577b34da6a3ce929d0e0e47361-0f067aa0ba902b7-01",
            "00-+bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0é",
            "0é-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902bé-01",
        ];
        for text in malformed {
            assert!(parse(text, None).is_none(), "{text:?} was accepted");
        }
    }

    #[test]
    fn a_tracestate_may_have_tenants_and_empty_members() {
        let parent = parse(VALID, Some("t61@vendor=a b,, rojo=1 ")).unwrap();
        assert_eq!(state(&parent).as_deref(), Some("t61@vendor=a b,rojo=1"));
    }

    #[test]
    fn a_malformed_tracestate_is_dropped_and_the_parent_kept() {
        let many = (0..33)
            .map(|i| format!("k{i}=v"))
            .collect::<Vec<_>>()
            .join(",");
        for tracestate in [
            "=novalue", "a=b,,,c", "UPPER=x", "a=b=c", "k=\u{1}", "k=", &many,
        ] {
            let parent = parse(VALID, Some(tracestate)).unwrap();
            assert_eq!(state(&parent), None, "{tracestate:?} was kept");
        }
    }
}
