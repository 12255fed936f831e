//! Model types to the JSON Schemas clients receive in `tools/list`.
//!
//! The schemas are strict: every object is closed (`additionalProperties: false`) at every
//! level, `required` lists exactly the fields that are not optional, enums are `enum`,
//! ranges, lengths, patterns and formats are keywords, and every property has a
//! description. Named types are inlined rather than referenced: several MCP clients do
//! not resolve `$ref`, and the checks forbid the cycles that would make inlining
//! impossible. The dialect is JSON Schema 2020-12, MCP's default, so no `$schema` is
//! written (some clients choke on it).

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use crate::model::{Kind, Schema, Spec};

/// Named types in scope while emitting schemas.
#[derive(Clone, Copy, Debug)]
pub struct Types<'a> {
    spec: &'a Spec,
    /// Types declared in Rust code (`#[derive(ToolSchema)]`), whose schemas are only
    /// known when the server is built: see [`EXTERNAL_TYPE_KEY`].
    external: &'a BTreeSet<String>,
}

/// The key of the placeholder that stands for a type declared in Rust code.
///
/// `#[mcp_tool]` sees a parameter's type name, not the type's definition. Where such a
/// type is used, the schema holds `{"$mcpgen_type": NAME, ...}` with the use site's own
/// `title`, `description`, `default` and `examples`; the emitted code replaces it, when
/// the server is built, by the type's schema merged with those keys in the order a spec's
/// named type gets (`mcpgen_runtime::__private::splice_types`). Spec tools never
/// contain it.
pub const EXTERNAL_TYPE_KEY: &str = "$mcpgen_type";

static NO_EXTERNAL_TYPES: BTreeSet<String> = BTreeSet::new();

/// How deep named types may nest before emission gives up (only reachable when the
/// checks were skipped: a cycle is an error there).
const MAX_DEPTH: usize = 64;

impl<'a> Types<'a> {
    /// The named types of `spec`.
    pub fn new(spec: &'a Spec) -> Self {
        Self {
            spec,
            external: &NO_EXTERNAL_TYPES,
        }
    }

    /// The named types of `spec`, and types declared in Rust code under the names in
    /// `external` (see [`EXTERNAL_TYPE_KEY`]).
    pub fn with_external(spec: &'a Spec, external: &'a BTreeSet<String>) -> Self {
        Self { spec, external }
    }

    /// The name of the Rust-declared type `schema` refers to, if it does.
    pub fn external_name(&self, schema: &'a Schema) -> Option<&'a str> {
        match schema.kind() {
            Kind::Ref(name) if self.external.contains(name) => Some(name),
            _ => None,
        }
    }

    /// The schema of a named type.
    pub fn get(&self, name: &str) -> Option<&'a Schema> {
        self.spec.types.get(name).map(|t| &t.0)
    }

