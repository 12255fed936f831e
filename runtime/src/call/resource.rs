//! A `resources/read` request: a fixed resource or one a URI template matches.

use std::{sync::Arc, time::Instant};

use base64::Engine as _;
use rmcp::{
    ErrorData, RoleServer,
    model::{ReadResourceResult, ResourceContents},
    service::RequestContext,
};
use serde_json::{Value, json};

use crate::call::run::*;
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
        let started = Instant::now();
        if let Some(&index) = self.registry.resource_index.get(uri) {
            let entry = &self.registry.resources[index];
            let mime = entry.def.mime_type.clone();
            let output = match &entry.def.content {
                ResourceContent::Text(text) => ResourceOutput::Text(text.to_string()),
                ResourceContent::Blob(bytes) => ResourceOutput::Blob(bytes.to_vec()),
                ResourceContent::Handler(handler) => {
                    let ctx = self.context(Arc::from(entry.def.name.as_str()), &mut context);
                    run_resource(uri, (handler.0)(ctx)).await?
                }
            };
            tracing::info!(resource = %entry.def.name, duration_ms = elapsed_ms(started), "resource read");
            return Ok(contents(uri, mime, output));
        }
        for entry in &self.registry.templates {
            let mut vars = match entry.template.matches(uri) {
                UriMatch::NoMatch => continue,
                UriMatch::UnknownQuery(names) => {
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
            let output = run_resource(uri, (entry.handler)(ctx, vars)).await?;
            tracing::info!(resource_template = %entry.def.name, duration_ms = elapsed_ms(started), "resource read");
            return Ok(contents(uri, entry.def.mime_type.clone(), output));
        }
        Err(ErrorData::invalid_params(
            format!(
                "no resource at `{uri}`; list the resources with resources/list and the URI templates with resources/templates/list"
            ),
            Some(json!({"uri": uri})),
        ))
    }
}

pub(crate) async fn run_resource(
    uri: &str,
    future: crate::declare::tool::BoxFuture<Result<ResourceOutput, ResourceError>>,
) -> Result<ResourceOutput, ErrorData> {
    match tokio::spawn(future).await {
        Ok(Ok(output)) => Ok(output),
        Ok(Err(ResourceError::NotFound(message))) => Err(ErrorData::invalid_params(
            message,
            Some(json!({"uri": uri})),
        )),
        Ok(Err(ResourceError::Unexpected(error))) => {
            tracing::error!(uri, error = format!("{error:#}"), "resource handler failed");
            Err(ErrorData::internal_error(
                format!("unexpected error reading `{uri}`: {TEXT_BUG}"),
                None,
            ))
        }
        Err(join_error) => {
            tracing::error!(uri, error = %join_error, "resource handler panicked");
            Err(ErrorData::internal_error(
                format!("unexpected error reading `{uri}`: {TEXT_BUG}"),
                None,
            ))
        }
    }
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
