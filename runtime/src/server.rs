//! The builder generated code registers everything on, and the built [`Server`].

use std::{fmt, future::Future, sync::Arc, time::Duration};

use rmcp::model::{Implementation, ServerConfig};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::{
    declare::registry::{
        Registry, advertised, move_schemas, prompt_entries, resource_entries, template_entries,
        tool_entries,
    },
    declare::resource::{
        PromptDef, PromptError, PromptHandler, PromptOutput, ResourceDef, ResourceError,
        ResourceOutput, ResourceTemplateDef, TemplateHandler,
    },
    declare::tool::{ToolContext, ToolDef, ToolError, ToolHandler, ToolOutput},
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
    auth: Option<crate::AuthConfig>,
    task_ttl: Duration,
    max_running_tasks: usize,
    audit: crate::AuditSettings,
    discovery: crate::protocol::card::Discovery,
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

    /// Authentication and the scopes each target needs (default: none, everyone may
    /// call everything). Every transport asks the same gate before a request reaches
    /// its handler: HTTP with the `Authorization: Bearer` header, stdio with the
    /// `{NAME}_TOKEN` environment variable.
    #[must_use]
    pub fn auth(mut self, config: crate::AuthConfig) -> Self {
        self.auth = Some(config);
        self
    }

    /// The server's name in the MCP Registry, `namespace/name` such as
    /// `io.github.alice/weather` (`server.registry_name`): the server card's `name`
    /// (default: the server's own name).
    #[must_use]
    pub fn registry_name(mut self, name: impl Into<String>) -> Self {
        self.discovery.registry_name = Some(name.into());
        self
    }

    /// The URL of the server's source repository (`server.repository`), in the server
    /// card.
    #[must_use]
    pub fn repository(mut self, url: impl Into<String>) -> Self {
        self.discovery.repository = Some(url.into());
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

    /// The audit trail's settings (the spec's `audit`), used when `serve` turns the
    /// trail on.
    #[must_use]
    pub fn audit(mut self, settings: crate::AuditSettings) -> Self {
        self.audit = settings;
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
        let (mut tools, tool_index) = tool_entries(self.tools, &mut problems);
        let (resources, resource_index) = resource_entries(self.resources, &mut problems);
        let templates = template_entries(self.templates, &mut problems);
        let (prompts, prompt_index, prompt_texts) =
            prompt_entries(self.prompts, &self.checked_prompts, &mut problems);

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
        let gate = self
            .auth
            .as_ref()
            .and_then(|config| crate::auth::gate::Gate::build(config, &mut problems));

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
        let capabilities = advertised(&tools, &resources, &templates, &prompts);
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
                gate,
                tasks: crate::call::task_registry::Tasks::new(
                    self.task_ttl,
                    self.max_running_tasks,
                ),
                probes: crate::observe::health::Probes::default(),
                discovery: crate::protocol::card::Discovery {
                    auth: self.auth.as_ref().map(|config| config.mode),
                    ..self.discovery
                },
            }),
            audit: Arc::new(self.audit),
        })
    }
}

fn random_key() -> Result<Vec<u8>, getrandom::Error> {
    let mut key = vec![0; 32];
    getrandom::fill(&mut key)?;
    Ok(key)
}

/// A built server: serve it over stdio ([`Server::serve_stdio`]) or Streamable HTTP
/// ([`Server::serve_http`]). Cheap to clone.
#[derive(Clone)]
pub struct Server {
    pub(crate) registry: Arc<Registry>,
    audit: Arc<crate::AuditSettings>,
}

impl Server {
    /// Whether the server checks credentials (`auth.mode` other than `none`), and so
    /// needs its store for managed tokens ([`Server::start_auth`]).
    pub fn checks_credentials(&self) -> bool {
        self.registry.gate.is_some()
    }

    /// The audit trail's settings.
    pub fn audit_settings(&self) -> &crate::AuditSettings {
        &self.audit
    }

    /// Whether a tool has arguments marked PII.
    pub(crate) fn has_pii(&self) -> bool {
        self.registry
            .tools
            .iter()
            .any(|t| !t.def.audit.pii.is_empty())
    }

    /// Readies the credential checks before serving (once; later calls change
    /// nothing): managed tokens (`NAME token create`) checked against `store` (which
    /// `/readyz` checks from then on), and in
    /// mode `oauth` the authorization server's keys fetched and the protected resource
    /// metadata built for `public_url` (the URL clients use).
    ///
    /// # Errors
    /// Settings of `auth.oauth` that cannot work: a missing variable, a URL that is not
    /// `https` (or loopback `http`), no audience.
    pub async fn start_auth(
        &self,
        store: Option<crate::Store>,
        public_url: Option<&str>,
    ) -> Result<(), String> {
        if let Some(store) = &store {
            self.registry.probes.watch_store(store);
        }
        let Some(gate) = &self.registry.gate else {
            return Ok(());
        };
        let oauth = gate.start_oauth(public_url).await?;
        gate.attach(crate::auth::gate::Verifiers { store, oauth });
        Ok(())
    }
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
            auth: None,
            task_ttl: crate::call::task_registry::DEFAULT_TASK_TTL,
            max_running_tasks: crate::call::task_registry::DEFAULT_MAX_RUNNING_TASKS,
            audit: crate::AuditSettings::default(),
            discovery: crate::protocol::card::Discovery::default(),
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
