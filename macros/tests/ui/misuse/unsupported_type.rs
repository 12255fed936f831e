use std::collections::HashMap;

use mcpgen_runtime::{ToolError, mcp_tool};

/// Tags a document with labels and returns the document's new label count.
#[mcp_tool(idempotent, destructive = false)]
async fn tag_document(
    /// The document's id, such as "doc-7".
    id: (u32, u32),
    /// The labels, by name.
    labels: HashMap<String, String>,
    /// The document's language, such as "en".
    language: &'static str,
) -> Result<u64, ToolError> {
    let _ = (id, language);
    Ok(labels.len() as u64)
}

fn main() {}
