//! The rmcp `ServerHandler` over the registry: each method dispatched to the request
//! pipeline ([`crate::call`]), lists paged.

use std::sync::{Arc, Mutex};

use futures::FutureExt as _;
use rmcp::{
    ErrorData, RoleServer, ServerHandler,
    model::{
        CallToolRequestMethod, CallToolRequestParams, CallToolResponse, CompleteRequestMethod,
        CompleteRequestParams, CompleteResult, ConstString, GetPromptRequestMethod,
        GetPromptRequestParams, GetPromptResponse, ListPromptsRequestMethod, ListPromptsResult,
        ListResourceTemplatesRequestMethod, ListResourceTemplatesResult,
        ListResourcesRequestMethod, ListResourcesResult, ListToolsRequestMethod, ListToolsResult,
        PaginatedRequestParams, ReadResourceRequestMethod, ReadResourceRequestParams,
        ReadResourceResponse, ServerCapabilities, ServerConfig, SubscribeRequestMethod, Tool,
        UnsubscribeRequestMethod,
    },
    service::RequestContext,
};
use serde_json::json;

use crate::call::state::*;
use crate::observe::record::{Outcome, Recording, Transport};
use crate::protocol::paging::*;
use crate::{
    declare::registry::Registry,
    declare::tool::{Identity, LogLevel, RequestInfo, ToolContext, from_rmcp_level},
    declare::uri_template::UriMatch,
};

/// The rmcp [`ServerHandler`] of a [`crate::Server`]: one per connection (stdio,
/// in-process) or per HTTP session / stateless request.
#[derive(Clone)]
pub struct McpService {
    pub(crate) registry: Arc<Registry>,
    /// Decides the default [`Identity`].
    pub(crate) transport: Transport,
    // Set by `logging/setLevel` for this connection.
    pub(crate) log_level: Arc<Mutex<Option<LogLevel>>>,
}

impl std::fmt::Debug for McpService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("McpService")
            .field("transport", &self.transport)
            .finish_non_exhaustive()
    }
}

/// Whether the capabilities offer `resources/subscribe` and `resources/unsubscribe`.
fn subscribable(capabilities: &ServerCapabilities) -> bool {
    capabilities
        .resources
        .as_ref()
        .is_some_and(|r| r.subscribe == Some(true))
}

pub(crate) const TEXT_BUG: &str = "this is a bug in the server, not in your arguments; retrying will probably not help; report it to the server's maintainers";

impl McpService {
    pub(crate) fn new(registry: Arc<Registry>, transport: Transport) -> Self {
        Self {
            registry,
            transport,
            log_level: Arc::new(Mutex::new(None)),
        }
    }

    pub(crate) fn identity(&self, context: &RequestContext<RoleServer>) -> Identity {
        // A principal replaces the address: budgets follow the credential.
        if let Some(principal) = principal(context).filter(|p| !p.is_anonymous()) {
            return Identity::Principal(principal.subject.clone());
        }
        if let Some(parts) = context.extensions.get::<http::request::Parts>() {
            if let Some(identity) = parts.extensions.get::<Identity>() {
                return identity.clone();
            }
            if let Some(crate::guard::ClientAddr(ip)) = parts.extensions.get() {
                return Identity::Address(*ip);
            }
            if let Some(axum::extract::ConnectInfo(addr)) =
                parts
                    .extensions
                    .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            {
                return Identity::Address(addr.ip());
            }
        }
        match self.transport {
            Transport::Stdio => Identity::Stdio,
            Transport::InProcess | Transport::Http => Identity::Anonymous,
        }
    }

    /// The handler's view of a request. Takes the request's `_meta`, which is read
    /// only when the handler asks for what it holds.
    pub(crate) fn context(
        &self,
        name: Arc<str>,
        context: &mut RequestContext<RoleServer>,
    ) -> ToolContext {
        let identity = self.identity(context);
        self.context_of(name, identity, context)
    }

