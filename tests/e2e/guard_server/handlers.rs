//! The handlers of the guardrail test server (tests/e2e/test_guardrails.py copies this
//! file over the scaffold's `src/handlers.rs`). They do as little as possible: the
//! guardrails around them are what is tested.

use std::{
    sync::atomic::{AtomicI64, Ordering},
    time::Duration,
};

use mcpgen_runtime::{ToolContext, ToolOutput};

use crate::generated::*;

#[derive(Debug, Default)]
pub struct Handlers {
    notes: AtomicI64,
}

async fn wait_ms(ms: i64) -> ToolOutput {
    tokio::time::sleep(Duration::from_millis(u64::try_from(ms).unwrap_or(0))).await;
    ToolOutput::text(format!("waited {ms} ms"))
}

fn text_of(size_bytes: i64) -> ToolOutput {
    let alphabet = b"abcdefghijklmnopqrstuvwxyz";
    let text: String = (0..usize::try_from(size_bytes).unwrap_or(0))
        .map(|i| char::from(alphabet[i % alphabet.len()]))
        .collect();
    ToolOutput::text(text)
}

impl Handler for Handlers {
    async fn echo(&self, _ctx: ToolContext, input: EchoInput) -> Result<EchoOutput, EchoError> {
        Ok(EchoOutput { text: input.text })
    }

    async fn get_shared_item(
        &self,
        _ctx: ToolContext,
        input: GetSharedItemInput,
    ) -> Result<GetSharedItemOutput, GetSharedItemError> {
        Ok(GetSharedItemOutput {
            number: input.number,
        })
    }

    async fn get_fast_item(
        &self,
        _ctx: ToolContext,
        input: GetFastItemInput,
    ) -> Result<ToolOutput, GetFastItemError> {
        Ok(ToolOutput::text(format!("item {}", input.number)))
    }

    async fn get_personal_item(
        &self,
        _ctx: ToolContext,
        input: GetPersonalItemInput,
    ) -> Result<ToolOutput, GetPersonalItemError> {
        Ok(ToolOutput::text(format!("item {}", input.number)))
    }

    async fn wait(&self, _ctx: ToolContext, input: WaitInput) -> Result<ToolOutput, WaitError> {
        Ok(wait_ms(input.duration_ms).await)
    }

    async fn wait_capped(
        &self,
        _ctx: ToolContext,
        input: WaitCappedInput,
    ) -> Result<ToolOutput, WaitCappedError> {
        Ok(wait_ms(input.duration_ms).await)
    }

    async fn wait_briefly(
        &self,
        _ctx: ToolContext,
        input: WaitBrieflyInput,
    ) -> Result<ToolOutput, WaitBrieflyError> {
        Ok(wait_ms(input.duration_ms).await)
    }

    async fn call_upstream(
        &self,
        _ctx: ToolContext,
        input: CallUpstreamInput,
    ) -> Result<ToolOutput, CallUpstreamError> {
        wait_ms(input.delay_ms).await;
        if input.fail {
            return Err(CallUpstreamError::UpstreamUnavailable);
        }
        Ok(ToolOutput::text("upstream answered"))
    }

    async fn make_text(
        &self,
        _ctx: ToolContext,
        input: MakeTextInput,
    ) -> Result<ToolOutput, MakeTextError> {
        Ok(text_of(input.size_bytes))
    }

    async fn make_long_text(
        &self,
        _ctx: ToolContext,
        input: MakeLongTextInput,
    ) -> Result<ToolOutput, MakeLongTextError> {
        Ok(text_of(input.size_bytes))
    }

    async fn create_note(
        &self,
        _ctx: ToolContext,
        input: CreateNoteInput,
    ) -> Result<CreateNoteOutput, CreateNoteError> {
        wait_ms(input.delay_ms).await;
        let note_number = self.notes.fetch_add(1, Ordering::SeqCst) + 1;
        Ok(CreateNoteOutput { note_number })
    }

    async fn run_retired_job(
        &self,
        _ctx: ToolContext,
        _input: RunRetiredJobInput,
    ) -> Result<ToolOutput, RunRetiredJobError> {
        Ok(ToolOutput::text("this never runs: the tool is disabled"))
    }
}
