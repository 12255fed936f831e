use mcpgen_runtime::{ToolError, mcp_tool};

#[mcp_tool(read_only)]
async fn get_time_zone(city: String) -> Result<String, ToolError> {
    Ok(city)
}

fn main() {}
