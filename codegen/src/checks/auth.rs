//! Authentication: scopes and anonymous access on every target, and settings that
//! cannot work as written.

use super::Cx;
use super::tick;
use crate::diag::{Code, Diagnostic};
use crate::model::{AuthMode, Spec};
use crate::source::{Sp, Span};

/// Whether the spec turns auth on.
pub(super) fn enabled(spec: &Spec) -> bool {
    spec.auth
        .mode
        .as_ref()
        .is_some_and(|m| m.value != AuthMode::None)
}

/// `scopes` and `anonymous` of one target (`whose`: ``tool `x` ``).
pub(super) fn check_access(
    cx: &mut Cx<'_>,
    whose: &str,
    at: Span,
    scopes: &[Sp<String>],
    anonymous: Option<&Sp<bool>>,
) {
    let anonymous = anonymous.filter(|a| a.value);
    if !enabled(cx.spec) && (!scopes.is_empty() || anonymous.is_some()) {
        let span = scopes
            .first()
            .map(|s| s.span)
            .or(anonymous.map(|a| a.span))
            .unwrap_or(at);
        cx.emit(
            Diagnostic::new(
                Code::Auth,
                span,
                format!("{whose} declares who may call it, but the server has no authentication: anyone may call everything"),
            )
            .with_label("nothing enforces this")
            .with_help("set `auth: { mode: bearer }` (tokens the server manages) or `auth: { mode: oauth }`, or remove `scopes:` and `anonymous:`"),
        );
    }
    if let (Some(anonymous), false) = (anonymous, scopes.is_empty()) {
        cx.emit(
            Diagnostic::new(
                Code::Auth,
                anonymous.span,
                format!("{whose} is open to anonymous callers and also requires scopes, which anonymous callers never hold"),
            )
            .with_label("anonymous, with scopes")
            .with_help("remove `anonymous: true` to require the scopes, or remove `scopes:` to let anyone call it"),
        );
    }
    for scope in scopes {
        super::tools::undeclared_scope(cx, scope, whose);
    }
}

/// Scopes and anonymous access of resources, templates and prompts; OAuth's audience.
pub(super) fn check_targets(cx: &mut Cx<'_>) {
    let spec = cx.spec;
    for resource in spec.resources.iter().map(|(_, r)| r) {
        let whose = format!("resource {}", tick(&resource.uri.value));
        check_access(
            cx,
            &whose,
            resource.span,
            &resource.scopes,
            resource.anonymous.as_ref(),
        );
    }
    for template in spec.resource_templates.iter().map(|(_, t)| t) {
        let whose = format!("resource template {}", tick(&template.uri_template.value));
        check_access(
            cx,
            &whose,
            template.span,
            &template.scopes,
            template.anonymous.as_ref(),
        );
    }
    for (name, prompt) in spec.prompts.iter() {
        let whose = format!("prompt {}", tick(&name.value));
        check_access(
            cx,
            &whose,
            prompt.span,
            &prompt.scopes,
            prompt.anonymous.as_ref(),
        );
    }
    let oauth_mode = spec
        .auth
        .mode
        .as_ref()
        .filter(|m| m.value == AuthMode::Oauth);
    if let Some(mode) = oauth_mode {
        let audience = spec.auth.oauth.as_ref().and_then(|o| o.audience.as_ref());
        let public_url = spec
            .transports
            .http
            .as_ref()
            .and_then(|h| h.public_url.as_ref());
        if audience.is_none() && public_url.is_none() {
            cx.emit(
                Diagnostic::new(Code::Auth, mode.span, "`mode: oauth` needs to know this server's URL, the audience its tokens are issued for")
                    .with_label("no audience")
                    .with_help("set `transports.http.public_url: https://mcp.example.com/mcp` (or `auth.oauth.audience`)"),
            );
        }
        if spec.auth.oauth.is_none() {
            cx.emit(
                Diagnostic::new(
                    Code::Auth,
                    mode.span,
                    "`mode: oauth` needs the authorization server that issues the tokens",
                )
                .with_label("no `auth.oauth`")
                .with_help("add `auth: { oauth: { issuer: https://auth.example.com } }`"),
            );
        }
    }
}