    /// Follows references until a schema with a builtin kind; `None` if unresolved.
    pub fn resolve(&self, schema: &'a Schema) -> Option<&'a Schema> {
        let mut current = schema;
        for _ in 0..MAX_DEPTH {
            match current.kind() {
                Kind::Ref(name) => current = self.get(name)?,
                Kind::Missing => return None,
                _ => return Some(current),
            }
        }
        None
    }

    /// The description of a schema, or of the named type it refers to.
    pub fn description(&self, schema: &'a Schema) -> Option<&'a str> {
        let mut current = schema;
        for _ in 0..MAX_DEPTH {
            if let Some(d) = &current.description {
                return Some(&d.value);
            }
            match current.kind() {
                Kind::Ref(name) => current = self.get(name)?,
                _ => return None,
            }
        }
        None
    }

    /// Whether the schema is (or refers to) an object. Rust-declared types used as an
    /// output are objects (`#[mcp_tool]` asserts it at compile time).
    pub fn is_object(&self, schema: &'a Schema) -> bool {
        self.external_name(schema).is_some()
            || self
                .resolve(schema)
                .is_some_and(|s| s.kind() == Kind::Object)
    }

    /// The schema of a value of this type, inlined.
    pub fn value_schema(&self, schema: &'a Schema) -> Value {
        self.value_schema_at(schema, 0)
    }

    fn value_schema_at(&self, schema: &'a Schema, depth: usize) -> Value {
        let mut out = Map::new();
        if depth > MAX_DEPTH {
            return Value::Object(out);
        }
        if let Some(name) = self.external_name(schema) {
            return external_placeholder(name, schema);
        }
        let resolved = self.resolve(schema);
        let description = self.description(schema).map(str::to_owned);
        let title = schema
            .title
            .as_ref()
            .or_else(|| resolved.and_then(|r| r.title.as_ref()))
            .map(|t| t.value.clone());
        let Some(body) = resolved else {
            return Value::Object(out);
        };
        // Constraints come from the named type and may be tightened at the use site:
        // the use site's own keywords win (`pick` in each kind's keywords).
        match body.kind() {
            Kind::String | Kind::Enum => string_keywords(&mut out, schema, body),
            Kind::Integer | Kind::Number => number_keywords(&mut out, schema, body),
            Kind::Boolean => {
                out.insert("type".into(), json!("boolean"));
            }
            Kind::Array => self.array_into(&mut out, schema, body, depth),
            Kind::Object => {
                let fields = body.fields.as_ref().map(|f| &f.0[..]).unwrap_or_default();
                self.object_into(
                    &mut out,
                    fields.iter().map(|(n, s)| (n.value.as_str(), s)),
                    depth,
                );
            }
            Kind::Ref(_) | Kind::Missing => {}
        }
        with_head(out, title, description, schema, body)
    }

    /// An array's `type`, `items` and counts into `out`.
    fn array_into(
        &self,
        out: &mut Map<String, Value>,
        schema: &'a Schema,
        body: &'a Schema,
        depth: usize,
    ) {
        let pick = |f: fn(&Schema) -> Option<Value>| f(schema).or_else(|| f(body));
        out.insert("type".into(), json!("array"));
        if let Some(items) = schema.items.as_deref().or(body.items.as_deref()) {
            out.insert("items".into(), self.value_schema_at(items, depth + 1));
        }
        insert_opt(
            out,
            "minItems",
            pick(|s| s.min_items.as_ref().map(|v| json!(v.value))),
        );
        insert_opt(
            out,
            "maxItems",
            pick(|s| s.max_items.as_ref().map(|v| json!(v.value))),
        );
        if pick(|s| s.unique_items.as_ref().map(|v| json!(v.value))) == Some(json!(true)) {
            out.insert("uniqueItems".into(), json!(true));
        }
    }

    fn object_into<'f>(
        &self,
        out: &mut Map<String, Value>,
        fields: impl Iterator<Item = (&'f str, &'a Schema)>,
        depth: usize,
    ) {
        out.insert("type".into(), json!("object"));
        let mut properties = Map::new();
        let mut required = Vec::new();
        for (name, field) in fields {
            properties.insert(name.to_owned(), self.value_schema_at(field, depth + 1));
            if !field.is_optional() {
                required.push(json!(name));
            }
        }
        if !properties.is_empty() {
            out.insert("properties".into(), Value::Object(properties));
        }
        if !required.is_empty() {
            out.insert("required".into(), Value::Array(required));
        }
        out.insert("additionalProperties".into(), json!(false));
    }

    /// The closed object schema of a parameter list (a tool's input, a template's variables).
    pub fn params_schema<'f>(
        &self,
        params: impl IntoIterator<Item = (&'f str, &'a Schema)>,
    ) -> Value {
        let mut out = Map::new();
        self.object_into(&mut out, params.into_iter(), 0);
        Value::Object(out)
    }

    /// The output schema of a tool. MCP requires an object at the root; any other type is
    /// wrapped as `{ "result": value }`, and the generated code wraps the value likewise.
    pub fn output_schema(&self, output: &'a Schema) -> Value {
        if self.is_object(output) {
            return self.value_schema(output);
        }
        json!({
            "type": "object",
            "properties": { OUTPUT_WRAPPER_FIELD: self.value_schema(output) },
            "required": [OUTPUT_WRAPPER_FIELD],
            "additionalProperties": false,
        })
    }
}

/// A string's `type`, `enum`, lengths, pattern and format into `out`.
fn string_keywords(out: &mut Map<String, Value>, schema: &Schema, body: &Schema) {
    let pick = |f: fn(&Schema) -> Option<Value>| f(schema).or_else(|| f(body));
    out.insert("type".into(), json!("string"));
    if let Some(values) = &body.enum_values {
        out.insert(
            "enum".into(),
            Value::Array(values.value.iter().map(|v| json!(v.value.value)).collect()),
        );
    }
    insert_opt(
        out,
        "minLength",
        pick(|s| s.min_length.as_ref().map(|v| json!(v.value))),
    );
    insert_opt(
        out,
        "maxLength",
        pick(|s| s.max_length.as_ref().map(|v| json!(v.value))),
    );
    insert_opt(
        out,
        "pattern",
        pick(|s| s.pattern.as_ref().map(|v| json!(v.value))),
    );
    insert_opt(
        out,
        "format",
        pick(|s| s.format.as_ref().map(|v| json!(v.value.as_str()))),
    );
}