    /// [`Self::context`] for a caller whose identity is known already.
    pub(crate) fn context_of(
        &self,
        name: Arc<str>,
        identity: Identity,
        context: &mut RequestContext<RoleServer>,
    ) -> ToolContext {
        let connection_level = self.log_level.lock().ok().and_then(|level| *level);
        let trace = Recording::of(&context.extensions).and_then(|r| r.trace_context());
        let meta = std::mem::take(&mut context.meta);
        ToolContext {
            name,
            identity,
            principal: principal(context).cloned(),
            cancellation: context.ct.child_token(),
            peer: Some(context.peer.clone()),
            request: Some(Arc::new(RequestInfo::new(
                meta,
                context.peer.clone(),
                connection_level,
            ))),
            input_responses: no_input_responses(),
            request_state: None,
            task_id: None,
            can_continue_as_task: false,
            degraded: Arc::default(),
            trace,
        }
    }

    /// With auth on, a call, read or prompt must come with the principal the gate let it
    /// through as. One without came another way than this crate's transports (the
    /// handler of [`crate::Server::handler`] on a transport of one's own), where nothing
    /// checked a credential: refused, never served open. The principal must also hold
    /// the scopes of the `target` the message names: the gate may have judged a
    /// 2026-07-28 request by its headers, and this holds it to its body as well.
    pub(crate) fn vouched(
        &self,
        context: &RequestContext<RoleServer>,
        method: &str,
        target: &str,
    ) -> Result<(), ErrorData> {
        if self.registry.gate.is_none() {
            return Ok(());
        }
        let Some(principal) = principal(context) else {
            return Err(ErrorData::new(
                rmcp::model::ErrorCode(crate::auth::refusal::UNAUTHENTICATED_CODE),
                "Unauthenticated: this server checks credentials on its own transports (serve \
                 --stdio, serve --http, Server::http_router); this request came another way, \
                 so no credential was checked",
                Some(json!({"auth": {"reason": "missing"}})),
            ));
        };
        let requirement = crate::auth::gate::requirement(&self.registry, method, Some(target));
        let crate::auth::gate::Requirement::Target { scopes, anonymous } = requirement else {
            return Ok(());
        };
        let lacks = scopes.iter().any(|s| !principal.has_scope(s));
        if lacks || (principal.is_anonymous() && !anonymous) {
            return Err(ErrorData::new(
                rmcp::model::ErrorCode(crate::auth::refusal::FORBIDDEN_CODE),
                format!(
                    "Forbidden: `{target}` needs a credential with the scopes [{}]; the \
                     request's headers named another target than its body, check that \
                     `Mcp-Name` matches `params`",
                    scopes.join(", ")
                ),
                Some(json!({"auth": {"reason": "insufficient_scope", "scopes": scopes}})),
            ));
        }
        Ok(())
    }

    /// `-32601` for method `M` unless the server advertises the capability it belongs
    /// to (`advertised` reads it from the server's capabilities): the server serves
    /// exactly what it advertises, as rmcp's own default handlers do. The message is
    /// rmcp's bare method name, which the transports reword (`protocol::reword`).
    pub(crate) fn served<M: ConstString>(
        &self,
        advertised: impl FnOnce(&ServerCapabilities) -> bool,
    ) -> Result<(), ErrorData> {
        if advertised(&self.registry.config.capabilities) {
            Ok(())
        } else {
            Err(ErrorData::method_not_found::<M>())
        }
    }

    /// Whether `uri` is a resource of this server (a fixed URI or one a template matches).
    pub(crate) fn known_resource(
        &self,
        uri: &str,
        context: &RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        let known = self.registry.resource_index.contains_key(uri)
            || self
                .registry
                .templates
                .iter()
                .any(|t| matches!(t.template.matches(uri), UriMatch::Vars(_)));
        if known {
            return Ok(());
        }
        Recording::of_request(context).outcome(Outcome::NotFound);
        Err(ErrorData::invalid_params(
            format!(
                "no resource at `{uri}` to subscribe to; list the resources with resources/list and the URI templates with resources/templates/list"
            ),
            Some(json!({"uri": uri})),
        ))
    }
}

// Every method that does work returns a boxed future. rmcp's `handle_request` awaits
// the method a request names; with the futures inline, its state machine, and the code
// that polls and drops it, held every method's states: 57 KB and 43 KB more code than a
// server with tools alone, on every request's path. Boxed, each method's code is
// compiled once, on its own, and rmcp holds a pointer while a request runs (queued
// requests no longer each reserve the space of a running call).
#[allow(deprecated)]
impl ServerHandler for McpService {
    fn get_info(&self) -> ServerConfig {
        self.registry.config.clone()
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        let index = *self.registry.tool_index.get(name)?;
        Some(self.registry.tools[index].wire.clone())
    }

