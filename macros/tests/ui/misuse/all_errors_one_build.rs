// Every problem of a function in one build, and no cascade: the function is still
// emitted (its callers compile) and `add_tool::<get_forecast>()` still type-checks.
use mcpgen_runtime::{Server, ServerInfo, ToolError, mcp_tool};

#[mcp_tool(read_only, rate_limit = "fast")]
async fn get_forecast(
    /// City name, such as Zurich.
    city: String,
    timeout: u64,
    #[arg(minimum = 1)] label: String,
) -> Result<String, ToolError> {
    Ok(format!("{city} {timeout} {label}"))
}

fn main() {
    let _ = get_forecast(String::new(), 1, String::new());
    let _ = Server::builder(ServerInfo::default()).add_tool::<get_forecast>();
}
