//! The JSON Schema of the spec language, generated from the model.
//!
//! `specs/mcpgen.schema.json` is this schema; a test keeps the file in sync. Editors with
//! a YAML language server use it to validate and complete specs as they are typed
//! (`# yaml-language-server: $schema=mcpgen.schema.json`).

use schemars::{Schema, SchemaGenerator, json_schema};

use crate::model::{ErrorCase, Spec};

/// The schema of a whole spec, as pretty JSON with a trailing newline.
pub fn spec_schema_json() -> String {
    // Optional keys are left out, never written as `~`: the reader rejects null there,
    // so the schema must not offer it.
    let settings = schemars::generate::SchemaSettings::draft2020_12()
        .with_transform(schemars::transform::RecursiveTransform(drop_null));
    let schema = settings.into_generator().into_root_schema_for::<Spec>();
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

/// A type expression: a type name (`string`, `DayForecast`) or a full type mapping.
pub(crate) fn type_expr(generator: &mut SchemaGenerator) -> Schema {
    let body = generator.subschema_for::<crate::model::Schema>();
    json_schema!({
        "anyOf": [
            { "type": "string", "description": "A type name: string, integer, number, boolean, array, object, or a name under `types:`." },
            body,
        ]
    })
}

/// A tool's `input_schema`: a JSON Schema written out.
pub(crate) fn input_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "object",
        "description": "Instead of `params`: the argument object's JSON Schema (2020-12), advertised as written and enforced exactly. Besides the keywords `params` produce: `$defs` and `$ref` within the schema (`#/$defs/NAME`, `#ANCHOR`), `$anchor`, `allOf`, `anyOf`, `oneOf`, `not`, `if`/`then`/`else`. The root is `type: object`; every object that declares `properties` outside `allOf`/`anyOf`/`oneOf`/`not`/`if` sets `additionalProperties: false` (or the tool allows `open_object`).",
        "properties": { "type": { "const": "object" } },
        "required": ["type"]
    })
}

/// A mapping from names to type expressions (parameters, fields, named types).
pub(crate) fn type_expr_map(generator: &mut SchemaGenerator) -> Schema {
    let value = type_expr(generator);
    json_schema!({
        "type": "object",
        "propertyNames": { "pattern": "^[A-Za-z_][A-Za-z0-9_]*$" },
        "additionalProperties": value,
    })
}

/// Declared errors: name → message template, or name → `{ message, fields, retryable }`.
pub(crate) fn error_map(generator: &mut SchemaGenerator) -> Schema {
    let body = generator.subschema_for::<ErrorCase>();
    json_schema!({
        "type": "object",
        "propertyNames": { "pattern": "^[a-z][a-z0-9_]*$" },
        "additionalProperties": {
            "anyOf": [ { "type": "string", "description": "The message template." }, body ]
        },
    })
}

/// `enum: [a, b]` or `enum: { a: description, b: description }`.
pub(crate) fn enum_values(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "anyOf": [
            { "type": "array", "items": { "type": "string" }, "minItems": 1 },
            { "type": "object", "additionalProperties": { "type": ["string", "null"] } },
        ]
    })
}

/// `format:` a known format (offered by editors) or any other name, kept as an annotation.
pub(crate) fn string_format(_: &mut SchemaGenerator) -> Schema {
    let known: Vec<&str> = crate::model::StringFormat::ALL
        .iter()
        .map(|(s, _)| *s)
        .collect();
    json_schema!({
        "description": "Strings: a JSON Schema format (an annotation: advertised, not enforced). mcpgen checks defaults and examples against the formats it knows.",
        "anyOf": [ { "enum": known }, { "type": "string" } ]
    })
}

/// `mcpgen: 1`.
pub(crate) fn format_version(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "const": 1, "description": "Spec format version. Always `1` for now." })
}

/// A rate such as `30/min`; the same grammar as `rate::parse`.
pub(crate) fn rate(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "string",
        "description": "A rate such as `30/min`, `5/s`, `1000/day`, optionally followed by `burst N`.",
        "pattern": "^\\s*[1-9][0-9]*\\s*/\\s*(s|secs?|seconds?|min|mins|minutes?|h|hr|hours?|d|days?)\\s*(burst\\s+[1-9][0-9]*\\s*)?$"
    })
}

/// Removes the `null` alternative schemars adds for `Option<T>`.
fn drop_null(schema: &mut Schema) {
    let Some(obj) = schema.as_object_mut() else {
        return;
    };
    if let Some(serde_json::Value::Array(types)) = obj.get_mut("type") {
        types.retain(|t| t != "null");
        if types.len() == 1 {
            let single = types.remove(0);
            obj.insert("type".to_owned(), single);
        }
    }
    let is_null = |v: &serde_json::Value| v.get("type").is_some_and(|t| t == "null");
    if let Some(serde_json::Value::Array(any)) = obj.get("anyOf")
        && any.len() == 2
        && any.iter().any(is_null)
    {
        let rest = any.iter().find(|v| !is_null(v)).cloned();
        obj.remove("anyOf");
        if let Some(serde_json::Value::Object(rest)) = rest {
            obj.extend(rest);
        }
    }
}
