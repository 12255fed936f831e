//! `#[mcp_tool]`, `#[mcp_tools]` and `#[derive(ToolSchema)]` with the runtime renamed to
//! `rt` in Cargo.toml: the expanded code reaches it only through `crate = ::rt`, so this
//! crate compiling (it has no `mcpgen_runtime` in scope) is the test.

use rt::{ToolError, ToolSchema, mcp_tool, mcp_tools};
use serde::{Deserialize, Serialize};

/// A point on the map.
#[derive(Debug, Serialize, Deserialize, ToolSchema)]
#[schema(crate = ::rt)]
pub struct Point {
    /// Latitude in degrees.
    pub lat_deg: f64,
    /// Longitude in degrees.
    pub lon_deg: f64,
}

/// Returns the name of the city closest to a point.
#[mcp_tool(read_only, crate = ::rt, errors(nowhere = "There is no city near {at}."))]
pub async fn find_city(
    /// The point.
    at: Point,
) -> Result<Point, FindCityError> {
    if at.lat_deg.abs() > 90.0 {
        return Err(FindCityError::Nowhere);
    }
    Ok(at)
}

/// Counts calls.
#[derive(Debug, Default)]
pub struct Counter;

#[mcp_tools]
impl Counter {
    /// Returns the number 42, whatever the question.
    #[mcp_tool(read_only, open_world = false, crate = ::rt)]
    pub async fn answer_question(&self) -> Result<u64, ToolError> {
        Ok(42)
    }
}

/// The server with both tools.
///
/// # Errors
/// If a declaration is inconsistent.
pub fn server() -> Result<rt::Server, rt::BuildError> {
    rt::Server::builder(rt::ServerInfo {
        name: "renamed".into(),
        version: "1.0.0".into(),
        ..Default::default()
    })
    .add_tool::<find_city>()
    .add_tools(Counter)
    .build()
}

#[cfg(test)]
mod tests {
    #[test]
    fn builds_with_the_renamed_runtime() {
        assert!(super::server().is_ok());
        let def = <super::find_city as rt::CodeTool>::def();
        assert_eq!(def.input_schema["properties"]["at"]["type"], "object");
    }
}
