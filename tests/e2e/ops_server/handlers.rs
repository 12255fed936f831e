//! The handlers of the operations test server (tests/e2e/test_operations.py copies this
//! file over the scaffold's `src/handlers.rs`). Each ends one way: the metrics, health
//! endpoints and cards around them are what is tested.

use mcpgen_runtime::{ToolContext, ToolOutput};

use crate::generated::*;

#[derive(Debug, Default)]
pub struct Handlers;

impl Handler for Handlers {
    async fn echo(&self, _ctx: ToolContext, input: EchoInput) -> Result<ToolOutput, EchoError> {
        Ok(ToolOutput::text(input.text))
    }

    async fn find_item(
        &self,
        _ctx: ToolContext,
        input: FindItemInput,
    ) -> Result<ToolOutput, FindItemError> {
        if !(1..=10).contains(&input.number) {
            return Err(FindItemError::ItemNotFound);
        }
        Ok(ToolOutput::text(format!("item {}", input.number)))
    }

    async fn get_limited_item(
        &self,
        _ctx: ToolContext,
        input: GetLimitedItemInput,
    ) -> Result<ToolOutput, GetLimitedItemError> {
        Ok(ToolOutput::text(format!("item {}", input.number)))
    }

    async fn remove_items(
        &self,
        _ctx: ToolContext,
        _input: RemoveItemsInput,
    ) -> Result<ToolOutput, RemoveItemsError> {
        Ok(ToolOutput::text("removed every item"))
    }

    async fn call_upstream(
        &self,
        _ctx: ToolContext,
        input: CallUpstreamInput,
    ) -> Result<ToolOutput, CallUpstreamError> {
        if input.fail {
            return Err(CallUpstreamError::UpstreamUnavailable);
        }
        Ok(ToolOutput::text("upstream answered"))
    }

    async fn run_broken_job(
        &self,
        _ctx: ToolContext,
        _input: RunBrokenJobInput,
    ) -> Result<ToolOutput, RunBrokenJobError> {
        panic!("the broken job always fails");
    }
}
