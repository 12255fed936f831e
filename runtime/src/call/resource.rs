//! A `resources/read` request: a fixed resource or one a URI template matches.

use std::sync::Arc;

use base64::Engine as _;
use rmcp::{
    ErrorData, RoleServer,
    model::{ReadResourceResult, ResourceContents},
    service::RequestContext,
};
use serde_json::{Value, json};

use crate::observe::record::{Outcome, Recording};
use crate::protocol::service::*;
use crate::{
    declare::resource::{ResourceContent, ResourceError, ResourceOutput},
    declare::uri_template::{UriMatch, coerce_to_schema},
};

impl McpService {
    pub(crate) async fn read(
        &self,
        uri: &str,
        mut context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResult, ErrorData> {
        let record = Recording::of_request(&context);
        if let Some(&index) = self.registry.resource_index.get(uri) {
            let entry = &self.registry.resources[index];
            let mime = entry.def.mime_type.clone();
            let output = match &entry.def.content {
                ResourceContent::Text(text) => ResourceOutput::Text(text.to_string()),
                ResourceContent::Blob(bytes) => ResourceOutput::Blob(bytes.to_vec()),
                ResourceContent::Handler(handler) => {
                    let ctx = self.context(Arc::from(entry.def.name.as_str()), &mut context);
                    run_resource(uri, (handler.0)(ctx), &record).await?
                }
            };
            return Ok(contents(uri, mime, output));
        }
        for entry in &self.registry.templates {
            let mut vars = match entry.template.matches(uri) {
                UriMatch::NoMatch => continue,
                UriMatch::UnknownQuery(names) => {
                    record.outcome(Outcome::InvalidArguments);
                    let known: Vec<&str> = entry.template.variables().collect();
                    return Err(ErrorData::invalid_params(
                        format!(
                            "the query of `{uri}` has parameter(s) {} that the template `{}` does not accept; it accepts: {}",
                            names.join(", "),
                            entry.def.uri_template,
                            known.join(", ")
                        ),
                        Some(json!({"uri": uri})),
                    ));
                }
                UriMatch::Vars(vars) => vars,
            };
            coerce_to_schema(&mut vars, &entry.def.params_schema);
            let mut instance = Value::Object(vars);
            let violations = entry.params.violations(&instance);
            entry.params.prepare(&mut instance);
            if !violations.is_empty() {
                record.outcome(Outcome::InvalidArguments);
                let lines: Vec<String> = violations
                    .iter()
                    .map(|v| format!("{}: {}", v.path, v.message))
                    .collect();
                return Err(ErrorData::invalid_params(
                    format!(
                        "`{uri}` matches the template `{}` but its variables are invalid: {}",
                        entry.def.uri_template,
                        lines.join("; ")
                    ),
                    Some(json!({"uri": uri, "errors": violations})),
                ));
            }
            let Value::Object(vars) = instance else {
                continue;
            };
            let ctx = self.context(Arc::from(entry.def.name.as_str()), &mut context);
            let output = run_resource(uri, (entry.handler)(ctx, vars), &record).await?;
            return Ok(contents(uri, entry.def.mime_type.clone(), output));
        }
        record.outcome(Outcome::NotFound);
        Err(ErrorData::invalid_params(
            format!(
                "no resource at `{uri}`; list the resources with resources/list and the URI templates with resources/templates/list"
            ),
            Some(json!({"uri": uri})),
        ))
    }
}

/// Runs a resource handler in a task of its own (a panic ends only that task).
pub(crate) async fn run_resource(
    uri: &str,
    future: crate::declare::tool::BoxFuture<Result<ResourceOutput, ResourceError>>,
    record: &Recording,
) -> Result<ResourceOutput, ErrorData> {
    let detail = match tokio::spawn(future).await {
        Ok(Ok(output)) => return Ok(output),
        Ok(Err(ResourceError::NotFound(message))) => {
            record.outcome(Outcome::NotFound);
            return Err(ErrorData::invalid_params(
                message,
                Some(json!({"uri": uri})),
            ));
        }
        Ok(Err(ResourceError::Unexpected(error))) => format!("{error:#}"),
        Err(join_error) => format!("the handler failed: {join_error}"),
    };
    record.failed(Outcome::InternalError, detail);
    Err(ErrorData::internal_error(
        format!("unexpected error reading `{uri}`: {TEXT_BUG}"),
        None,
    ))
}

pub(crate) fn contents(
    uri: &str,
    mime: Option<String>,
    output: ResourceOutput,
) -> ReadResourceResult {
    let content = match output {
        ResourceOutput::Text(text) => ResourceContents::TextResourceContents {
            uri: uri.to_owned(),
            mime_type: mime.or_else(|| Some("text/plain".to_owned())),
            text,
            meta: None,
        },
        ResourceOutput::Blob(bytes) => ResourceContents::BlobResourceContents {
            uri: uri.to_owned(),
            mime_type: mime.or_else(|| Some("application/octet-stream".to_owned())),
            blob: base64::engine::general_purpose::STANDARD.encode(bytes),
            meta: None,
        },
    };
    ReadResourceResult::new(vec![content])
}
