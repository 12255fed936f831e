//! The handlers of the trace test server (tests/e2e/test_traces.py copies this file over
//! the scaffold's `src/handlers.rs`): the lookup runs in a span of its own, and answers
//! with the `traceparent` it would send upstream, so the test can check both.

use mcpgen_runtime::{ToolContext, ToolOutput};

use crate::generated::*;

#[derive(Debug, Default)]
pub struct Handlers;

impl Handler for Handlers {
    async fn lookup_city(
        &self,
        ctx: ToolContext,
        input: LookupCityInput,
    ) -> Result<ToolOutput, LookupCityError> {
        let mut span = ctx.start_span("lookup city");
        span.set_attribute("lookup.source", "embedded");
        if input.city == "Atlantis" {
            span.set_error("city_not_found");
            return Err(LookupCityError::CityNotFound);
        }
        let upstream = span.trace_headers();
        assert_eq!(span.trace_id(), ctx.trace_id(), "one trace");
        Ok(ToolOutput::text(
            upstream.traceparent().unwrap_or("none").to_owned(),
        ))
    }
}
