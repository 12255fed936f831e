//! Resources, resource templates and prompts as generated code declares them.

use std::{borrow::Cow, fmt, future::Future, sync::Arc};

use rmcp::model::InputRequiredResult;
use serde_json::{Map, Value};

use crate::declare::tool::{BoxFuture, ToolContext};

pub(crate) type ResourceHandler =
    Arc<dyn Fn(ToolContext) -> BoxFuture<Result<ResourceOutput, ResourceError>> + Send + Sync>;

pub(crate) type PromptHandler = Arc<
    dyn Fn(ToolContext, Map<String, Value>) -> BoxFuture<Result<PromptOutput, PromptError>>
        + Send
        + Sync,
>;

pub(crate) type TemplateHandler = Arc<
    dyn Fn(ToolContext, Map<String, Value>) -> BoxFuture<Result<ResourceOutput, ResourceError>>
        + Send
        + Sync,
>;

/// A resource at a fixed URI.
#[derive(Debug, Clone, Default)]
pub struct ResourceDef {
    /// The URI clients read (`weather://stations`), unique in the server.
    pub uri: String,
    /// Programmatic name.
    pub name: String,
    /// Human-readable title.
    pub title: Option<String>,
    /// What the resource holds.
    pub description: Option<String>,
    /// MIME type of the content (`text/markdown`, `application/json`, ...).
    pub mime_type: Option<String>,
    /// The content, or the handler that produces it.
    pub content: ResourceContent,
    /// Scopes a caller's credential must grant, all of them, when auth is on.
    pub scopes: Vec<String>,
    /// Readable without a credential when auth is on.
    pub anonymous: bool,
}

/// Where a [`ResourceDef`]'s content comes from.
#[derive(Clone)]
pub enum ResourceContent {
    /// Fixed text, served without code.
    Text(Cow<'static, str>),
    /// Fixed bytes, served base64-encoded without code.
    Blob(Cow<'static, [u8]>),
    /// Produced on each read; build it with [`ResourceContent::handler`].
    Handler(ResourceHandlerFn),
}

impl Default for ResourceContent {
    fn default() -> Self {
        Self::Text(Cow::Borrowed(""))
    }
}

/// A type-erased resource handler (see [`ResourceContent::handler`]).
#[derive(Clone)]
pub struct ResourceHandlerFn(pub(crate) ResourceHandler);

impl fmt::Debug for ResourceHandlerFn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ResourceHandlerFn(..)")
    }
}

impl ResourceContent {
    /// Content produced by `handler` on each read.
    pub fn handler<F, Fut>(handler: F) -> Self
    where
        F: Fn(ToolContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<ResourceOutput, ResourceError>> + Send + 'static,
    {
        Self::Handler(ResourceHandlerFn(Arc::new(move |ctx| {
            Box::pin(handler(ctx))
        })))
    }
}

impl fmt::Debug for ResourceContent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Text(text) => f.debug_tuple("Text").field(&text.len()).finish(),
            Self::Blob(bytes) => f.debug_tuple("Blob").field(&bytes.len()).finish(),
            Self::Handler(_) => f.write_str("Handler(..)"),
        }
    }
}

/// A family of resources addressed by an RFC 6570 URI template.
#[derive(Debug, Clone, Default)]
pub struct ResourceTemplateDef {
    /// The template (`weather://city/{city}/now`). Supported: `{var}` (one path
    /// segment), `{+var}` (may contain `/`), and a trailing `{?a,b}` query.
    pub uri_template: String,
    /// Programmatic name, unique among templates.
    pub name: String,
    /// Human-readable title.
    pub title: Option<String>,
    /// What the resources hold.
    pub description: Option<String>,
    /// MIME type of the content.
    pub mime_type: Option<String>,
    /// JSON Schema of the variables (an object schema). Variables arrive as strings
    /// and are converted to integers, numbers or booleans where this schema says so,
    /// then validated against it.
    pub params_schema: Value,
    /// Scopes a caller's credential must grant, all of them, when auth is on.
    pub scopes: Vec<String>,
    /// Readable without a credential when auth is on.
    pub anonymous: bool,
}

/// The content a resource handler produces.
#[derive(Debug, Clone)]
pub enum ResourceOutput {
    /// Text content.
    Text(String),
    /// Binary content (sent base64-encoded).
    Blob(Vec<u8>),
}

/// Why a resource handler produced no content.
pub enum ResourceError {
    /// Nothing exists at this URI: the client gets JSON-RPC -32602 with this message
    /// and `data.uri`.
    NotFound(String),
    /// A bug or an outage: the client gets a generic -32603; the detail is logged.
    Unexpected(anyhow::Error),
}

impl<E: std::error::Error + Send + Sync + 'static> From<E> for ResourceError {
    fn from(error: E) -> Self {
        Self::Unexpected(error.into())
    }
}

impl fmt::Debug for ResourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotFound(message) => f.debug_tuple("NotFound").field(message).finish(),
            Self::Unexpected(error) => f.debug_tuple("Unexpected").field(error).finish(),
        }
    }
}

/// A prompt: messages rendered with minijinja from the arguments, or built by a
/// handler ([`crate::ServerBuilder::prompt_handler`]).
#[derive(Debug, Clone, Default)]
pub struct PromptDef {
    /// Programmatic name, unique in the server.
    pub name: String,
    /// Human-readable title.
    pub title: Option<String>,
    /// What the prompt is for.
    pub description: Option<String>,
    /// The arguments, in order.
    pub arguments: Vec<PromptArg>,
    /// The messages. Texts are minijinja templates (`"Brief me on {{ city }}"`) that
    /// may use only the declared arguments; `"...".into()` makes a text message.
    /// Empty for a prompt with a handler.
    pub messages: Vec<(Role, PromptContent)>,
    /// Scopes a caller's credential must grant, all of them, when auth is on.
    pub scopes: Vec<String>,
    /// Usable without a credential when auth is on.
    pub anonymous: bool,
}

