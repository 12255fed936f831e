//! The fixture behaviours of the conformance suite, as its reference server
//! (`examples/servers/typescript/everything-server.ts` in modelcontextprotocol/conformance)
//! implements them: same texts, same payloads, same notifications.

use mcpgen_runtime::rmcp::model::{
    ClientResult, ContentBlock, ElicitRequest, ElicitRequestParams, ResourceContents, ServerRequest,
};
use mcpgen_runtime::{
    LogLevel, PromptError, PromptOutput, ResourceError, ResourceOutput, ToolContext, ToolOutput,
};
use serde_json::{Value, json};

use crate::generated::*;

/// A 1x1 red PNG, base64 (the same bytes as `data/red-pixel.png`).
pub const TEST_IMAGE_BASE64: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
/// A minimal WAV file, base64.
pub const TEST_AUDIO_BASE64: &str = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=";

/// The fixtures have no state of their own.
#[derive(Debug, Default)]
pub struct Handlers;

fn text_resource(uri: &str, mime_type: &str, text: &str) -> ContentBlock {
    ContentBlock::resource(ResourceContents::TextResourceContents {
        uri: uri.to_owned(),
        mime_type: Some(mime_type.to_owned()),
        text: text.to_owned(),
        meta: None,
    })
}

/// The reference server's pause between notifications.
async fn pause() {
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
}

/// Sends an `elicitation/create` request with `params` (JSON, as the reference server
/// writes it) and renders the answer as the reference server does; `lead` starts the text.
async fn elicit(ctx: &ToolContext, params: Value, lead: &str) -> ToolOutput {
    let answer = async {
        let peer = ctx.peer().ok_or("no client connection")?;
        let params: ElicitRequestParams =
            serde_json::from_value(params).map_err(|e| format!("bad elicitation request: {e}"))?;
        let result = peer
            .send_request(ServerRequest::ElicitRequest(ElicitRequest::new(params)))
            .await
            .map_err(|e| e.to_string())?;
        match result {
            ClientResult::ElicitResult(result) => Ok(result),
            other => Err(format!(
                "unexpected answer to elicitation/create: {other:?}"
            )),
        }
    }
    .await;
    ToolOutput::text(match answer {
        Ok(result) => {
            let action = serde_json::to_value(&result.action).unwrap_or_default();
            let content = result.content.unwrap_or_else(|| json!({}));
            format!(
                "{lead}: action={}, content={}",
                action.as_str().unwrap_or_default(),
                serde_json::to_string(&content).unwrap_or_default()
            )
        }
        Err(error) => format!("Elicitation not supported or error: {error}"),
    })
}

/// An `elicitation/create` input request for one required field of type `ty`.
fn elicitation(message: &str, field: &str, ty: &str) -> Value {
    json!({
        "method": "elicitation/create",
        "params": {
            "message": message,
            "requestedSchema": {"type": "object", "properties": {field: {"type": ty}}, "required": [field]}
        }
    })
}

/// A `sampling/createMessage` input request with one user message.
fn sampling(text: &str, max_tokens: u32) -> Value {
    json!({
        "method": "sampling/createMessage",
        "params": {"messages": [{"role": "user", "content": {"type": "text", "text": text}}], "maxTokens": max_tokens}
    })
}

fn roots() -> Value {
    json!({"method": "roots/list", "params": {}})
}

/// The string `field` of an elicitation answer's content, or `unknown`.
fn answered(ctx: &ToolContext, key: &str, field: &str) -> String {
    ctx.input_response(key)
        .and_then(|r| r["content"][field].as_str())
        .unwrap_or("unknown")
        .to_owned()
}

/// How many roots a `roots/list` answer holds.
fn root_count(ctx: &ToolContext, key: &str) -> usize {
    ctx.input_response(key)
        .and_then(|r| r["roots"].as_array())
        .map_or(0, Vec::len)
}

/// The parsed `requestState` (JSON this server issued; the runtime verified it).
fn state(ctx: &ToolContext) -> Value {
    ctx.request_state()
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or_default()
}

/// A fresh state: `fields` plus a nonce, so that no two states are alike.
fn new_state(mut fields: Value) -> Option<String> {
    static NONCE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    fields["nonce"] = NONCE
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        .into();
    Some(fields.to_string())
}

