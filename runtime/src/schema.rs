//! JSON Schema validation with messages a model can act on: which field, what was
//! expected, what was received.

use jsonschema::error::{TypeKind, ValidationErrorKind};
use serde::Serialize;
use serde_json::Value;

/// A schema compiled once at build time.
pub(crate) struct CompiledSchema {
    schema: Value,
    validator: jsonschema::Validator,
}

impl std::fmt::Debug for CompiledSchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompiledSchema").finish_non_exhaustive()
    }
}

/// One violation: a JSON pointer into the instance and a sentence about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Violation {
    pub(crate) path: String,
    pub(crate) message: String,
}

impl CompiledSchema {
    /// Check that `schema` is a valid JSON Schema and compile it.
    pub(crate) fn compile(schema: &Value) -> Result<Self, String> {
        if let Err(error) = jsonschema::meta::validate(schema) {
            let at = error.instance_path().as_str();
            let at = if at.is_empty() { "the root" } else { at };
            return Err(format!("it is not a valid JSON Schema (at {at}: {error})"));
        }
        let validator = jsonschema::validator_for(schema).map_err(|error| error.to_string())?;
        Ok(Self {
            schema: schema.clone(),
            validator,
        })
    }

    pub(crate) fn schema(&self) -> &Value {
        &self.schema
    }

    /// Every violation of the schema by `instance`, in a stable order.
    pub(crate) fn violations(&self, instance: &Value) -> Vec<Violation> {
        // The common case, and much cheaper than collecting errors.
        if self.validator.is_valid(instance) {
            return Vec::new();
        }
        let mut out = Vec::new();
        for error in self.validator.iter_errors(instance) {
            let path = error.instance_path().as_str().to_owned();
            let schema_path = error.schema_path().as_str();
            // The schema object holding the failed keyword.
            let parent_path = schema_path
                .rsplit_once('/')
                .map_or("", |(parent, _)| parent);
            let parent = self.schema.pointer(parent_path);
            let received = error.instance();
            match error.kind() {
                ValidationErrorKind::Required { property } => {
                    let name = property.as_str().unwrap_or_default();
                    out.push(Violation {
                        path: format!("{path}/{}", escape_pointer(name)),
                        message: "is required but missing".to_owned(),
                    });
                }
                ValidationErrorKind::AdditionalProperties { unexpected }
                | ValidationErrorKind::UnevaluatedProperties { unexpected } => {
                    let allowed = parent
                        .and_then(|p| p.get("properties"))
                        .and_then(Value::as_object)
                        .map(|props| props.keys().cloned().collect::<Vec<_>>())
                        .unwrap_or_default();
                    let allowed = if allowed.is_empty() {
                        "this object takes no properties".to_owned()
                    } else {
                        format!("allowed properties: {}", allowed.join(", "))
                    };
                    for name in unexpected {
                        out.push(Violation {
                            path: format!("{path}/{}", escape_pointer(name)),
                            message: format!("is not an allowed property; remove it ({allowed})"),
                        });
                    }
                }
                kind => out.push(Violation {
                    path,
                    message: describe(kind, received, parent, &error.to_string()),
                }),
            }
        }
        out.sort_by(|a, b| a.path.cmp(&b.path).then(a.message.cmp(&b.message)));
        out.dedup();
        out
    }
}

