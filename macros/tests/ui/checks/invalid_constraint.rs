use mcpgen_runtime::{ToolError, mcp_tool};

/// Lists the most recent orders of a customer, newest first.
#[mcp_tool(read_only)]
async fn list_orders(
    /// The customer's id, such as "c-17".
    #[arg(min_length = 10, max_length = 2)]
    customer: String,
    /// How many orders to return.
    #[arg(min_length = 1)]
    count: u32,
    /// Only orders whose reference matches this pattern.
    #[arg(pattern = "([a-z")]
    reference: Option<String>,
) -> Result<Vec<String>, ToolError> {
    let _ = (count, reference);
    Ok(vec![customer])
}

fn main() {}
