//! Code-first tools: what `#[mcp_tool]`, `#[mcp_tools]` and `#[derive(ToolSchema)]`
//! generate code against (enable the `macros` feature for the attributes themselves).
//!
//! The macros build the same [`ToolDef`] a spec's generated module builds, from the same
//! model and by the same emitter in `mcpgen-codegen`, so a tool declared either way lists
//! byte-identically.

use std::sync::Arc;

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::{ServerBuilder, ToolDef, ToolError, ToolOutput};

/// A tool declared with `#[mcp_tool]` on a free `async fn`.
///
/// The attribute implements it for a zero-sized type named like the function (a type
/// and a function live in different namespaces, so the function stays callable as
/// written). Register it with [`ServerBuilder::add_tool`], as in
/// `Server::builder(info).add_tool::<get_forecast>()`; the attribute's documentation
/// (`mcpgen_macros::mcp_tool`) has a complete, tested example.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a tool declared with `#[mcp_tool]`",
    label = "not an `#[mcp_tool]` function",
    note = "`add_tool::<name>()` takes the name of a free `async fn` marked `#[mcp_tool]`; for the methods of an `#[mcp_tools]` impl block, use `add_tools(value)`"
)]
pub trait CodeTool {
    /// The tool's declaration: name, schemas, annotations, errors, limits.
    fn def() -> ToolDef;

    /// Registers the declaration and a handler that calls the function.
    fn register(builder: ServerBuilder) -> ServerBuilder;
}

/// The tools of an `impl` block marked `#[mcp_tools]`: its methods marked `#[mcp_tool]`,
/// called on one shared instance. Register them with [`ServerBuilder::add_tools`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no `#[mcp_tools]` impl block",
    label = "no tools declared for this type",
    note = "mark an `impl {Self} {{ ... }}` block with `#[mcp_tools]` and its tool methods with `#[mcp_tool]`"
)]
pub trait ToolSet: Send + Sync + 'static {
    /// The declarations, in the order of the methods.
    fn defs() -> Vec<ToolDef>;

    /// Registers every tool of the block, each calling its method on `self`.
    fn register(self: Arc<Self>, builder: ServerBuilder) -> ServerBuilder;
}

/// A Rust type usable as a tool parameter, a field, or a tool's output: its strict JSON
/// Schema (closed objects at every level, enums, ranges, a description on every field).
///
/// Derive it with `#[derive(ToolSchema)]` on a struct with named fields or an enum of unit
/// variants; the derive checks the type with the spec checks at compile time.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no tool schema, so it cannot be a tool parameter, field or output",
    label = "needs `#[derive(ToolSchema)]`",
    note = "add `#[derive(ToolSchema)]` (with serde's `Serialize`/`Deserialize`) to `{Self}`: a struct with named fields or an enum of unit variants"
)]
pub trait ToolSchema {
    /// Whether values are JSON objects (a struct): only objects can be a tool's output.
    const IS_OBJECT: bool;

    /// For enums whose values are documented: the sentence that lists them, appended to
    /// the description of each use site that has its own.
    const DESCRIPTION_NOTE: Option<&'static str> = None;

    /// The schema, with the type's own title and description.
    fn tool_schema() -> Value;
}

impl ServerBuilder {
    /// Register a tool declared with `#[mcp_tool]` on a free function, by naming it:
    /// `.add_tool::<get_forecast>()`. Naming anything else is a compile error.
    #[must_use]
    pub fn add_tool<T: CodeTool>(self) -> Self {
        T::register(self)
    }

    /// Register every `#[mcp_tool]` method of an `impl` block marked `#[mcp_tools]`,
    /// served by `tools`.
    #[must_use]
    pub fn add_tools<T: ToolSet>(self, tools: T) -> Self {
        Arc::new(tools).register(self)
    }

