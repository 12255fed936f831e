//! What a refused request is told, the same on every transport: a JSON-RPC error whose
//! message says what to do and whose `data.auth` carries what the HTTP challenge
//! (`WWW-Authenticate`) carries, so a client can act on either.

use serde_json::{Value, json};

use super::gate::Access;
use super::{Rejection, RejectionKind};

/// The JSON-RPC code of a request without a usable credential (HTTP 401).
pub(crate) const UNAUTHENTICATED_CODE: i32 = -32041;
/// The JSON-RPC code of a request whose credential lacks the target's scopes (HTTP 403).
pub(crate) const FORBIDDEN_CODE: i32 = -32043;

/// Where the refused request came from: what the client should set.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Via<'a> {
    /// HTTP, with the URL of the protected resource metadata when there is one.
    Http { metadata: Option<&'a str> },
    /// stdio, where the token comes from this environment variable.
    Stdio { variable: &'a str },
}

/// A refusal, ready for either transport.
#[derive(Debug, Clone)]
pub(crate) struct Refusal {
    /// `true` for 401 / unauthenticated, `false` for 403 / forbidden.
    pub(crate) unauthenticated: bool,
    pub(crate) code: i32,
    pub(crate) message: String,
    pub(crate) data: Value,
    /// What goes into the record: why, without the credential.
    pub(crate) detail: String,
    /// The scopes the target needs (the challenge's `scope`).
    pub(crate) scopes: Vec<String>,
    /// The rejection, for a 401 after a credential was sent.
    pub(crate) rejection: Option<Rejection>,
}

impl Refusal {
    /// The refusal of `access`, or `None` when it lets the request through.
    /// `target` names what was asked for (``tool `delete_issue` ``); `scopes` are the
    /// scopes it needs.
    pub(crate) fn of(
        access: &Access,
        via: Via<'_>,
        target: &str,
        scopes: &[String],
    ) -> Option<Self> {
        match access {
            Access::Allowed(_) => None,
            Access::Unauthenticated(rejection) => {
                Some(unauthenticated(rejection, via, target, scopes))
            }
            Access::Forbidden { principal, needed } => {
                let missing: Vec<&str> = needed
                    .iter()
                    .filter(|s| !principal.has_scope(s))
                    .map(String::as_str)
                    .collect();
                let granted = if principal.scopes.is_empty() {
                    "none".to_owned()
                } else {
                    principal.scopes.join(" ")
                };
                let message = format!(
                    "Forbidden: {target} needs the scopes `{}`; the credential of `{}` grants \
                     {granted}, so `{}` is missing. Use a credential that grants all of them (ask \
                     the server's operator; with managed tokens: `token create --scopes {}`).",
                    needed.join(" "),
                    principal.subject,
                    missing.join(" "),
                    needed.join(","),
                );
                Some(Self {
                    unauthenticated: false,
                    code: FORBIDDEN_CODE,
                    data: data("insufficient_scope", None, needed, via),
                    message,
                    detail: format!("missing scopes: {}", missing.join(" ")),
                    scopes: needed.clone(),
                    rejection: None,
                })
            }
        }
    }

    /// The `WWW-Authenticate` value (RFC 6750, RFC 9728).
    pub(crate) fn challenge(&self, metadata: Option<&str>) -> String {
        if self.unauthenticated {
            super::challenge::unauthorized(metadata, &self.scopes, self.rejection.as_ref())
        } else {
            super::challenge::insufficient_scope(metadata, &self.scopes, &self.detail)
        }
    }
}

fn unauthenticated(
    rejection: &Rejection,
    via: Via<'_>,
    target: &str,
    scopes: &[String],
) -> Refusal {
    let what_to_do = match via {
        Via::Http { .. } => "send `Authorization: Bearer <token>` with every request".to_owned(),
        Via::Stdio { variable } => format!(
            "set `{variable}` to a token in the environment the client starts the server with \
             (`env` of the server's entry in .mcp.json), then restart the server"
        ),
    };
    let message = if rejection.kind == RejectionKind::Missing {
        format!("Unauthenticated: {target} needs a credential; {what_to_do}.")
    } else {
        format!(
            "Unauthenticated: the credential was refused ({}: {}); {what_to_do}, with a token \
             that is current.",
            rejection.kind.as_str(),
            rejection.description
        )
    };
    let sent = rejection.kind != RejectionKind::Missing;
    Refusal {
        unauthenticated: true,
        code: UNAUTHENTICATED_CODE,
        data: data("invalid_token", sent.then_some(rejection), scopes, via),
        message,
        detail: format!("{}: {}", rejection.kind.as_str(), rejection.description),
        scopes: scopes.to_vec(),
        rejection: sent.then(|| rejection.clone()),
    }
}

/// `data.auth` of the JSON-RPC error: the challenge's parameters (no `error` when no
/// credential was sent, as in the challenge), and the `reason` in one word.
fn data(error: &str, rejection: Option<&Rejection>, scopes: &[String], via: Via<'_>) -> Value {
    let mut auth = json!({ "scope": scopes.join(" ") });
    if let Some(rejection) = rejection {
        auth["error"] = json!(error);
        auth["reason"] = json!(rejection.kind.as_str());
        auth["error_description"] = json!(rejection.description);
    } else if error == "invalid_token" {
        auth["reason"] = json!("missing");
    } else {
        auth["error"] = json!(error);
    }
    match via {
        Via::Http {
            metadata: Some(url),
        } => auth["resource_metadata"] = json!(url),
        Via::Http { metadata: None } => {}
        Via::Stdio { variable } => auth["variable"] = json!(variable),
    }
    json!({ "auth": auth })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Principal;
    use std::sync::Arc;

    fn scopes(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_missing_token_is_challenged_with_the_scopes_and_metadata() {
        let access =
            Access::Unauthenticated(Rejection::new(RejectionKind::Missing, "no credential"));
        let via = Via::Http {
            metadata: Some("https://mcp.example.com/.well-known/oauth-protected-resource/mcp"),
        };
        let refusal = Refusal::of(
            &access,
            via,
            "tool `delete_issue`",
            &scopes(&["issues:write"]),
        )
        .unwrap();
        assert_eq!(refusal.code, UNAUTHENTICATED_CODE);
        assert_eq!(
            refusal.challenge(Some(
                "https://mcp.example.com/.well-known/oauth-protected-resource/mcp"
            )),
            "Bearer resource_metadata=\"https://mcp.example.com/.well-known/oauth-protected-resource/mcp\", scope=\"issues:write\""
        );
        assert_eq!(refusal.data["auth"]["reason"], "missing");
        assert!(
            refusal.data["auth"].get("error").is_none(),
            "{}",
            refusal.data
        );
        assert!(
            refusal.message.contains("Authorization: Bearer"),
            "{}",
            refusal.message
        );
    }

    #[test]
    fn a_refused_token_says_why_without_repeating_it() {
        let rejection = Rejection::new(RejectionKind::Expired, "the token \"x\" expired");
        let access = Access::Unauthenticated(rejection);
        let via = Via::Stdio {
            variable: "WEATHER_TOKEN",
        };
        let refusal = Refusal::of(&access, via, "tool `get_forecast`", &[]).unwrap();
        assert_eq!(refusal.data["auth"]["reason"], "expired");
        assert_eq!(refusal.data["auth"]["variable"], "WEATHER_TOKEN");
        assert!(
            refusal.message.contains("WEATHER_TOKEN"),
            "{}",
            refusal.message
        );
        assert_eq!(
            refusal.challenge(None),
            "Bearer error=\"invalid_token\", error_description=\"the token 'x' expired\""
        );
    }

    #[test]
    fn a_credential_without_scopes_is_forbidden_with_all_the_scopes_needed() {
        let principal = Principal {
            subject: "alice".into(),
            scopes: scopes(&["issues:read"]),
            method: crate::auth::AuthMethod::ManagedToken,
            token_id: Some("tok_1".into()),
        };
        let access = Access::Forbidden {
            principal: Arc::new(principal),
            needed: scopes(&["issues:read", "issues:write"]),
        };
        let refusal = Refusal::of(
            &access,
            Via::Http { metadata: None },
            "tool `delete_issue`",
            &[],
        )
        .unwrap();
        assert_eq!(refusal.code, FORBIDDEN_CODE);
        assert_eq!(
            refusal.challenge(None),
            "Bearer error=\"insufficient_scope\", scope=\"issues:read issues:write\", error_description=\"missing scopes: issues:write\""
        );
        assert!(
            refusal.message.contains("`issues:write` is missing"),
            "{}",
            refusal.message
        );
        assert_eq!(refusal.detail, "missing scopes: issues:write");
    }
}