impl Handler for Handlers {
    async fn test_simple_text(
        &self,
        _ctx: ToolContext,
        _input: TestSimpleTextInput,
    ) -> Result<ToolOutput, TestSimpleTextError> {
        Ok(ToolOutput::text(
            "This is a simple text response for testing.",
        ))
    }

    async fn test_image_content(
        &self,
        _ctx: ToolContext,
        _input: TestImageContentInput,
    ) -> Result<ToolOutput, TestImageContentError> {
        Ok(ToolOutput::Content(vec![ContentBlock::image(
            TEST_IMAGE_BASE64,
            "image/png",
        )]))
    }

    async fn test_audio_content(
        &self,
        _ctx: ToolContext,
        _input: TestAudioContentInput,
    ) -> Result<ToolOutput, TestAudioContentError> {
        Ok(ToolOutput::Content(vec![ContentBlock::audio(
            TEST_AUDIO_BASE64,
            "audio/wav",
        )]))
    }

    async fn test_embedded_resource(
        &self,
        _ctx: ToolContext,
        _input: TestEmbeddedResourceInput,
    ) -> Result<ToolOutput, TestEmbeddedResourceError> {
        Ok(ToolOutput::Content(vec![text_resource(
            "test://embedded-resource",
            "text/plain",
            "This is an embedded resource content.",
        )]))
    }

    async fn test_multiple_content_types(
        &self,
        _ctx: ToolContext,
        _input: TestMultipleContentTypesInput,
    ) -> Result<ToolOutput, TestMultipleContentTypesError> {
        Ok(ToolOutput::Content(vec![
            ContentBlock::text("Multiple content types test:"),
            ContentBlock::image(TEST_IMAGE_BASE64, "image/png"),
            text_resource(
                "test://mixed-content-resource",
                "application/json",
                r#"{"test":"data","value":123}"#,
            ),
        ]))
    }

    async fn test_tool_with_logging(
        &self,
        ctx: ToolContext,
        _input: TestToolWithLoggingInput,
    ) -> Result<ToolOutput, TestToolWithLoggingError> {
        ctx.log(LogLevel::Info, "Tool execution started").await;
        pause().await;
        ctx.log(LogLevel::Info, "Tool processing data").await;
        pause().await;
        ctx.log(LogLevel::Info, "Tool execution completed").await;
        Ok(ToolOutput::text("Tool with logging executed successfully"))
    }

    async fn test_tool_with_progress(
        &self,
        ctx: ToolContext,
        _input: TestToolWithProgressInput,
    ) -> Result<ToolOutput, TestToolWithProgressError> {
        for (i, step) in [0.0, 50.0, 100.0].into_iter().enumerate() {
            if i > 0 {
                pause().await;
            }
            let message = format!("Completed step {step} of 100");
            ctx.progress(step, Some(100.0), Some(&message)).await;
        }
        let token = ctx
            .progress_token()
            .map_or_else(|| "0".to_owned(), |t| t.0.to_string());
        Ok(ToolOutput::text(token))
    }

    async fn test_error_handling(
        &self,
        _ctx: ToolContext,
        _input: TestErrorHandlingInput,
    ) -> Result<ToolOutput, TestErrorHandlingError> {
        Err(TestErrorHandlingError::IntentionalFailure)
    }

    async fn test_sampling(
        &self,
        ctx: ToolContext,
        input: TestSamplingInput,
    ) -> Result<ToolOutput, TestSamplingError> {
        #[allow(deprecated)]
        let answer = async {
            let peer = ctx.peer().ok_or("no client connection")?;
            let params = serde_json::from_value(json!({
                "messages": [{"role": "user", "content": {"type": "text", "text": input.prompt}}],
                "maxTokens": 100
            }))
            .map_err(|e| format!("bad sampling request: {e}"))?;
            peer.create_message(params).await.map_err(|e| e.to_string())
        }
        .await;
        Ok(ToolOutput::text(match answer {
            Ok(result) => {
                let message = serde_json::to_value(&result).unwrap_or_default();
                let text = message["content"]["text"]
                    .as_str()
                    .unwrap_or("No response")
                    .to_owned();
                format!("LLM response: {text}")
            }
            Err(error) => format!("Sampling not supported or error: {error}"),
        }))
    }

