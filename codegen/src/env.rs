//! Environment references in spec strings: `${VAR}` and `${VAR:-default}`.
//!
//! The checks use [`parse_env`] to report malformed references; the runtime resolves
//! the same parts when the server starts, so both agree on the syntax.

/// One piece of a string that may hold environment references.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EnvPart {
    /// Text taken as written.
    Literal(String),
    /// `${name}` or `${name:-default}`.
    Var {
        /// The variable's name (`[A-Za-z_][A-Za-z0-9_]*`).
        name: String,
        /// The value used when the variable is unset (or empty), if any.
        default: Option<String>,
    },
}

/// Splits `s` into literal text and `${VAR}` / `${VAR:-default}` references.
///
/// A `$` that is not followed by `{` is literal text. A default runs to the first `}`
/// and cannot itself contain references. The error says what is wrong with the first
/// malformed reference, in words meant for the spec author.
pub fn parse_env(s: &str) -> Result<Vec<EnvPart>, String> {
    let mut parts = Vec::new();
    let mut literal = String::new();
    let mut rest = s;
    while let Some(pos) = rest.find("${") {
        literal.push_str(&rest[..pos]);
        let after = &rest[pos + 2..];
        let Some(end) = after.find('}') else {
            return Err(format!(
                "`${{` at `{}` is never closed: write `${{NAME}}`",
                truncate(&rest[pos..])
            ));
        };
        let body = &after[..end];
        let (name, default) = match body.find(':') {
            Some(colon) => {
                let (name, tail) = body.split_at(colon);
                match tail.strip_prefix(":-") {
                    Some(default) => (name, Some(default.to_owned())),
                    None => {
                        return Err(format!(
                            "`${{{body}}}` has `:` but no `-`: a default is written `${{{name}:-{}}}`",
                            tail.trim_start_matches(':')
                        ));
                    }
                }
            }
            None => (body, None),
        };
        check_name(name, body)?;
        if !literal.is_empty() {
            parts.push(EnvPart::Literal(std::mem::take(&mut literal)));
        }
        parts.push(EnvPart::Var {
            name: name.to_owned(),
            default,
        });
        rest = &after[end + 1..];
    }
    literal.push_str(rest);
    if !literal.is_empty() {
        parts.push(EnvPart::Literal(literal));
    }
    Ok(parts)
}

fn check_name(name: &str, body: &str) -> Result<(), String> {
    let mut chars = name.chars();
    match chars.next() {
        None => Err(format!(
            "`${{{body}}}` names no variable: write `${{NAME}}`"
        )),
        Some(c) if !(c.is_ascii_alphabetic() || c == '_') => Err(format!(
            "`{name}` in `${{{body}}}` is not a variable name: names start with a letter or `_`"
        )),
        Some(_) => match chars.find(|c| !(c.is_ascii_alphanumeric() || *c == '_')) {
            Some(bad) => Err(format!(
                "`{name}` in `${{{body}}}` is not a variable name: `{bad}` is not allowed (use letters, digits and `_`; a default is written `${{NAME:-default}}`)"
            )),
            None => Ok(()),
        },
    }
}

fn truncate(s: &str) -> String {
    let mut out: String = s.chars().take(24).collect();
    if s.chars().count() > 24 {
        out.push('…');
    }
    out
}

/// The prefix of a server's environment variables: its name upper-cased, with `_` for
/// what is not a letter or digit (`issue-tracker`: `ISSUE_TRACKER`), as the runtime
/// names `{NAME}_TOKEN`; also the prefix of a proxy's `{NAME}_BASE_URL`.
pub fn env_prefix(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// Whether the whole string is exactly one reference without a default: `${API_TOKEN}`.
pub fn is_single_var(s: &str) -> bool {
    matches!(
        parse_env(s).as_deref(),
        Ok([EnvPart::Var { default: None, .. }])
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn var(name: &str, default: Option<&str>) -> EnvPart {
        EnvPart::Var {
            name: name.into(),
            default: default.map(Into::into),
        }
    }

    #[test]
    fn parses_references_and_literals() {
        assert_eq!(parse_env("").unwrap(), vec![]);
        assert_eq!(
            parse_env("plain $5").unwrap(),
            vec![EnvPart::Literal("plain $5".into())]
        );
        assert_eq!(parse_env("${A}").unwrap(), vec![var("A", None)]);
        assert_eq!(
            parse_env("http://${HOST:-127.0.0.1:8080}/x").unwrap(),
            vec![
                EnvPart::Literal("http://".into()),
                var("HOST", Some("127.0.0.1:8080")),
                EnvPart::Literal("/x".into())
            ]
        );
        assert_eq!(
            parse_env("${a_1}${B:-}").unwrap(),
            vec![var("a_1", None), var("B", Some(""))]
        );
        assert!(is_single_var("${API_TOKEN}"));
        assert!(!is_single_var("${API_TOKEN:-x}"));
        assert!(!is_single_var("Bearer ${API_TOKEN}"));
    }

    #[test]
    fn rejects_malformed_references() {
        for bad in [
            "${",
            "${A",
            "${}",
            "${1A}",
            "${A B}",
            "${A:default}",
            "${A-b}",
            "x${:-d}",
        ] {
            assert!(parse_env(bad).is_err(), "{bad}");
        }
        assert!(
            parse_env("${A:default}")
                .unwrap_err()
                .contains("${A:-default}")
        );
    }
}
