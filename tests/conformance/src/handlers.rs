//! The fixture behaviours of the conformance suite, as its reference server
//! (`examples/servers/typescript/everything-server.ts` in modelcontextprotocol/conformance)
//! implements them: same texts, same payloads, same notifications.

use mcpgen_runtime::rmcp::model::{
    ClientResult, ContentBlock, ElicitRequest, ElicitRequestParams, ResourceContents, ServerRequest,
};
use mcpgen_runtime::{LogLevel, ResourceError, ResourceOutput, ToolContext, ToolOutput};
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
