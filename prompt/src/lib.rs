//! Prompt message templates in the subset of Jinja that needs no template engine.
//!
//! Prompt arguments are always strings, and most prompt messages only insert them
//! (`{{ city }}`) or keep a phrase when one was given (`{% if tone %}...{% endif %}`).
//! [`Template::parse`] accepts exactly that subset, and [`Template::render`] renders it
//! as minijinja does with its default settings (an absent argument prints nothing and
//! is false, an empty string is false, one trailing newline of the source is dropped,
//! `-` in a delimiter trims the whitespace on its side). A server whose templates all
//! parse here does not link minijinja (0.5 MB of code); any other template makes
//! `parse` fail, and the runtime renders it with minijinja (its `templates` feature).
//!
//! The subset, in full:
//! - text; `{{ name }}`; `{# comment #}`;
//! - `{% if name %}`, `{% if not name %}`, `{% elif [not] name %}`, `{% else %}`,
//!   `{% endif %}`, nested;
//! - `-` right inside any delimiter (`{{- name -}}`).
//!
//! `name` is an identifier that is not one of Jinja's literals, operators or
//! minijinja's global names (`none`, `loop`, `range`, ...): those mean something else.

use std::collections::BTreeSet;
use std::fmt;

/// A template of the subset, ready to render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Var(String),
    If {
        branches: Vec<(Cond, Vec<Part>)>,
        otherwise: Vec<Part>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Cond {
    name: String,
    negated: bool,
}

/// Why a template is not in the subset: the construct, and where it starts (in bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotInSubset {
    /// Byte offset of the construct in the source.
    pub at: usize,
    /// What the construct is, for a message: "`{% for`", "a filter", ...
    pub what: String,
}

impl fmt::Display for NotInSubset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.what, self.at)
    }
}

impl std::error::Error for NotInSubset {}

/// Jinja's literals, operators and statement words, and the names minijinja provides:
/// none of them is an argument's value in a template. A name of the subset may not be
/// one (`mcpgen check` also skips them when it looks for undeclared arguments).
pub const RESERVED_WORDS: &[&str] = &[
    "and",
    "or",
    "not",
    "in",
    "is",
    "if",
    "else",
    "elif",
    "endif",
    "true",
    "false",
    "none",
    "True",
    "False",
    "None",
    "loop",
    "self",
    "super",
    "caller",
    "varargs",
    "kwargs",
    "range",
    "dict",
    "namespace",
    "lipsum",
    "cycler",
    "joiner",
    "debug",
    "recursive",
];

/// One token of the source: text, or what a delimiter holds.
enum Token<'s> {
    Text(&'s str),
    Var(&'s str),
    Block(&'s str),
}

struct Lexed<'s> {
    token: Token<'s>,
    at: usize,
    /// `-` after the opening delimiter: trim the text before.
    trim_before: bool,
    /// `-` before the closing delimiter: trim the text after.
    trim_after: bool,
}

fn not_in_subset(at: usize, what: impl Into<String>) -> NotInSubset {
    NotInSubset {
        at,
        what: what.into(),
    }
}

/// Splits `source` into text and delimited tokens, as minijinja's lexer does for the
/// subset (its default syntax, `keep_trailing_newline` off).
fn lex(source: &str) -> Result<Vec<Lexed<'_>>, NotInSubset> {
    let source = source
        .strip_suffix("\r\n")
        .or_else(|| source.strip_suffix('\n'))
        .unwrap_or(source);
    let mut tokens = Vec::new();
    let mut rest = 0;
    while rest < source.len() {
        let Some(open) = find_open(&source[rest..]).map(|i| rest + i) else {
            tokens.push(text(&source[rest..], rest));
            break;
        };
        if open > rest {
            tokens.push(text(&source[rest..open], rest));
        }
        let kind = &source[open..open + 2];
        let close = match kind {
            "{{" => "}}",
            "{%" => "%}",
            _ => "#}",
        };
        let inner_start = open + 2;
        let Some(end) = source[inner_start..].find(close).map(|i| inner_start + i) else {
            return Err(not_in_subset(open, format!("`{kind}` without `{close}`")));
        };
        let mut inner = &source[inner_start..end];
        let trim_before = inner.starts_with('-');
        if trim_before {
            inner = &inner[1..];
        }
        if inner.starts_with('+') {
            return Err(not_in_subset(open, "a `+` whitespace modifier"));
        }
        let trim_after = inner.ends_with('-') && !inner.is_empty();
        if trim_after {
            inner = &inner[..inner.len() - 1];
        }
        if inner.ends_with('+') && kind != "{#" {
            return Err(not_in_subset(open, "a `+` whitespace modifier"));
        }
        let token = match kind {
            "{{" => Some(Token::Var(inner)),
            "{%" => Some(Token::Block(inner)),
            _ => None,
        };
        if let Some(token) = token {
            tokens.push(Lexed {
                token,
                at: open,
                trim_before,
                trim_after,
            });
        } else {
            // A comment renders nothing, but its `-` still trims.
            tokens.push(Lexed {
                token: Token::Text(""),
                at: open,
                trim_before,
                trim_after,
            });
        }
        rest = end + 2;
    }
    Ok(tokens)
}

