// Methods of an `impl` block as tools sharing one instance, next to a free function.
#![deny(warnings)]
use std::sync::atomic::{AtomicU64, Ordering};

use mcpgen_runtime::{Server, ServerInfo, ToolError, ToolOutput, ToolSet, mcp_tool, mcp_tools};

#[derive(Default)]
pub struct Counter {
    value: AtomicU64,
}

#[mcp_tools]
impl Counter {
    /// Adds one to the counter and returns its new value.
    #[mcp_tool(idempotent = false, destructive = false, open_world = false)]
    pub async fn increment_counter(&self) -> Result<u64, ToolError> {
        Ok(self.value.fetch_add(1, Ordering::SeqCst) + 1)
    }

    /// Returns the counter's value as text, without changing it.
    #[mcp_tool(read_only, open_world = false)]
    pub async fn read_counter(&self) -> Result<ToolOutput, ToolError> {
        Ok(ToolOutput::text(self.value.load(Ordering::SeqCst).to_string()))
    }

    /// Multiplies a whole number by itself, such as 7 to 49.
    #[mcp_tool(read_only, open_world = false)]
    pub async fn compute_square(
        /// The number to square, such as 7.
        n: i32,
    ) -> Result<i64, ToolError> {
        Ok(i64::from(n) * i64::from(n))
    }

    /// Not a tool: an ordinary method.
    pub fn reset(&self) {
        self.value.store(0, Ordering::SeqCst);
    }
}

fn main() {
    let defs = <Counter as ToolSet>::defs();
    let names: Vec<&str> = defs.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["increment_counter", "read_counter", "compute_square"]);
    assert!(defs[1].output_schema.is_none());
    let counter = std::sync::Arc::new(Counter::default());
    counter.reset();
    let server = Server::builder(ServerInfo {
        name: "pass".into(),
        version: "1.0.0".into(),
        ..Default::default()
    })
    .add_shared_tools(counter.clone())
    .build();
    assert!(server.is_ok());
}
