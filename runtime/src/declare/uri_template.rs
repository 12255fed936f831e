//! Declared-error message templates (`"No city named {city}."`) and RFC 6570 URI
//! templates for resource templates.

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

/// The longest URI template [`UriTemplate::parse`] accepts, in bytes.
const MAX_TEMPLATE_BYTES: usize = 4 * 1024;

/// An RFC 6570 URI template, compiled for matching (not expansion).
///
/// Supported: literals, `{var}` (one path segment), `{+var}` (may span `/`), and a
/// trailing `{?a,b}` / `{&a,b}` query. Matching is what the server needs: given a
/// URI, recover the variables.
///
/// A template reads as the regular expression `^literal([^/?#]+)literal([^?#]+)…$`,
/// with `(?:\?([^#]*))?` before the `$` when it has a query; [`UriTemplate::matches`]
/// finds what that expression would capture (each variable as long as the rest still
/// matches, leftmost first), in time linear in the URI, without a regex engine.
#[derive(Debug, Clone)]
pub(crate) struct UriTemplate {
    parts: Vec<UriPart>,
    path_vars: Vec<String>,
    query_vars: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum UriPart {
    Literal(String),
    Variable(Expansion),
}

/// What a variable's value may hold: one or more characters other than these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expansion {
    /// `{var}`: not `/`, `?` or `#`.
    Segment,
    /// `{+var}`: not `?` or `#`.
    Reserved,
}

impl Expansion {
    /// Whether a value can hold the byte `b` (the excluded characters are ASCII).
    fn admits(self, b: u8) -> bool {
        match self {
            Expansion::Segment => !matches!(b, b'/' | b'?' | b'#'),
            Expansion::Reserved => !matches!(b, b'?' | b'#'),
        }
    }
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
        if template.len() > MAX_TEMPLATE_BYTES {
            return Err(format!(
                "the template is too long ({} bytes); keep URI templates under 4 KiB",
                template.len()
            ));
        }
        let mut parts = Vec::new();
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
            if !literal.is_empty() {
                parts.push(UriPart::Literal(literal.to_owned()));
            }
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
                    parts.push(UriPart::Variable(if op.is_none() {
                        Expansion::Segment
                    } else {
                        Expansion::Reserved
                    }));
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
        if !rest.is_empty() {
            parts.push(UriPart::Literal(rest.to_owned()));
        }
        let mut all = path_vars.clone();
        all.extend(query_vars.iter().cloned());
        let mut seen = std::collections::HashSet::new();
        if let Some(dup) = all.iter().find(|n| !seen.insert(n.as_str())) {
            return Err(format!("variable `{dup}` appears twice"));
        }
        Ok(Self {
            parts,
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
        let Some((values, query)) = self.captures(uri) else {
            return UriMatch::NoMatch;
        };
        let mut vars = Map::new();
        for (name, value) in self.path_vars.iter().zip(values) {
            vars.insert(name.clone(), Value::String(percent_decode(value)));
        }
        let mut unknown = Vec::new();
        for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let key = percent_decode(key);
            if self.query_vars.contains(&key) {
                vars.insert(key, Value::String(percent_decode(value)));
            } else {
                unknown.push(key);
            }
        }
        if unknown.is_empty() {
            UriMatch::Vars(vars)
        } else {
            UriMatch::UnknownQuery(unknown)
        }
    }

    /// The path variables' values and the query (after `?`, when the template has a
    /// query and the URI one), as the template's regular expression captures them.
    ///
    /// `rows[k][p]`: whether parts `k..` (then the end, or the query) match `uri[p..]`.
    /// Built from the last part back, then read from the first part on: each variable
    /// takes the longest value after which the rest still matches.
    fn captures<'u>(&self, uri: &'u str) -> Option<(Vec<&'u str>, Option<&'u str>)> {
        let bytes = uri.as_bytes();
        let n = bytes.len();
        let last_hash = bytes.iter().rposition(|&b| b == b'#');
        let with_query = !self.query_vars.is_empty();
        let mut rows = vec![Vec::new(); self.parts.len() + 1];
        rows[self.parts.len()] = (0..=n)
            .map(|p| p == n || (with_query && bytes[p] == b'?' && last_hash.is_none_or(|h| h < p)))
            .collect();
        for (k, part) in self.parts.iter().enumerate().rev() {
            let next = &rows[k + 1];
            rows[k] = match part {
                UriPart::Literal(literal) => {
                    let starts = occurrences(bytes, literal.as_bytes());
                    (0..=n)
                        .map(|p| starts[p] && next.get(p + literal.len()) == Some(&true))
                        .collect()
                }
                UriPart::Variable(expansion) => {
                    // Backwards: the end of the run of admitted bytes from `p`, and
                    // the first position after `p` where the rest matches.
                    let mut row = vec![false; n + 1];
                    let (mut run_end, mut nearest) = (n, usize::MAX);
                    for p in (0..n).rev() {
                        if next[p + 1] {
                            nearest = p + 1;
                        }
                        if !expansion.admits(bytes[p]) {
                            run_end = p;
                            continue;
                        }
                        row[p] = uri.is_char_boundary(p) && nearest <= run_end;
                    }
                    row
                }
            };
        }
        if !rows[0][0] {
            return None;
        }
        let mut values = Vec::with_capacity(self.path_vars.len());
        let mut p = 0;
        for (k, part) in self.parts.iter().enumerate() {
            match part {
                UriPart::Literal(literal) => p += literal.len(),
                UriPart::Variable(expansion) => {
                    let run_end = (p..n).find(|&e| !expansion.admits(bytes[e])).unwrap_or(n);
                    let end = (p + 1..=run_end).rev().find(|&e| rows[k + 1][e])?;
                    values.push(&uri[p..end]);
                    p = end;
                }
            }
        }
        Some((values, (p < n).then(|| &uri[p + 1..])))
    }
}