    /// [`ServerBuilder::add_tools`] with an instance you keep a handle on.
    #[must_use]
    pub fn add_shared_tools<T: ToolSet>(self, tools: Arc<T>) -> Self {
        tools.register(self)
    }
}

/// The key of a Rust-declared type's placeholder in a schema literal (as in codegen).
const EXTERNAL_TYPE_KEY: &str = "$mcpgen_type";

/// The key of the marker [`splice_types`] leaves where types contain each other.
pub(crate) const TYPE_CYCLE_KEY: &str = "$mcpgen_type_cycle";

thread_local! {
    /// The Rust-declared types being spliced on this thread, outermost first.
    static EXPANDING: std::cell::RefCell<Vec<&'static str>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A Rust-declared type a schema literal refers to: its name in the literal, its schema,
/// and its [`ToolSchema::DESCRIPTION_NOTE`].
pub type TypeEntry = (&'static str, fn() -> Value, Option<&'static str>);

/// Replaces each placeholder `{"$mcpgen_type": NAME, ...}` in `schema` by the schema of
/// the type `NAME`, merged with the use site's keys as a spec's named type is: the use
/// site's `title` and `description` win (a documented enum's note appended to the
/// description), then the type's keywords, then the use site's `default` and `examples`.
pub fn splice_types(schema: Value, types: &[TypeEntry]) -> Value {
    match schema {
        Value::Object(map) => {
            let placeholder = map.get(EXTERNAL_TYPE_KEY).and_then(Value::as_str);
            if let Some((name, schema_of, note)) =
                placeholder.and_then(|name| types.iter().find(|(n, _, _)| *n == name))
            {
                // Types that contain each other (directly or not) cannot be inlined: leave
                // a marker that `ServerBuilder::build` reports instead of recursing forever.
                let cycle = EXPANDING.with_borrow_mut(|stack| {
                    let start = stack.iter().position(|n| n == name)?;
                    let mut path: Vec<&str> = stack[start..].to_vec();
                    path.push(name);
                    Some(path.join(" -> "))
                });
                if let Some(path) = cycle {
                    let mut marker = Map::new();
                    marker.insert(TYPE_CYCLE_KEY.into(), Value::String(path));
                    return Value::Object(marker);
                }
                EXPANDING.with_borrow_mut(|stack| stack.push(name));
                let schema = schema_of();
                EXPANDING.with_borrow_mut(|stack| stack.pop());
                return merge_use_site(map, schema, *note);
            }
            Value::Object(
                map.into_iter()
                    .map(|(k, v)| (k, splice_types(v, types)))
                    .collect(),
            )
        }
        Value::Array(items) => {
            Value::Array(items.into_iter().map(|v| splice_types(v, types)).collect())
        }
        other => other,
    }
}

/// `shift_remove` keeps the order of the other keys (the order clients see).
fn merge_use_site(mut site: Map<String, Value>, ty: Value, note: Option<&str>) -> Value {
    let Value::Object(mut ty) = ty else {
        return ty;
    };
    let mut out = Map::new();
    if let Some(title) = site
        .shift_remove("title")
        .or_else(|| ty.shift_remove("title"))
    {
        out.insert("title".into(), title);
    }
    let own = site.shift_remove("description");
    let type_description = ty.shift_remove("description");
    let description = match (own, note) {
        (Some(Value::String(mut text)), Some(note)) => {
            if !text.is_empty() && !text.ends_with(' ') {
                text.push(' ');
            }
            text.push_str(note);
            Some(Value::String(text))
        }
        (Some(own), _) => Some(own),
        (None, _) => type_description,
    };
    if let Some(description) = description {
        out.insert("description".into(), description);
    }
    out.extend(ty);
    for key in ["default", "examples"] {
        if let Some(value) = site.shift_remove(key) {
            out.insert(key.into(), value);
        }
    }
    Value::Object(out)
}

/// Parses a schema literal emitted by the macros (valid by construction; the server's
/// `build()` checks it anyway).
pub fn schema(json: &str) -> Value {
    serde_json::from_str(json).unwrap_or_default()
}

/// A tool's result that is not an object, wrapped as `{"result": value}` to fit the
/// object `outputSchema` MCP requires (as the generated module does).
///
/// # Errors
/// [`ToolError::Unexpected`] when `value` does not serialize.
pub fn wrapped_output(value: impl Serialize) -> Result<ToolOutput, ToolError> {
    let value = serde_json::to_value(value).map_err(ToolError::unexpected)?;
    ToolOutput::structured(json!({ "result": value }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn units() -> Value {
        json!({"description": "Measurement system.", "type": "string", "enum": ["metric", "imperial"]})
    }

    #[test]
    fn placeholders_take_the_type_schema_with_the_use_site_keys_in_spec_order() {
        let schema = json!({
            "type": "object",
            "properties": {
                "a": {"$mcpgen_type": "Units", "default": "metric"},
                "b": {"$mcpgen_type": "Units", "description": "Own.", "title": "B"},
                "c": {"type": "array", "items": {"$mcpgen_type": "Units"}}
            }
        });
        let out = splice_types(schema, &[("Units", units, Some("One of `metric`: SI."))]);
        assert_eq!(
            serde_json::to_string(&out["properties"]["a"]).unwrap(),
            r#"{"description":"Measurement system.","type":"string","enum":["metric","imperial"],"default":"metric"}"#
        );
        assert_eq!(
            serde_json::to_string(&out["properties"]["b"]).unwrap(),
            r#"{"title":"B","description":"Own. One of `metric`: SI.","type":"string","enum":["metric","imperial"]}"#
        );
        assert_eq!(out["properties"]["c"]["items"], units());
        let object =
            || json!({"description": "D.", "type": "object", "additionalProperties": false});
        let out = splice_types(json!({"$mcpgen_type": "O"}), &[("O", object, None)]);
        assert_eq!(
            serde_json::to_string(&out).unwrap(),
            r#"{"description":"D.","type":"object","additionalProperties":false}"#
        );
    }

    /// `A` holds a `B` and `B` holds an `A`, as two `#[derive(ToolSchema)]` types would.
    fn type_a() -> Value {
        splice_types(
            json!({"type": "object", "properties": {"b": {"$mcpgen_type": "B"}}}),
            &[("B", type_b, None)],
        )
    }

    fn type_b() -> Value {
        splice_types(
            json!({"type": "object", "properties": {"a": {"$mcpgen_type": "A"}}}),
            &[("A", type_a, None)],
        )
    }

    #[test]
    fn types_that_contain_each_other_leave_a_marker_instead_of_recursing() {
        let out = splice_types(
            json!({"type": "object", "properties": {"x": {"$mcpgen_type": "A"}}}),
            &[("A", type_a, None)],
        );
        assert_eq!(
            out["properties"]["x"]["properties"]["b"]["properties"]["a"],
            json!({TYPE_CYCLE_KEY: "A -> B -> A"})
        );
        // The stack is empty again afterwards: the same type elsewhere splices normally.
        EXPANDING.with_borrow(|stack| assert!(stack.is_empty()));
        let problem = crate::Server::builder(crate::ServerInfo {
            name: "t".into(),
            version: "0.1.0".into(),
            ..Default::default()
        })
        .tool(
            crate::ToolDef {
                name: "t".into(),
                description: "Test.".into(),
                input_schema: out,
                ..Default::default()
            },
            |_ctx, _args| async { Ok(ToolOutput::text("")) },
        )
        .build()
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(
            problem.contains("the types A -> B -> A contain each other"),
            "{problem}"
        );
    }

    #[test]
    fn unknown_placeholders_are_left_alone() {
        let schema = json!({"$mcpgen_type": "Other"});
        assert_eq!(splice_types(schema.clone(), &[]), schema);
    }
}
