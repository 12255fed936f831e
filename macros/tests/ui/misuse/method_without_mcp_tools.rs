use mcpgen_runtime::{ToolError, mcp_tool};

struct Weather;

impl Weather {
    /// Returns the weather forecast of a city for the next three days.
    #[mcp_tool(read_only)]
    async fn get_forecast(
        &self,
        /// City name, such as Zurich.
        city: String,
    ) -> Result<String, ToolError> {
        Ok(city)
    }
}

fn main() {}
