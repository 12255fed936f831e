//! A small block-style YAML writer for imported specs, which remembers what each line
//! it writes stands for (a tool and a JSON pointer into what the server advertised),
//! so that a diagnostic on the written spec can be reported against the source.

use serde_json::Value;

/// What part of the source a line of the written spec reproduces.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// `tool`, `resource`, `resource_template`, `prompt` or `server`.
    pub kind: &'static str,
    /// The name the source advertises it under (a URI for a resource).
    pub name: String,
    /// A JSON pointer into its schema (`/properties/state`), `""` for the whole.
    pub pointer: String,
}

/// A YAML value being built.
#[derive(Clone, Debug)]
pub(crate) enum Node {
    Scalar(Value),
    Map(Vec<Entry>),
    Seq(Vec<Node>),
}

/// One key of a mapping, with the origin of the lines it writes (inherited when `None`).
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub(crate) key: String,
    pub(crate) node: Node,
    pub(crate) origin: Option<Origin>,
}

impl Node {
    pub(crate) fn str(s: impl Into<String>) -> Node {
        Node::Scalar(Value::String(s.into()))
    }

    /// A JSON value as YAML: objects as block mappings, arrays as sequences.
    pub(crate) fn from_json(value: &Value) -> Node {
        match value {
            Value::Object(map) => Node::Map(
                map.iter()
                    .map(|(k, v)| Entry::new(k, Node::from_json(v)))
                    .collect(),
            ),
            Value::Array(items) => Node::Seq(items.iter().map(Node::from_json).collect()),
            other => Node::Scalar(other.clone()),
        }
    }

    /// Like [`Node::from_json`], with each key's lines attributed to its JSON pointer
    /// below `base` (for a schema written out).
    pub(crate) fn from_json_at(value: &Value, base: &Origin) -> Node {
        match value {
            Value::Object(map) => Node::Map(
                map.iter()
                    .map(|(k, v)| {
                        let at = base.child(k);
                        Entry::new(k, Node::from_json_at(v, &at)).at(at)
                    })
                    .collect(),
            ),
            Value::Array(items) => Node::Seq(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| Node::from_json_at(v, &base.child(&i.to_string())))
                    .collect(),
            ),
            other => Node::Scalar(other.clone()),
        }
    }
}

impl Entry {
    pub(crate) fn new(key: impl Into<String>, node: Node) -> Self {
        Self {
            key: key.into(),
            node,
            origin: None,
        }
    }

    #[must_use]
    pub(crate) fn at(mut self, origin: Origin) -> Self {
        self.origin = Some(origin);
        self
    }
}

impl Origin {
    pub(crate) fn new(kind: &'static str, name: &str) -> Self {
        Self {
            kind,
            name: name.to_owned(),
            pointer: String::new(),
        }
    }

    /// The origin of `key` below this one (RFC 6901 escaping).
    pub(crate) fn child(&self, key: &str) -> Self {
        let escaped = key.replace('~', "~0").replace('/', "~1");
        Self {
            kind: self.kind,
            name: self.name.clone(),
            pointer: format!("{}/{escaped}", self.pointer),
        }
    }
}

/// The text, and the origin of each of its lines (index 0 is line 1).
pub(crate) struct Written {
    pub(crate) text: String,
    pub(crate) lines: Vec<Option<Origin>>,
}

pub(crate) fn write(entries: &[Entry], header: &str) -> Written {
    let mut w = Writer {
        out: Written {
            text: String::new(),
            lines: Vec::new(),
        },
    };
    for line in header.lines() {
        w.line(line.to_owned(), None);
    }
    w.map(entries, 0, None, None);
    w.out
}

struct Writer {
    out: Written,
}

/// Sequences of scalars up to this width are written on one line: `[a, b]`.
const FLOW_WIDTH: usize = 80;

impl Writer {
    fn line(&mut self, text: String, origin: Option<&Origin>) {
        self.out.text.push_str(text.trim_end());
        self.out.text.push('\n');
        self.out.lines.push(origin.cloned());
    }

