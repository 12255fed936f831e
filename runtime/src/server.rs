//! The builder generated code registers everything on, and the built [`Server`].

use std::{collections::HashMap, fmt, future::Future, sync::Arc, time::Duration};

use rmcp::model::{
    Implementation, PromptsCapability, ResourcesCapability, ServerCapabilities, ServerConfig,
    ToolAnnotations, ToolsCapability,
};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::{
    declare::registry::{PromptEntry, Registry, ResourceEntry, TemplateEntry, ToolEntry},
    declare::resource::{
        PromptDef, PromptError, PromptHandler, PromptOutput, ResourceContent, ResourceDef,
        ResourceError, ResourceOutput, ResourceTemplateDef, TemplateHandler,
    },
    declare::tool::{ToolContext, ToolDef, ToolError, ToolHandler, ToolOutput},
    declare::uri_template::{MessageTemplate, UriTemplate},
    schema::CompiledSchema,
};

/// Codes the runtime itself uses in `structuredContent.code`; tools cannot declare them.
pub const RESERVED_ERROR_CODES: &[&str] = &[
    "invalid_arguments",
    "timeout",
    "unexpected_error",
    "response_too_large",
    "cancelled",
    "rate_limited",
    "rate_limit_unavailable",
    "tool_disabled",
    "overloaded",
    "circuit_open",
    "response_truncated",
    "too_many_tasks",
];

/// Who the server is, as sent in `initialize` / `server/discover`.
#[derive(Debug, Clone, Default)]
pub struct ServerInfo {
    /// Programmatic name (`weather`).
    pub name: String,
    /// Version (`1.2.0`).
    pub version: String,
    /// Human-readable title.
    pub title: Option<String>,
    /// What the server offers.
    pub description: Option<String>,
    /// How a model should use the server (sent as `instructions`).
    pub instructions: Option<String>,
    /// Home page.
    pub website_url: Option<String>,
}

/// A mistake in what was registered, found by [`ServerBuilder::build`]. Its
/// `Display` lists every problem and what to change.
#[derive(Debug, Clone)]
pub struct BuildError {
    problems: Vec<String>,
}