fn escape_pointer(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

/// The sentence for one violation: "expected X, got Y".
fn describe(
    kind: &ValidationErrorKind,
    received: &Value,
    parent: Option<&Value>,
    fallback: &str,
) -> String {
    let got = render_value(received);
    let number_word = match parent.and_then(|p| p.get("type")).and_then(Value::as_str) {
        Some("integer") => "an integer",
        _ => "a number",
    };
    match kind {
        ValidationErrorKind::Type { kind } => {
            let expected = match kind {
                TypeKind::Single(t) => with_article(&t.to_string()),
                TypeKind::Multiple(types) => {
                    let names: Vec<String> = types.iter().map(|t| t.to_string()).collect();
                    format!("one of the types {}", names.join(", "))
                }
            };
            format!("expected {expected}, got {} {got}", json_type(received))
        }
        ValidationErrorKind::Enum { options } => {
            let options = match options.as_ref() {
                Value::Array(items) => items.iter().map(render_value).collect::<Vec<_>>(),
                other => vec![render_value(other)],
            };
            format!("expected one of {}, got {got}", options.join(", "))
        }
        ValidationErrorKind::Constant { expected_value } => {
            format!("expected {}, got {got}", render_value(expected_value))
        }
        ValidationErrorKind::Minimum { limit } => {
            format!("expected {number_word} >= {limit}, got {got}")
        }
        ValidationErrorKind::Maximum { limit } => {
            format!("expected {number_word} <= {limit}, got {got}")
        }
        ValidationErrorKind::ExclusiveMinimum { limit } => {
            format!("expected {number_word} > {limit}, got {got}")
        }
        ValidationErrorKind::ExclusiveMaximum { limit } => {
            format!("expected {number_word} < {limit}, got {got}")
        }
        ValidationErrorKind::MultipleOf { multiple_of } => {
            format!("expected a multiple of {multiple_of}, got {got}")
        }
        ValidationErrorKind::MinLength { limit } => format!(
            "expected a string of at least {limit} character{}, got {got} ({} characters)",
            plural(*limit),
            char_count(received)
        ),
        ValidationErrorKind::MaxLength { limit } => format!(
            "expected a string of at most {limit} character{}, got {got} ({} characters)",
            plural(*limit),
            char_count(received)
        ),
        ValidationErrorKind::MinItems { limit } => format!(
            "expected at least {limit} item{}, got {}",
            plural(*limit),
            item_count(received)
        ),
        ValidationErrorKind::MaxItems { limit } => format!(
            "expected at most {limit} item{}, got {}",
            plural(*limit),
            item_count(received)
        ),
        ValidationErrorKind::UniqueItems => "expected unique items, got duplicates".to_owned(),
        ValidationErrorKind::Pattern { pattern } => {
            format!("expected a string matching the pattern {pattern:?}, got {got}")
        }
        ValidationErrorKind::Format { format } => {
            format!("expected a string in the format {format:?}, got {got}")
        }
        _ => fallback.to_owned(),
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn char_count(value: &Value) -> usize {
    value.as_str().map_or(0, |s| s.chars().count())
}

fn item_count(value: &Value) -> usize {
    value.as_array().map_or(0, Vec::len)
}

fn with_article(type_name: &str) -> String {
    match type_name {
        "integer" | "object" | "array" => format!("an {type_name}"),
        "null" => "null".to_owned(),
        other => format!("a {other}"),
    }
}

pub(crate) fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A value as JSON, shortened so a long argument cannot flood the message.
pub(crate) fn render_value(value: &Value) -> String {
    const MAX: usize = 60;
    let text = value.to_string();
    if text.chars().count() <= MAX {
        text
    } else {
        let cut: String = text.chars().take(MAX).collect();
        format!("{cut}…")
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

    #[test]
    fn messages_name_field_expectation_and_value() {
        let v = schema().violations(&json!({
            "days": 20, "units": "kelvin", "at": {"lat": 1, "x": 2}, "zzz": true
        }));
        let text: Vec<String> = v
            .iter()
            .map(|v| format!("{}: {}", v.path, v.message))
            .collect();
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
        let text: Vec<String> = v
            .iter()
            .map(|v| format!("{}: {}", v.path, v.message))
            .collect();
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

/// Fills in the `default` of every property the caller left out, at every level the
/// schema describes (nested objects, array items), and writes whole numbers such as
/// `3.0` at `integer` positions as integers, so handlers see the values the schema
/// advertises in the form their types expect. Runs after validation; defaults are
/// checked by `mcpgen check`.
pub fn apply_defaults(schema: &Value, instance: &mut Value) {
    if schema.get("type").is_some_and(|t| t == "integer") {
        // JSON Schema counts `3.0` as an integer; typed handlers want `3`.
        if instance.is_f64()
            && let Some(whole) = instance
                .as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
        {
            #[allow(clippy::cast_possible_truncation)]
            let whole = whole as i64;
            *instance = Value::from(whole);
        }
        return;
    }
    match instance {
        Value::Object(map) => {
            let Some(Value::Object(properties)) = schema.get("properties") else {
                return;
            };
            for (name, property) in properties {
                match map.get_mut(name) {
                    Some(value) => apply_defaults(property, value),
                    None => {
                        if let Some(default) = property.get("default") {
                            map.insert(name.clone(), default.clone());
                        }
                    }
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for item in items {
                    apply_defaults(item_schema, item);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod default_tests {
    use super::*;
    use serde_json::json;

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
        apply_defaults(&json!({"type": "integer"}), &mut whole);
        assert!(whole.is_i64());
        apply_defaults(&schema, &mut value);
        assert_eq!(
            value,
            json!({"units": "imperial", "filters": [{"op": "eq"}, {"op": "ne"}], "days": 3})
        );
    }
}