    /// Writes a mapping at `indent`; `first` replaces the indentation of the first key
    /// (`- ` for a mapping that is a sequence item).
    fn map(
        &mut self,
        entries: &[Entry],
        indent: usize,
        first: Option<String>,
        origin: Option<&Origin>,
    ) {
        let mut first = first;
        for entry in entries {
            let origin = entry.origin.as_ref().or(origin);
            let lead = first.take().unwrap_or_else(|| " ".repeat(indent));
            let key = format!("{lead}{}:", key(&entry.key));
            match &entry.node {
                Node::Scalar(v) => self.line(format!("{key} {}", scalar(v)), origin),
                Node::Map(m) if m.is_empty() => self.line(format!("{key} {{}}"), origin),
                Node::Map(m) => {
                    self.line(key, origin);
                    self.map(m, indent + 2, None, origin);
                }
                Node::Seq(items) => match flow(items) {
                    Some(flow) if key.len() + flow.len() < FLOW_WIDTH || items.is_empty() => {
                        self.line(format!("{key} {flow}"), origin);
                    }
                    _ => {
                        self.line(key, origin);
                        self.seq(items, indent + 2, origin);
                    }
                },
            }
        }
    }

    fn seq(&mut self, items: &[Node], indent: usize, origin: Option<&Origin>) {
        let pad = " ".repeat(indent);
        for item in items {
            match item {
                Node::Map(m) if !m.is_empty() => {
                    self.map(m, indent + 2, Some(format!("{pad}- ")), origin);
                }
                other => {
                    let text = flow(std::slice::from_ref(other))
                        .map(|f| f[1..f.len() - 1].to_owned())
                        .unwrap_or_else(|| json_of(other).to_string());
                    self.line(format!("{pad}- {text}"), origin);
                }
            }
        }
    }
}

/// A sequence of scalars in flow style, or `None` when an item is not a scalar.
fn flow(items: &[Node]) -> Option<String> {
    let parts: Option<Vec<String>> = items
        .iter()
        .map(|n| match n {
            Node::Scalar(v) => Some(scalar(v)),
            Node::Map(m) if m.is_empty() => Some("{}".to_owned()),
            _ => None,
        })
        .collect();
    parts.map(|p| format!("[{}]", p.join(", ")))
}

fn json_of(node: &Node) -> Value {
    match node {
        Node::Scalar(v) => v.clone(),
        Node::Seq(items) => Value::Array(items.iter().map(json_of).collect()),
        Node::Map(entries) => Value::Object(
            entries
                .iter()
                .map(|e| (e.key.clone(), json_of(&e.node)))
                .collect(),
        ),
    }
}

/// Words YAML reads as something other than a string when unquoted.
const RESERVED: &[&str] = &["true", "false", "null", "yes", "no", "on", "off", "y", "n"];

fn key(k: &str) -> String {
    let plain = k
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '$' | '-' | '.'))
        && !RESERVED.contains(&k.to_ascii_lowercase().as_str());
    if plain {
        k.to_owned()
    } else {
        Value::String(k.to_owned()).to_string()
    }
}

/// A scalar: plain when YAML reads it back as the same string, else JSON-quoted
/// (a JSON string is a valid YAML double-quoted scalar).
fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) if plain_string(s) => s.clone(),
        other => other.to_string(),
    }
}

fn plain_string(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && s.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, ' ' | '_' | '-' | '.' | ',' | '/' | '(' | ')')
        })
        && !s.ends_with(' ')
        && !RESERVED.contains(&s.to_ascii_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn writes_block_yaml_that_reads_back_as_the_same_json() {
        let value = json!({
            "type": "object",
            "properties": {
                "true": { "type": "string", "description": "a: b # c", "enum": ["x", "1", "null"] },
                "list": { "anyOf": [{ "type": "string", "minLength": 1 }, { "type": "null" }] },
            },
            "required": ["true"],
        });
        let origin = Origin::new("tool", "t");
        let written = write(
            &[Entry::new("schema", Node::from_json_at(&value, &origin))],
            "",
        );
        let back: Value = serde_saphyr::from_str(&written.text).expect("valid YAML");
        assert_eq!(back["schema"], value, "{}", written.text);
        let line = written
            .text
            .lines()
            .position(|l| l.contains("minLength"))
            .expect("written");
        assert_eq!(
            written.lines[line].as_ref().map(|o| o.pointer.as_str()),
            Some("/properties/list/anyOf/0/minLength")
        );
    }
}