    async fn test_elicitation(
        &self,
        ctx: ToolContext,
        input: TestElicitationInput,
    ) -> Result<ToolOutput, TestElicitationError> {
        let params = json!({
            "mode": "form",
            "message": input.message,
            "requestedSchema": {
                "type": "object",
                "properties": {"response": {"type": "string", "description": "User's response"}},
                "required": ["response"]
            }
        });
        Ok(elicit(&ctx, params, "User response").await)
    }

    async fn test_elicitation_sep1034_defaults(
        &self,
        ctx: ToolContext,
        _input: TestElicitationSep1034DefaultsInput,
    ) -> Result<ToolOutput, TestElicitationSep1034DefaultsError> {
        let params = json!({
            "mode": "form",
            "message": "Please review and update the form fields with defaults",
            "requestedSchema": {
                "type": "object",
                "properties": {
                    "name": {"type": "string", "description": "User name", "default": "John Doe"},
                    "age": {"type": "integer", "description": "User age", "default": 30},
                    "score": {"type": "number", "description": "User score", "default": 95.5},
                    "status": {
                        "type": "string",
                        "description": "User status",
                        "enum": ["active", "inactive", "pending"],
                        "default": "active"
                    },
                    "verified": {"type": "boolean", "description": "Verification status", "default": true}
                },
                "required": []
            }
        });
        Ok(elicit(&ctx, params, "Elicitation completed").await)
    }

    async fn test_elicitation_sep1330_enums(
        &self,
        ctx: ToolContext,
        _input: TestElicitationSep1330EnumsInput,
    ) -> Result<ToolOutput, TestElicitationSep1330EnumsError> {
        let params = json!({
            "mode": "form",
            "message": "Please select options from the enum fields",
            "requestedSchema": {
                "type": "object",
                "properties": {
                    "untitledSingle": {
                        "type": "string",
                        "description": "Select one option",
                        "enum": ["option1", "option2", "option3"]
                    },
                    "titledSingle": {
                        "type": "string",
                        "description": "Select one option with titles",
                        "oneOf": [
                            {"const": "value1", "title": "First Option"},
                            {"const": "value2", "title": "Second Option"},
                            {"const": "value3", "title": "Third Option"}
                        ]
                    },
                    "legacyEnum": {
                        "type": "string",
                        "description": "Select one option (legacy)",
                        "enum": ["opt1", "opt2", "opt3"],
                        "enumNames": ["Option One", "Option Two", "Option Three"]
                    },
                    "untitledMulti": {
                        "type": "array",
                        "description": "Select multiple options",
                        "minItems": 1,
                        "maxItems": 3,
                        "items": {"type": "string", "enum": ["option1", "option2", "option3"]}
                    },
                    "titledMulti": {
                        "type": "array",
                        "description": "Select multiple options with titles",
                        "minItems": 1,
                        "maxItems": 3,
                        "items": {
                            "anyOf": [
                                {"const": "value1", "title": "First Choice"},
                                {"const": "value2", "title": "Second Choice"},
                                {"const": "value3", "title": "Third Choice"}
                            ]
                        }
                    }
                },
                "required": []
            }
        });
        Ok(elicit(&ctx, params, "Elicitation completed").await)
    }

    async fn test_reconnection(
        &self,
        _ctx: ToolContext,
        _input: TestReconnectionInput,
    ) -> Result<ToolOutput, TestReconnectionError> {
        Ok(ToolOutput::text(
            "Reconnection test completed successfully. If you received this, the client properly reconnected after stream closure.",
        ))
    }

    async fn json_schema_2020_12_tool(
        &self,
        _ctx: ToolContext,
        input: JsonSchema202012ToolInput,
    ) -> Result<ToolOutput, JsonSchema202012ToolError> {
        // The arguments passed the schema as written (`$ref`, `anyOf`, `if`/`then`/`else`).
        Ok(ToolOutput::text(format!("ok: {}", Value::Object(input))))
    }

