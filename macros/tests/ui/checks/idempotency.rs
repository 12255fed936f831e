use mcpgen_runtime::{ToolError, mcp_tool};

/// Subscribes an address to the weather alerts of a city; returns the subscription id.
#[mcp_tool(destructive = false, idempotent = false, idempotency(key = "request_id"))]
async fn subscribe_alerts(
    /// City name, such as Zurich.
    city: String,
    /// Where to send the alerts, such as ops@example.com.
    email: String,
) -> Result<String, ToolError> {
    Ok(format!("{city} {email}"))
}

/// Places an order for a number of copies of a book; returns the order id.
#[mcp_tool(destructive = false, idempotent = false, idempotency(key = "request_id", window_ms = 0))]
async fn place_order(
    /// The book's ISBN, such as 9780142437247.
    isbn: String,
    /// A number the agent picks for this request, sent again when it retries.
    request_id: u32,
) -> Result<String, ToolError> {
    Ok(format!("{isbn} {request_id}"))
}

/// Returns the weather forecast of a city for the next three days.
#[mcp_tool(read_only, idempotency(key = "request_id"))]
async fn get_forecast(
    /// City name, such as Zurich.
    city: String,
    /// A unique id for this request; send it again when retrying.
    request_id: Option<String>,
) -> Result<String, ToolError> {
    Ok(format!("{city} {request_id:?}"))
}

fn main() {}
