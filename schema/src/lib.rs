//! JSON Schema validation with messages a model can act on: which field, what was
//! expected, what was received.
//!
//! The schemas a server advertises come from mcpgen itself (a spec, `#[mcp_tool]`,
//! `#[derive(ToolSchema)]`), and use a small, closed set of JSON Schema 2020-12 keywords.
//! [`CompiledSchema`] compiles exactly that set into a tree checked without allocating
//! on the valid path, and refuses any other keyword when the server is built, so a
//! schema is never advertised with a keyword the server would silently not enforce.
//! A general validator (the `jsonschema` crate, used by the tests as the reference)
//! compiles the 2020-12 meta-schema on first use: 1.5 ms and 3.7 MiB at every start,
//! more than the whole rest of the server's start-up.
//!
//! Besides the keywords mcpgen writes itself, a schema declared as written (a spec's
//! `input_schema`) may use the applicators of 2020-12: `allOf`, `anyOf`, `oneOf`,
//! `not`, `if`/`then`/`else`, and references within the schema (`$ref` to `#`, to a
//! JSON pointer such as `#/$defs/address`, or to an `$anchor`). Remote references and
//! the dynamic and unevaluated keywords are refused.
//!
//! The crate walks a schema in stages: `compile` turns the schema into the tree of
//! `node` (with `compile::keywords` for what each keyword may say), `check` finds the
//! violations of a value, `prepare` fills in defaults, `equality` compares JSON values
//! as JSON Schema does, and `messages` words what is reported.

mod check;
mod compile;
mod equality;
mod messages;
mod node;
mod prepare;

use serde::Serialize;
use serde_json::Value;

pub use messages::{escape_pointer, json_type, render_value};

use check::{Path, check, holds};
use node::Node;

/// A schema compiled once, when the server is built.
pub struct CompiledSchema {
    root: Node,
    /// The schemas `$ref`s point to, each compiled once; a node refers to one by index.
    targets: Vec<Node>,
}

impl std::fmt::Debug for CompiledSchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompiledSchema").finish_non_exhaustive()
    }
}

/// One violation: a JSON pointer into the instance and a sentence about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// Where, as a JSON pointer (`""` is the whole value).
    pub path: String,
    /// What was expected and what was received.
    pub message: String,
}

impl CompiledSchema {
    /// Check that `schema` is a JSON Schema mcpgen can enforce, and compile it.
    pub fn compile(schema: &Value) -> Result<Self, String> {
        Self::compile_at(schema).map_err(|(pointer, what)| {
            let at = if pointer.is_empty() {
                "the root"
            } else {
                &pointer
            };
            format!("it is not a valid JSON Schema (at {at}: {what})")
        })
    }

    /// [`compile`](Self::compile), with the error as a JSON pointer into `schema` and
    /// the reason, so that a caller holding the schema's source (`mcpgen check`) can
    /// point at the line.
    pub fn compile_at(schema: &Value) -> Result<Self, (String, String)> {
        let (root, targets) = compile::compile(schema)?;
        Ok(Self { root, targets })
    }

    /// Every violation of the schema by `instance`, in a stable order (by path, then
    /// message). Allocates nothing when there is none.
    pub fn violations(&self, instance: &Value) -> Vec<Violation> {
        let mut out = Vec::new();
        check(&self.targets, &self.root, instance, &Path::Root, &mut out);
        out.sort_by(|a, b| a.path.cmp(&b.path).then(a.message.cmp(&b.message)));
        out.dedup();
        out
    }

    /// Whether `instance` is valid.
    pub fn is_valid(&self, instance: &Value) -> bool {
        holds(&self.targets, &self.root, instance)
    }

