//! Resources: static ones, and families of them under URI templates.

use schemars::JsonSchema;

use crate::source::Sp;

use super::{NamedMap, Schema};

/// A static resource.
#[derive(Clone, Debug, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Resource {
    /// Where the entry starts.
    #[schemars(skip)]
    pub span: crate::source::Span,
    /// The URI clients read.
    pub uri: Sp<String>,
    /// Human title.
    pub title: Option<Sp<String>>,
    /// What the resource holds.
    pub description: Option<Sp<String>>,
    /// MIME type of the content.
    pub mime_type: Option<Sp<String>>,
    /// Inline text content (no handler needed).
    pub text: Option<Sp<String>>,
    /// A file, relative to the crate root, embedded at build time (no handler needed).
    pub file: Option<Sp<String>>,
    /// Size in bytes, when known.
    pub size_bytes: Option<Sp<u64>>,
    /// Scopes the caller's credentials must carry, all of them (declared under `auth.scopes`).
    #[schemars(default)]
    pub scopes: Vec<Sp<String>>,
    /// `true`: callable without credentials when auth is on (public read-only
    /// resources, registry scanners); the handler sees an anonymous principal.
    pub anonymous: Option<Sp<bool>>,
}

/// A resource template: a family of resources under an RFC 6570 URI template.
#[derive(Clone, Debug, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ResourceTemplate {
    /// Where the entry starts.
    #[schemars(skip)]
    pub span: crate::source::Span,
    /// The RFC 6570 template, such as `weather://city/{city}/now`.
    pub uri_template: Sp<String>,
    /// Human title.
    pub title: Option<Sp<String>>,
    /// What the resources hold.
    pub description: Option<Sp<String>>,
    /// MIME type of the content.
    pub mime_type: Option<Sp<String>>,
    /// The template variables, typed.
    #[schemars(default, schema_with = "crate::spec_schema::type_expr_map")]
    pub params: NamedMap<Schema>,
    /// Scopes the caller's credentials must carry, all of them (declared under `auth.scopes`).
    #[schemars(default)]
    pub scopes: Vec<Sp<String>>,
    /// `true`: callable without credentials when auth is on (public read-only
    /// resources, registry scanners); the handler sees an anonymous principal.
    pub anonymous: Option<Sp<bool>>,
}
