use mcpgen_runtime::ToolSchema;
use serde::{Deserialize, Serialize};

/// A folder and the folders inside it.
#[derive(Serialize, Deserialize, ToolSchema)]
struct Folder {
    /// The folder's name.
    name: String,
    /// The folders inside it.
    children: Vec<Folder>,
}

fn main() {}