/// Whether `needle` (not empty) starts at each position of `haystack` (`n + 1` answers,
/// the last always false), overlapping occurrences included: Knuth–Morris–Pratt, so
/// linear in both lengths.
fn occurrences(haystack: &[u8], needle: &[u8]) -> Vec<bool> {
    let mut starts = vec![false; haystack.len() + 1];
    // fail[i]: the length of the longest proper border of needle[..=i].
    let mut fail = vec![0; needle.len()];
    let mut k = 0;
    for i in 1..needle.len() {
        while k > 0 && needle[i] != needle[k] {
            k = fail[k - 1];
        }
        if needle[i] == needle[k] {
            k += 1;
        }
        fail[i] = k;
    }
    let mut k = 0;
    for (i, &b) in haystack.iter().enumerate() {
        while k > 0 && b != needle[k] {
            k = fail[k - 1];
        }
        if b == needle[k] {
            k += 1;
        }
        if k == needle.len() {
            starts[i + 1 - k] = true;
            k = fail[k - 1];
        }
    }
    starts
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
    use proptest::prelude::*;
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

    /// The regular expression a template reads as (what the server matched with before
    /// it had its own matcher), to hold [`UriTemplate::captures`] to it.
    fn as_regex(template: &UriTemplate) -> regex::Regex {
        let mut pattern = String::from("^");
        for part in &template.parts {
            pattern.push_str(&match part {
                UriPart::Literal(literal) => regex::escape(literal),
                UriPart::Variable(Expansion::Segment) => "([^/?#]+)".to_owned(),
                UriPart::Variable(Expansion::Reserved) => "([^?#]+)".to_owned(),
            });
        }
        if !template.query_vars.is_empty() {
            pattern.push_str(r"(?:\?([^#]*))?");
        }
        pattern.push('$');
        regex::Regex::new(&pattern).expect("compiles")
    }

    fn regex_captures<'u>(
        template: &UriTemplate,
        uri: &'u str,
    ) -> Option<(Vec<&'u str>, Option<&'u str>)> {
        let captures = as_regex(template).captures(uri)?;
        let count = template.path_vars.len();
        let values = (1..=count).map(|i| captures.get(i).expect("a path variable").as_str());
        let query = captures.get(count + 1).map(|m| m.as_str());
        Some((values.collect(), query))
    }

    /// Pieces of templates and URIs that make matching hard: the bytes the variables
    /// stop at, repeats, a multi-byte character.
    const ALPHABET: &[&str] = &["a", "b", "/", "?", "#", "=", "&", "%41", "é", "ab", "/a"];

    fn template_source() -> impl Strategy<Value = String> {
        let part = prop_oneof![
            3 => proptest::sample::select(ALPHABET).prop_map(str::to_owned),
            1 => Just("{}".to_owned()),
            1 => Just("{+}".to_owned()),
        ];
        (proptest::collection::vec(part, 0..7), any::<bool>()).prop_map(|(parts, query)| {
            let mut source = String::new();
            for (i, part) in parts.iter().enumerate() {
                source.push_str(&part.replace('}', &format!("v{i}}}")));
            }
            if query {
                source.push_str("{?q,r}");
            }
            source
        })
    }

    fn uri() -> impl Strategy<Value = String> {
        proptest::collection::vec(proptest::sample::select(ALPHABET), 0..12)
            .prop_map(|pieces| pieces.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        /// On any URI, and on URIs made by filling in the template (which match far
        /// more often), the matcher captures exactly what the regular expression does.
        #[test]
        fn uri_matching_agrees_with_the_regular_expression(
            source in template_source(),
            uri in uri(),
            fills in proptest::collection::vec(uri(), 8),
            query in proptest::option::of(uri()),
        ) {
            let Ok(template) = UriTemplate::parse(&source) else {
                return Ok(());
            };
            let mut filled = String::new();
            let mut fills = fills.iter();
            for part in &template.parts {
                match part {
                    UriPart::Literal(literal) => filled.push_str(literal),
                    UriPart::Variable(_) => filled.push_str(fills.next().map_or("x", |f| if f.is_empty() { "x" } else { f })),
                }
            }
            if let Some(query) = &query {
                filled.push('?');
                filled.push_str(query);
            }
            for uri in [&uri, &filled] {
                prop_assert_eq!(template.captures(uri), regex_captures(&template, uri), "{} on {}", source, uri);
            }
        }
    }

    #[test]
    fn matching_stays_linear_on_long_uris() {
        // Quadratic for a backtracking matcher: every `/` is a place `a` might end.
        let template = UriTemplate::parse("x://{+a}/{+b}/{+c}/end").expect("parses");
        let uri = format!("x://{}", "/".repeat(1 << 16));
        assert_eq!(template.matches(&uri), UriMatch::NoMatch);
        let uri = format!("x://{}/end", "a/".repeat(1 << 15));
        assert!(matches!(template.matches(&uri), UriMatch::Vars(_)));
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
