// `enum_suggestion` is a warning; denied here to show it.
#![deny(deprecated)]
use mcpgen_runtime::{ToolError, mcp_tool};

/// Exports the report of a month as a file the user can download.
#[mcp_tool(read_only)]
async fn export_report(
    /// The file format of the export.
    format: String,
) -> Result<String, ToolError> {
    Ok(format)
}

fn main() {}
