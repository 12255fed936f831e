use mcpgen_runtime::{ToolError, mcp_tool};
use serde::Deserialize;

/// A point on the map.
#[derive(Deserialize)]
struct Point {
    lat: f64,
    lon: f64,
}

/// Returns the name of the city closest to a point.
#[mcp_tool(read_only)]
async fn find_city(
    /// The point, in degrees.
    at: Point,
) -> Result<String, ToolError> {
    Ok(format!("{} {}", at.lat, at.lon))
}

fn main() {}
