//! Prompts: their arguments and message templates.

use schemars::JsonSchema;

use crate::source::Sp;

use super::NamedMap;

/// A prompt.
#[derive(Clone, Debug, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Prompt {
    /// Where the entry starts.
    #[schemars(skip)]
    pub span: crate::source::Span,
    /// Human title.
    pub title: Option<Sp<String>>,
    /// What the prompt is for.
    pub description: Option<Sp<String>>,
    /// The arguments the user fills in.
    #[schemars(default)]
    pub arguments: NamedMap<PromptArgument>,
    /// The messages, as minijinja templates over the arguments (left out with `handler: true`).
    #[schemars(default)]
    pub messages: Vec<PromptMessage>,
    /// `true`: a handler method builds the messages in code (`prompt_NAME` on the
    /// generated `Handler` trait, with the arguments typed), instead of `messages`.
    pub handler: Option<Sp<bool>>,
    /// Scopes the caller's credentials must carry, all of them (declared under `auth.scopes`).
    #[schemars(default)]
    pub scopes: Vec<Sp<String>>,
    /// `true`: callable without credentials when auth is on (public read-only
    /// prompts, registry scanners); the handler sees an anonymous principal.
    pub anonymous: Option<Sp<bool>>,
}

impl Prompt {
    /// Whether a handler method builds the messages (`handler: true`).
    pub fn has_handler(&self) -> bool {
        self.handler.as_ref().is_some_and(|h| h.value)
    }
}

/// An argument of a prompt (prompt arguments are strings in MCP).
#[derive(Clone, Debug, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct PromptArgument {
    /// Where the entry starts.
    #[schemars(skip)]
    pub span: crate::source::Span,
    /// Human title.
    pub title: Option<Sp<String>>,
    /// What to fill in.
    pub description: Option<Sp<String>>,
    /// Whether it must be given (default false, as in MCP).
    pub required: Option<Sp<bool>>,
    /// Checks that do not apply to this argument.
    #[schemars(default)]
    pub allow: Vec<Sp<String>>,
}

/// One message of a prompt: `text`, `image` or `resource` (exactly one).
#[derive(Clone, Debug, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct PromptMessage {
    /// Where the message starts.
    #[schemars(skip)]
    pub span: crate::source::Span,
    /// Who speaks.
    pub role: Sp<Role>,
    /// The text, a minijinja template: `{{ city }}`.
    pub text: Option<Sp<String>>,
    /// An image, embedded at build time.
    pub image: Option<PromptImage>,
    /// An embedded text resource.
    pub resource: Option<PromptResource>,
}

impl PromptMessage {
    /// The minijinja templates of the message: its text, or its resource's text and URI.
    pub fn templates(&self) -> Vec<&Sp<String>> {
        let mut templates: Vec<&Sp<String>> = self.text.iter().collect();
        if let Some(resource) = &self.resource {
            templates.extend([&resource.text, &resource.uri]);
        }
        templates
    }
}

/// An image in a prompt message.
#[derive(Clone, Debug, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct PromptImage {
    /// The image file, relative to the crate root, embedded at build time.
    pub file: Sp<String>,
    /// Its MIME type, such as `image/png`.
    pub mime_type: Sp<String>,
}

/// An embedded text resource in a prompt message.
#[derive(Clone, Debug, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct PromptResource {
    /// The resource's URI, a minijinja template: `docs://{{ topic }}`.
    pub uri: Sp<String>,
    /// Its MIME type.
    pub mime_type: Option<Sp<String>>,
    /// Its text, a minijinja template.
    pub text: Sp<String>,
}

/// The speaker of a prompt message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
#[schemars(rename_all = "lowercase")]
pub enum Role {
    /// The user.
    User,
    /// The assistant.
    Assistant,
}
