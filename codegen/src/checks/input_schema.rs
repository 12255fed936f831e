//! A tool's `input_schema`: a JSON Schema written out must be one the server enforces
//! exactly as advertised (the runtime's own validator compiles it here), an object
//! schema, and closed at every object it describes.

use serde_json::Value;

use super::{Cx, tick};
use crate::diag::{Code, Diagnostic};
use crate::model::{Name, RawSchema, Tool};

pub(super) fn check(cx: &mut Cx<'_>, name: &Name, tool: &Tool, raw: &RawSchema) {
    let tool_name = tick(&name.value);
    if let Some((first, _)) = tool.params.iter().next() {
        cx.emit(
            Diagnostic::new(
                Code::InputSchema,
                first.span,
                format!("tool {tool_name} declares both `params` and `input_schema`"),
            )
            .with_label("`input_schema` describes the arguments already")
            .with_help(
                "keep one: `params` for typed parameters that mcpgen turns into a schema and \
                 a Rust struct, or `input_schema` for a JSON Schema written out",
            ),
        );
    }
    if raw.value.get("type") != Some(&Value::from("object")) {
        let span = raw.span_of("/type");
        cx.emit(
            Diagnostic::new(
                Code::InputSchema,
                span,
                format!("the `input_schema` of tool {tool_name} is not `type: object`"),
            )
            .with_label("MCP tool arguments are a JSON object")
            .with_help("set `type: object` at the root of the schema"),
        );
    }
    if let Err((pointer, what)) = mcpgen_schema::CompiledSchema::compile_at(&raw.value) {
        let at = if pointer.is_empty() {
            String::new()
        } else {
            format!(" (at {pointer})")
        };
        cx.emit(
            Diagnostic::new(
                Code::InputSchema,
                raw.span_of(&pointer),
                format!("the server cannot enforce the `input_schema` of tool {tool_name}{at}"),
            )
            .with_label(what)
            .with_help(
                "a server enforces exactly the schema it advertises, so it does not start with \
                 a part it could not check: fix this part as the message says",
            ),
        );
    }
    open_objects(cx, &tool_name, raw, &raw.value, &mut String::new());
}

/// `open_object`: an object schema, at a position that describes a value's shape, without
/// `additionalProperties: false` (or a schema for the other properties).
fn open_objects(
    cx: &mut Cx<'_>,
    tool_name: &str,
    raw: &RawSchema,
    schema: &Value,
    pointer: &mut String,
) {
    let Value::Object(map) = schema else {
        return;
    };
    let is_object = map.contains_key("properties")
        || match map.get("type") {
            Some(Value::String(t)) => t == "object",
            Some(Value::Array(types)) => types.iter().any(|t| t == "object"),
            _ => false,
        };
    let closed = map
        .get("additionalProperties")
        .is_some_and(|a| *a != Value::Bool(true));
    if is_object && !closed {
        let span = raw.span_of(&format!("{pointer}/properties"));
        let span = if span == raw.span {
            raw.span_of(pointer)
        } else {
            span
        };
        cx.emit(
            Diagnostic::new(
                Code::OpenObject,
                span,
                format!(
                    "an object of the `input_schema` of tool {tool_name} accepts properties it \
                     does not declare (at {})",
                    if pointer.is_empty() {
                        "the root"
                    } else {
                        pointer.as_str()
                    }
                ),
            )
            .with_label("no `additionalProperties: false`")
            .with_help(
                "add `additionalProperties: false` next to its `properties`, so that a \
                 misspelled argument is reported to the model instead of ignored; if the \
                 schema must stay as written, add `allow: [open_object]` to the tool",
            ),
        );
    }
    let mut enter = |cx: &mut Cx<'_>, segments: &[&str], child: &Value| {
        let before = pointer.len();
        for segment in segments {
            pointer.push('/');
            pointer.push_str(&mcpgen_schema::escape_pointer(segment));
        }
        open_objects(cx, tool_name, raw, child, pointer);
        pointer.truncate(before);
    };
    for (key, value) in map {
        match (key.as_str(), value) {
            ("properties" | "$defs", Value::Object(entries)) => {
                for (name, child) in entries {
                    enter(cx, &[key, name], child);
                }
            }
            ("items" | "additionalProperties", child) => enter(cx, &[key], child),
            _ => {}
        }
    }
}
