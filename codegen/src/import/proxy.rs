//! `mcpgen import --openapi --proxy`: the spec of a server whose tools forward their
//! calls to the API: `upstream:` (where it is, its credentials, from the environment)
//! and, on each tool, the request it makes and the declared errors an upstream failure
//! becomes.

use serde_json::Value;

use super::openapi::OpenApi;
use super::yaml_out::{Entry, Node};
use super::{Imported, finish, spec_entries};
use crate::env::env_prefix;

/// The spec of a proxy to `api`, named `name`.
pub fn import_proxy(api: &OpenApi, name: &str) -> Imported {
    let (mut entries, notes) = spec_entries(&api.listing, name, false);
    let prefix = env_prefix(name);
    let credential_vars: Vec<String> = api
        .credentials
        .iter()
        .map(|c| format!("{prefix}_{}", env_prefix(&c.scheme)))
        .collect();
    if let Some(Node::Map(tools)) = entries
        .iter_mut()
        .find(|e| e.key == "tools")
        .map(|e| &mut e.node)
    {
        for tool in tools.iter_mut() {
            let Some(op) = api.operations.iter().find(|o| o.tool == tool.key) else {
                continue;
            };
            let Node::Map(body) = &mut tool.node else {
                continue;
            };
            let path_args: Vec<&str> = op
                .arguments
                .iter()
                .filter(|(_, at, _)| at == "path")
                .map(|(a, _, _)| a.as_str())
                .collect();
            body.retain(|e| e.key != "errors");
            body.push(Entry::new("errors", errors(&credential_vars, &path_args)));
            body.push(Entry::new("upstream", request(op)));
        }
    }
    let mut upstream = vec![Entry::new(
        "base_url_env",
        Node::str(format!("{prefix}_BASE_URL")),
    )];
    if let Some(url) = &api.base_url {
        upstream.push(Entry::new("base_url", Node::str(url.clone())));
    }
    let credentials: Vec<Node> = api
        .credentials
        .iter()
        .zip(&credential_vars)
        .map(|(c, var)| {
            let mut out = vec![Entry::new(c.place, Node::str(c.name.clone()))];
            if !c.prefix.is_empty() {
                out.push(Entry::new("prefix", Node::str(c.prefix.clone())));
            }
            out.push(Entry::new("env", Node::str(var.clone())));
            Node::Map(out)
        })
        .collect();
    if !credentials.is_empty() {
        upstream.push(Entry::new("credentials", Node::Seq(credentials)));
    }
    upstream.push(Entry::new("timeout_ms", Node::Scalar(Value::from(10_000))));
    entries.push(Entry::new("upstream", Node::Map(upstream)));
    finish(entries, notes)
}

fn request(op: &super::openapi::Operation) -> Node {
    let args = op
        .arguments
        .iter()
        .map(|(arg, at, wire)| {
            let place = match at.as_str() {
                "body" if wire.is_empty() => "body_all".to_owned(),
                _ if wire == arg => at.clone(),
                _ => format!("{at}:{wire}"),
            };
            Entry::new(arg.clone(), Node::str(place))
        })
        .collect();
    Node::Map(vec![
        Entry::new("method", Node::str(op.method.clone())),
        Entry::new("path", Node::str(op.path.clone())),
        Entry::new("args", Node::Map(args)),
    ])
}

/// The declared errors of a proxied tool: what each upstream failure means for the
/// model, and what to check.
fn errors(credential_vars: &[String], path_args: &[&str]) -> Node {
    let detail = || {
        Node::Map(vec![Entry::new(
            "detail",
            Node::Map(vec![
                Entry::new("type", Node::str("string")),
                Entry::new("description", Node::str("What the API said.")),
            ]),
        )])
    };
    let case = |message: String, fields: Node, retryable: bool| {
        let mut out = vec![
            Entry::new("message", Node::str(message)),
            Entry::new("fields", fields),
        ];
        if retryable {
            out.push(Entry::new("retryable", Node::Scalar(Value::Bool(true))));
        }
        Node::Map(out)
    };
    let credentials = if credential_vars.is_empty() {
        "the API's access rules".to_owned()
    } else {
        format!(
            "the server's environment variable {}",
            credential_vars.join(" or ")
        )
    };
    let identifiers = if path_args.is_empty() {
        "the identifiers passed".to_owned()
    } else {
        format!("`{}`", path_args.join("`, `"))
    };
    let retry = Node::Map(vec![Entry::new(
        "retry_after_ms",
        Node::Map(vec![
            Entry::new("type", Node::str("integer")),
            Entry::new(
                "description",
                Node::str("How long to wait before calling again, in milliseconds."),
            ),
        ]),
    )]);
    Node::Map(vec![
        Entry::new(
            "upstream_invalid_arguments",
            case(
                "The API refused the arguments: {detail}. Correct that field and call again."
                    .to_owned(),
                detail(),
                false,
            ),
        ),
        Entry::new(
            "upstream_unauthorized",
            case(
                format!(
                    "The API refused this server's credentials ({{detail}}): check {credentials}."
                ),
                detail(),
                false,
            ),
        ),
        Entry::new(
            "upstream_not_found",
            case(
                format!("The API found nothing there ({{detail}}): check {identifiers}."),
                detail(),
                false,
            ),
        ),
        Entry::new(
            "upstream_rate_limited",
            case(
                "The API is rate limiting this server: call again in {retry_after_ms} ms."
                    .to_owned(),
                retry,
                true,
            ),
        ),
        Entry::new(
            "upstream_unavailable",
            case(
                "The API is unavailable ({detail}); this is temporary: call again later."
                    .to_owned(),
                detail(),
                true,
            ),
        ),
    ])
}
