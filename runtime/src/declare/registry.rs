//! Everything a server declared, checked and ready to serve: what [`crate::ServerBuilder::build`]
//! makes of the definitions, and what every request reads.

use std::{collections::HashMap, sync::Arc, time::Duration};

use rmcp::model::ServerConfig;

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