fn text(s: &str, at: usize) -> Lexed<'_> {
    Lexed {
        token: Token::Text(s),
        at,
        trim_before: false,
        trim_after: false,
    }
}

/// The first `{{`, `{%` or `{#` in `s`.
fn find_open(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    (0..bytes.len().saturating_sub(1))
        .find(|&i| bytes[i] == b'{' && matches!(bytes[i + 1], b'{' | b'%' | b'#'))
}

fn is_name(word: &str) -> bool {
    let mut chars = word.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !RESERVED_WORDS.contains(&word)
}

/// The name inside `{{ ... }}`, or why it is not one.
fn variable(inner: &str, at: usize) -> Result<String, NotInSubset> {
    let word = inner.trim();
    if is_name(word) {
        Ok(word.to_owned())
    } else if word.contains('|') {
        Err(not_in_subset(at, format!("a filter (`{{{{ {word} }}}}`)")))
    } else {
        Err(not_in_subset(
            at,
            format!("an expression other than a name (`{{{{ {word} }}}}`)"),
        ))
    }
}

/// A block tag of the subset.
enum Tag {
    If(Cond),
    Elif(Cond),
    Else,
    EndIf,
}

fn tag(inner: &str, at: usize) -> Result<Tag, NotInSubset> {
    let words: Vec<&str> = inner.split_whitespace().collect();
    let cond = |rest: &[&str]| match rest {
        [name] if is_name(name) => Some(Cond {
            name: (*name).to_owned(),
            negated: false,
        }),
        ["not", name] if is_name(name) => Some(Cond {
            name: (*name).to_owned(),
            negated: true,
        }),
        _ => None,
    };
    let parsed = match words.as_slice() {
        ["if", rest @ ..] => cond(rest).map(Tag::If),
        ["elif", rest @ ..] => cond(rest).map(Tag::Elif),
        ["else"] => Some(Tag::Else),
        ["endif"] => Some(Tag::EndIf),
        _ => None,
    };
    parsed.ok_or_else(|| {
        let first = words.first().copied().unwrap_or("");
        let what = if matches!(first, "if" | "elif") {
            format!(
                "a condition other than `name` or `not name` (`{{% {} %}}`)",
                words.join(" ")
            )
        } else {
            format!("`{{% {first}`")
        };
        not_in_subset(at, what)
    })
}

/// An `if` being parsed: the branches so far, and the one being filled.
struct OpenIf {
    at: usize,
    branches: Vec<(Cond, Vec<Part>)>,
    otherwise: Option<Vec<Part>>,
}

impl Template {
    /// Parses `source` if it is in the subset.
    ///
    /// # Errors
    /// [`NotInSubset`] names the first construct outside the subset, or the
    /// delimiter left open, or the `if` left unclosed.
    pub fn parse(source: &str) -> Result<Self, NotInSubset> {
        let tokens = lex(source)?;
        // Whitespace control first: it applies to the text next to each delimiter.
        let mut texts: Vec<Option<String>> = tokens
            .iter()
            .map(|t| match t.token {
                Token::Text(s) if t.trim_before || t.trim_after || s.is_empty() => None,
                Token::Text(s) => Some(s.to_owned()),
                _ => None,
            })
            .collect();
        for (i, t) in tokens.iter().enumerate() {
            if t.trim_before
                && let Some(Some(prev)) = i.checked_sub(1).map(|p| texts[p].as_mut())
            {
                prev.truncate(prev.trim_end().len());
            }
            if t.trim_after
                && let Some(Some(next)) = texts.get_mut(i + 1).map(Option::as_mut)
            {
                *next = next.trim_start().to_owned();
            }
        }
        let mut stack: Vec<OpenIf> = Vec::new();
        let mut parts: Vec<Part> = Vec::new();
        for (i, t) in tokens.iter().enumerate() {
            let part = match t.token {
                Token::Text(_) => match texts[i].take() {
                    Some(s) if !s.is_empty() => Some(Part::Text(s)),
                    _ => None,
                },
                Token::Var(inner) => Some(Part::Var(variable(inner, t.at)?)),
                Token::Block(inner) => {
                    match tag(inner, t.at)? {
                        Tag::If(cond) => stack.push(OpenIf {
                            at: t.at,
                            branches: vec![(cond, std::mem::take(&mut parts))],
                            otherwise: None,
                        }),
                        Tag::Elif(cond) => {
                            let open = open_if(&mut stack, t.at, "elif")?;
                            if open.otherwise.is_some() {
                                return Err(not_in_subset(t.at, "`{% elif` after `{% else`"));
                            }
                            open.branches.push((cond, std::mem::take(&mut parts)));
                        }
                        Tag::Else => {
                            let open = open_if(&mut stack, t.at, "else")?;
                            if open.otherwise.is_some() {
                                return Err(not_in_subset(t.at, "a second `{% else`"));
                            }
                            open.otherwise = Some(std::mem::take(&mut parts));
                        }
                        Tag::EndIf => {
                            let Some(open) = stack.pop() else {
                                return Err(not_in_subset(t.at, "`{% endif` without `{% if`"));
                            };
                            parts = close_if(open, std::mem::take(&mut parts));
                        }
                    }
                    None
                }
            };
            parts.extend(part);
        }
        if let Some(open) = stack.last() {
            return Err(not_in_subset(open.at, "`{% if` without `{% endif %}`"));
        }
        Ok(Self { parts })
    }

