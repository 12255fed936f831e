use mcpgen_runtime::{ToolError, mcp_tool};

/// Returns the weather forecast of a city for the next three days.
#[mcp_tool(
    read_only,
    max_concurrent_calls = "8",
    on_large_response = "truncated",
    circuit_breaker(failurs = 5, cooldown_ms = "30s"),
    disabled = "yes"
)]
async fn get_forecast(
    /// City name, such as Zurich.
    city: String,
) -> Result<String, ToolError> {
    Ok(city)
}

/// Returns the list of weather stations of a city.
#[mcp_tool(
    read_only,
    max_concurrent_calls = 5_000_000_000,
    on_large_response = truncate,
    circuit_breaker = false
)]
async fn list_stations(
    /// City name, such as Zurich.
    city: String,
) -> Result<String, ToolError> {
    Ok(city)
}

/// Subscribes an address to the weather alerts of a city; returns the subscription id.
#[mcp_tool(destructive = false, idempotent = false, idempotency(window_ms = 60_000))]
async fn subscribe_alerts(
    /// City name, such as Zurich.
    city: String,
) -> Result<String, ToolError> {
    Ok(city)
}

/// Places an order for one copy of a book; returns the order id.
#[mcp_tool(destructive = false, idempotent = false, idempotency(key = request_id))]
async fn place_order(
    /// The book's ISBN, such as 9780142437247.
    isbn: String,
    /// A unique id for this request; send it again when retrying.
    request_id: Option<String>,
) -> Result<String, ToolError> {
    Ok(format!("{isbn} {request_id:?}"))
}

fn main() {}
