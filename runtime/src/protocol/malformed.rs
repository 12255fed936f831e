//! Why bytes that came as one message are not one JSON-RPC 2.0 message, for a stdio
//! line and an HTTP body alike. JSON-RPC 2.0 answers what is not JSON with -32700 and
//! a null id, and what is JSON but no valid request with -32600 (or -32602 for its
//! params), echoing the request's id whenever it can be read; the message says what to
//! change.

use serde::de::{Deserializer as _, IgnoredAny, MapAccess, Visitor};
use serde_json::{Value, json};

use rmcp::model::ClientJsonRpcMessage;

/// How the message came: the wording names the unit the client sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    /// One line on stdin.
    Line,
    /// The body of an HTTP POST.
    Body,
}

/// The error to answer for a malformed message.
#[derive(Debug)]
pub(crate) struct Malformed {
    /// The request's id when it can be read and MCP allows it; else null.
    pub(crate) id: Value,
    pub(crate) code: i64,
    pub(crate) message: String,
    pub(crate) data: Value,
    /// An object with a `method` and no `id`: a notification, which JSON-RPC never
    /// answers, even when it is malformed.
    pub(crate) notification: bool,
}

impl Malformed {
    /// The JSON-RPC error response.
    pub(crate) fn to_response(&self) -> Value {
        json!({
            "jsonrpc": "2.0",
            "id": self.id,
            "error": {"code": self.code, "message": self.message, "data": self.data},
        })
    }
}

/// The message in `bytes`, or why it is none (boxed: the rare case).
pub(crate) fn read(bytes: &[u8], framing: Framing) -> Result<ClientJsonRpcMessage, Box<Malformed>> {
    // From the bytes, as rmcp parses them: deserializing a `Value` instead would link a
    // second copy of the deserializers of every message type rmcp has.
    serde_json::from_slice(bytes).map_err(|e| Box::new(explain_error(bytes, &e, framing)))
}

/// Why `bytes` is not one JSON-RPC 2.0 message; `None` if it is one after all.
pub(crate) fn explain(bytes: &[u8], framing: Framing) -> Option<Malformed> {
    read(bytes, framing).err().map(|why| *why)
}

fn explain_error(bytes: &[u8], error: &serde_json::Error, framing: Framing) -> Malformed {
    let value: Value = match serde_json::from_slice(bytes) {
        Ok(value) => value,
        Err(e) => return not_json(&e, framing),
    };
    let id = allowed_id(value.get("id"));
    let unit = match framing {
        Framing::Line => "line",
        Framing::Body => "request",
    };
    let (code, message) = match &value {
        Value::Array(_) => (
            -32600,
            format!(
                "Invalid Request: JSON-RPC batches are not supported; send one message per {unit}"
            ),
        ),
        Value::Object(o) if o.get("jsonrpc") != Some(&json!("2.0")) => (
            -32600,
            "Invalid Request: the message needs \"jsonrpc\": \"2.0\"".to_owned(),
        ),
        Value::Object(o) if o.contains_key("method") && o.contains_key("params") => (
            -32602,
            format!(
                "Invalid params for `{}`: {error}",
                o.get("method").and_then(Value::as_str).unwrap_or("?")
            ),
        ),
        _ => (
            -32600,
            format!(
                "Invalid Request: not a JSON-RPC 2.0 request, notification or response ({error})"
            ),
        ),
    };
    let notification = value
        .as_object()
        .is_some_and(|o| o.get("method").is_some_and(Value::is_string) && !o.contains_key("id"));
    Malformed {
        id,
        code,
        message,
        data: json!({}),
        notification,
    }
}

fn not_json(error: &serde_json::Error, framing: Framing) -> Malformed {
    let (message, data) = match framing {
        Framing::Body => (
            format!(
                "Parse error: the request body is not valid JSON ({error}); send one JSON-RPC 2.0 message"
            ),
            json!({"line": error.line(), "column": error.column()}),
        ),
        Framing::Line => (
            format!(
                "Parse error: this line is not valid JSON ({error}). Each line on stdin must be \
                 one JSON-RPC 2.0 message, whole: check that the client writes compact JSON (a \
                 pretty-printed message spans several lines) and that nothing else writes to \
                 the server's stdin"
            ),
            json!({"column": error.column()}),
        ),
    };
    Malformed {
        id: Value::Null,
        code: -32700,
        message,
        data,
        notification: false,
    }
}

/// An id MCP allows (a string or an integer), to echo; any other is null, as JSON-RPC
/// asks when the id cannot be read.
fn allowed_id(id: Option<&Value>) -> Value {
    match id {
        Some(id @ Value::String(_)) => id.clone(),
        Some(Value::Number(n)) if n.is_i64() || n.is_u64() => Value::Number(n.clone()),
        _ => Value::Null,
    }
}

