// `#[arg(header = ...)]` goes through the same checks as a spec's `header:`.
use mcpgen_runtime::{ToolError, mcp_tool};

/// Returns the region the call was routed to.
#[mcp_tool(read_only)]
async fn get_route(
    /// Data-centre region, such as us-west1.
    #[arg(header = "Mcp-Param-Region")]
    region: String,
    /// Share of the load the call may take.
    #[arg(header = "Weight")]
    weight: f64,
) -> Result<String, ToolError> {
    Ok(format!("{region} {weight}"))
}

fn main() {}
