//! `#[mcp_tool]`, `#[mcp_tools]` and `#[derive(ToolSchema)]`: code-first MCP tools with the
//! guarantees of spec tools.
//!
//! Use them through `mcpgen-runtime` with its `macros` feature. Each macro lowers the
//! Rust item into mcpgen's model, runs the same checks as `mcpgen check` (their
//! diagnostics become compile errors on your tokens) and emits the tool's declaration
//! with the same emitter as generated code. The expansion lives in
//! `mcpgen_codegen::code_first`; this crate is the entry point. See the README section
//! "Code-first tools (`#[mcp_tool]`)" for the attribute reference.
#![deny(missing_docs)]

use proc_macro::TokenStream;

/// Makes an `async fn` an MCP tool.
///
/// ```
/// # use mcpgen_runtime::{Server, ServerInfo, ToolContext, ToolSchema, mcp_tool};
/// # #[derive(serde::Serialize, serde::Deserialize, ToolSchema)]
/// # /// A forecast.
/// # pub struct Forecast {
/// #     /// The city.
/// #     pub city: String,
/// #     /// The highest temperature of each day, in degrees Celsius.
/// #     pub highs_celsius: Vec<f64>,
/// # }
/// /// Daily forecast for one city, up to 14 days ahead.
/// #[mcp_tool(read_only, open_world, rate_limit = "30/min", timeout_ms = 10_000,
///            errors(city_not_found = "No city named {city}. Check the spelling."))]
/// async fn get_forecast(
///     ctx: &ToolContext,
///     /// City name, such as Zurich.
///     #[arg(min_length = 1, max_length = 100)] city: String,
///     /// Days ahead.
///     #[arg(minimum = 1, maximum = 14, default = 3)] days: u8,
/// ) -> Result<Forecast, GetForecastError> {
///     if city == "Atlantis" {
///         return Err(GetForecastError::CityNotFound);
///     }
///     Ok(Forecast { city, highs_celsius: vec![20.0; usize::from(days)] })
/// }
///
/// # let info = ServerInfo { name: "weather".into(), ..ServerInfo::default() };
/// let server = Server::builder(info).add_tool::<get_forecast>().build();
/// assert!(server.is_ok());
/// ```
///
/// On a free function it also declares a zero-sized type of the same name (types and
/// functions live in different namespaces) that implements `mcpgen_runtime::CodeTool`,
/// and, when errors are declared, the enum `<Name>Error`. On a method it needs
/// `#[mcp_tools]` on the `impl` block.
#[proc_macro_attribute]
pub fn mcp_tool(attr: TokenStream, item: TokenStream) -> TokenStream {
    mcpgen_codegen::code_first::mcp_tool(attr.into(), item.into()).into()
}

/// Makes the `#[mcp_tool]` methods of an `impl` block the tools of a
/// `mcpgen_runtime::ToolSet`: `Server::builder(info).add_tools(my_server)`.
#[proc_macro_attribute]
pub fn mcp_tools(attr: TokenStream, item: TokenStream) -> TokenStream {
    mcpgen_codegen::code_first::mcp_tools(attr.into(), item.into()).into()
}

/// Implements `mcpgen_runtime::ToolSchema` for a struct with named fields (a closed
/// object) or an enum of unit variants (a closed set of strings), so it can be a tool
/// parameter, a field, or a tool's output. Doc comments become descriptions; fields take
/// `#[schema(...)]` constraints like `#[arg(...)]`; `#[serde(rename_all = "...")]` and
/// `#[serde(rename = "...")]` are followed.
#[proc_macro_derive(ToolSchema, attributes(schema))]
pub fn derive_tool_schema(item: TokenStream) -> TokenStream {
    mcpgen_codegen::code_first::derive_tool_schema(item.into()).into()
}
