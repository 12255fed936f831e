//! YAML text to a tree of nodes that each keep their span.
//!
//! We read YAML with serde-saphyr into this untyped tree rather than straight into
//! the model: serde stops at the first error, and a spec author wants every unknown
//! key and wrong type of the file in one run. The typed reading is in `lower`.

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{DuplicateKeyPolicy, Spanned};

use crate::diag::{Code, Diagnostic};
use crate::source::{Sp, Span};

/// A YAML value with spans on every node and every mapping key.
#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    /// `~`, `null` or nothing.
    Null,
    /// `true` or `false` (YAML 1.1's `yes`/`no` are strings here).
    Bool(bool),
    /// An integer that fits `i64`.
    Int(i64),
    /// An integer above `i64::MAX`.
    UInt(u64),
    /// A floating-point number.
    Float(f64),
    /// A string.
    Str(String),
    /// A sequence.
    Seq(Vec<Sp<Node>>),
    /// A mapping, in source order.
    Map(Vec<(Sp<String>, Sp<Node>)>),
}

impl Node {
    /// The YAML type's name, as a message would say it.
    pub fn kind(&self) -> &'static str {
        match self {
            Node::Null => "null",
            Node::Bool(_) => "a boolean",
            Node::Int(_) | Node::UInt(_) => "an integer",
            Node::Float(_) => "a number",
            Node::Str(_) => "a string",
            Node::Seq(_) => "a list",
            Node::Map(_) => "a mapping",
        }
    }

    /// The node as JSON, for defaults and examples.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match self {
            Node::Null => Value::Null,
            Node::Bool(b) => Value::Bool(*b),
            Node::Int(i) => Value::from(*i),
            Node::UInt(u) => Value::from(*u),
            Node::Float(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
            Node::Str(s) => Value::String(s.clone()),
            Node::Seq(items) => Value::Array(items.iter().map(|n| n.value.to_json()).collect()),
            Node::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.value.clone(), v.value.to_json()))
                    .collect(),
            ),
        }
    }
}

fn span_of<T>(s: &Spanned<T>) -> Span {
    let loc = s.referenced;
    // usize is at least 32 bits on every target we build for; saturate rather than wrap.
    let conv = |v: u64| usize::try_from(v).unwrap_or(usize::MAX);
    Span {
        offset: conv(loc.span().offset()),
        len: conv(loc.span().len()),
        line: conv(loc.line()),
        column: conv(loc.column()),
    }
}

struct RawNode(Node);

impl<'de> Deserialize<'de> for RawNode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NodeVisitor).map(RawNode)
    }
}

struct NodeVisitor;

