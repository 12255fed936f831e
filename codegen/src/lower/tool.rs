//! Tools: annotations, declared errors, schemas written out, task support, and what a
//! result over the size limit becomes.

use super::values::keyword;
use super::{FromNode, Reader, keys};
use crate::model::*;
use crate::source::{Sp, Span};
use crate::yaml::Node;

impl FromNode for Sp<ClientCapability> {
    const EXPECTED: &'static str = "`sampling`, `elicitation` or `roots`";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        keyword(r, node, "client capability", ClientCapability::ALL)
    }
}

impl FromNode for Tool {
    const EXPECTED: &'static str = "a tool";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        let f = r.fields(node, "a tool", keys::TOOL)?;
        Some(Tool {
            span: node.span,
            title: r.opt(&f, "title"),
            description: r.opt(&f, "description"),
            annotations: r.opt(&f, "annotations").unwrap_or_default(),
            scopes: r.list_or_default(&f, "scopes"),
            anonymous: r.opt(&f, "anonymous"),
            client_capabilities: r.list_or_default(&f, "client_capabilities"),
            rate_limit: r.opt(&f, "rate_limit"),
            timeout_ms: r.opt(&f, "timeout_ms"),
            max_response_bytes: r.opt(&f, "max_response_bytes"),
            rate_limit_per_agent: r.opt(&f, "rate_limit_per_agent"),
            max_concurrent_calls: r.opt(&f, "max_concurrent_calls"),
            on_large_response: r.opt(&f, "on_large_response"),
            circuit_breaker: r.opt(&f, "circuit_breaker"),
            idempotency: r.opt(&f, "idempotency"),
            disabled: r.opt(&f, "disabled"),
            task: r.opt(&f, "task"),
            task_start: r.opt(&f, "task_start"),
            params: r.opt(&f, "params").unwrap_or_default(),
            input_schema: r.opt(&f, "input_schema"),
            output: r.opt(&f, "output"),
            errors: r.opt(&f, "errors").unwrap_or_default(),
            allow: r.list_or_default(&f, "allow"),
            audit: r.opt(&f, "audit"),
            upstream: r.opt(&f, "upstream"),
        })
    }
}

impl FromNode for ToolAuditSpec {
    const EXPECTED: &'static str = "a tool's audit settings";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        let f = r.fields(node, "a tool's `audit`", keys::TOOL_AUDIT)?;
        Some(ToolAuditSpec {
            arguments: r.opt(&f, "arguments"),
        })
    }
}

impl FromNode for Sp<AuditArguments> {
    const EXPECTED: &'static str = "`none` or `summary`";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        keyword(
            r,
            node,
            "audit arguments mode",
            &[
                ("none", AuditArguments::None),
                ("summary", AuditArguments::Summary),
            ],
        )
    }
}

impl FromNode for RawSchema {
    const EXPECTED: &'static str = "a JSON Schema (a mapping)";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        if !matches!(node.value, Node::Map(_)) {
            r.wrong_type(node, Self::EXPECTED);
            return None;
        }
        /// Every key and item, by JSON pointer.
        fn walk(node: &Sp<Node>, pointer: &mut String, out: &mut Vec<(String, Span)>) {
            let mut enter = |segment: &str, span: Span, child: &Sp<Node>, out: &mut Vec<_>| {
                let before = pointer.len();
                pointer.push('/');
                pointer.push_str(&mcpgen_schema::escape_pointer(segment));
                out.push((pointer.clone(), span));
                walk(child, pointer, out);
                pointer.truncate(before);
            };
            match &node.value {
                Node::Map(entries) => {
                    for (key, child) in entries {
                        enter(&key.value, key.span, child, out);
                    }
                }
                Node::Seq(items) => {
                    for (index, child) in items.iter().enumerate() {
                        enter(&index.to_string(), child.span, child, out);
                    }
                }
                _ => {}
            }
        }
        let mut spans = Vec::new();
        walk(node, &mut String::new(), &mut spans);
        Some(RawSchema {
            span: node.span,
            value: node.value.to_json(),
            spans,
        })
    }
}

impl FromNode for Annotations {
    const EXPECTED: &'static str = "annotations";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        let f = r.fields(node, "`annotations`", keys::ANNOTATIONS)?;
        Some(Annotations {
            read_only: r.opt(&f, "read_only"),
            destructive: r.opt(&f, "destructive"),
            idempotent: r.opt(&f, "idempotent"),
            open_world: r.opt(&f, "open_world"),
        })
    }
}

impl FromNode for ErrorCase {
    const EXPECTED: &'static str = "a message template, or a mapping with `message`";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        if let Node::Str(s) = &node.value {
            return Some(ErrorCase {
                message: Sp::new(s.clone(), node.span),
                fields: NamedMap::default(),
                retryable: None,
            });
        }
        let f = r.fields(node, "an error case", keys::ERROR_CASE)?;
        Some(ErrorCase {
            message: r.req(&f, "message")?,
            fields: r.opt(&f, "fields").unwrap_or_default(),
            retryable: r.opt(&f, "retryable"),
        })
    }
}

impl FromNode for Sp<LargeResponse> {
    const EXPECTED: &'static str = "`error` or `truncate`";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        keyword(
            r,
            node,
            "large-response mode",
            &[
                ("error", LargeResponse::Error),
                ("truncate", LargeResponse::Truncate),
            ],
        )
    }
}

impl FromNode for Sp<TaskSupport> {
    const EXPECTED: &'static str = "`optional` or `required`";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        keyword(
            r,
            node,
            "task support",
            &[
                ("optional", TaskSupport::Optional),
                ("required", TaskSupport::Required),
            ],
        )
    }
}

impl FromNode for Sp<TaskStart> {
    const EXPECTED: &'static str = "`at_once` or `by_handler`";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        keyword(
            r,
            node,
            "task start",
            &[
                ("at_once", TaskStart::AtOnce),
                ("by_handler", TaskStart::ByHandler),
            ],
        )
    }
}