    async fn test_input_required_result_elicitation(
        &self,
        ctx: ToolContext,
        _input: TestInputRequiredResultElicitationInput,
    ) -> Result<ToolOutput, TestInputRequiredResultElicitationError> {
        if ctx.input_response("user_name").is_some() {
            let name = answered(&ctx, "user_name", "name");
            return Ok(ToolOutput::text(format!("Hello, {name}!")));
        }
        let requests = json!({"user_name": elicitation("What is your name?", "name", "string")});
        Ok(ToolOutput::input_required(requests, None)?)
    }

    async fn test_input_required_result_sampling(
        &self,
        ctx: ToolContext,
        _input: TestInputRequiredResultSamplingInput,
    ) -> Result<ToolOutput, TestInputRequiredResultSamplingError> {
        if let Some(sample) = ctx.input_response("sample_request") {
            let text = sample["content"]["text"].as_str().unwrap_or("no response");
            return Ok(ToolOutput::text(format!("Sampling result: {text}")));
        }
        let requests = json!({"sample_request": sampling("What is the capital of France?", 100)});
        Ok(ToolOutput::input_required(requests, None)?)
    }

    async fn test_input_required_result_list_roots(
        &self,
        ctx: ToolContext,
        _input: TestInputRequiredResultListRootsInput,
    ) -> Result<ToolOutput, TestInputRequiredResultListRootsError> {
        if ctx.input_response("roots_request").is_some() {
            let count = root_count(&ctx, "roots_request");
            return Ok(ToolOutput::text(format!("Found {count} root(s)")));
        }
        Ok(ToolOutput::input_required(
            json!({"roots_request": roots()}),
            None,
        )?)
    }

    async fn test_input_required_result_request_state(
        &self,
        ctx: ToolContext,
        _input: TestInputRequiredResultRequestStateInput,
    ) -> Result<ToolOutput, TestInputRequiredResultRequestStateError> {
        let confirmed = ctx
            .input_response("confirm")
            .is_some_and(|r| r["content"]["ok"] == true);
        if state(&ctx)["kind"] == "request-state" && confirmed {
            return Ok(ToolOutput::text("state-ok: requestState validated"));
        }
        let requests = json!({"confirm": elicitation("Please confirm", "ok", "boolean")});
        Ok(ToolOutput::input_required(
            requests,
            new_state(json!({"kind": "request-state"})),
        )?)
    }

    async fn test_input_required_result_multiple_inputs(
        &self,
        ctx: ToolContext,
        _input: TestInputRequiredResultMultipleInputsInput,
    ) -> Result<ToolOutput, TestInputRequiredResultMultipleInputsError> {
        let answered_all = ["user_name", "greeting", "client_roots"]
            .iter()
            .all(|k| ctx.input_response(k).is_some());
        if answered_all && state(&ctx)["kind"] == "multiple-inputs" {
            let name = answered(&ctx, "user_name", "name");
            let greeting = ctx
                .input_response("greeting")
                .and_then(|r| r["content"]["text"].as_str())
                .unwrap_or("Hello there!");
            let roots = root_count(&ctx, "client_roots");
            return Ok(ToolOutput::text(format!(
                "Name: {name}; Greeting: {greeting}; Roots: {roots}"
            )));
        }
        let requests = json!({
            "user_name": elicitation("What is your name?", "name", "string"),
            "greeting": sampling("Generate a greeting", 50),
            "client_roots": roots(),
        });
        Ok(ToolOutput::input_required(
            requests,
            new_state(json!({"kind": "multiple-inputs"})),
        )?)
    }

    async fn test_input_required_result_multi_round(
        &self,
        ctx: ToolContext,
        _input: TestInputRequiredResultMultiRoundInput,
    ) -> Result<ToolOutput, TestInputRequiredResultMultiRoundError> {
        let state = state(&ctx);
        if state["round"] == 1 && ctx.input_response("step1").is_some() {
            let name = answered(&ctx, "step1", "name");
            let requests = json!({"step2": elicitation("Step 2: What is your favorite color?", "color", "string")});
            return Ok(ToolOutput::input_required(
                requests,
                new_state(json!({"round": 2, "name": name})),
            )?);
        }
        if state["round"] == 2 && ctx.input_response("step2").is_some() {
            let name = state["name"].as_str().unwrap_or("friend");
            let color = answered(&ctx, "step2", "color");
            return Ok(ToolOutput::text(format!(
                "Multi-round complete for {name} who likes {color}"
            )));
        }
        let requests =
            json!({"step1": elicitation("Step 1: What is your name?", "name", "string")});
        Ok(ToolOutput::input_required(
            requests,
            new_state(json!({"round": 1})),
        )?)
    }

