//! The `requestState` and `inputResponses` of an input-required round (2026-07-28).

use std::sync::Arc;

use rmcp::{
    ErrorData,
    model::{InputRequiredResult, InputResponses},
};
use serde_json::json;

use crate::protocol::service::*;

impl McpService {
    /// The `requestState` a client sent back, verified: only a state this server
    /// signed for this tool or prompt gets through.
    pub(crate) fn open_request_state(
        &self,
        scope: StateScope<'_>,
        sealed: &str,
    ) -> Result<Arc<str>, ErrorData> {
        self.registry
            .request_state
            .open_with(sealed, &scope.associated_data())
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .map(Arc::from)
            .ok_or_else(|| {
                let (sent_to, kind, again) = scope.wording();
                ErrorData::invalid_params(
                    format!(
                        "the requestState sent to {sent_to} was not issued by this server for this {kind}, or was modified; \
                         send it back exactly as received, or {again} without requestState and inputResponses to start over"
                    ),
                    Some(json!({"name": scope.name()})),
                )
            })
    }

    /// Signs the `requestState` of an input-required result for `scope`.
    pub(crate) fn seal_request_state(
        &self,
        scope: StateScope<'_>,
        input: &mut InputRequiredResult,
    ) {
        if let Some(state) = input.request_state.take() {
            input.request_state = Some(self.registry.request_state.seal_with(
                state.as_bytes(),
                &rmcp::model::SealOptions::new().associated_data(&scope.associated_data()),
            ));
        }
    }
}

/// What a `requestState` is bound to: a state issued for one tool or prompt is refused
/// by every other.
#[derive(Clone, Copy)]
pub(crate) enum StateScope<'a> {
    Tool(&'a str),
    Prompt(&'a str),
}

impl<'a> StateScope<'a> {
    pub(crate) fn name(self) -> &'a str {
        match self {
            Self::Tool(name) | Self::Prompt(name) => name,
        }
    }

    /// Signed with the state: a tool's bare name (as before prompts had states), or
    /// `prompts/get`, NUL and a prompt's name.
    pub(crate) fn associated_data(self) -> Vec<u8> {
        match self {
            Self::Tool(name) => name.as_bytes().to_vec(),
            Self::Prompt(name) => [b"prompts/get\0".as_slice(), name.as_bytes()].concat(),
        }
    }

    /// Where the state was sent, what kind of thing that is, and how to start over.
    pub(crate) fn wording(self) -> (String, &'static str, String) {
        match self {
            Self::Tool(name) => (format!("`{name}`"), "tool", format!("call `{name}` again")),
            Self::Prompt(name) => (
                format!("the prompt `{name}`"),
                "prompt",
                format!("get the prompt `{name}` again"),
            ),
        }
    }
}

/// What a 2026-07-28 client sends back after an input-required result: the sealed
/// `requestState` and the answers to the server's requests.
pub(crate) struct Round {
    pub(crate) request_state: Option<String>,
    pub(crate) input_responses: Option<InputResponses>,
}

impl Round {
    /// The round a tool call continues, if it is a later round of an exchange.
    pub(crate) fn take(params: &mut rmcp::model::CallToolRequestParams) -> Option<Self> {
        (params.request_state.is_some() || params.input_responses.is_some()).then(|| Self {
            request_state: params.request_state.take(),
            input_responses: params.input_responses.take(),
        })
    }
}

/// The answers of a call that has none, shared rather than allocated per call.
pub(crate) fn no_input_responses() -> Arc<InputResponses> {
    static NONE: std::sync::OnceLock<Arc<InputResponses>> = std::sync::OnceLock::new();
    Arc::clone(NONE.get_or_init(Arc::default))
}

/// The answers a client sent with `inputResponses`: each must be an object (an
/// elicitation, sampling or roots/list result).
pub(crate) fn checked_input_responses(
    name: &str,
    responses: Option<InputResponses>,
) -> Result<InputResponses, ErrorData> {
    let responses = responses.unwrap_or_default();
    if let Some((key, value)) = responses.iter().find(|(_, v)| !v.is_object()) {
        return Err(ErrorData::invalid_params(
            format!(
                "inputResponses.{key} is {}, but each answer must be an object: the client's result for the input request `{key}` \
                 (an elicitation, sampling or roots/list result)",
                crate::schema::json_type(value)
            ),
            Some(json!({"name": name, "inputResponse": key})),
        ));
    }
    Ok(responses)
}
