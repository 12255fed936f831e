//! The scanner of minijinja prompt messages: the names a message reads, the names it
//! binds itself, and unbalanced delimiters.

use std::collections::BTreeSet;

use super::{TextError, text_error};

/// Jinja's literals, operators and statement words, and the names minijinja provides:
/// none of them is an argument's value in a template.
const JINJA_WORDS: &str = "and or not in is if else elif endif true false none True False None \
     loop self super caller varargs kwargs range dict namespace lipsum cycler joiner debug recursive";

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String, usize),
    Punct(char),
    Other,
}

/// Tokens of a jinja expression; `base` is the position of `text` in the message.
fn tokenize(text: &[char], base: usize) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&c) = text.get(i) {
        if c.is_alphabetic() || c == '_' {
            let start = i;
            while text
                .get(i)
                .is_some_and(|c| c.is_alphanumeric() || *c == '_')
            {
                i += 1;
            }
            out.push(Tok::Ident(
                text.iter().skip(start).take(i - start).collect(),
                base + start,
            ));
        } else if c.is_ascii_digit() {
            while text
                .get(i)
                .is_some_and(|c| c.is_alphanumeric() || *c == '.' || *c == '_')
            {
                i += 1;
            }
            out.push(Tok::Other);
        } else if c == '"' || c == '\'' {
            i += 1;
            while let Some(&d) = text.get(i) {
                i += 1;
                if d == '\\' {
                    i += 1;
                } else if d == c {
                    break;
                }
            }
            out.push(Tok::Other);
        } else if c.is_whitespace() {
            i += 1;
        } else {
            out.push(Tok::Punct(c));
            i += 1;
        }
    }
    out
}

/// What the scan of one message found.
#[derive(Debug, Default)]
pub(super) struct JinjaScan {
    /// Top-level names the template reads: (name, position).
    pub(super) used: Vec<(String, usize)>,
    /// Names the template itself binds (`for x in`, `set x =`, macro parameters).
    pub(super) locals: BTreeSet<String>,
    pub(super) errors: Vec<TextError>,
    /// Problems that may be intended (a literal `}}`), reported as warnings.
    pub(super) warnings: Vec<TextError>,
}

/// The names an expression reads: not attributes (`.x`), filters (`| x`), tests
/// (`is x`) or keyword arguments (`x=`).
fn expression_names(tokens: &[Tok], scan: &mut JinjaScan) {
    for (i, tok) in tokens.iter().enumerate() {
        let Tok::Ident(name, at) = tok else { continue };
        let prev = i.checked_sub(1).and_then(|j| tokens.get(j));
        let prev2 = i.checked_sub(2).and_then(|j| tokens.get(j));
        let next = tokens.get(i + 1);
        let next2 = tokens.get(i + 2);
        let is_word = |t: Option<&Tok>, w: &str| matches!(t, Some(Tok::Ident(n, _)) if n == w);
        let attribute = prev == Some(&Tok::Punct('.'));
        let filter = prev == Some(&Tok::Punct('|'));
        let test = is_word(prev, "is") || (is_word(prev, "not") && is_word(prev2, "is"));
        let keyword_arg = next == Some(&Tok::Punct('=')) && next2 != Some(&Tok::Punct('='));
        let reserved = JINJA_WORDS.split_whitespace().any(|word| word == name);
        if attribute || filter || test || keyword_arg || reserved {
            continue;
        }
        scan.used.push((name.clone(), *at));
    }
}

/// A `{% ... %}` statement.
fn statement(tokens: &[Tok], scan: &mut JinjaScan) {
    let mut rest = tokens
        .iter()
        .skip_while(|t| matches!(t, Tok::Punct('-' | '+')));
    let Some(Tok::Ident(keyword, _)) = rest.next() else {
        return;
    };
    let rest: Vec<Tok> = rest.cloned().collect();
    match keyword.as_str() {
        "for" => {
            let split = rest
                .iter()
                .position(|t| matches!(t, Tok::Ident(n, _) if n == "in"));
            let (targets, iterable) = rest.split_at(split.unwrap_or(0));
            for t in targets {
                if let Tok::Ident(n, _) = t {
                    scan.locals.insert(n.clone());
                }
            }
            expression_names(iterable.get(1..).unwrap_or_default(), scan);
        }
        "set" | "with" => {
            // `set x = expr`, `set a, b = expr`, `with x = expr, y = expr`
            let mut assigned = BTreeSet::new();
            for (i, t) in rest.iter().enumerate() {
                if let Tok::Ident(n, _) = t
                    && rest
                        .get(i + 1)
                        .is_some_and(|t| matches!(t, Tok::Punct('=' | ',')))
                    && rest.get(i + 2) != Some(&Tok::Punct('='))
                    && !rest.iter().take(i).any(|t| matches!(t, Tok::Punct('=')))
                {
                    assigned.insert(n.clone());
                } else if let Tok::Ident(n, _) = t
                    && rest.len() == 1
                {
                    assigned.insert(n.clone()); // block set: `{% set x %}...{% endset %}`
                }
            }
            let value: Vec<Tok> = rest
                .iter()
                .filter(|t| !matches!(t, Tok::Ident(n, _) if assigned.contains(n)))
                .cloned()
                .collect();
            scan.locals.extend(assigned);
            expression_names(&value, scan);
        }
        "macro" | "call" => {
            for t in &rest {
                if let Tok::Ident(n, _) = t {
                    scan.locals.insert(n.clone());
                }
            }
        }
        "filter" | "import" | "from" | "include" | "extends" | "block" | "endblock"
        | "autoescape" => {}
        "if" | "elif" => expression_names(&rest, scan),
        _ => {}
    }
}

