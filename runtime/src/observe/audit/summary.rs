//! What the audit trail keeps of a call's arguments: the same JSON shape, string values
//! cut to `audit.max_value_chars`, long arrays cut to their first items, and the values
//! of fields marked PII replaced by `hmac-sha256:<16 hex digits>`, an HMAC-SHA-256 keyed
//! by the server's secret (`MCPGEN_AUDIT_KEY`): equal values give equal hashes, so
//! they can be correlated, yet cannot be recovered or guessed without the key.
//!
//! PII paths also keep values out of error messages: [`redact_violations`] words a
//! validation error about a PII field without the value it received.

use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Map, Value};
use sha2::Sha256;

use super::{AuditArguments, AuditSettings, ToolAudit};

/// Arrays longer than this keep their first items and a count of the rest.
const MAX_ITEMS: usize = 16;
/// Hex digits of the hash kept: 64 bits, plenty to correlate, short to read.
const HASH_HEX: usize = 16;

/// The server-wide settings of summaries and the key of PII hashes.
pub(crate) struct Summarizer {
    arguments: AuditArguments,
    max_value_chars: usize,
    /// Empty when no key could be had: then no summaries at all.
    key: Vec<u8>,
}

impl Summarizer {
    pub(crate) fn new(settings: &AuditSettings, key: Vec<u8>) -> Self {
        Self {
            arguments: settings.arguments,
            max_value_chars: settings.max_value_chars,
            key,
        }
    }

    /// The summary of a call's arguments as JSON text, or `None` when the tool keeps
    /// none. Written straight to text, without an intermediate JSON value: it is on the
    /// path of every call while the trail is on.
    pub(crate) fn summarize(
        &self,
        tool: &ToolAudit,
        arguments: &Map<String, Value>,
    ) -> Option<String> {
        if tool.arguments.unwrap_or(self.arguments) == AuditArguments::None || self.key.is_empty() {
            return None;
        }
        let paths: Vec<Path> = tool.pii.iter().map(|p| Path::parse(p)).collect();
        let live: Vec<(&Path, usize)> = paths.iter().map(|p| (p, 0)).collect();
        let mut out = Vec::with_capacity(64);
        self.write_object(&mut out, arguments, &live);
        String::from_utf8(out).ok()
    }

    /// `value` summarized into `out`; `live` are the PII paths it lies on, each with how
    /// far along.
    fn write(&self, out: &mut Vec<u8>, value: &Value, live: &[(&Path, usize)]) {
        if live.iter().any(|(path, at)| *at == path.0.len()) {
            json_string(out, &hash(&self.key, value));
            return;
        }
        match value {
            Value::String(s) => json_string(out, cut(s, self.max_value_chars).as_ref()),
            Value::Array(items) => {
                let next = step(live, Next::Items);
                out.push(b'[');
                for (i, item) in items.iter().take(MAX_ITEMS).enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    self.write(out, item, &next);
                }
                if items.len() > MAX_ITEMS {
                    out.push(b',');
                    let more = format!("… {} more items", items.len() - MAX_ITEMS);
                    json_string(out, &more);
                }
                out.push(b']');
            }
            Value::Object(fields) => self.write_object(out, fields, live),
            // Numbers, booleans and null as they are.
            other => {
                let _ = serde_json::to_writer(&mut *out, other);
            }
        }
    }

    fn write_object(
        &self,
        out: &mut Vec<u8>,
        fields: &Map<String, Value>,
        live: &[(&Path, usize)],
    ) {
        out.push(b'{');
        for (i, (name, value)) in fields.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            json_string(out, name);
            out.push(b':');
            let next = step(live, Next::Key(name));
            self.write(out, value, &next);
        }
        out.push(b'}');
    }
}

/// `text` as a JSON string.
fn json_string(out: &mut Vec<u8>, text: &str) {
    let _ = serde_json::to_writer(&mut *out, text);
}

/// `hmac-sha256:` and the first hex digits of the HMAC of `value` (a string's text,
/// anything else's JSON).
pub(crate) fn hash(key: &[u8], value: &Value) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return "hmac-sha256:unavailable".to_owned();
    };
    match value {
        Value::String(s) => mac.update(s.as_bytes()),
        other => mac.update(other.to_string().as_bytes()),
    }
    let digest = mac.finalize().into_bytes();
    let mut out = String::from("hmac-sha256:");
    for byte in digest.iter().take(HASH_HEX / 2) {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

/// `text` cut to `max` characters, with `…` when cut.
fn cut(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => text.into(),
        Some((end, _)) => format!("{}…", &text[..end]).into(),
    }
}

