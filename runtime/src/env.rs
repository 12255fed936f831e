//! `${VAR}` and `${VAR:-default}` references in deployment settings, resolved when the
//! server starts (the spec never holds secrets or per-deployment values).

/// Why a setting could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvError(String);

impl std::fmt::Display for EnvError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for EnvError {}

/// Replaces every `${VAR}` and `${VAR:-default}` in `text`, reading variables with
/// `lookup` (pass `|name| std::env::var(name).ok()` for the process environment).
///
/// # Errors
/// An unset variable without a default, or a malformed reference; the message names
/// the variable and how to set it.
pub fn expand_with(
    text: &str,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<String, EnvError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            return Err(EnvError(format!(
                "`{text}` has a `${{` without a closing `}}`; write `${{NAME}}` or `${{NAME:-default}}`"
            )));
        };
        let inner = &after[..end];
        let (name, default) = match inner.split_once(":-") {
            Some((name, default)) => (name, Some(default)),
            None => (inner, None),
        };
        let valid = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err(EnvError(format!(
                "`${{{inner}}}` in `{text}` is not a variable reference; names are letters, digits and `_`"
            )));
        }
        match lookup(name).filter(|v| !v.is_empty()) {
            Some(value) => out.push_str(&value),
            None => match default {
                Some(default) => out.push_str(default),
                None => {
                    return Err(EnvError(format!(
                        "the environment variable {name} is not set; the spec reads it for `{text}`. Set it, for example `export {name}=...`, or give a default: `${{{name}:-value}}`"
                    )));
                }
            },
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// [`expand_with`] over the process environment.
///
/// # Errors
/// As [`expand_with`].
pub fn expand(text: &str) -> Result<String, EnvError> {
    expand_with(text, |name| std::env::var(name).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        (name == "SET").then(|| "value".to_owned())
    }

    #[test]
    fn expands_references() {
        assert_eq!(expand_with("a ${SET} b", env).unwrap(), "a value b");
        assert_eq!(
            expand_with("${UNSET:-127.0.0.1:8080}", env).unwrap(),
            "127.0.0.1:8080"
        );
        assert_eq!(expand_with("${SET:-x}", env).unwrap(), "value");
        assert_eq!(expand_with("plain", env).unwrap(), "plain");
    }

    #[test]
    fn says_what_is_missing() {
        let err = expand_with("${TOKEN}", env).unwrap_err().to_string();
        assert!(err.contains("TOKEN is not set"), "{err}");
        assert!(expand_with("${OPEN", env).is_err());
        assert!(expand_with("${1X}", env).is_err());
    }
}