    /// Renders the template; `argument` gives the value of a name (`None`: absent).
    #[must_use]
    pub fn render<'a>(&self, argument: impl Fn(&str) -> Option<&'a str>) -> String {
        let mut out = String::new();
        render_parts(&self.parts, &argument, &mut out);
        out
    }

    /// Every name the template reads, in order.
    #[must_use]
    pub fn variables(&self) -> BTreeSet<&str> {
        let mut names = BTreeSet::new();
        collect_names(&self.parts, &mut names);
        names
    }
}

fn open_if<'a>(
    stack: &'a mut [OpenIf],
    at: usize,
    tag: &str,
) -> Result<&'a mut OpenIf, NotInSubset> {
    stack
        .last_mut()
        .ok_or_else(|| not_in_subset(at, format!("`{{% {tag}` without `{{% if`")))
}

/// Closes `open` at its `endif`: the parts before the `if` (kept in its first branch's
/// slot), then the `if`, whose last body (the `else`'s, if it has one) is `last`.
fn close_if(open: OpenIf, last: Vec<Part>) -> Vec<Part> {
    let mut branches = open.branches;
    let before = std::mem::take(&mut branches[0].1);
    // Each branch's parts were stored with the branch that came after them.
    let mut bodies: Vec<Vec<Part>> = branches
        .iter_mut()
        .skip(1)
        .map(|b| std::mem::take(&mut b.1))
        .collect();
    let otherwise = match open.otherwise {
        Some(body_before_else) => {
            bodies.push(body_before_else);
            last
        }
        None => {
            bodies.push(last);
            Vec::new()
        }
    };
    let branches = branches
        .into_iter()
        .map(|(cond, _)| cond)
        .zip(bodies)
        .collect();
    let mut parts = before;
    parts.push(Part::If {
        branches,
        otherwise,
    });
    parts
}

fn render_parts<'a>(parts: &[Part], argument: &impl Fn(&str) -> Option<&'a str>, out: &mut String) {
    for part in parts {
        match part {
            Part::Text(text) => out.push_str(text),
            Part::Var(name) => out.push_str(argument(name).unwrap_or("")),
            Part::If {
                branches,
                otherwise,
            } => {
                let taken = branches.iter().find(|(cond, _)| {
                    let truthy = argument(&cond.name).is_some_and(|v| !v.is_empty());
                    truthy != cond.negated
                });
                let body = taken.map_or(otherwise, |(_, body)| body);
                render_parts(body, argument, out);
            }
        }
    }
}

fn collect_names<'t>(parts: &'t [Part], names: &mut BTreeSet<&'t str>) {
    for part in parts {
        match part {
            Part::Text(_) => {}
            Part::Var(name) => {
                names.insert(name);
            }
            Part::If {
                branches,
                otherwise,
            } => {
                for (cond, body) in branches {
                    names.insert(&cond.name);
                    collect_names(body, names);
                }
                collect_names(otherwise, names);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_names_of_values_and_conditions() {
        let t =
            Template::parse("{{ a }}{% if not b %}{{ c }}{% elif d %}{% else %}{{ a }}{% endif %}")
                .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            t.variables().into_iter().collect::<Vec<_>>(),
            ["a", "b", "c", "d"]
        );
    }

    #[test]
    fn says_what_is_outside_the_subset_and_where() {
        let e = Template::parse("Hi {{ name | upper }}").err();
        assert_eq!(
            e.map(|e| e.to_string()).as_deref(),
            Some("a filter (`{{ name | upper }}`) at byte 3")
        );
        let e = Template::parse("a {% for x in y %}").err();
        assert_eq!(e.map(|e| e.what).as_deref(), Some("`{% for`"));
        let e = Template::parse("{% if a %}b").err();
        assert_eq!(
            e.map(|e| (e.at, e.what)),
            Some((0, "`{% if` without `{% endif %}`".to_owned()))
        );
    }
}
