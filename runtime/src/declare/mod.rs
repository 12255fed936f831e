//! What a server declares, as generated code and `#[mcp_tool]` hand it over: tools
//! ([`tool`]), resources, resource templates and prompts ([`resource`]), the URI
//! templates resources are matched with ([`uri_template`]), prompt message texts
//! ([`prompt_text`]), the registry a built server serves from ([`registry`]), code-first tool sets ([`code_first`]) and the checks generated
//! output types make of themselves ([`precheck`]).

pub(crate) mod code_first;
pub(crate) mod precheck;
pub(crate) mod prompt_text;
pub(crate) mod registry;
pub(crate) mod resource;
pub(crate) mod tool;
pub(crate) mod uri_template;
