//! The `WWW-Authenticate` values of refusals over HTTP (RFC 6750 section 3, with the
//! `resource_metadata` parameter of RFC 9728 section 5.1), which is how an MCP client
//! finds the authorization server and learns which scopes to ask for.
//!
//! - 401, no usable token: `Bearer resource_metadata="…", scope="…"`, plus
//!   `error="invalid_token", error_description="…"` when a token was sent and refused
//!   (not when none was sent: RFC 6750 says a request without credentials gets no error
//!   code).
//! - 403, a valid token without the target's scopes: `Bearer error="insufficient_scope",
//!   scope="…", resource_metadata="…", error_description="…"`, naming every scope the
//!   target needs in one challenge so the client asks once.

use super::{Rejection, RejectionKind};

/// The 401 challenge. `scopes` are the ones the target needs (or the server's, when
/// the target is not known yet); `rejection` is why a sent token was refused.
pub(crate) fn unauthorized<S: AsRef<str>>(
    resource_metadata: Option<&str>,
    scopes: &[S],
    rejection: Option<&Rejection>,
) -> String {
    let mut challenge = Challenge::default();
    if let Some(url) = resource_metadata {
        challenge.param("resource_metadata", url);
    }
    if let Some(scope) = scope_list(scopes) {
        challenge.param("scope", &scope);
    }
    if let Some(rejection) = rejection.filter(|r| r.kind != RejectionKind::Missing) {
        challenge.param("error", "invalid_token");
        challenge.param("error_description", &description(&rejection.description));
    }
    challenge.0
}

/// The 403 challenge for a valid token that lacks some of `needed` (all the scopes the
/// target needs, not only the missing ones: the client asks for a token with all).
pub(crate) fn insufficient_scope<S: AsRef<str>>(
    resource_metadata: Option<&str>,
    needed: &[S],
    why: &str,
) -> String {
    let mut challenge = Challenge::default();
    challenge.param("error", "insufficient_scope");
    if let Some(scope) = scope_list(needed) {
        challenge.param("scope", &scope);
    }
    if let Some(url) = resource_metadata {
        challenge.param("resource_metadata", url);
    }
    challenge.param("error_description", &description(why));
    challenge.0
}

/// `Bearer name="value", ...` being written.
#[derive(Debug)]
struct Challenge(String);

impl Default for Challenge {
    fn default() -> Self {
        Self("Bearer".to_owned())
    }
}

impl Challenge {
    /// Appends `name="value"` as an RFC 9110 quoted-string: `"` and `\` escaped with
    /// `\`; characters a header value cannot hold (controls, non-ASCII) become `?`.
    fn param(&mut self, name: &str, value: &str) {
        self.0.push_str(if self.0.len() == "Bearer".len() {
            " "
        } else {
            ", "
        });
        self.0.push_str(name);
        self.0.push_str("=\"");
        for c in value.chars() {
            match c {
                '"' | '\\' => {
                    self.0.push('\\');
                    self.0.push(c);
                }
                ' ' | '\t' => self.0.push(c),
                c if c.is_ascii_graphic() => self.0.push(c),
                _ => self.0.push('?'),
            }
        }
        self.0.push('"');
    }
}

/// The scopes, space-separated, without `offline_access` (a request to the
/// authorization server, never needed by a target); `None` if none remain.
fn scope_list<S: AsRef<str>>(scopes: &[S]) -> Option<String> {
    let kept: Vec<&str> = scopes
        .iter()
        .map(AsRef::as_ref)
        .filter(|s| !s.is_empty() && *s != "offline_access")
        .collect();
    (!kept.is_empty()).then(|| kept.join(" "))
}

/// RFC 6750 allows only printable ASCII without `"` and `\` in `error_description`:
/// quotes become `'`, backslashes `/`, so no escape is ever needed there.
fn description(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '"' => '\'',
            '\\' => '/',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PRM: &str = "https://mcp.example.com/.well-known/oauth-protected-resource/mcp";

    #[test]
    fn no_token_gets_no_error_code() {
        assert_eq!(
            unauthorized(Some(PRM), &["issues:read", "offline_access"], None),
            format!(r#"Bearer resource_metadata="{PRM}", scope="issues:read""#)
        );
        let missing = Rejection::new(RejectionKind::Missing, "no token");
        assert_eq!(
            unauthorized::<&str>(Some(PRM), &[], Some(&missing)),
            format!(r#"Bearer resource_metadata="{PRM}""#)
        );
    }

    #[test]
    fn a_refused_token_gets_invalid_token_and_the_reason() {
        let expired = Rejection::new(
            RejectionKind::WrongAudience,
            "the token's audience does not name this server (expected https://mcp.example.com/mcp)",
        );
        assert_eq!(
            unauthorized(Some(PRM), &["a", "b"], Some(&expired)),
            format!(
                r#"Bearer resource_metadata="{PRM}", scope="a b", error="invalid_token", error_description="the token's audience does not name this server (expected https://mcp.example.com/mcp)""#
            )
        );
    }

    #[test]
    fn insufficient_scope_names_every_needed_scope() {
        assert_eq!(
            insufficient_scope(
                Some(PRM),
                &["issues:read", "issues:write"],
                "this tool needs issues:write"
            ),
            format!(
                r#"Bearer error="insufficient_scope", scope="issues:read issues:write", resource_metadata="{PRM}", error_description="this tool needs issues:write""#
            )
        );
    }

    #[test]
    fn quoted_strings_are_escaped_and_descriptions_kept_to_their_characters() {
        let odd = Rejection::new(
            RejectionKind::Malformed,
            "a \"quoted\" back\\slash, é\r\nnext",
        );
        let value = unauthorized(Some(r#"https://x.example/"q"\"#), &["s\"1"], Some(&odd));
        assert_eq!(
            value,
            r#"Bearer resource_metadata="https://x.example/\"q\"\\", scope="s\"1", error="invalid_token", error_description="a 'quoted' back/slash, ???next""#
        );
        assert!(http::HeaderValue::from_str(&value).is_ok());
    }
}