/// Finds `needle` in `chars` from `from`.
fn find(chars: &[char], needle: &str, from: usize) -> Option<usize> {
    let n: Vec<char> = needle.chars().collect();
    (from..chars.len()).find(|&i| chars.get(i..i + n.len()) == Some(&n[..]))
}

/// Scans a prompt message for the names it reads and for unbalanced delimiters.
pub(super) fn scan_jinja(text: &str) -> JinjaScan {
    let chars: Vec<char> = text.chars().collect();
    let mut scan = JinjaScan::default();
    let mut i = 0;
    while i < chars.len() {
        let pair: String = chars.iter().skip(i).take(2).collect();
        match pair.as_str() {
            "{#" => match find(&chars, "#}", i + 2) {
                Some(end) => i = end + 2,
                None => {
                    scan.errors.push(text_error(
                        i,
                        2,
                        "the comment `{#` is not closed",
                        "unclosed comment",
                        "close it with `#}`",
                    ));
                    break;
                }
            },
            "{{" | "{%" => {
                let close = if pair == "{{" { "}}" } else { "%}" };
                let Some(end) = find(&chars, close, i + 2) else {
                    scan.errors.push(text_error(
                        i,
                        2,
                        format!("`{pair}` is not closed"),
                        &format!("no `{close}` after this"),
                        &format!("close it with `{close}`: `{pair} name {close}`"),
                    ));
                    break;
                };
                let inner = chars.get(i + 2..end).unwrap_or_default();
                let tokens = tokenize(inner, i + 2);
                if pair == "{{" {
                    if let Some(nested) = find(inner, "{{", 0) {
                        scan.errors.push(text_error(
                            i + 2 + nested,
                            2,
                            "`{{` inside `{{ ... }}`",
                            "nested",
                            "close the first expression with `}}` before opening another",
                        ));
                    }
                    expression_names(&tokens, &mut scan);
                    i = end + 2;
                } else {
                    let is_raw = tokens
                        .iter()
                        .find(|t| !matches!(t, Tok::Punct('-' | '+')))
                        .is_some_and(|t| matches!(t, Tok::Ident(n, _) if n == "raw"));
                    if is_raw {
                        // Everything up to `{% endraw %}` is text.
                        let Some(after) = end_of_raw(&chars, end + 2) else {
                            scan.errors.push(text_error(
                                i,
                                2,
                                "`{% raw %}` is not closed",
                                "no `{% endraw %}`",
                                "end the raw text with `{% endraw %}`",
                            ));
                            return scan;
                        };
                        i = after;
                    } else {
                        statement(&tokens, &mut scan);
                        i = end + 2;
                    }
                }
            }
            "}}" => {
                scan.warnings.push(text_error(
                    i,
                    2,
                    "`}}` without an opening `{{`",
                    "unmatched `}}`",
                    "if this was meant as a placeholder, write `{{ name }}`; if it is literal text, write `{{ '}}' }}` to make that clear",
                ));
                i += 2;
            }
            _ => i += 1,
        }
    }
    scan
}

/// Where raw text from `at` ends: just after its `{% endraw %}`; `None` without one.
fn end_of_raw(chars: &[char], mut at: usize) -> Option<usize> {
    loop {
        let open = find(chars, "{%", at)?;
        let Some(close) = find(chars, "%}", open + 2) else {
            at = chars.len();
            continue;
        };
        let body: String = chars
            .get(open + 2..close)
            .unwrap_or_default()
            .iter()
            .collect();
        if body.trim_matches(|c: char| c.is_whitespace() || c == '-' || c == '+') == "endraw" {
            return Some(close + 2);
        }
        at = close + 2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jinja_names() {
        let scan = scan_jinja(
            "Hi {{ user.name | upper }} {% for x in items %}{{ x }}{{ loop.index }}{% endfor %}{# {{ c }} #}{{ f(k=v) }}{% if a is not defined %}{% endif %}{% raw %}{{ raw }}{% endraw %}",
        );
        let used: Vec<&str> = scan.used.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(used, ["user", "items", "x", "f", "v", "a"]);
        assert!(scan.locals.contains("x"));
        assert!(scan.errors.is_empty());
        assert!(!scan_jinja("{{ a ").errors.is_empty());
        assert!(!scan_jinja("{% if a ").errors.is_empty());
        assert!(!scan_jinja("a }}").warnings.is_empty());
        let set = scan_jinja("{% set greeting = 'Hi ' ~ name %}{{ greeting }}");
        assert_eq!(
            set.used.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
            ["name", "greeting"]
        );
        assert!(set.locals.contains("greeting"));
    }
}
