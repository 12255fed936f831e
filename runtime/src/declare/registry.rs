//! Everything a server declared, checked and ready to serve: what [`crate::ServerBuilder::build`]
//! makes of the definitions, and what every request reads.

use std::{collections::HashMap, sync::Arc, time::Duration};

use rmcp::model::{
    PromptsCapability, ResourcesCapability, ServerCapabilities, ServerConfig, ToolAnnotations,
    ToolsCapability,
};
use serde_json::{Map, Value};

use crate::{
    declare::resource::{
        PromptDef, PromptHandler, ResourceContent, ResourceDef, ResourceTemplateDef,
        TemplateHandler,
    },
    declare::tool::{ErrorDef, ToolDef, ToolHandler},
    declare::uri_template::{MessageTemplate, UriTemplate},
    schema::CompiledSchema,
    server::RESERVED_ERROR_CODES,
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
    /// Prompt message templates, by key ([`prompt_template_key`]).
    pub(crate) prompt_texts: crate::declare::prompt_text::PromptTexts,
    pub(crate) page_size: usize,
    pub(crate) stdio_read_ahead: usize,
    pub(crate) default_timeout: Option<Duration>,
    /// Signs the `requestState` of input-required results and verifies it on return.
    pub(crate) request_state: rmcp::model::RequestStateCodec,
    pub(crate) guard: crate::guard::GuardLayer,
    /// Who may call what, when auth is on.
    pub(crate) gate: Option<crate::auth::gate::Gate>,
    /// The tasks of tools with [`crate::TaskSupport`] (tasks extension).
    pub(crate) tasks: crate::call::task_registry::Tasks,
    /// What `/readyz` checks.
    pub(crate) probes: crate::observe::health::Probes,
    /// What the server card says beyond the server info.
    pub(crate) discovery: crate::protocol::card::Discovery,
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

/// The tools, checked: a name, unique; valid object schemas; declared error codes that
/// are not the runtime's and message templates that parse.
pub(crate) fn tool_entries(
    defs: Vec<(ToolDef, ToolHandler)>,
    problems: &mut Vec<String>,
) -> (Vec<ToolEntry>, HashMap<String, usize>) {
    let mut tools = Vec::new();
    let mut tool_index = HashMap::new();
    for (def, handler) in defs {
        let what = format!("tool `{}`", def.name);
        if def.name.is_empty() {
            problems.push("a tool has an empty name; give it one".to_owned());
        }
        if tool_index.insert(def.name.clone(), tools.len()).is_some() {
            problems.push(format!("{what} is registered twice; rename one of them"));
        }
        if def.task_start == crate::TaskStart::ByHandler && def.task == crate::TaskSupport::Never {
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
    (tools, tool_index)
}

/// The fixed resources, checked: each URI once.
pub(crate) fn resource_entries(
    defs: Vec<ResourceDef>,
    problems: &mut Vec<String>,
) -> (Vec<ResourceEntry>, HashMap<String, usize>) {
    let mut resources = Vec::new();
    let mut resource_index = HashMap::new();
    for def in defs {
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
    (resources, resource_index)
}

/// The resource templates, checked: unique names, URI templates that parse, a
/// property in the params schema for every variable.
pub(crate) fn template_entries(
    defs: Vec<(ResourceTemplateDef, TemplateHandler)>,
    problems: &mut Vec<String>,
) -> Vec<TemplateEntry> {
    let mut templates = Vec::new();
    let mut template_names = HashMap::new();
    for (def, handler) in defs {
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
    templates
}

/// The prompts, checked: unique names, messages or a handler (not both), message
/// templates that parse and use only declared arguments; `checked` names the prompts
/// whose templates `mcpgen check` verified already.
pub(crate) fn prompt_entries(
    defs: Vec<(PromptDef, Option<PromptHandler>)>,
    checked: &std::collections::HashSet<String>,
    problems: &mut Vec<String>,
) -> (
    Vec<PromptEntry>,
    HashMap<String, usize>,
    crate::declare::prompt_text::PromptTextsBuilder,
) {
    let mut prompts = Vec::new();
    let mut prompt_index = HashMap::new();
    let mut prompt_texts = crate::declare::prompt_text::PromptTextsBuilder::new();
    for (def, handler) in defs {
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
        let checked = checked.contains(&def.name);
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
    (prompts, prompt_index, prompt_texts)
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
pub(crate) fn move_schemas(tool: &mut ToolEntry) {
    fn object(value: Value) -> Arc<rmcp::model::JsonObject> {
        match value {
            Value::Object(map) => Arc::new(map),
            _ => Arc::default(),
        }
    }
    tool.wire.input_schema = object(std::mem::take(&mut tool.def.input_schema));
    tool.wire.output_schema = tool.def.output_schema.take().map(object);
}

pub(crate) fn prompt_template_key(prompt: &str, index: usize) -> String {
    format!("{prompt}#{index}")
}
