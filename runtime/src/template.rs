//! Declared-error message templates (`"No city named {city}."`) and RFC 6570 URI
//! templates for resource templates.

use std::sync::OnceLock;

use regex::Regex;
use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Literal(String),
    Field(String),
}

/// A parsed message template: `{name}` placeholders, `{{`/`}}` literal braces.
#[derive(Debug, Clone)]
pub(crate) struct MessageTemplate {
    pieces: Vec<Piece>,
}

impl MessageTemplate {
    pub(crate) fn parse(source: &str) -> Result<Self, String> {
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut chars = source.char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            match c {
                '{' if chars.peek().is_some_and(|(_, n)| *n == '{') => {
                    chars.next();
                    literal.push('{');
                }
                '}' if chars.peek().is_some_and(|(_, n)| *n == '}') => {
                    chars.next();
                    literal.push('}');
                }
                '{' => {
                    let mut name = String::new();
                    let mut closed = false;
                    for (_, n) in chars.by_ref() {
                        if n == '}' {
                            closed = true;
                            break;
                        }
                        name.push(n);
                    }
                    if !closed {
                        return Err(format!(
                            "`{{` at byte {at} is not closed; write `{{{{` for a literal brace"
                        ));
                    }
                    let valid = !name.is_empty()
                        && name
                            .chars()
                            .all(|c| c.is_alphanumeric() || c == '_' || c == '.');
                    if !valid {
                        return Err(format!(
                            "`{{{name}}}` at byte {at} is not a placeholder (use letters, digits and `_`); \
                             write `{{{{` for a literal brace"
                        ));
                    }
                    if !literal.is_empty() {
                        pieces.push(Piece::Literal(std::mem::take(&mut literal)));
                    }
                    pieces.push(Piece::Field(name));
                }
                '}' => {
                    return Err(format!(
                        "`}}` at byte {at} has no matching `{{`; write `}}}}` for a literal brace"
                    ));
                }
                c => literal.push(c),
            }
        }
        if !literal.is_empty() {
            pieces.push(Piece::Literal(literal));
        }
        Ok(Self { pieces })
    }

    /// Substitute each placeholder from `fields`, then from `arguments`; an unknown
    /// placeholder is left as written (and reported in the second value).
    pub(crate) fn render(
        &self,
        fields: &Map<String, Value>,
        arguments: &Map<String, Value>,
    ) -> (String, Vec<String>) {
        let mut out = String::new();
        let mut missing = Vec::new();
        for piece in &self.pieces {
            match piece {
                Piece::Literal(text) => out.push_str(text),
                Piece::Field(name) => match fields.get(name).or_else(|| arguments.get(name)) {
                    Some(Value::String(s)) => out.push_str(s),
                    Some(other) => out.push_str(&other.to_string()),
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                        missing.push(name.clone());
                    }
                },
            }
        }
        (out, missing)
    }
}

/// The longest matcher pattern [`UriTemplate::parse`] accepts.
const MAX_PATTERN_BYTES: usize = 16 * 1024;

/// An RFC 6570 URI template, compiled for matching (not expansion).
///
/// Supported: literals, `{var}` (one path segment), `{+var}` (may span `/`), and a
/// trailing `{?a,b}` / `{&a,b}` query. Matching is what the server needs: given a
/// URI, recover the variables.
#[derive(Debug, Clone)]
pub(crate) struct UriTemplate {
    /// The matcher, compiled on the first match: a server with templates does not pay
    /// for the regex compiler at start (a third of its start-up otherwise).
    pattern: String,
    regex: OnceLock<Option<Regex>>,
    path_vars: Vec<String>,
    query_vars: Vec<String>,
}

/// The outcome of matching a URI against a template.
#[derive(Debug, PartialEq)]
pub(crate) enum UriMatch {
    /// The URI does not have the template's shape.
    NoMatch,
    /// It matches; the variables as strings (percent-decoded).
    Vars(Map<String, Value>),
    /// It matches, but its query has parameters the template does not declare.
    UnknownQuery(Vec<String>),
}