/// A PII path: `customer.email`, `contacts[].phone`.
#[derive(Debug, PartialEq, Eq)]
struct Path(Vec<Step>);

#[derive(Debug, PartialEq, Eq)]
enum Step {
    Key(String),
    /// Every item of an array.
    Items,
}

impl Path {
    fn parse(text: &str) -> Self {
        let mut steps = Vec::new();
        for part in text.split('.') {
            let mut name = part;
            let mut items = 0;
            while let Some(rest) = name.strip_suffix("[]") {
                name = rest;
                items += 1;
            }
            if !name.is_empty() {
                steps.push(Step::Key(name.to_owned()));
            }
            steps.extend(std::iter::repeat_with(|| Step::Items).take(items));
        }
        Self(steps)
    }
}

/// The paths of `live` that go on through `next`, one step further.
fn step<'p>(live: &[(&'p Path, usize)], next: Next<'_>) -> Vec<(&'p Path, usize)> {
    live.iter()
        .filter(|(path, at)| match (path.0.get(*at), next) {
            (Some(Step::Key(name)), Next::Key(key)) => name == key,
            (Some(Step::Items), Next::Items) => true,
            _ => false,
        })
        .map(|(path, at)| (*path, at + 1))
        .collect()
}

/// Where a walk goes next: into a field, or into the items of an array.
#[derive(Clone, Copy)]
enum Next<'a> {
    Key(&'a str),
    Items,
}

/// Whether the JSON pointer `pointer` (`/contacts/0/phone`) is at or below a PII path.
fn is_pii_pointer(pii: &[String], pointer: &str) -> bool {
    if pii.is_empty() {
        return false;
    }
    let segments: Vec<String> = pointer
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect();
    pii.iter().map(|p| Path::parse(p)).any(|path| {
        path.0.len() <= segments.len()
            && path
                .0
                .iter()
                .zip(&segments)
                .all(|(step, segment)| match step {
                    Step::Key(name) => name == segment,
                    Step::Items => {
                        segment.bytes().all(|b| b.is_ascii_digit()) && !segment.is_empty()
                    }
                })
    })
}