/// What a prompt handler returns on success.
#[derive(Debug, Clone)]
pub enum PromptOutput {
    /// The messages, sent as they are: in a handler's output, texts and resource URIs
    /// are not templates.
    Messages(Vec<(Role, PromptContent)>),
    /// The prompt needs input from the client first (2026-07-28 `InputRequiredResult`,
    /// SEP-2322), as a tool's [`crate::ToolOutput::InputRequired`]: the client answers
    /// and asks again, and the handler reads the answers with
    /// [`ToolContext::input_response`]. Build it with [`PromptOutput::input_required`].
    /// Older clients cannot answer it: check [`ToolContext::protocol_version`] first.
    InputRequired(InputRequiredResult),
}

impl PromptOutput {
    /// One user message with `text`.
    pub fn text(text: impl Into<String>) -> Self {
        Self::Messages(vec![(Role::User, PromptContent::Text(text.into()))])
    }

    /// Ask the client for input before the prompt can be returned
    /// ([`PromptOutput::InputRequired`]); `requests` and `state` as in
    /// [`crate::ToolOutput::input_required`]. The runtime signs `state` for this prompt.
    ///
    /// # Errors
    /// When a request is not `elicitation/create`, `sampling/createMessage` or
    /// `roots/list`, or its params do not fit the method (`?` in a handler turns it into
    /// [`PromptError::Unexpected`]).
    pub fn input_required(
        requests: Value,
        state: Option<String>,
    ) -> Result<Self, serde_json::Error> {
        crate::declare::tool::input_required_result(requests, state).map(Self::InputRequired)
    }
}

impl From<Vec<(Role, PromptContent)>> for PromptOutput {
    fn from(messages: Vec<(Role, PromptContent)>) -> Self {
        Self::Messages(messages)
    }
}

/// Why a prompt handler produced no messages.
///
/// Any `std::error::Error` converts into [`PromptError::Unexpected`] with `?`.
pub enum PromptError {
    /// The arguments are well-formed but unusable (a city that does not exist): the
    /// client gets JSON-RPC -32602 with this message, which should say what to pass
    /// instead.
    InvalidArguments(String),
    /// A bug or an outage: the client gets a generic -32603; the detail is logged.
    Unexpected(anyhow::Error),
}

impl PromptError {
    /// An unexpected error from anything `anyhow` accepts.
    pub fn unexpected(error: impl Into<anyhow::Error>) -> Self {
        Self::Unexpected(error.into())
    }
}

impl<E: std::error::Error + Send + Sync + 'static> From<E> for PromptError {
    fn from(error: E) -> Self {
        Self::Unexpected(error.into())
    }
}

impl fmt::Debug for PromptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidArguments(message) => {
                f.debug_tuple("InvalidArguments").field(message).finish()
            }
            Self::Unexpected(error) => f.debug_tuple("Unexpected").field(error).finish(),
        }
    }
}

/// The content of one prompt message.
#[derive(Clone)]
pub enum PromptContent {
    /// Text: in a [`PromptDef`], a minijinja template over the arguments; in a
    /// [`PromptOutput`], sent as it is.
    Text(String),
    /// An image, sent base64-encoded.
    Image {
        /// The image bytes.
        data: Cow<'static, [u8]>,
        /// Its MIME type (`image/png`).
        mime_type: String,
    },
    /// An embedded text resource; in a [`PromptDef`], `uri` and `text` are minijinja
    /// templates over the arguments.
    Resource {
        /// The resource's URI (`docs://{{ topic }}`).
        uri: String,
        /// Its MIME type.
        mime_type: Option<String>,
        /// Its text.
        text: String,
    },
}

impl PromptContent {
    /// The templates of this content, each with the suffix of its template key.
    pub(crate) fn templates(&self) -> Vec<(&'static str, &str)> {
        match self {
            Self::Text(text) => vec![("", text)],
            Self::Image { .. } => Vec::new(),
            Self::Resource { uri, text, .. } => vec![("", text), (".uri", uri)],
        }
    }
}

impl From<String> for PromptContent {
    fn from(text: String) -> Self {
        Self::Text(text)
    }
}

impl From<&str> for PromptContent {
    fn from(text: &str) -> Self {
        Self::Text(text.to_owned())
    }
}

impl fmt::Debug for PromptContent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Text(text) => f.debug_tuple("Text").field(text).finish(),
            Self::Image { data, mime_type } => f
                .debug_struct("Image")
                .field("bytes", &data.len())
                .field("mime_type", mime_type)
                .finish(),
            Self::Resource {
                uri,
                mime_type,
                text,
            } => f
                .debug_struct("Resource")
                .field("uri", uri)
                .field("mime_type", mime_type)
                .field("text", text)
                .finish(),
        }
    }
}

/// One argument of a prompt.
#[derive(Debug, Clone, Default)]
pub struct PromptArg {
    /// Name, used in the templates.
    pub name: String,
    /// Human-readable title.
    pub title: Option<String>,
    /// What to pass.
    pub description: Option<String>,
    /// Whether `prompts/get` fails without it.
    pub required: bool,
}

/// Who speaks a prompt message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Role {
    /// The user.
    #[default]
    User,
    /// The assistant.
    Assistant,
}