impl UriTemplate {
    pub(crate) fn parse(template: &str) -> Result<Self, String> {
        let mut pattern = String::from("^");
        let mut path_vars = Vec::new();
        let mut query_vars = Vec::new();
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            let (literal, after) = rest.split_at(open);
            if !query_vars.is_empty() && !literal.is_empty() {
                return Err("a `{?...}` query expression must come last".to_owned());
            }
            if literal.contains('}') {
                return Err(format!("stray `}}` in `{template}`"));
            }
            pattern.push_str(&regex::escape(literal));
            let close = after
                .find('}')
                .ok_or_else(|| format!("`{{` without `}}` in `{template}`"))?;
            let expression = &after[1..close];
            rest = &after[close + 1..];
            let (op, names) = match expression.chars().next() {
                Some(
                    c @ ('+' | '?' | '&' | '#' | '.' | '/' | ';' | '=' | ',' | '!' | '@' | '|'),
                ) => (Some(c), &expression[1..]),
                _ => (None, expression),
            };
            let names: Vec<String> = names.split(',').map(str::to_owned).collect();
            if names.iter().any(|n| {
                n.is_empty()
                    || !n
                        .chars()
                        .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
            }) {
                return Err(format!(
                    "`{{{expression}}}` has an invalid variable name (use letters, digits, `_`)"
                ));
            }
            match op {
                None | Some('+') => {
                    if !query_vars.is_empty() {
                        return Err("a `{?...}` query expression must come last".to_owned());
                    }
                    if names.len() != 1 {
                        return Err(format!(
                            "`{{{expression}}}` has several variables; use one per expression"
                        ));
                    }
                    pattern.push_str(if op.is_none() {
                        "([^/?#]+)"
                    } else {
                        "([^?#]+)"
                    });
                    path_vars.extend(names);
                }
                Some('?' | '&') => query_vars.extend(names),
                Some(other) => {
                    return Err(format!(
                        "the `{other}` operator in `{{{expression}}}` is not supported; \
                         use `{{var}}`, `{{+var}}` or `{{?a,b}}`"
                    ));
                }
            }
        }
        if !query_vars.is_empty() && !rest.is_empty() {
            return Err("a `{?...}` query expression must come last".to_owned());
        }
        if rest.contains('}') {
            return Err(format!("stray `}}` in `{template}`"));
        }
        pattern.push_str(&regex::escape(rest));
        if !query_vars.is_empty() {
            pattern.push_str(r"(?:\?([^#]*))?");
        }
        pattern.push('$');
        let mut all = path_vars.clone();
        all.extend(query_vars.iter().cloned());
        let mut seen = std::collections::HashSet::new();
        if let Some(dup) = all.iter().find(|n| !seen.insert(n.as_str())) {
            return Err(format!("variable `{dup}` appears twice"));
        }
        // Literals are escaped and the classes fixed, so only the size limit could
        // refuse the pattern: check that here rather than at the first match.
        if pattern.len() > MAX_PATTERN_BYTES {
            return Err(format!(
                "the template is too long ({} bytes); keep URI templates under 4 KiB",
                template.len()
            ));
        }
        Ok(Self {
            pattern,
            regex: OnceLock::new(),
            path_vars,
            query_vars,
        })
    }

    /// Every variable name, path variables first.
    pub(crate) fn variables(&self) -> impl Iterator<Item = &str> {
        self.path_vars
            .iter()
            .chain(self.query_vars.iter())
            .map(String::as_str)
    }

    pub(crate) fn matches(&self, uri: &str) -> UriMatch {
        // `parse` bounds the pattern, far below the regex crate's size limit, so it
        // compiles; were it ever refused, nothing would match.
        let regex = self.regex.get_or_init(|| Regex::new(&self.pattern).ok());
        let Some(captures) = regex.as_ref().and_then(|r| r.captures(uri)) else {
            return UriMatch::NoMatch;
        };
        let mut vars = Map::new();
        for (i, name) in self.path_vars.iter().enumerate() {
            if let Some(m) = captures.get(i + 1) {
                vars.insert(name.clone(), Value::String(percent_decode(m.as_str())));
            }
        }
        let mut unknown = Vec::new();
        if !self.query_vars.is_empty()
            && let Some(query) = captures.get(self.path_vars.len() + 1)
        {
            for pair in query.as_str().split('&').filter(|p| !p.is_empty()) {
                let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                let key = percent_decode(key);
                if self.query_vars.contains(&key) {
                    vars.insert(key, Value::String(percent_decode(value)));
                } else {
                    unknown.push(key);
                }
            }
        }
        if unknown.is_empty() {
            UriMatch::Vars(vars)
        } else {
            UriMatch::UnknownQuery(unknown)
        }
    }
}