    async fn test_input_required_result_tampered_state(
        &self,
        ctx: ToolContext,
        _input: TestInputRequiredResultTamperedStateInput,
    ) -> Result<ToolOutput, TestInputRequiredResultTamperedStateError> {
        // A modified requestState never reaches this handler: the runtime signs the
        // state it issues and rejects any other with -32602.
        if state(&ctx)["kind"] == "tamper-test" && ctx.input_response("confirm").is_some() {
            return Ok(ToolOutput::text("integrity-ok: state verified"));
        }
        let requests = json!({"confirm": elicitation("Please confirm", "ok", "boolean")});
        Ok(ToolOutput::input_required(
            requests,
            new_state(json!({"kind": "tamper-test"})),
        )?)
    }

    async fn test_input_required_result_capabilities(
        &self,
        ctx: ToolContext,
        _input: TestInputRequiredResultCapabilitiesInput,
    ) -> Result<ToolOutput, TestInputRequiredResultCapabilitiesError> {
        if !ctx.input_responses().is_empty() {
            let keys: Vec<&str> = ctx.input_responses().keys().map(String::as_str).collect();
            return Ok(ToolOutput::text(format!(
                "capabilities-ok: received {}",
                keys.join(",")
            )));
        }
        let capabilities = ctx.client_capabilities();
        let mut requests = serde_json::Map::new();
        if capabilities.is_some_and(|c| c.elicitation.is_some()) {
            requests.insert(
                "elicit_input".into(),
                elicitation("Elicitation input", "value", "string"),
            );
        }
        #[allow(deprecated)]
        if capabilities.is_some_and(|c| c.sampling.is_some()) {
            requests.insert("sample_input".into(), sampling("Sample request", 50));
        }
        if requests.is_empty() {
            return Ok(ToolOutput::text("No supported capabilities declared"));
        }
        Ok(ToolOutput::input_required(
            Value::Object(requests),
            new_state(json!({"kind": "capabilities-test"})),
        )?)
    }

    async fn greet(&self, _ctx: ToolContext, input: GreetInput) -> Result<ToolOutput, GreetError> {
        Ok(ToolOutput::text(format!("Hello, {}!", input.name)))
    }

    // The runtime stops the handler when the task is cancelled: the task ends as
    // `cancelled` while this sleeps.
    async fn slow_compute(
        &self,
        _ctx: ToolContext,
        input: SlowComputeInput,
    ) -> Result<ToolOutput, SlowComputeError> {
        let seconds = u64::try_from(input.seconds).unwrap_or(0);
        tokio::time::sleep(std::time::Duration::from_secs(seconds)).await;
        let label = input.label.unwrap_or_default();
        Ok(ToolOutput::text(format!(
            "Computed for {seconds}s: {label}"
        )))
    }

    async fn failing_job(
        &self,
        _ctx: ToolContext,
        _input: FailingJobInput,
    ) -> Result<ToolOutput, FailingJobError> {
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        Err(FailingJobError::JobFailed)
    }

    async fn protocol_error_job(
        &self,
        _ctx: ToolContext,
        _input: ProtocolErrorJobInput,
    ) -> Result<ToolOutput, ProtocolErrorJobError> {
        panic!("protocol_error_job crashes on purpose");
    }

    // Inside a task, asking for input parks the task in `input_required` until the
    // client answers with tasks/update; then the handler runs again with the answer.
    async fn confirm_delete(
        &self,
        ctx: ToolContext,
        input: ConfirmDeleteInput,
    ) -> Result<ToolOutput, ConfirmDeleteError> {
        if let Some(answer) = ctx.input_response("confirm") {
            let confirmed = answer["action"] == "accept" && answer["content"]["confirm"] == true;
            let verb = if confirmed { "Deleted" } else { "Kept" };
            return Ok(ToolOutput::text(format!("{verb} {}", input.filename)));
        }
        let message = format!("Delete {}?", input.filename);
        let requests = json!({"confirm": elicitation(&message, "confirm", "boolean")});
        Ok(ToolOutput::input_required(requests, None)?)
    }

