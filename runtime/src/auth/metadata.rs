//! RFC 9728 protected resource metadata (PRM): the document that tells an MCP client
//! which authorization server issues tokens for this server and which scopes exist.
//!
//! It is served at two paths, since clients differ in which they try first: the path
//! form (`/.well-known/oauth-protected-resource/mcp`, RFC 9728 section 3.1: the
//! well-known segment inserted before the resource's path) and the root form
//! (`/.well-known/oauth-protected-resource`). The 401 challenge points at the path form.

use serde_json::{Value, json};

use super::{Rejection, challenge, http::split_origin};

/// The root form of the metadata path.
pub const METADATA_ROOT_PATH: &str = "/.well-known/oauth-protected-resource";

/// The scope of refresh tokens: it asks the authorization server for something, not
/// this server, so it is left out of `scopes_supported` (and of challenges).
const OFFLINE_ACCESS: &str = "offline_access";

/// The protected resource metadata of an MCP server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceMetadata {
    resource: String,
    authorization_servers: Vec<String>,
    scopes_supported: Vec<String>,
    resource_name: Option<String>,
}

impl ResourceMetadata {
    /// The metadata of the MCP endpoint at `resource` (its canonical URL, such as
    /// `https://mcp.example.com/mcp`), whose tokens `issuer` issues.
    pub fn new(resource: impl Into<String>, issuer: impl Into<String>) -> Self {
        Self {
            resource: resource.into(),
            authorization_servers: vec![issuer.into()],
            scopes_supported: Vec::new(),
            resource_name: None,
        }
    }

    /// The scopes this server knows (`auth.scopes`), in the given order, without
    /// `offline_access` and without repeats.
    pub fn with_scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        for scope in scopes {
            let scope = scope.into();
            if scope != OFFLINE_ACCESS && !self.scopes_supported.contains(&scope) {
                self.scopes_supported.push(scope);
            }
        }
        self
    }

    /// A name for people (`resource_name`), such as the server's title.
    pub fn with_resource_name(mut self, name: impl Into<String>) -> Self {
        self.resource_name = Some(name.into());
        self
    }

    /// The canonical URL of the MCP endpoint (`resource`).
    pub fn resource(&self) -> &str {
        &self.resource
    }

    /// The JSON document.
    pub fn document(&self) -> Value {
        let mut document = json!({
            "resource": self.resource,
            "authorization_servers": self.authorization_servers,
            "scopes_supported": self.scopes_supported,
            "bearer_methods_supported": ["header"],
        });
        if let Some(name) = &self.resource_name {
            document["resource_name"] = json!(name);
        }
        document
    }

    /// The paths the document is served at: the path form for the resource's path
    /// first, then the root form (one path when the resource has no path).
    pub fn paths(&self) -> Vec<String> {
        let path = resource_path(&self.resource);
        let mut paths = Vec::with_capacity(2);
        if !path.is_empty() {
            paths.push(format!("{METADATA_ROOT_PATH}{path}"));
        }
        paths.push(METADATA_ROOT_PATH.to_owned());
        paths
    }

    /// The absolute URL of the document for the `resource_metadata` parameter of a
    /// challenge: the path form (RFC 9728 section 3.1).
    pub fn url(&self) -> String {
        let (origin, _) = split_origin(&self.resource);
        format!(
            "{origin}{METADATA_ROOT_PATH}{}",
            resource_path(&self.resource)
        )
    }

    /// The `WWW-Authenticate` value of a 401: `scopes` are those the target needs (or
    /// `scopes_supported` when the target is not known); `rejection` is why a token that
    /// was sent is refused (`None`, or a `missing` rejection, when none was sent).
    pub fn unauthorized_challenge<S: AsRef<str>>(
        &self,
        scopes: &[S],
        rejection: Option<&Rejection>,
    ) -> String {
        challenge::unauthorized(Some(&self.url()), scopes, rejection)
    }

    /// The `WWW-Authenticate` value of a 403 for a valid token without all of `needed`
    /// (every scope the target needs); `why` becomes `error_description`.
    pub fn insufficient_scope_challenge<S: AsRef<str>>(&self, needed: &[S], why: &str) -> String {
        challenge::insufficient_scope(Some(&self.url()), needed, why)
    }
}

/// The path of a URL without a trailing `/`, query or fragment (a resource should
/// have neither; RFC 9728 forbids a fragment).
fn resource_path(url: &str) -> &str {
    let (_, path) = split_origin(url);
    path.split(['?', '#'])
        .next()
        .unwrap_or_default()
        .trim_end_matches('/')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_names_the_resource_the_issuer_and_the_scopes() {
        let metadata =
            ResourceMetadata::new("https://mcp.example.com/mcp", "https://auth.example.com")
                .with_scopes([
                    "issues:read",
                    "offline_access",
                    "issues:write",
                    "issues:read",
                ])
                .with_resource_name("Issue tracker");
        assert_eq!(
            metadata.document(),
            json!({
                "resource": "https://mcp.example.com/mcp",
                "authorization_servers": ["https://auth.example.com"],
                "scopes_supported": ["issues:read", "issues:write"],
                "bearer_methods_supported": ["header"],
                "resource_name": "Issue tracker",
            })
        );
        let bare = ResourceMetadata::new("https://mcp.example.com/mcp", "https://auth.example.com");
        assert!(bare.document().get("resource_name").is_none());
        assert_eq!(bare.document()["scopes_supported"], json!([]));
    }

    #[test]
    fn served_at_the_path_form_and_the_root_form() {
        let metadata =
            ResourceMetadata::new("https://mcp.example.com/mcp", "https://a.example.com");
        assert_eq!(
            metadata.paths(),
            [
                "/.well-known/oauth-protected-resource/mcp",
                "/.well-known/oauth-protected-resource"
            ]
        );
        assert_eq!(
            metadata.url(),
            "https://mcp.example.com/.well-known/oauth-protected-resource/mcp"
        );

        let nested =
            ResourceMetadata::new("http://127.0.0.1:8080/api/mcp/", "https://a.example.com");
        assert_eq!(
            nested.paths()[0],
            "/.well-known/oauth-protected-resource/api/mcp"
        );
        assert_eq!(
            nested.url(),
            "http://127.0.0.1:8080/.well-known/oauth-protected-resource/api/mcp"
        );

        let root = ResourceMetadata::new("https://mcp.example.com", "https://a.example.com");
        assert_eq!(root.paths(), ["/.well-known/oauth-protected-resource"]);
        assert_eq!(
            root.url(),
            "https://mcp.example.com/.well-known/oauth-protected-resource"
        );
    }
}