/// Validation errors with what a PII field received left out: the message keeps what
/// was expected, and says the value is not shown.
pub(crate) fn redact_violations(pii: &[String], violations: &mut [mcpgen_schema::Violation]) {
    for violation in violations.iter_mut() {
        if !is_pii_pointer(pii, &violation.path) {
            continue;
        }
        let expected = violation
            .message
            .split_once(", got ")
            .map(|(expected, _)| expected)
            .filter(|e| !e.contains("satisfies"));
        violation.message = match expected {
            Some(expected) => {
                format!("{expected}, got a value that is not shown (the field is marked PII)")
            }
            None => "does not match its schema (the value is not shown: the field is marked PII)"
                .to_owned(),
        };
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn summarizer(max: usize) -> Summarizer {
        let settings = AuditSettings {
            max_value_chars: max,
            ..AuditSettings::default()
        };
        Summarizer::new(&settings, b"k".repeat(32))
    }

    fn tool(pii: &[&str]) -> ToolAudit {
        ToolAudit {
            arguments: None,
            pii: pii.iter().map(|p| (*p).to_owned()).collect(),
        }
    }

    fn summary(s: &Summarizer, tool: &ToolAudit, args: Value) -> Value {
        let Value::Object(args) = args else {
            panic!("an object")
        };
        serde_json::from_str(&s.summarize(tool, &args).expect("a summary")).expect("JSON")
    }

    #[test]
    fn strings_are_cut_and_pii_values_hashed_wherever_they_are() {
        let s = summarizer(5);
        let pii = tool(&["email", "customer.phone", "contacts[].name", "tags[]"]);
        let got = summary(
            &s,
            &pii,
            json!({
                "title": "Printer on fire",
                "count": 3,
                "email": "alice@example.com",
                "customer": {"phone": "+41 79 123", "city": "Zurich"},
                "contacts": [{"name": "Bob", "role": "admin"}],
                "tags": ["x", 1],
            }),
        );
        let key = b"k".repeat(32);
        assert_eq!(got["title"], "Print…");
        assert_eq!(got["count"], 3);
        assert_eq!(got["email"], hash(&key, &json!("alice@example.com")));
        assert_eq!(got["customer"]["phone"], hash(&key, &json!("+41 79 123")));
        assert_eq!(got["customer"]["city"], "Zuric…");
        assert_eq!(got["contacts"][0]["name"], hash(&key, &json!("Bob")));
        assert_eq!(got["contacts"][0]["role"], "admin");
        assert_eq!(got["tags"][1], hash(&key, &json!(1)));
        let text = got.to_string();
        for secret in ["alice", "+41", "Bob"] {
            assert!(!text.contains(secret), "{text}");
        }
    }

    #[test]
    fn the_summary_is_json_whatever_the_values() {
        let s = summarizer(80);
        let args =
            json!({"q": "a \"quoted\"\nline é", "n": null, "x": 1.5, "ok": true, "e": {}, "a": []});
        assert_eq!(summary(&s, &tool(&[]), args.clone()), args);
    }

    #[test]
    fn a_hash_is_keyed_stable_and_short() {
        let one = hash(b"key one", &json!("alice@example.com"));
        assert_eq!(one, hash(b"key one", &json!("alice@example.com")));
        assert_ne!(one, hash(b"key two", &json!("alice@example.com")));
        assert_ne!(one, hash(b"key one", &json!("bob@example.com")));
        assert!(one.starts_with("hmac-sha256:"), "{one}");
        assert_eq!(one.len(), "hmac-sha256:".len() + HASH_HEX);
        // HMAC-SHA-256("key", "The quick brown fox jumps over the lazy dog"), RFC 4231 style.
        assert_eq!(
            hash(
                b"key",
                &json!("The quick brown fox jumps over the lazy dog")
            ),
            "hmac-sha256:f7bc83f430538424"
        );
    }

    #[test]
    fn a_tool_or_the_server_may_keep_no_arguments() {
        let args = Map::from_iter([("q".to_owned(), json!("x"))]);
        let s = summarizer(10);
        let none = ToolAudit {
            arguments: Some(AuditArguments::None),
            pii: Vec::new(),
        };
        assert_eq!(s.summarize(&none, &args), None);
        let off = Summarizer::new(
            &AuditSettings {
                arguments: AuditArguments::None,
                ..AuditSettings::default()
            },
            b"k".to_vec(),
        );
        assert_eq!(off.summarize(&tool(&[]), &args), None);
        let on = ToolAudit {
            arguments: Some(AuditArguments::Summary),
            pii: Vec::new(),
        };
        assert_eq!(off.summarize(&on, &args).as_deref(), Some(r#"{"q":"x"}"#));
    }

    #[test]
    fn long_arrays_keep_their_first_items() {
        let s = summarizer(10);
        let got = summary(&s, &tool(&[]), json!({"ids": (0..40).collect::<Vec<_>>()}));
        let ids = got["ids"].as_array().expect("an array");
        assert_eq!(ids.len(), MAX_ITEMS + 1);
        assert_eq!(ids[MAX_ITEMS], "… 24 more items");
    }

    #[test]
    fn violations_of_pii_fields_do_not_show_the_value() {
        let mut violations = vec![
            mcpgen_schema::Violation {
                path: "/email".into(),
                message: "expected a string matching the pattern \"@\", got \"alice-secret\""
                    .into(),
            },
            mcpgen_schema::Violation {
                path: "/contacts/2/name".into(),
                message: "expected a string, got integer 123456".into(),
            },
            mcpgen_schema::Violation {
                path: "/title".into(),
                message: "expected a string, got integer 7".into(),
            },
        ];
        redact_violations(&["email".into(), "contacts[].name".into()], &mut violations);
        assert_eq!(
            violations[0].message,
            "expected a string matching the pattern \"@\", got a value that is not shown (the field is marked PII)"
        );
        assert!(!violations[1].message.contains("123456"));
        assert_eq!(violations[2].message, "expected a string, got integer 7");
    }
}
