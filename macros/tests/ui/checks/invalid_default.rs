use mcpgen_runtime::{ToolError, mcp_tool};

/// Lists the most recent orders of a customer, newest first.
#[mcp_tool(read_only)]
async fn list_orders(
    /// How many orders to return, 1 to 50.
    #[arg(minimum = 1, maximum = 50, default = 100)]
    count: u32,
    /// Whether to include cancelled orders.
    #[arg(default = "no")]
    cancelled: bool,
) -> Result<Vec<String>, ToolError> {
    let _ = (count, cancelled);
    Ok(Vec::new())
}

fn main() {}
