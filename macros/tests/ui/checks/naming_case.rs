use mcpgen_runtime::{ToolError, mcp_tool};

/// Looks up a user's display name by their id.
#[allow(non_snake_case)]
#[mcp_tool(read_only)]
async fn getUser(
    /// The user's id, such as "u-42".
    userId: String,
) -> Result<String, ToolError> {
    Ok(userId)
}

fn main() {}