/// A number's `type` and range into `out`; an integer's range is at most `i64`'s.
fn number_keywords(out: &mut Map<String, Value>, schema: &Schema, body: &Schema) {
    let pick = |f: fn(&Schema) -> Option<Value>| f(schema).or_else(|| f(body));
    let integer = body.kind() == Kind::Integer;
    out.insert(
        "type".into(),
        json!(if integer { "integer" } else { "number" }),
    );
    let bound = |v: f64| number(v, integer);
    insert_opt(
        out,
        "minimum",
        pick(|s| s.minimum.as_ref().map(|v| json!(v.value)))
            .and_then(|v| v.as_f64())
            .map(bound),
    );
    insert_opt(
        out,
        "maximum",
        pick(|s| s.maximum.as_ref().map(|v| json!(v.value)))
            .and_then(|v| v.as_f64())
            .map(bound),
    );
    if integer {
        // Generated handlers take `i64`: advertise its range so that what the
        // schema accepts is what the server accepts. An integer mirrored into
        // a header stays within what JavaScript clients hold exactly.
        let (min, max) = if schema.header.is_some() {
            let safe = crate::checks::MAX_SAFE_INTEGER;
            (-safe, safe)
        } else {
            (i64::MIN, i64::MAX)
        };
        out.entry("minimum").or_insert(json!(min));
        out.entry("maximum").or_insert(json!(max));
    }
}

/// `out` after the title and description, with the header, default and examples.
fn with_head(
    out: Map<String, Value>,
    title: Option<String>,
    description: Option<String>,
    schema: &Schema,
    body: &Schema,
) -> Value {
    let mut head = Map::new();
    if let Some(title) = title {
        head.insert("title".into(), json!(title));
    }
    if let Some(mut description) = description {
        if let Some(values) = &body.enum_values {
            append_enum_descriptions(&mut description, &values.value);
        }
        head.insert("description".into(), json!(description));
    }
    head.extend(out);
    if let Some(header) = &schema.header {
        head.insert("x-mcp-header".into(), json!(header.value));
    }
    insert_default_and_examples(&mut head, schema);
    Value::Object(head)
}

/// The field a non-object tool output is wrapped in.
pub const OUTPUT_WRAPPER_FIELD: &str = "result";

fn insert_opt(out: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    if let Some(value) = value {
        out.insert(key.to_owned(), value);
    }
}

/// Whole numbers print as integers (`1`, not `1.0`), which integer schemas need.
fn number(v: f64, integer: bool) -> Value {
    #[allow(clippy::cast_possible_truncation)]
    if (integer || v.fract() == 0.0) && v.abs() < 9.0e15 {
        json!(v as i64)
    } else {
        json!(v)
    }
}

/// Values with descriptions are listed in the description, where every client shows
/// them; `enum` itself cannot carry per-value descriptions.
fn append_enum_descriptions(description: &mut String, values: &[crate::model::EnumValue]) {
    if let Some(note) = enum_note(values) {
        append_note(description, &note);
    }
}

/// The sentence that lists an enum's values with their descriptions ("One of `a`: ...;
/// `b`."), when any value has one.
pub fn enum_note(values: &[crate::model::EnumValue]) -> Option<String> {
    if values.iter().all(|v| v.description.is_none()) {
        return None;
    }
    let parts: Vec<String> = values
        .iter()
        .map(|v| match &v.description {
            Some(d) => format!("`{}`: {}", v.value.value, d.value.trim_end_matches('.')),
            None => format!("`{}`", v.value.value),
        })
        .collect();
    Some(format!("One of {}.", parts.join("; ")))
}

/// `description`, a space, and `note` (the runtime does the same for Rust-declared enums).
fn append_note(description: &mut String, note: &str) {
    if !description.is_empty() && !description.ends_with(' ') {
        description.push(' ');
    }
    description.push_str(note);
}

/// The placeholder of a Rust-declared type at a use site: its name and the use site's
/// own keywords.
fn external_placeholder(name: &str, schema: &Schema) -> Value {
    let mut out = Map::new();
    out.insert(EXTERNAL_TYPE_KEY.into(), json!(name));
    if let Some(title) = &schema.title {
        out.insert("title".into(), json!(title.value));
    }
    if let Some(description) = &schema.description {
        out.insert("description".into(), json!(description.value));
    }
    insert_default_and_examples(&mut out, schema);
    Value::Object(out)
}

/// A use site's own `default` and `examples`, which come after the type's keywords.
fn insert_default_and_examples(out: &mut Map<String, Value>, schema: &Schema) {
    if let Some(default) = &schema.default {
        out.insert("default".into(), default.value.clone());
    }
    if let Some(examples) = &schema.examples {
        out.insert(
            "examples".into(),
            Value::Array(examples.iter().map(|e| e.value.clone()).collect()),
        );
    }
}
