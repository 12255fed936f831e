// `crate = path` and `#[schema(crate = path)]`: the runtime reached through another path
// (here a module re-exporting it, as a renamed dependency would be).
#![deny(warnings)]
mod rt {
    pub use mcpgen_runtime::*;
}

use rt::{ToolError, ToolSchema, mcp_tool};
use serde::{Deserialize, Serialize};

/// A point on the map.
#[derive(Serialize, Deserialize, ToolSchema)]
#[schema(crate = crate::rt)]
pub struct Point {
    /// Latitude in degrees.
    pub lat_deg: f64,
    /// Longitude in degrees.
    pub lon_deg: f64,
}

/// Returns the name of the city closest to a point.
#[mcp_tool(read_only, crate = crate::rt)]
pub async fn find_city(
    /// The point.
    at: Point,
) -> Result<String, ToolError> {
    Ok(format!("{} {}", at.lat_deg, at.lon_deg))
}

fn main() {
    let def = <find_city as rt::CodeTool>::def();
    assert_eq!(def.name, "find_city");
}
