//! A `prompts/get` request: arguments checked, messages rendered or built by a handler.

use std::sync::Arc;

use rmcp::{
    ErrorData, RoleServer,
    model::{GetPromptRequestParams, GetPromptResponse, GetPromptResult, PromptMessage},
    service::RequestContext,
};
use serde_json::{Value, json};

use crate::call::{run::*, state::*};
use crate::observe::record::{Outcome, Recording};
use crate::protocol::{service::*, wording::*};
use crate::{
    declare::registry::PromptEntry,
    declare::registry::prompt_template_key,
    declare::resource::{PromptContent, PromptError, PromptHandler, PromptOutput, Role},
};

impl McpService {
    pub(crate) async fn prompt(
        &self,
        mut params: GetPromptRequestParams,
        mut context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, ErrorData> {
        let record = Recording::of_request(&context);
        let name = params.name.as_str();
        let Some(&index) = self.registry.prompt_index.get(name) else {
            record.outcome(Outcome::NotFound);
            let known: Vec<&str> = self
                .registry
                .prompts
                .iter()
                .map(|p| p.def.name.as_str())
                .collect();
            return Err(ErrorData::invalid_params(
                format!(
                    "unknown prompt `{name}`{}; known prompts: {}",
                    suggestion(name, &known),
                    list_or_none(&known)
                ),
                Some(json!({"name": name})),
            ));
        };
        let entry = &self.registry.prompts[index];
        let prompt = &entry.def;
        let arguments = params.arguments.take().unwrap_or_default();
        if let Err(error) = checked_arguments(prompt, &arguments) {
            record.outcome(Outcome::InvalidArguments);
            return Err(error);
        }
        if let Some(handler) = &entry.handler {
            return self
                .run_prompt(entry, handler, params, arguments, &mut context, &record)
                .await;
        }
        let render = |i: usize, suffix: &str| {
            let key = prompt_template_key(name, i) + suffix;
            self.registry
                .prompt_texts
                .render(&key, &arguments)
                .map_err(|error| {
                    let detail = format!("message {} failed to render: {error}", i + 1);
                    record.failed(Outcome::InternalError, detail);
                    ErrorData::internal_error(
                        format!("prompt `{name}` failed to render; {TEXT_BUG}"),
                        None,
                    )
                })
        };
        let mut messages = Vec::new();
        for (i, (role, content)) in prompt.messages.iter().enumerate() {
            let rendered = match content {
                PromptContent::Text(_) => PromptContent::Text(render(i, "")?),
                PromptContent::Image { .. } => content.clone(),
                PromptContent::Resource { mime_type, .. } => PromptContent::Resource {
                    uri: render(i, ".uri")?,
                    mime_type: mime_type.clone(),
                    text: render(i, "")?,
                },
            };
            messages.push(wire_message(*role, rendered));
        }
        let mut result = GetPromptResult::new(messages);
        result.description = prompt.description.clone();
        Ok(result.into())
    }

    /// Runs the handler of a prompt, with the request's verified `requestState` and
    /// answers, under the server's default timeout.
    pub(crate) async fn run_prompt(
        &self,
        entry: &PromptEntry,
        handler: &PromptHandler,
        mut params: GetPromptRequestParams,
        arguments: serde_json::Map<String, Value>,
        context: &mut RequestContext<RoleServer>,
        record: &Recording,
    ) -> Result<GetPromptResponse, ErrorData> {
        let name = entry.def.name.as_str();
        let scope = StateScope::Prompt(name);
        let mut ctx = self.context(Arc::from(name), context);
        let refused = |error| {
            record.outcome(Outcome::ProtocolError);
            error
        };
        if let Some(sealed) = &params.request_state {
            ctx.request_state = Some(self.open_request_state(scope, sealed).map_err(refused)?);
        }
        let responses = checked_input_responses(name, params.input_responses.take());
        ctx.input_responses = Arc::new(responses.map_err(refused)?);
        let cancellation = ctx.cancellation.clone();
        let timeout = self.registry.default_timeout;
        let ended = run_handler(handler(ctx, arguments), timeout, std::future::pending()).await;
        let bug = |detail: String| {
            record.failed(Outcome::InternalError, detail);
            ErrorData::internal_error(
                format!("unexpected error in prompt `{name}`: {TEXT_BUG}"),
                None,
            )
        };
        let output = match ended {
            Ended::TimedOut | Ended::Cancelled => {
                cancellation.cancel();
                let limit_ms = timeout.map_or(0, |t| t.as_millis());
                record.failed(Outcome::Timeout, format!("no answer within {limit_ms} ms"));
                return Err(ErrorData::internal_error(
                    format!(
                        "the prompt `{name}` did not finish within the server's time limit of {limit_ms} ms and was stopped; try again later"
                    ),
                    None,
                ));
            }
            Ended::Panicked(text) => return Err(bug(format!("the handler panicked: {text}"))),
            Ended::Finished(Err(PromptError::InvalidArguments(message))) => {
                record.outcome(Outcome::InvalidArguments);
                return Err(ErrorData::invalid_params(
                    message,
                    Some(json!({"name": name})),
                ));
            }
            Ended::Finished(Err(PromptError::Unexpected(error))) => {
                return Err(bug(format!("{error:#}")));
            }
            Ended::Finished(Ok(output)) => output,
        };
        match output {
            PromptOutput::InputRequired(mut input) => {
                self.seal_request_state(scope, &mut input);
                record.outcome(Outcome::InputRequired);
                Ok(GetPromptResponse::InputRequired(input))
            }
            PromptOutput::Messages(messages) => {
                let messages = messages
                    .into_iter()
                    .map(|(role, content)| wire_message(role, content))
                    .collect();
                let mut result = GetPromptResult::new(messages);
                result.description = entry.def.description.clone();
                Ok(result.into())
            }
        }
    }
}

pub(crate) fn wire_message(role: Role, content: PromptContent) -> PromptMessage {
    let role = match role {
        Role::User => rmcp::model::Role::User,
        Role::Assistant => rmcp::model::Role::Assistant,
    };
    match content {
        PromptContent::Text(text) => PromptMessage::new_text(role, text),
        PromptContent::Image { data, mime_type } => {
            PromptMessage::new_image(role, &data, &mime_type, None, None)
        }
        PromptContent::Resource {
            uri,
            mime_type,
            text,
        } => PromptMessage::new_resource(role, uri, mime_type, Some(text), None, None, None),
    }
}

/// The arguments of a `prompts/get`, held to the prompt's declaration: no unknown ones,
/// every required one, all strings.
fn checked_arguments(
    prompt: &crate::declare::resource::PromptDef,
    arguments: &serde_json::Map<String, Value>,
) -> Result<(), ErrorData> {
    let name = prompt.name.as_str();
    let declared: Vec<&str> = prompt.arguments.iter().map(|a| a.name.as_str()).collect();
    let unknown: Vec<&str> = arguments
        .keys()
        .map(String::as_str)
        .filter(|k| !declared.contains(k))
        .collect();
    if !unknown.is_empty() {
        return Err(ErrorData::invalid_params(
            format!(
                "prompt `{name}` has no argument(s) {}; its arguments are: {}",
                quote_list(&unknown),
                list_or_none(&declared)
            ),
            Some(json!({"unknown": unknown})),
        ));
    }
    let missing: Vec<&str> = prompt
        .arguments
        .iter()
        .filter(|a| a.required && !arguments.contains_key(&a.name))
        .map(|a| a.name.as_str())
        .collect();
    if !missing.is_empty() {
        return Err(ErrorData::invalid_params(
            format!(
                "prompt `{name}` needs the argument(s) {}; pass them in `arguments`",
                quote_list(&missing)
            ),
            Some(json!({"missing": missing})),
        ));
    }
    let not_strings: Vec<&str> = arguments
        .iter()
        .filter(|(_, v)| !v.is_string())
        .map(|(k, _)| k.as_str())
        .collect();
    if !not_strings.is_empty() {
        return Err(ErrorData::invalid_params(
            format!(
                "the argument(s) {} of prompt `{name}` are not strings; prompt arguments are always strings: pass `\"3\"`, not `3`",
                quote_list(&not_strings)
            ),
            Some(json!({"notStrings": not_strings})),
        ));
    }
    Ok(())
}
