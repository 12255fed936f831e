//! What the server does. `mcpgen new` created this file with an example
//! implementation; it is yours now, and `mcpgen generate` never touches it.
//!
//! When the spec gains a tool, `generated::Handler` gains a method and the compiler
//! tells you which one to write here.

use mcpgen_runtime::{PromptError, PromptOutput, ResourceError, ResourceOutput, ToolContext};

use crate::generated::{
    CityNowParams, DayForecast, GetForecastError, GetForecastInput, GetForecastOutput, Handler,
    PackingListArgs, Sky, Units,
};

/// The server's state: connection pools, API clients, caches.
#[derive(Debug, Default)]
pub struct Handlers {}

impl Handler for Handlers {
    async fn get_forecast(
        &self,
        _ctx: ToolContext,
        input: GetForecastInput,
    ) -> Result<GetForecastOutput, GetForecastError> {
        // An example without a real weather service: a made-up forecast that depends on
        // the city's name, and a declared error for a city that does not exist.
        if input.city.eq_ignore_ascii_case("atlantis") {
            return Err(GetForecastError::CityNotFound);
        }
        let seed = input.city.bytes().map(f64::from).sum::<f64>() % 15.0;
        let days = (0..input.days)
            .map(|day| {
                let celsius = 10.0 + seed + (day % 3) as f64;
                let (high, low) = match input.units {
                    Units::Metric => (celsius, celsius - 8.0),
                    Units::Imperial => (celsius * 1.8 + 32.0, (celsius - 8.0) * 1.8 + 32.0),
                };
                DayForecast {
                    date: format!("2026-07-{:02}", day + 1),
                    high,
                    low,
                    sky: if day % 2 == 0 {
                        Sky::Clear
                    } else {
                        Sky::Cloudy
                    },
                    precipitation_mm: 0.0,
                }
            })
            .collect();
        Ok(GetForecastOutput {
            city: input.city,
            units: input.units,
            days,
        })
    }

    async fn read_city_now(
        &self,
        _ctx: ToolContext,
        params: CityNowParams,
    ) -> Result<ResourceOutput, ResourceError> {
        if params.city.eq_ignore_ascii_case("atlantis") {
            return Err(ResourceError::NotFound(format!(
                "no city named {}; check the spelling",
                params.city
            )));
        }
        let now = serde_json_like(&params.city);
        Ok(ResourceOutput::Text(now))
    }

    async fn prompt_packing_list(
        &self,
        ctx: ToolContext,
        args: PackingListArgs,
    ) -> Result<PromptOutput, PromptError> {
        // Prompt arguments are strings: parse them, and say what to pass when one is unusable.
        let days = match args.days.as_deref().map(str::parse::<i64>) {
            None => 3,
            Some(Ok(days)) if (1..=14).contains(&days) => days,
            Some(_) => {
                return Err(PromptError::InvalidArguments(format!(
                    "`days` must be a whole number from 1 to 14, such as 3; got `{}`",
                    args.days.unwrap_or_default()
                )));
            }
        };
        let input = GetForecastInput {
            city: args.city,
            days,
            units: Units::Metric,
        };
        let forecast = match self.get_forecast(ctx, input).await {
            Ok(forecast) => forecast,
            Err(GetForecastError::CityNotFound) => {
                return Err(PromptError::InvalidArguments(
                    "no city by that name; check the spelling, or pass a larger city nearby".into(),
                ));
            }
            // Logged on the server; the client gets a generic error.
            Err(other) => {
                return Err(std::io::Error::other(format!("forecast failed: {other:?}")).into());
            }
        };
        let high = forecast
            .days
            .iter()
            .map(|d| d.high)
            .fold(f64::MIN, f64::max);
        let low = forecast.days.iter().map(|d| d.low).fold(f64::MAX, f64::min);
        Ok(PromptOutput::text(format!(
            "I am travelling to {} for {days} days: lows of {low:.0} °C, highs of {high:.0} °C. \
             Write me a short packing list for that weather.",
            forecast.city
        )))
    }
}

/// Current conditions as JSON text.
fn serde_json_like(city: &str) -> String {
    let escaped = city.replace('\\', "\\\\").replace('"', "\\\"");
    format!(r#"{{"city":"{escaped}","temperature":21.5,"sky":"clear"}}"#)
}

#[cfg(test)]
mod tests {
    use super::*;
    use mcpgen_runtime::Identity;

    #[test]
    fn the_server_builds() {
        // Every schema and template of the generated module is checked here.
        crate::generated::server(Handlers::default()).expect("declarations are consistent");
    }

    #[tokio::test]
    async fn get_forecast_returns_one_entry_per_day() {
        let ctx = ToolContext::detached("get_forecast", Identity::Anonymous);
        let input = GetForecastInput {
            city: "Zurich".to_owned(),
            days: 3,
            units: Units::Metric,
        };
        let output = Handlers::default().get_forecast(ctx, input).await.unwrap();
        assert_eq!(output.city, "Zurich");
        assert_eq!(output.days.len(), 3);
        assert!(output.days.iter().all(|d| d.high > d.low));
    }

    #[tokio::test]
    async fn packing_list_uses_the_forecast_and_refuses_bad_days() {
        let ctx = || ToolContext::detached("packing_list", Identity::Anonymous);
        let args = |days: Option<&str>| PackingListArgs {
            city: "Zurich".to_owned(),
            days: days.map(str::to_owned),
        };
        let output = Handlers::default()
            .prompt_packing_list(ctx(), args(Some("2")))
            .await
            .unwrap();
        let PromptOutput::Messages(messages) = output else {
            panic!("expected messages");
        };
        let text = format!("{:?}", messages[0].1);
        assert!(text.contains("travelling to Zurich for 2 days"), "{text}");
        let refused = Handlers::default()
            .prompt_packing_list(ctx(), args(Some("many")))
            .await;
        assert!(
            matches!(refused, Err(PromptError::InvalidArguments(ref m)) if m.contains("got `many`")),
            "{refused:?}"
        );
    }

    #[tokio::test]
    async fn unknown_city_is_a_declared_error() {
        let ctx = ToolContext::detached("get_forecast", Identity::Anonymous);
        let input = GetForecastInput {
            city: "Atlantis".to_owned(),
            days: 1,
            units: Units::Metric,
        };
        let result = Handlers::default().get_forecast(ctx, input).await;
        assert!(matches!(result, Err(GetForecastError::CityNotFound)));
    }
}