fn spanned(s: Spanned<RawNode>) -> Sp<Node> {
    let span = span_of(&s);
    Sp::new(s.value.0, span)
}

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
        Ok(i64::try_from(v).map_or(Node::UInt(v), Node::Int))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Node, E> {
        Ok(i64::try_from(v).map_or(Node::Float(v as f64), Node::Int))
    }
    fn visit_u128<E>(self, v: u128) -> Result<Node, E> {
        Ok(match u64::try_from(v) {
            Ok(v) => i64::try_from(v).map_or(Node::UInt(v), Node::Int),
            Err(_) => Node::Float(v as f64),
        })
    }
    fn visit_f64<E>(self, v: f64) -> Result<Node, E> {
        Ok(Node::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Str(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Node, E> {
        Ok(Node::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<RawNode>>()? {
            items.push(spanned(item));
        }
        Ok(Node::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<KeyString>>()? {
            let span = span_of(&key);
            let value = map.next_value::<Spanned<RawNode>>()?;
            entries.push((Sp::new(key.value.0, span), spanned(value)));
        }
        Ok(Node::Map(entries))
    }
}

/// A mapping key. Spec keys are names, so scalars of any type are read as their text
/// (`200: ok` has the key `"200"`); a mapping or list as a key is an error.
struct KeyString(String);

impl<'de> Deserialize<'de> for KeyString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = KeyString;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a plain key such as `name`")
            }
            fn visit_str<E>(self, v: &str) -> Result<KeyString, E> {
                Ok(KeyString(v.to_owned()))
            }
            fn visit_bool<E>(self, v: bool) -> Result<KeyString, E> {
                Ok(KeyString(v.to_string()))
            }
            fn visit_i64<E>(self, v: i64) -> Result<KeyString, E> {
                Ok(KeyString(v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<KeyString, E> {
                Ok(KeyString(v.to_string()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<KeyString, E> {
                Ok(KeyString(v.to_string()))
            }
            fn visit_unit<E>(self) -> Result<KeyString, E> {
                Ok(KeyString("null".to_owned()))
            }
        }
        d.deserialize_any(KeyVisitor)
    }
}

/// Largest spec we read. A spec is a hand-written file; anything larger is a mistake
/// (or an attack on the parser) and gets a clear error instead of a long wait.
pub const MAX_SPEC_BYTES: usize = 4 * 1024 * 1024;

/// Parses YAML text into a spanned node tree, or one `syntax`/`empty` diagnostic.
pub fn parse(text: &str) -> Result<Sp<Node>, Diagnostic> {
    if text.len() > MAX_SPEC_BYTES {
        return Err(Diagnostic::new(
            Code::Syntax,
            Span::default(),
            format!(
                "the spec is {} bytes, over the {MAX_SPEC_BYTES}-byte limit",
                text.len()
            ),
        )
        .with_help("a spec describes one server; split very large data (resource contents) into files and reference them with `file:`"));
    }
    let options = serde_saphyr::options! {
        strict_booleans: true,
        duplicate_keys: DuplicateKeyPolicy::Error,
    };
    let parsed: Result<Spanned<RawNode>, serde_saphyr::Error> =
        serde_saphyr::from_str_with_options(text, options);
    match parsed {
        Ok(node) => {
            let node = spanned(node);
            if matches!(node.value, Node::Null) {
                return Err(empty_diagnostic());
            }
            Ok(node)
        }
        Err(err) => Err(syntax_diagnostic(&err)),
    }
}

fn empty_diagnostic() -> Diagnostic {
    Diagnostic::new(Code::Empty, Span { offset: 0, len: 0, line: 1, column: 1 }, "the spec is empty")
        .with_help("start with `mcpgen: 1` and a `server:` mapping with `name`, `version` and `description`; see specs/weather.yaml")
}

fn syntax_diagnostic(err: &serde_saphyr::Error) -> Diagnostic {
    let span = err.location().map_or(
        Span {
            offset: 0,
            len: 0,
            line: 1,
            column: 1,
        },
        |loc| Span {
            offset: usize::try_from(loc.span().offset()).unwrap_or(0),
            len: 1,
            line: usize::try_from(loc.line()).unwrap_or(0).max(1),
            column: usize::try_from(loc.column()).unwrap_or(0).max(1),
        },
    );
    let message = plain_message(err);
    let help = if message.contains("duplicate mapping key") {
        "each name appears once per mapping; remove or rename one of the two entries"
    } else if message.contains("':'") || message.contains("indicator") {
        "a `:` or `#` inside an unquoted string ends it early: put the whole value in quotes"
    } else {
        "check the indentation and quoting at this position; a YAML linter shows the structure"
    };
    Diagnostic::new(Code::Syntax, span, format!("invalid YAML: {message}")).with_help(help)
}

/// serde-saphyr's message without its own location prefix and snippet: we render those.
fn plain_message(err: &serde_saphyr::Error) -> String {
    let text = err.without_snippet().to_string();
    let first = text.lines().next().unwrap_or_default().trim();
    let first = first.strip_prefix("error: ").unwrap_or(first);
    // "line 2 column 1: message" -> "message"
    let first = match first.split_once(": ") {
        Some((head, rest)) if head.starts_with("line ") => rest,
        _ => first,
    };
    let first = first
        .split(", set DuplicateKeyPolicy")
        .next()
        .unwrap_or(first);
    first.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_spans_of_keys_and_values() {
        let node = parse("a: 1\nb:\n  - x\n").unwrap();
        let Node::Map(entries) = &node.value else {
            panic!("not a map")
        };
        assert_eq!(entries[1].0.value, "b");
        assert_eq!((entries[1].0.span.line, entries[1].0.span.column), (2, 1));
        let Node::Seq(items) = &entries[1].1.value else {
            panic!("not a seq")
        };
        assert_eq!((items[0].span.line, items[0].span.column), (3, 5));
    }

    #[test]
    fn yes_is_a_string() {
        let node = parse("a: yes\n").unwrap();
        let Node::Map(entries) = &node.value else {
            panic!("not a map")
        };
        assert_eq!(entries[0].1.value, Node::Str("yes".into()));
    }

    #[test]
    fn syntax_errors_have_positions() {
        let err = parse("a: [1, 2\nb: 3").unwrap_err();
        assert_eq!(err.code, Code::Syntax);
        assert_eq!(err.span.line, 2);
        let err = parse("a: 1\na: 2\n").unwrap_err();
        assert!(err.message.contains("duplicate"), "{}", err.message);
        assert_eq!(err.span.line, 2);
    }

    #[test]
    fn empty_is_reported() {
        assert_eq!(parse("").unwrap_err().code, Code::Empty);
        assert_eq!(parse("# nothing\n").unwrap_err().code, Code::Empty);
    }
}