    fn list_tools(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<ListToolsResult, ErrorData>> + Send + '_ {
        noted(Recording::of_request(&context), async move {
            self.served::<ListToolsRequestMethod>(|c| c.tools.is_some())?;
            let all: Vec<&Tool> = self.registry.tools.iter().map(|t| &t.wire).collect();
            let (items, next) = page(&all, request.as_ref(), self.registry.page_size)?;
            let mut result = ListToolsResult::with_all_items(items.into_iter().cloned().collect());
            result.next_cursor = next;
            Ok(result)
        })
    }

    fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<CallToolResponse, ErrorData>> + Send + '_ {
        let checked = self.served::<CallToolRequestMethod>(|c| c.tools.is_some());
        let vouched = |()| self.vouched(&context, "tools/call", &request.name);
        match checked.and_then(vouched) {
            Ok(()) => self.call(request, context).boxed(),
            Err(error) => std::future::ready(Err(error)).boxed(),
        }
    }

    fn list_resources(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<ListResourcesResult, ErrorData>> + Send + '_ {
        noted(Recording::of_request(&context), async move {
            self.served::<ListResourcesRequestMethod>(|c| c.resources.is_some())?;
            let all: Vec<&rmcp::model::Resource> =
                self.registry.resources.iter().map(|r| &r.wire).collect();
            let (items, next) = page(&all, request.as_ref(), self.registry.page_size)?;
            let mut result =
                ListResourcesResult::with_all_items(items.into_iter().cloned().collect());
            result.next_cursor = next;
            Ok(result)
        })
    }

    fn list_resource_templates(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<ListResourceTemplatesResult, ErrorData>> + Send + '_ {
        noted(Recording::of_request(&context), async move {
            self.served::<ListResourceTemplatesRequestMethod>(|c| c.resources.is_some())?;
            let all: Vec<&rmcp::model::ResourceTemplate> =
                self.registry.templates.iter().map(|t| &t.wire).collect();
            let (items, next) = page(&all, request.as_ref(), self.registry.page_size)?;
            let mut result =
                ListResourceTemplatesResult::with_all_items(items.into_iter().cloned().collect());
            result.next_cursor = next;
            Ok(result)
        })
    }

    fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<ReadResourceResponse, ErrorData>> + Send + '_ {
        let record = Recording::of_request(&context);
        noted(record, async move {
            self.served::<ReadResourceRequestMethod>(|c| c.resources.is_some())?;
            self.vouched(&context, "resources/read", &request.uri)?;
            self.read(&request.uri, context)
                .await
                .map(ReadResourceResponse::from)
        })
    }

    fn list_prompts(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<ListPromptsResult, ErrorData>> + Send + '_ {
        noted(Recording::of_request(&context), async move {
            self.served::<ListPromptsRequestMethod>(|c| c.prompts.is_some())?;
            let all: Vec<&rmcp::model::Prompt> =
                self.registry.prompts.iter().map(|p| &p.wire).collect();
            let (items, next) = page(&all, request.as_ref(), self.registry.page_size)?;
            let mut result =
                ListPromptsResult::with_all_items(items.into_iter().cloned().collect());
            result.next_cursor = next;
            Ok(result)
        })
    }

    fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<GetPromptResponse, ErrorData>> + Send + '_ {
        let record = Recording::of_request(&context);
        let checked = self.served::<GetPromptRequestMethod>(|c| c.prompts.is_some());
        let vouched = |()| self.vouched(&context, "prompts/get", &request.name);
        match checked.and_then(vouched) {
            Ok(()) => noted(record, self.prompt(request, context)),
            Err(error) => noted(record, std::future::ready(Err(error))),
        }
    }

    fn complete(
        &self,
        request: CompleteRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<CompleteResult, ErrorData>> + Send + '_ {
        noted(
            Recording::of_request(&context),
            std::future::ready(
                self.served::<CompleteRequestMethod>(|c| c.completions.is_some())
                    .and_then(|()| self.completion(&request)),
            ),
        )
    }

    fn set_level(
        &self,
        request: rmcp::model::SetLevelRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<(), ErrorData>> + Send + '_ {
        async move {
            if let Ok(mut level) = self.log_level.lock() {
                *level = Some(from_rmcp_level(request.level));
            }
            Ok(())
        }
        .boxed()
    }

    // Subscriptions are accepted for every resource the server serves. The runtime
    // sends no `notifications/resources/updated` of its own: static content never
    // changes; a handler whose content does change notifies through
    // `ToolContext::peer()` (`notify_resource_updated`).
    fn subscribe(
        &self,
        request: rmcp::model::SubscribeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<(), ErrorData>> + Send + '_ {
        let record = Recording::of_request(&context);
        noted(record, async move {
            self.served::<SubscribeRequestMethod>(subscribable)?;
            self.known_resource(&request.uri, &context)
        })
    }

    // 2026-07-28 `subscriptions/listen`: every requested category the capabilities
    // advertise is acknowledged (rmcp intersects the filter with them); the stream
    // stays open until the client cancels it, for updates a handler sends.
    fn accepted_subscription_filter(
        &self,
        requested: &rmcp::model::SubscriptionFilter,
    ) -> Option<rmcp::model::SubscriptionFilter> {
        Some(requested.clone())
    }

    fn unsubscribe(
        &self,
        request: rmcp::model::UnsubscribeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<(), ErrorData>> + Send + '_ {
        let record = Recording::of_request(&context);
        noted(record, async move {
            self.served::<UnsubscribeRequestMethod>(subscribable)?;
            self.known_resource(&request.uri, &context)
        })
    }

    // The tasks extension: rmcp answers -32021 before these run when the client did
    // not declare it, and -32601 when no tool of this server runs as a task.
    fn get_task(
        &self,
        request: rmcp::model::GetTaskParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<rmcp::model::GetTaskResult, ErrorData>> + Send + '_ {
        let record = Recording::of_request(&context);
        noted(record, async move {
            let agent = crate::guard::agent_key(&self.identity(&context));
            self.registry
                .tasks
                .get(&agent, &request.task_id)
                .map(rmcp::model::GetTaskResult::new)
        })
    }

    fn update_task(
        &self,
        request: rmcp::model::UpdateTaskParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<(), ErrorData>> + Send + '_ {
        let record = Recording::of_request(&context);
        noted(record, async move {
            let agent = crate::guard::agent_key(&self.identity(&context));
            let responses =
                checked_input_responses(&request.task_id, Some(request.input_responses))?;
            self.registry
                .tasks
                .update(&agent, &request.task_id, responses)
        })
    }

    fn cancel_task(
        &self,
        request: rmcp::model::CancelTaskParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<(), ErrorData>> + Send + '_ {
        let record = Recording::of_request(&context);
        noted(record, async move {
            let agent = crate::guard::agent_key(&self.identity(&context));
            self.registry.tasks.cancel(&agent, &request.task_id)
        })
    }

    // The server serves no custom method: this is a method MCP does not have, or one
    // of its methods with params rmcp could not parse (rmcp would answer both with the
    // bare method name).
    fn on_custom_request(
        &self,
        request: rmcp::model::CustomRequest,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<rmcp::model::CustomResult, ErrorData>> + Send + '_ {
        let stateless = context
            .meta
            .protocol_version()
            .is_some_and(|v| v.as_str() >= rmcp::model::ProtocolVersion::V_2026_07_28.as_str());
        let refused = Err(crate::protocol::reword::not_served(&request, stateless));
        Recording::of_request(&context).answered(&refused);
        std::future::ready(refused)
    }

    fn on_initialized(
        &self,
        _context: rmcp::service::NotificationContext<RoleServer>,
    ) -> impl Future<Output = ()> + Send + '_ {
        tracing::debug!("client initialized");
        std::future::ready(())
    }
}

/// `future`, with the JSON-RPC error it answers with noted in the request's record
/// ([`Recording::answered`]); boxed (see above).
fn noted<'a, T: Send + 'a>(
    record: Recording,
    future: impl Future<Output = Result<T, ErrorData>> + Send + 'a,
) -> futures::future::BoxFuture<'a, Result<T, ErrorData>> {
    async move {
        let result = future.await;
        record.answered(&result);
        result
    }
    .boxed()
}

/// The principal the gate let a request through as: in the HTTP request's extensions,
/// or in the message's own on stdio.
pub(crate) fn principal(context: &RequestContext<RoleServer>) -> Option<&Arc<crate::Principal>> {
    context
        .extensions
        .get::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Arc<crate::Principal>>())
        .or_else(|| context.extensions.get::<Arc<crate::Principal>>())
}
