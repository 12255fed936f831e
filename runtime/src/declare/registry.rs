//! Everything a server declared, checked and ready to serve: what [`crate::ServerBuilder::build`]
//! makes of the definitions, and what every request reads.

use std::{collections::HashMap, sync::Arc, time::Duration};

use rmcp::model::{
    PromptsCapability, ResourcesCapability, ServerCapabilities, ServerConfig, ToolsCapability,
};
use serde_json::Map;

use crate::{
    declare::resource::{
        PromptDef, PromptHandler, ResourceDef, ResourceTemplateDef, TemplateHandler,
    },
    declare::tool::{ErrorDef, ToolDef, ToolHandler},
    declare::uri_template::{MessageTemplate, UriTemplate},
    schema::CompiledSchema,
};

pub(crate) struct ToolEntry {
    pub(crate) def: ToolDef,
    /// `def.name`, shared with each call's [`crate::ToolContext`].
    pub(crate) name: Arc<str>,
    pub(crate) wire: rmcp::model::Tool,
    pub(crate) input: CompiledSchema,
    pub(crate) output: Option<CompiledSchema>,
    pub(crate) errors: HashMap<String, (ErrorDef, MessageTemplate)>,
    pub(crate) handler: ToolHandler,
}

pub(crate) struct ResourceEntry {
    pub(crate) def: ResourceDef,
    pub(crate) wire: rmcp::model::Resource,
}

pub(crate) struct TemplateEntry {
    pub(crate) def: ResourceTemplateDef,
    pub(crate) wire: rmcp::model::ResourceTemplate,
    pub(crate) template: UriTemplate,
    pub(crate) params: CompiledSchema,
    pub(crate) handler: TemplateHandler,
}

pub(crate) struct PromptEntry {
    pub(crate) def: PromptDef,
    pub(crate) wire: rmcp::model::Prompt,
    /// Builds the messages instead of the templates of `def`.
    pub(crate) handler: Option<PromptHandler>,
}

/// Everything registered, immutable after [`crate::ServerBuilder::build`].
pub(crate) struct Registry {
    pub(crate) config: ServerConfig,
    pub(crate) tools: Vec<ToolEntry>,
    pub(crate) tool_index: HashMap<String, usize>,
    pub(crate) resources: Vec<ResourceEntry>,
    pub(crate) resource_index: HashMap<String, usize>,
    pub(crate) templates: Vec<TemplateEntry>,
    pub(crate) prompts: Vec<PromptEntry>,
    pub(crate) prompt_index: HashMap<String, usize>,
    /// Prompt message templates, by key ([`crate::server::prompt_template_key`]).
    pub(crate) prompt_texts: crate::declare::prompt_text::PromptTexts,
    pub(crate) page_size: usize,
    pub(crate) stdio_read_ahead: usize,
    pub(crate) default_timeout: Option<Duration>,
    /// Signs the `requestState` of input-required results and verifies it on return.
    pub(crate) request_state: rmcp::model::RequestStateCodec,
    pub(crate) guard: crate::guard::GuardLayer,
    /// The tasks of tools with [`crate::TaskSupport`] (tasks extension).
    pub(crate) tasks: crate::call::task_registry::Tasks,
}

/// The capabilities of a server with these entries: exactly what it serves. rmcp and
/// the handler refuse every method of a capability left out, with -32601
/// ([`crate::protocol::service::McpService::served`]).
pub(crate) fn advertised(
    tools: &[ToolEntry],
    resources: &[ResourceEntry],
    templates: &[TemplateEntry],
    prompts: &[PromptEntry],
) -> ServerCapabilities {
    let mut capabilities = ServerCapabilities::default();
    if !tools.is_empty() {
        let mut cap = ToolsCapability::default();
        cap.list_changed = Some(false);
        capabilities.tools = Some(cap);
    }
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
    // `completion/complete` names a prompt argument or a template variable.
    if !templates.is_empty() || prompts.iter().any(|p| !p.def.arguments.is_empty()) {
        capabilities.completions = Some(Map::new());
    }
    // Every handler may log, and sessions may set the level.
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
    capabilities
}
