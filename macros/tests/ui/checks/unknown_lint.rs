// `unknown_lint` is a warning; denied here to show it.
#![deny(deprecated)]
use mcpgen_runtime::{ToolError, mcp_tool};

/// Waits until the queue is empty, then returns how many jobs ran meanwhile.
#[mcp_tool(read_only, allow(unit_sufix))]
async fn wait_for_queue(
    /// How long to wait at most, in seconds.
    timeout_s: u64,
) -> Result<u64, ToolError> {
    Ok(timeout_s)
}

fn main() {}
