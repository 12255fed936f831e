use mcpgen_runtime::{ToolError, mcp_tool};

/// Returns the weather forecast of a city for the next three days.
#[mcp_tool(read_only, name = "get_the_weather_forecast_for_a_city_for_the_next_three_days_please")]
async fn get_forecast(
    /// City name, such as Zurich.
    city: String,
) -> Result<String, ToolError> {
    Ok(city)
}

fn main() {}
