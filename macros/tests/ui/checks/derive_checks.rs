use mcpgen_runtime::ToolSchema;
use serde::{Deserialize, Serialize};

/// A rectangle on the page.
#[derive(Serialize, Deserialize, ToolSchema)]
struct Area {
    width: f64,
    /// The height of the rectangle.
    height_px: f64,
}

fn main() {}