fn percent_decode(input: &str) -> String {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Turn string variables into the JSON types `schema` asks for (`"3"` → `3` for an
/// integer property), leaving anything that does not convert for validation to
/// report.
pub(crate) fn coerce_to_schema(vars: &mut Map<String, Value>, schema: &Value) {
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        return;
    };
    for (name, value) in vars.iter_mut() {
        let Value::String(text) = value else { continue };
        let Some(types) = properties.get(name).and_then(|p| p.get("type")) else {
            continue;
        };
        let wants = |t: &str| match types {
            Value::String(s) => s == t,
            Value::Array(items) => items.iter().any(|i| i.as_str() == Some(t)),
            _ => false,
        };
        if wants("string") {
            continue;
        }
        let converted = if wants("integer") {
            text.parse::<i64>().ok().map(Value::from)
        } else {
            None
        }
        .or_else(|| {
            wants("number")
                .then(|| text.parse::<f64>().ok())
                .flatten()
                .and_then(|f| serde_json::Number::from_f64(f).map(Value::Number))
        })
        .or_else(|| {
            wants("boolean")
                .then(|| match text.as_str() {
                    "true" => Some(Value::Bool(true)),
                    "false" => Some(Value::Bool(false)),
                    _ => None,
                })
                .flatten()
        });
        if let Some(converted) = converted {
            *value = converted;
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn message_template_renders_fields_then_arguments() {
        let t = MessageTemplate::parse("No city named {city} ({{literal}}) in {region}.")
            .expect("parses");
        let fields = json!({"region": "EU"});
        let args = json!({"city": "Atlantis", "region": "ignored"});
        let (text, missing) = t.render(
            fields.as_object().expect("object"),
            args.as_object().expect("object"),
        );
        assert_eq!(text, "No city named Atlantis ({literal}) in EU.");
        assert!(missing.is_empty());
    }

    #[test]
    fn message_template_errors() {
        assert!(MessageTemplate::parse("open {city").is_err());
        assert!(MessageTemplate::parse("stray } here").is_err());
        assert!(MessageTemplate::parse("empty {} here").is_err());
    }

    #[test]
    fn uri_templates_match() {
        let t = UriTemplate::parse("weather://city/{city}/now").expect("parses");
        assert_eq!(
            t.matches("weather://city/New%20York/now"),
            UriMatch::Vars(
                json!({"city": "New York"})
                    .as_object()
                    .cloned()
                    .expect("object")
            )
        );
        assert_eq!(t.matches("weather://city/a/b/now"), UriMatch::NoMatch);
        let t = UriTemplate::parse("file:///{+path}{?rev,limit}").expect("parses");
        assert_eq!(
            t.matches("file:///a/b.txt?limit=3"),
            UriMatch::Vars(
                json!({"path": "a/b.txt", "limit": "3"})
                    .as_object()
                    .cloned()
                    .expect("object")
            )
        );
        assert_eq!(
            t.matches("file:///a?x=1"),
            UriMatch::UnknownQuery(vec!["x".to_owned()])
        );
        assert!(UriTemplate::parse("x://{#frag}").is_err());
        assert!(UriTemplate::parse("x://{a,b}").is_err());
    }

    #[test]
    fn coercion_follows_schema() {
        let mut vars = json!({"n": "3", "f": "1.5", "b": "true", "s": "7", "bad": "x"})
            .as_object()
            .cloned()
            .expect("object");
        coerce_to_schema(
            &mut vars,
            &json!({"properties": {
                "n": {"type": "integer"}, "f": {"type": "number"}, "b": {"type": "boolean"},
                "s": {"type": "string"}, "bad": {"type": "integer"}
            }}),
        );
        assert_eq!(
            Value::Object(vars),
            json!({"n": 3, "f": 1.5, "b": true, "s": "7", "bad": "x"})
        );
    }
}