    async fn multi_input(
        &self,
        ctx: ToolContext,
        _input: MultiInputInput,
    ) -> Result<ToolOutput, MultiInputError> {
        if ctx.input_response("name").is_some() && ctx.input_response("confirm").is_some() {
            let name = answered(&ctx, "name", "name");
            let confirm =
                &ctx.input_response("confirm").unwrap_or(&Value::Null)["content"]["confirm"];
            return Ok(ToolOutput::text(format!("name={name}, confirm={confirm}")));
        }
        let requests = json!({
            "name": elicitation("What is your name?", "name", "string"),
            "confirm": elicitation("Proceed?", "confirm", "boolean"),
        });
        Ok(ToolOutput::input_required(requests, None)?)
    }

    // Round 1 asks for the name in the request; round 2, with the answer, continues as a
    // task; inside the task the handler runs a third time and greets.
    async fn test_tool_with_task(
        &self,
        ctx: ToolContext,
        _input: TestToolWithTaskInput,
    ) -> Result<ToolOutput, TestToolWithTaskError> {
        if ctx.input_response("user_name").is_none() {
            let requests =
                json!({"user_name": elicitation("What is your name?", "name", "string")});
            return Ok(ToolOutput::input_required(requests, None)?);
        }
        if ctx.can_continue_as_task() {
            return Ok(ToolOutput::ContinueAsTask);
        }
        let name = answered(&ctx, "user_name", "name");
        Ok(ToolOutput::text(format!(
            "Hello, {name}! (from task {})",
            ctx.task_id().unwrap_or("none")
        )))
    }

    async fn test_missing_capability(
        &self,
        _ctx: ToolContext,
        _input: TestMissingCapabilityInput,
    ) -> Result<ToolOutput, TestMissingCapabilityError> {
        // Runs only for clients that declared sampling (`client_capabilities` in the spec).
        Ok(ToolOutput::text("Success"))
    }

    async fn test_streaming_elicitation(
        &self,
        ctx: ToolContext,
        _input: TestStreamingElicitationInput,
    ) -> Result<ToolOutput, TestStreamingElicitationError> {
        ctx.progress(50.0, Some(100.0), None).await;
        Ok(ToolOutput::text("Streaming complete"))
    }

    async fn test_logging_tool(
        &self,
        ctx: ToolContext,
        _input: TestLoggingToolInput,
    ) -> Result<ToolOutput, TestLoggingToolError> {
        // Sent only when the request asked for logs (`_meta` logLevel on 2026-07-28).
        ctx.log(LogLevel::Info, "Diagnostic trace logging activated")
            .await;
        Ok(ToolOutput::text("Logging evaluated"))
    }

    async fn test_custom_header(
        &self,
        _ctx: ToolContext,
        input: TestCustomHeaderInput,
    ) -> Result<ToolOutput, TestCustomHeaderError> {
        // rmcp has checked the Mcp-Param-Region header against the argument (HTTP,
        // 2026-07-28) before the call reaches this handler.
        Ok(ToolOutput::text(format!(
            "Routed to region {}",
            input.region
        )))
    }

    async fn prompt_test_input_required_result_prompt(
        &self,
        ctx: ToolContext,
        _args: TestInputRequiredResultPromptArgs,
    ) -> Result<PromptOutput, PromptError> {
        if ctx.input_response("user_context").is_some() {
            let context = answered(&ctx, "user_context", "context");
            return Ok(PromptOutput::text(format!(
                "Prompt with context: {context}"
            )));
        }
        let requests = json!({"user_context": elicitation("What context should the prompt use?", "context", "string")});
        Ok(PromptOutput::input_required(requests, None)?)
    }

    async fn read_template(
        &self,
        _ctx: ToolContext,
        params: TemplateParams,
    ) -> Result<ResourceOutput, ResourceError> {
        let id = params.id;
        let data = json!({"id": id, "templateTest": true, "data": format!("Data for ID: {id}")});
        Ok(ResourceOutput::Text(data.to_string()))
    }
}
