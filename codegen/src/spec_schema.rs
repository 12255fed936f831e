//! The JSON Schema of the spec language, generated from the model.
//!
//! `specs/mcpgen.schema.json` is this schema; a test keeps the file in sync. Editors with
//! a YAML language server use it to validate and complete specs as they are typed
//! (`# yaml-language-server: $schema=mcpgen.schema.json`).

use schemars::{Schema, SchemaGenerator, json_schema};

use crate::model::{ErrorCase, Spec};

/// The schema of a whole spec, as pretty JSON with a trailing newline.
pub fn spec_schema_json() -> String {
    let settings = schemars::generate::SchemaSettings::draft2020_12();
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
