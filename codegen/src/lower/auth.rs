//! Authentication: the mode, scopes, bearer tokens and OAuth.

use super::values::keyword;
use super::{FromNode, Reader, keys};
use crate::model::*;
use crate::source::Sp;
use crate::yaml::Node;

impl FromNode for Sp<AuthMode> {
    const EXPECTED: &'static str = "`none`, `bearer` or `oauth`";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        keyword(
            r,
            node,
            "auth mode",
            &[
                ("none", AuthMode::None),
                ("bearer", AuthMode::Bearer),
                ("oauth", AuthMode::Oauth),
            ],
        )
    }
}

impl FromNode for Auth {
    const EXPECTED: &'static str = "auth settings";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        let f = r.fields(node, "`auth`", keys::AUTH)?;
        Some(Auth {
            mode: r.opt(&f, "mode"),
            scopes: r.opt(&f, "scopes").unwrap_or_default(),
            tokens: r.list_or_default(&f, "tokens"),
            oauth: r.opt(&f, "oauth"),
            public_discovery: r.opt(&f, "public_discovery"),
            stdio: r.opt(&f, "stdio"),
        })
    }
}

impl FromNode for BearerToken {
    const EXPECTED: &'static str = "a token entry";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        let f = r.fields(node, "a bearer token", keys::BEARER_TOKEN)?;
        Some(BearerToken {
            subject: r.req(&f, "subject")?,
            token: r.req(&f, "token")?,
            scopes: r.list_or_default(&f, "scopes"),
        })
    }
}

impl FromNode for OAuth {
    const EXPECTED: &'static str = "OAuth settings";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        let f = r.fields(node, "`auth.oauth`", keys::OAUTH)?;
        Some(OAuth {
            issuer: r.req(&f, "issuer")?,
            audience: r.opt(&f, "audience"),
            jwks_uri: r.opt(&f, "jwks_uri"),
            introspection: r.opt(&f, "introspection"),
        })
    }
}

impl FromNode for Introspection {
    const EXPECTED: &'static str = "introspection settings";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        let f = r.fields(node, "`auth.oauth.introspection`", keys::INTROSPECTION)?;
        Some(Introspection {
            url: r.req(&f, "url")?,
            client_id: r.req(&f, "client_id")?,
            client_secret: r.req(&f, "client_secret")?,
            cache_ms: r.opt(&f, "cache_ms"),
        })
    }
}