/// The id of a message of which only the first bytes are at hand (a stdio line over the
/// size limit), when it comes before the first value that is cut off, as clients write
/// it (`{"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": ...`); else null.
pub(crate) fn id_in_head(head: &[u8]) -> Value {
    /// Reads the keys of the top object in order and keeps the value of `id`.
    struct IdFirst<'a>(&'a mut Option<Value>);

    impl<'de> Visitor<'de> for IdFirst<'_> {
        type Value = ();

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a JSON-RPC message")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            while let Some(key) = map.next_key::<String>()? {
                if key == "id" {
                    *self.0 = Some(map.next_value()?);
                    return Ok(());
                }
                map.next_value::<IgnoredAny>()?;
            }
            Ok(())
        }
    }

    let mut id = None;
    // The head ends mid-message, so the parse always fails once the id is read (or
    // before, when there is none in the head): the error says nothing more.
    let _ = serde_json::Deserializer::from_slice(head).deserialize_map(IdFirst(&mut id));
    allowed_id(id.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn why(text: &str) -> Malformed {
        explain(text.as_bytes(), Framing::Line).expect("malformed")
    }

    #[test]
    fn what_is_not_json_is_a_parse_error_with_a_null_id() {
        for text in [
            "not json",
            r#"{"jsonrpc": "2.0", "id": 1, "method": "#,
            "{}}",
        ] {
            let why = why(text);
            assert_eq!((why.code, &why.id), (-32700, &Value::Null), "{text}");
            assert!(why.message.contains("not valid JSON"), "{}", why.message);
        }
        let body = explain(b"{", Framing::Body).expect("malformed");
        assert!(
            body.message.contains("the request body"),
            "{}",
            body.message
        );
        assert_eq!(body.data, json!({"line": 1, "column": 1}));
    }

    #[test]
    fn an_invalid_request_keeps_its_id_when_mcp_allows_it() {
        let cases = [
            (
                r#"{"jsonrpc": "2.0", "id": 7, "method": 5}"#,
                json!(7),
                -32600,
            ),
            (
                r#"{"jsonrpc": "1.0", "id": "x", "method": "ping"}"#,
                json!("x"),
                -32600,
            ),
            (
                r#"{"jsonrpc": "2.0", "id": 18446744073709551615, "method": 5}"#,
                json!(u64::MAX),
                -32600,
            ),
            (
                r#"{"jsonrpc": "2.0", "id": 1.5, "method": "ping"}"#,
                Value::Null,
                -32600,
            ),
            (
                r#"{"jsonrpc": "2.0", "id": {}, "method": "ping"}"#,
                Value::Null,
                -32600,
            ),
            (r#"[{"jsonrpc": "2.0", "id": 3}]"#, Value::Null, -32600),
            (r#""text""#, Value::Null, -32600),
        ];
        for (text, id, code) in cases {
            let why = why(text);
            assert_eq!((why.id, why.code), (id, code), "{text}: {}", why.message);
            assert!(!why.notification, "{text}");
        }
        assert!(why("[]").message.contains("one message per line"));
        assert!(
            explain(b"[]", Framing::Body)
                .expect("malformed")
                .message
                .contains("one message per request")
        );
    }

    #[test]
    fn a_malformed_notification_is_known_as_one() {
        let cancelled =
            why(r#"{"jsonrpc": "2.0", "method": "notifications/cancelled", "params": 5}"#);
        assert!(cancelled.notification, "{cancelled:?}");
        assert!(!why(r#"{"jsonrpc": "2.0", "method": 5}"#).notification);
    }

    #[test]
    fn a_message_is_no_error() {
        let ping = br#"{"jsonrpc": "2.0", "id": 1, "method": "ping"}"#;
        assert!(explain(ping, Framing::Line).is_none());
        assert!(read(ping, Framing::Body).is_ok());
    }

    #[test]
    fn the_id_of_a_message_cut_short_is_read_when_it_comes_first() {
        let head = br#"{"jsonrpc": "2.0", "id": "big-1", "method": "tools/call", "params": {"name": "t", "arguments": {"text": "aaaa"#;
        assert_eq!(id_in_head(head), json!("big-1"));
        assert_eq!(id_in_head(br#"{"id": 42, "#), json!(42));
        // The id after the large value, an id MCP does not allow, no object: null.
        let late = br#"{"jsonrpc": "2.0", "params": {"text": "aaaa"#;
        assert_eq!(id_in_head(late), Value::Null);
        assert_eq!(id_in_head(br#"{"id": [1, "#), Value::Null);
        assert_eq!(id_in_head(b"xxxxxxxx"), Value::Null);
        assert_eq!(id_in_head(br#"[{"id": 1}"#), Value::Null);
    }
}
