use mcpgen_runtime::ToolSchema;
use serde::{Deserialize, Serialize};

/// A shape.
#[derive(Serialize, Deserialize, ToolSchema)]
#[serde(untagged)]
enum Shape {
    /// A circle.
    Circle(f64),
    /// A dot.
    Dot,
}

/// A pair of numbers.
#[derive(Serialize, Deserialize, ToolSchema)]
struct Pair(f64, f64);

fn main() {}