impl BuildError {
    /// Each problem, one sentence each.
    pub fn problems(&self) -> &[String] {
        &self.problems
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the MCP server definition has {} problem",
            self.problems.len()
        )?;
        if self.problems.len() != 1 {
            f.write_str("s")?;
        }
        f.write_str(":")?;
        for problem in &self.problems {
            write!(f, "\n- {problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for BuildError {}

/// Collects tools, resources, templates and prompts, in declaration order.
///
/// ```no_run
/// # async fn run() -> anyhow::Result<()> {
/// use mcpgen_runtime::{Annotations, Server, ServerInfo, ToolDef, ToolOutput};
/// let server = Server::builder(ServerInfo { name: "demo".into(), version: "1.0.0".into(), ..Default::default() })
///     .tool(
///         ToolDef {
///             name: "hello".into(),
///             description: "Say hello".into(),
///             input_schema: serde_json::json!({"type": "object", "additionalProperties": false}),
///             annotations: Annotations { read_only: true, destructive: false, idempotent: true, open_world: false },
///             ..Default::default()
///         },
///         |_ctx, _args| async { Ok(ToolOutput::text("hello")) },
///     )
///     .build()?;
/// server.serve_stdio().await?;
/// # Ok(()) }
/// ```
pub struct ServerBuilder {
    info: ServerInfo,
    tools: Vec<(ToolDef, ToolHandler)>,
    resources: Vec<ResourceDef>,
    templates: Vec<(ResourceTemplateDef, TemplateHandler)>,
    prompts: Vec<(PromptDef, Option<PromptHandler>)>,
    /// Names of prompts whose templates `mcpgen check` verified when it generated them.
    checked_prompts: std::collections::HashSet<String>,
    page_size: usize,
    stdio_read_ahead: usize,
    default_timeout: Option<Duration>,
    request_state_key: Option<Vec<u8>>,
    guardrails: Option<crate::guard::Guardrails>,
    task_ttl: Duration,
    max_running_tasks: usize,
}

impl fmt::Debug for ServerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerBuilder")
            .field("info", &self.info)
            .field("tools", &self.tools.len())
            .field("resources", &self.resources.len())
            .field("templates", &self.templates.len())
            .field("prompts", &self.prompts.len())
            .finish()
    }
}

impl ServerBuilder {
    /// Register a tool whose handler takes the raw (already validated) arguments.
    #[must_use]
    pub fn tool<F, Fut>(mut self, def: ToolDef, handler: F) -> Self
    where
        F: Fn(ToolContext, Map<String, Value>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<ToolOutput, ToolError>> + Send + 'static,
    {
        self.tools.push((
            def,
            Arc::new(move |ctx, args: Arc<Value>| {
                // The runtime keeps a reference for error messages: this copies.
                let args = args.as_object().cloned().unwrap_or_default();
                Box::pin(handler(ctx, args))
            }),
        ));
        self
    }

    /// Register a tool whose handler takes typed parameters `P`, deserialized from
    /// the validated arguments (a failure to deserialize is reported as an
    /// unexpected error: the schema and `P` disagree, which is a bug).
    #[must_use]
    pub fn typed_tool<P, F, Fut>(mut self, def: ToolDef, handler: F) -> Self
    where
        P: DeserializeOwned + Send + 'static,
        F: Fn(ToolContext, P) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<ToolOutput, ToolError>> + Send + 'static,
    {
        let handler = Arc::new(handler);
        self.tools.push((
            def,
            Arc::new(move |ctx, args: Arc<Value>| {
                // Deserialized from the shared arguments, without copying the map.
                let params = P::deserialize(&*args).map_err(|e| {
                    ToolError::unexpected(anyhow::anyhow!(
                        "arguments passed the input schema but do not fit the parameter type: {e}"
                    ))
                });
                let handler = Arc::clone(&handler);
                Box::pin(async move { handler(ctx, params?).await })
            }),
        ));
        self
    }

    /// Register a resource at a fixed URI.
    #[must_use]
    pub fn resource(mut self, def: ResourceDef) -> Self {
        self.resources.push(def);
        self
    }

    /// Register a resource template and the handler that reads its resources. The
    /// handler gets the URI's variables, converted and validated per
    /// [`ResourceTemplateDef::params_schema`].
    #[must_use]
    pub fn resource_template<F, Fut>(mut self, def: ResourceTemplateDef, handler: F) -> Self
    where
        F: Fn(ToolContext, Map<String, Value>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<ResourceOutput, ResourceError>> + Send + 'static,
    {
        self.templates
            .push((def, Arc::new(move |ctx, vars| Box::pin(handler(ctx, vars)))));
        self
    }

    /// Register a prompt.
    #[must_use]
    pub fn prompt(mut self, def: PromptDef) -> Self {
        self.prompts.push((def, None));
        self
    }

    /// Register a prompt generated from a spec by `mcpgen generate`, whose templates
    /// `mcpgen check` has verified (they parse, and use only declared arguments).
    /// `build` then leaves them alone, and they are compiled on the first
    /// `prompts/get`: parsing them at start made minijinja's parser resident in every
    /// server, 0.75 MiB of its memory. Generated code calls it; use [`Self::prompt`].
    #[doc(hidden)]
    #[must_use]
    pub fn checked_prompt(mut self, def: PromptDef) -> Self {
        self.checked_prompts.insert(def.name.clone());
        self.prompt(def)
    }

    /// Register a prompt whose messages `handler` builds (`def.messages` stays empty).
    /// The handler gets the arguments once they are checked: no unknown argument, every
    /// required one present, every value a string.
    #[must_use]
    pub fn prompt_handler<F, Fut>(mut self, def: PromptDef, handler: F) -> Self
    where
        F: Fn(ToolContext, Map<String, Value>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<PromptOutput, PromptError>> + Send + 'static,
    {
        self.prompts.push((
            def,
            Some(Arc::new(move |ctx, args| Box::pin(handler(ctx, args)))),
        ));
        self
    }

    /// Register a prompt whose handler takes typed arguments `A` (a struct of `String`
    /// and `Option<String>` fields), deserialized from the checked arguments (a failure
    /// to deserialize is reported as an unexpected error: the declared arguments and
    /// `A` disagree, which is a bug).
    #[must_use]
    pub fn typed_prompt<A, F, Fut>(self, def: PromptDef, handler: F) -> Self
    where
        A: DeserializeOwned + Send + 'static,
        F: Fn(ToolContext, A) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<PromptOutput, PromptError>> + Send + 'static,
    {
        let handler = Arc::new(handler);
        self.prompt_handler(def, move |ctx, args| {
            let handler = Arc::clone(&handler);
            async move {
                let args: A = serde_json::from_value(Value::Object(args)).map_err(|e| {
                    PromptError::unexpected(anyhow::anyhow!(
                        "arguments passed the prompt's checks but do not fit the argument type: {e}"
                    ))
                })?;
                handler(ctx, args).await
            }
        })
    }

    /// Items per page of `tools/list` and the other lists (default 100).
    #[must_use]
    pub fn page_size(mut self, page_size: usize) -> Self {
        self.page_size = page_size.max(1);
        self
    }

    /// How many stdio requests run at once (default
    /// [`DEFAULT_STDIO_READ_AHEAD`](crate::DEFAULT_STDIO_READ_AHEAD), at least 1).
    /// Beyond that, up to as many again wait in order (responses and notifications
    /// from the client still pass, so a tool waiting on the client is answered), and
    /// then the server reads no more until one is answered: a client that pipelines
    /// thousands of calls cannot make the server hold them all in memory.
    #[must_use]
    pub fn stdio_read_ahead(mut self, requests: usize) -> Self {
        self.stdio_read_ahead = requests.max(1);
        self
    }

    /// Timeout for tools that set none, and for prompt handlers (default: none).
    #[must_use]
    pub fn default_tool_timeout(mut self, timeout: Duration) -> Self {
        self.default_timeout = Some(timeout);
        self
    }

    /// The key that signs the `requestState` of [`ToolOutput::InputRequired`] results
    /// (at least 32 bytes). Default: a random key per process, so a state survives
    /// only while the process runs; several instances behind one load balancer need
    /// the same key.
    #[must_use]
    pub fn request_state_key(mut self, key: impl Into<Vec<u8>>) -> Self {
        self.request_state_key = Some(key.into());
        self
    }

    /// How long a task (tasks extension, [`ToolDef::task`]) may run, and how long its
    /// result is kept after it ends (default: 5 minutes). Advertised as the task's
    /// `ttlMs`; a task still running after it ends as `failed`.
    #[must_use]
    pub fn task_ttl(mut self, ttl: Duration) -> Self {
        self.task_ttl = ttl;
        self
    }

    /// How many tasks may run at once, over all clients (default: 1024, at least 1).
    /// A call that would start one more gets the tool error `too_many_tasks`.
    #[must_use]
    pub fn max_running_tasks(mut self, tasks: usize) -> Self {
        self.max_running_tasks = tasks.max(1);
        self
    }

    /// Server-wide guardrails: the per-agent budget, HTTP flood protection, the server's
    /// concurrency cap, the default circuit breaker and where budgets are kept
    /// (default: [`crate::Guardrails::default`]). Each tool's own are in
    /// [`ToolDef::guard`].
    #[must_use]
    pub fn guardrails(mut self, guardrails: crate::guard::Guardrails) -> Self {
        self.guardrails = Some(guardrails);
        self
    }

    /// Turn the guardrail layer off entirely: no rate limit, cap, breaker,
    /// idempotency or size cap is enforced (timeouts still are). For measuring what
    /// the layer costs; never for a server that faces agents.
    #[doc(hidden)]
    #[must_use]
    pub fn without_guardrails(mut self) -> Self {
        self.guardrails = None;
        self
    }

    /// Check everything and build the server.
    ///
    /// # Errors
    /// A [`BuildError`] listing every problem: schema literals that are not valid
    /// JSON Schema or not object schemas, duplicate names or URIs, message or URI
    /// templates that do not parse, prompts using undeclared arguments.
    pub fn build(self) -> Result<Server, BuildError> {
        let mut problems = Vec::new();
        let mut tools = Vec::new();
        let mut tool_index = HashMap::new();
        for (def, handler) in self.tools {
            let what = format!("tool `{}`", def.name);
            if def.name.is_empty() {
                problems.push("a tool has an empty name; give it one".to_owned());
            }
            if tool_index.insert(def.name.clone(), tools.len()).is_some() {
                problems.push(format!("{what} is registered twice; rename one of them"));
            }
            if def.task_start == crate::TaskStart::ByHandler
                && def.task == crate::TaskSupport::Never
            {
                problems.push(format!(
                    "{what}: task_start is ByHandler, but the tool never runs as a task; set `task` to Optional or Required, or drop task_start"
                ));
            }
            let input = check_object_schema(&def.input_schema, &format!("{what}: input_schema"))
                .map_err(|p| problems.push(p))
                .ok();
            let output = match &def.output_schema {
                Some(schema) => check_object_schema(schema, &format!("{what}: output_schema"))
                    .map_err(|p| problems.push(p))
                    .ok(),
                None => None,
            };
            let mut errors = HashMap::new();
            for error in &def.errors {
                if RESERVED_ERROR_CODES.contains(&error.code.as_str()) {
                    problems.push(format!(
                        "{what}: error code `{}` is reserved by the runtime; choose another code",
                        error.code
                    ));
                }
                match MessageTemplate::parse(&error.message_template) {
                    Ok(template) => {
                        if errors
                            .insert(error.code.clone(), (error.clone(), template))
                            .is_some()
                        {
                            problems.push(format!(
                                "{what}: error code `{}` is declared twice; remove one",
                                error.code
                            ));
                        }
                    }
                    Err(e) => problems.push(format!(
                        "{what}: the message template of error `{}` is malformed: {e}",
                        error.code
                    )),
                }
            }
            let output = match (&def.output_schema, output) {
                (None, _) => Some(None),
                (Some(_), Some(compiled)) => Some(Some(compiled)),
                (Some(_), None) => None,
            };
            if let (Some(input), Some(output)) = (input, output) {
                let wire = tool_wire(&def);
                tools.push(ToolEntry {
                    name: Arc::from(def.name.as_str()),
                    def,
                    wire,
                    input,
                    output,
                    errors,
                    handler,
                });
            }
        }

        let mut resources = Vec::new();
        let mut resource_index = HashMap::new();
        for def in self.resources {
            if resource_index
                .insert(def.uri.clone(), resources.len())
                .is_some()
            {
                problems.push(format!(
                    "resource `{}` is registered twice; each URI must be unique",
                    def.uri
                ));
            }
            let mut wire = rmcp::model::Resource::new(def.uri.clone(), def.name.clone());
            wire.title = def.title.clone();
            wire.description = def.description.clone();
            wire.mime_type = def.mime_type.clone();
            wire.size = match &def.content {
                ResourceContent::Text(text) => Some(text.len() as u64),
                ResourceContent::Blob(bytes) => Some(bytes.len() as u64),
                ResourceContent::Handler(_) => None,
            };
            resources.push(ResourceEntry { def, wire });
        }

        let mut templates = Vec::new();
        let mut template_names = HashMap::new();
        for (def, handler) in self.templates {
            let what = format!("resource template `{}`", def.name);
            if template_names.insert(def.name.clone(), ()).is_some() {
                problems.push(format!("{what} is registered twice; rename one of them"));
            }
            let template = UriTemplate::parse(&def.uri_template)
                .map_err(|e| {
                    problems.push(format!(
                        "{what}: uri_template `{}` is not supported: {e}",
                        def.uri_template
                    ))
                })
                .ok();
            let params = check_object_schema(&def.params_schema, &format!("{what}: params_schema"))
                .map_err(|p| problems.push(p))
                .ok();
            if let (Some(template), Some(params)) = (template, params) {
                let declared = def
                    .params_schema
                    .get("properties")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                for var in template.variables() {
                    if !declared.contains_key(var) {
                        problems.push(format!(
                            "{what}: variable `{var}` of the URI template has no property in params_schema; add it"
                        ));
                    }
                }
                let mut wire =
                    rmcp::model::ResourceTemplate::new(def.uri_template.clone(), def.name.clone());
                wire.title = def.title.clone();
                wire.description = def.description.clone();
                wire.mime_type = def.mime_type.clone();
                templates.push(TemplateEntry {
                    def,
                    wire,
                    template,
                    params,
                    handler,
                });
            }
        }

        let mut prompts = Vec::new();
        let mut prompt_index = HashMap::new();
        let mut prompt_texts = crate::declare::prompt_text::PromptTextsBuilder::new();
        for (def, handler) in self.prompts {
            let what = format!("prompt `{}`", def.name);
            if handler.is_some() && !def.messages.is_empty() {
                problems.push(format!(
                    "{what} has both a handler and messages, and the messages would never be sent; register it with `prompt` (templates) or `prompt_handler` (code), not both"
                ));
            }
            if prompt_index
                .insert(def.name.clone(), prompts.len())
                .is_some()
            {
                problems.push(format!("{what} is registered twice; rename one of them"));
            }
            let sources = def
                .messages
                .iter()
                .enumerate()
                .flat_map(|(i, (_, content))| {
                    content
                        .templates()
                        .into_iter()
                        .map(move |(suffix, source)| (i, suffix, source))
                });
            let checked = self.checked_prompts.contains(&def.name);
            for (i, suffix, source) in sources {
                let key = prompt_template_key(&def.name, i) + suffix;
                for problem in prompt_texts.add(key, source, &def.arguments, checked) {
                    problems.push(format!("{what}: message {} {problem}", i + 1));
                }
            }
            let arguments = def
                .arguments
                .iter()
                .map(|a| {
                    let mut arg =
                        rmcp::model::PromptArgument::new(a.name.clone()).with_required(a.required);
                    if let Some(title) = &a.title {
                        arg = arg.with_title(title.clone());
                    }
                    if let Some(description) = &a.description {
                        arg = arg.with_description(description.clone());
                    }
                    arg
                })
                .collect::<Vec<_>>();
            let mut wire = rmcp::model::Prompt::new(
                def.name.clone(),
                def.description.clone(),
                (!arguments.is_empty()).then_some(arguments),
            );
            wire.title = def.title.clone();
            prompts.push(PromptEntry { def, wire, handler });
        }

        let key = match self.request_state_key {
            Some(key) => Ok(key),
            None => random_key().map_err(|e| {
                format!("cannot draw a random key to sign requestState ({e}); pass one with ServerBuilder::request_state_key")
            }),
        };
        let request_state = key
            .and_then(|key| {
                rmcp::model::RequestStateCodec::try_new(key)
                    .map_err(|e| format!("request_state_key: {e}; pass at least 32 random bytes"))
            })
            .map_err(|problem| problems.push(problem));
        let guard = match &self.guardrails {
            Some(config) => {
                let defs: Vec<&ToolDef> = tools.iter().map(|t| &t.def).collect();
                crate::guard::GuardLayer::build(config, &self.info.name, &defs, &mut problems)
            }
            None => crate::guard::GuardLayer::off(),
        };

        if !problems.is_empty() {
            return Err(BuildError { problems });
        }
        tools.iter_mut().for_each(move_schemas);
        let Ok(request_state) = request_state else {
            return Err(BuildError { problems });
        };

        let mut implementation = Implementation::new(self.info.name, self.info.version);
        implementation.title = self.info.title;
        implementation.description = self.info.description;
        implementation.website_url = self.info.website_url;
        let mut capabilities = ServerCapabilities::default();
        let mut tools_cap = ToolsCapability::default();
        tools_cap.list_changed = Some(false);
        capabilities.tools = Some(tools_cap);
        if !resources.is_empty() || !templates.is_empty() {
            let mut cap = ResourcesCapability::default();
            cap.list_changed = Some(false);
            cap.subscribe = Some(true);
            capabilities.resources = Some(cap);
        }
        if !prompts.is_empty() {
            let mut cap = PromptsCapability::default();
            cap.list_changed = Some(false);
            capabilities.prompts = Some(cap);
        }
        #[allow(deprecated)]
        {
            capabilities.logging = Some(Map::new());
        }
        if tools
            .iter()
            .any(|t| t.def.task != crate::TaskSupport::Never)
        {
            capabilities.extensions = Some(
                [(rmcp::model::TASKS_EXTENSION_ID.to_owned(), Map::new())]
                    .into_iter()
                    .collect(),
            );
        }
        let mut config = ServerConfig::new(capabilities).with_server_info(implementation);
        config.instructions = self.info.instructions;

        Ok(Server {
            registry: Arc::new(Registry {
                config,
                tools,
                tool_index,
                resources,
                resource_index,
                templates,
                prompts,
                prompt_index,
                prompt_texts: prompt_texts.finish(),
                page_size: self.page_size,
                stdio_read_ahead: self.stdio_read_ahead,
                default_timeout: self.default_timeout,
                request_state,
                guard,
                tasks: crate::call::task_registry::Tasks::new(
                    self.task_ttl,
                    self.max_running_tasks,
                ),
            }),
        })
    }
}

fn random_key() -> Result<Vec<u8>, getrandom::Error> {
    let mut key = vec![0; 32];
    getrandom::fill(&mut key)?;
    Ok(key)
}

pub(crate) fn prompt_template_key(prompt: &str, index: usize) -> String {
    format!("{prompt}#{index}")
}

fn check_object_schema(schema: &Value, what: &str) -> Result<CompiledSchema, String> {
    if !schema.is_object() {
        return Err(format!(
            "{what} must be a JSON object schema, got {}",
            crate::schema::json_type(schema)
        ));
    }
    if schema.get("type").and_then(Value::as_str) != Some("object") {
        return Err(format!(
            "{what} must have \"type\": \"object\" (MCP requires object arguments and results)"
        ));
    }
    if let Some(path) = find_key(schema, crate::declare::code_first::TYPE_CYCLE_KEY) {
        return Err(format!(
            "{what}: the types {path} contain each other; tool schemas are inlined (no $ref), \
             so a type cannot contain itself, directly or through other types. Break the cycle, \
             for example by referring to the inner value by id"
        ));
    }
    CompiledSchema::compile(schema).map_err(|e| format!("{what}: {e}"))
}

/// The first string value under `key` anywhere in `value`.
fn find_key<'v>(value: &'v Value, key: &str) -> Option<&'v str> {
    match value {
        Value::Object(map) => map
            .get(key)
            .and_then(Value::as_str)
            .or_else(|| map.values().find_map(|v| find_key(v, key))),
        Value::Array(items) => items.iter().find_map(|v| find_key(v, key)),
        _ => None,
    }
}

/// The tool as `tools/list` shows it, without its schemas (see [`move_schemas`]).
fn tool_wire(def: &ToolDef) -> rmcp::model::Tool {
    let mut annotations = ToolAnnotations::new()
        .read_only(def.annotations.read_only)
        .destructive(def.annotations.destructive)
        .idempotent(def.annotations.idempotent)
        .open_world(def.annotations.open_world);
    annotations.title = def.title.clone();
    let mut tool =
        rmcp::model::Tool::new(def.name.clone(), def.description.clone(), Arc::default())
            .with_annotations(annotations);
    tool.title = def.title.clone();
    tool
}

/// Moves a tool's schemas from its definition into its wire form, once `build` has
/// compiled and checked them: nothing reads them from the definition afterwards, and
/// copying them cost 38 k instructions at start-up.
fn move_schemas(tool: &mut ToolEntry) {
    fn object(value: Value) -> Arc<rmcp::model::JsonObject> {
        match value {
            Value::Object(map) => Arc::new(map),
            _ => Arc::default(),
        }
    }
    tool.wire.input_schema = object(std::mem::take(&mut tool.def.input_schema));
    tool.wire.output_schema = tool.def.output_schema.take().map(object);
}

/// A built server: serve it over stdio ([`Server::serve_stdio`]) or Streamable HTTP
/// ([`Server::serve_http`]). Cheap to clone.
#[derive(Clone)]
pub struct Server {
    pub(crate) registry: Arc<Registry>,
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("name", &self.registry.config.server_info.name)
            .field("tools", &self.registry.tools.len())
            .finish_non_exhaustive()
    }
}

impl Server {
    /// Start declaring a server.
    pub fn builder(info: ServerInfo) -> ServerBuilder {
        ServerBuilder {
            info,
            tools: Vec::new(),
            resources: Vec::new(),
            templates: Vec::new(),
            prompts: Vec::new(),
            checked_prompts: std::collections::HashSet::new(),
            page_size: 100,
            stdio_read_ahead: crate::transport::stdio::DEFAULT_STDIO_READ_AHEAD,
            default_timeout: None,
            request_state_key: None,
            guardrails: Some(crate::guard::Guardrails::default()),
            task_ttl: crate::call::task_registry::DEFAULT_TASK_TTL,
            max_running_tasks: crate::call::task_registry::DEFAULT_MAX_RUNNING_TASKS,
        }
    }

