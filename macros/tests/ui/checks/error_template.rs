use mcpgen_runtime::mcp_tool;

/// Returns the weather forecast of a city for the next three days.
#[mcp_tool(read_only, errors(city_not_found = "No city named {cty}. Check the spelling."))]
async fn get_forecast(
    /// City name, such as Zurich.
    city: String,
) -> Result<String, GetForecastError> {
    Ok(city)
}

fn main() {}
