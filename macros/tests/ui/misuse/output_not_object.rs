use mcpgen_runtime::{ToolError, ToolSchema, mcp_tool};
use serde::{Deserialize, Serialize};

/// The sky, roughly.
#[derive(Serialize, Deserialize, ToolSchema)]
#[serde(rename_all = "lowercase")]
enum Sky {
    /// No clouds.
    Clear,
    /// Some clouds or more.
    Cloudy,
}

/// Returns what the sky over a city looks like right now.
#[mcp_tool(read_only)]
async fn get_sky(
    /// City name, such as Zurich.
    city: String,
) -> Result<Sky, ToolError> {
    let _ = city;
    Ok(Sky::Clear)
}

fn main() {}