    /// Fills in the `default` of every property the caller left out, at every level the
    /// schema describes (nested objects, array items, the schemas `$ref` points to;
    /// not the subschemas of `allOf`, `anyOf`, `oneOf` or `if`: a default filled in
    /// from one of them could break another, or the object's `additionalProperties`), and
    /// writes whole numbers such as `3.0` at `integer` positions as integers, so
    /// handlers see the values the schema advertises in the form their types expect.
    /// Runs after validation; defaults are checked by `mcpgen check`.
    pub fn prepare(&self, instance: &mut Value) {
        prepare::prepare(&self.targets, &self.root, instance);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn schema() -> CompiledSchema {
        CompiledSchema::compile(&json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["city"],
            "properties": {
                "city": {"type": "string", "minLength": 1, "maxLength": 5},
                "days": {"type": "integer", "minimum": 1, "maximum": 14},
                "units": {"type": "string", "enum": ["metric", "imperial"]},
                "at": {
                    "type": "object",
                    "additionalProperties": false,
                    "properties": {"lat": {"type": "number"}, "lon": {"type": "number"}}
                }
            }
        }))
        .expect("schema compiles")
    }

    /// Each violation as `path: message`.
    fn lines(violations: &[Violation]) -> Vec<String> {
        violations
            .iter()
            .map(|v| format!("{}: {}", v.path, v.message))
            .collect()
    }

    #[test]
    fn messages_name_field_expectation_and_value() {
        let v = schema().violations(&json!({
            "days": 20, "units": "kelvin", "at": {"lat": 1, "x": 2}, "zzz": true
        }));
        let text = lines(&v);
        assert_eq!(
            text,
            vec![
                "/at/x: is not an allowed property; remove it (allowed properties: lat, lon)",
                "/city: is required but missing",
                "/days: expected an integer <= 14, got 20",
                "/units: expected one of \"metric\", \"imperial\", got \"kelvin\"",
                "/zzz: is not an allowed property; remove it (allowed properties: city, days, units, at)",
            ]
        );
    }

    #[test]
    fn type_and_length() {
        let v = schema().violations(&json!({"city": "", "days": "3"}));
        let text = lines(&v);
        assert_eq!(
            text,
            vec![
                "/city: expected a string of at least 1 character, got \"\" (0 characters)",
                "/days: expected an integer, got string \"3\"",
            ]
        );
    }

    #[test]
    fn invalid_schema_is_reported() {
        let err = CompiledSchema::compile(&json!({"type": "objekt"})).expect_err("invalid");
        assert!(err.contains("not a valid JSON Schema"), "{err}");
    }
}

#[cfg(test)]
mod default_tests {
    use super::*;
    use serde_json::json;

    fn compile(schema: &Value) -> CompiledSchema {
        CompiledSchema::compile(schema).expect("schema compiles")
    }

    #[test]
    fn fills_missing_properties_at_every_level() {
        let schema = json!({
            "type": "object",
            "properties": {
                "days": {"type": "integer", "default": 3},
                "units": {"type": "string", "default": "metric"},
                "filters": {"type": "array", "items": {
                    "type": "object",
                    "properties": {"op": {"type": "string", "default": "eq"}}
                }}
            }
        });
        let mut value = json!({"units": "imperial", "filters": [{}, {"op": "ne"}]});
        let mut whole = json!(3.0);
        compile(&json!({"type": "integer"})).prepare(&mut whole);
        assert!(whole.is_i64());
        compile(&schema).prepare(&mut value);
        assert_eq!(
            value,
            json!({"units": "imperial", "filters": [{"op": "eq"}, {"op": "ne"}], "days": 3})
        );
    }
    #[test]
    fn unique_items_hold_once_defaults_are_filled_in() {
        let schema = compile(&json!({
            "type": "array", "uniqueItems": true,
            "items": {"type": "object", "properties": {"a": {"type": "integer", "default": 1}}}
        }));
        // Distinct as sent, equal as the handler would receive them.
        let violations = schema.violations(&json!([{}, {"a": 1}]));
        assert_eq!(violations.len(), 1, "{violations:?}");
        assert!(
            violations[0]
                .message
                .contains("once their defaults are filled in")
        );
        assert!(schema.violations(&json!([{}, {"a": 2}])).is_empty());
    }
}
