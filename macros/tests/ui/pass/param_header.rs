// `#[arg(header = ...)]`: the argument is mirrored into `Mcp-Param-*` (SEP-2243); the
// input schema says so, and an integer keeps to JavaScript's exact range.
#![deny(warnings)]
use mcpgen_runtime::{CodeTool, ToolError, mcp_tool};

/// Returns the region and shard the call was routed to.
#[mcp_tool(read_only)]
pub async fn get_route(
    /// Data-centre region, such as us-west1.
    #[arg(header = "Region")]
    region: String,
    /// Shard to read from.
    #[arg(header = "Shard")]
    shard: i64,
) -> Result<String, ToolError> {
    Ok(format!("{region} {shard}"))
}

fn main() {
    let def = <get_route as CodeTool>::def();
    let properties = &def.input_schema["properties"];
    assert_eq!(properties["region"]["x-mcp-header"], "Region");
    assert_eq!(properties["shard"]["x-mcp-header"], "Shard");
    assert_eq!(properties["shard"]["maximum"], 9_007_199_254_740_991_i64);
    assert_eq!(properties["shard"]["minimum"], -9_007_199_254_740_991_i64);
}
