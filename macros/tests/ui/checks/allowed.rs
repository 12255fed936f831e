// Allowed lints are not reported: the only error here is the one not allowed.
use mcpgen_runtime::{ToolError, mcp_tool};

/// Waits until the queue is empty, then returns how many jobs ran meanwhile.
#[mcp_tool(read_only, allow(unit_suffix))]
async fn wait_for_queue(
    /// How long to wait at most.
    timeout: u64,
    delay: u64,
) -> Result<u64, ToolError> {
    Ok(timeout + delay)
}

fn main() {}
