use mcpgen_runtime::{ToolError, mcp_tool};

/// Searches the catalogue by title and returns the matching book titles.
#[mcp_tool(read_only, rate_limit = "30/m")]
async fn search_books(
    /// Words of the title, such as "moby dick".
    query: String,
) -> Result<Vec<String>, ToolError> {
    Ok(vec![query])
}

fn main() {}