    /// The rmcp handler for this server, for transports this crate does not wrap
    /// (e.g. `rmcp::ServiceExt::serve` on an in-memory duplex in tests). Handlers
    /// see [`crate::Identity::Anonymous`]. Requests over such a transport have no record
    /// and no log event: this crate's transports open and finish them.
    pub fn handler(&self) -> crate::protocol::service::McpService {
        crate::protocol::service::McpService::new(
            Arc::clone(&self.registry),
            crate::observe::record::Transport::InProcess,
        )
    }
}

#[cfg(all(test, not(feature = "pattern")))]
mod without_pattern {
    use serde_json::json;

    use crate::{Server, ServerInfo, ToolDef, ToolOutput};

    #[test]
    fn a_schema_with_pattern_does_not_build_and_says_which_feature_to_add() {
        let def = ToolDef {
            name: "lookup".into(),
            input_schema: json!({
                "type": "object",
                "additionalProperties": false,
                "properties": {"code": {"type": "string", "pattern": "^[A-Z]{3}$"}},
            }),
            ..Default::default()
        };
        let error = Server::builder(ServerInfo::default())
            .tool(def, |_ctx, _args| async { Ok(ToolOutput::text("")) })
            .build()
            .expect_err("refused")
            .to_string();
        assert!(error.contains("tool `lookup`"), "{error}");
        assert!(error.contains("/properties/code"), "{error}");
        assert!(
            error.contains(r#"add `features = ["pattern"]` to mcpgen-runtime in Cargo.toml"#),
            "{error}"
        );
    }
}
