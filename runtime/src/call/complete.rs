//! A `completion/complete` request: the values a prompt argument or a variable of a
//! resource template may take, for clients that offer them as the user types.

use rmcp::{
    ErrorData,
    model::{CompleteRequestParams, CompleteResult, CompletionInfo, Reference},
};
use serde_json::{Value, json};

use crate::protocol::{service::McpService, wording::*};

impl McpService {
    /// The declared values of the referenced argument that start with what the user
    /// typed: a template variable's `enum` in its `params_schema`; none for a prompt
    /// argument, which is free text. An unknown prompt, template or argument is -32602.
    pub(crate) fn completion(
        &self,
        request: &CompleteRequestParams,
    ) -> Result<CompleteResult, ErrorData> {
        let argument = request.argument.name.as_str();
        let choices = match &request.r#ref {
            Reference::Prompt(reference) => {
                let name = reference.name.as_str();
                let Some(&index) = self.registry.prompt_index.get(name) else {
                    let known = self.registry.prompts.iter().map(|p| p.def.name.as_str());
                    return Err(no_such("prompt", name, known, argument));
                };
                let declared: Vec<&str> = self.registry.prompts[index]
                    .def
                    .arguments
                    .iter()
                    .map(|a| a.name.as_str())
                    .collect();
                if !declared.contains(&argument) {
                    return Err(no_argument("prompt", name, &declared, argument));
                }
                Vec::new()
            }
            Reference::Resource(reference) => {
                let uri = reference.uri.as_str();
                let templates = &self.registry.templates;
                let Some(template) = templates.iter().find(|t| t.def.uri_template == uri) else {
                    let known = templates.iter().map(|t| t.def.uri_template.as_str());
                    return Err(no_such("resource template", uri, known, argument));
                };
                let variables: Vec<&str> = template.template.variables().collect();
                if !variables.contains(&argument) {
                    return Err(no_argument("resource template", uri, &variables, argument));
                }
                let choices = template
                    .def
                    .params_schema
                    .pointer(&format!("/properties/{argument}/enum"));
                choices
                    .and_then(Value::as_array)
                    .map(|values| values.iter().filter_map(as_text).collect())
                    .unwrap_or_default()
            }
            _ => {
                return Err(ErrorData::invalid_params(
                    "`ref` must be a `ref/prompt` or a `ref/resource`",
                    None,
                ));
            }
        };
        let typed = request.argument.value.as_str();
        let matching: Vec<String> = choices
            .into_iter()
            .filter(|choice| choice.starts_with(typed))
            .collect();
        let total = matching.len();
        let values = matching
            .into_iter()
            .take(CompletionInfo::MAX_VALUES)
            .collect();
        let mut completion = CompletionInfo::new(values).map_err(|e| {
            ErrorData::internal_error(format!("completion values over the limit: {e}"), None)
        })?;
        completion.total = u32::try_from(total).ok();
        completion.has_more = Some(total > CompletionInfo::MAX_VALUES);
        Ok(CompleteResult::new(completion))
    }
}

/// An enum value as the text a user would type: strings as they are, numbers and
/// booleans as JSON writes them.
fn as_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(_) | Value::Bool(_) => Some(value.to_string()),
        _ => None,
    }
}

fn no_such<'a>(
    what: &str,
    name: &str,
    known: impl Iterator<Item = &'a str>,
    argument: &str,
) -> ErrorData {
    let known: Vec<&str> = known.collect();
    ErrorData::invalid_params(
        format!(
            "cannot complete `{argument}`: no {what} `{name}`{}; known: {}",
            suggestion(name, &known),
            list_or_none(&known)
        ),
        Some(json!({"ref": name})),
    )
}

fn no_argument(what: &str, name: &str, declared: &[&str], argument: &str) -> ErrorData {
    ErrorData::invalid_params(
        format!(
            "cannot complete `{argument}`: the {what} `{name}` has no such argument{}; its \
             arguments are: {}",
            suggestion(argument, declared),
            list_or_none(declared)
        ),
        Some(json!({"ref": name, "argument": argument})),
    )
}
