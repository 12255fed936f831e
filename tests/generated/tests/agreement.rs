//! The JSON Schemas a generated server advertises and the Rust types it deserializes
//! into accept the same values.
//!
//! For every tool of every example spec, samples are derived from the advertised
//! schema itself: valid ones (required properties only, all properties, the boundaries
//! of every range, length and item count, every enum value, at every nesting level) and
//! invalid mutations of a valid one (an extra property, a missing required property, a
//! wrong type, a value out of range, an enum value that is not listed, at every
//! level). Valid inputs must pass the schema and, with defaults filled in as the
//! runtime does, deserialize into `<Tool>Input`; valid outputs must deserialize into
//! `<Tool>Output` and serialize back to the same value. Invalid values must fail the
//! schema, and the structural mutations must fail the Rust type too. Of every sample
//! the Rust type accepts, its own checks (`SatisfiesSchema`, which the runtime trusts
//! instead of validating a generated output's JSON) must agree with the server's
//! validator on the JSON it serializes back to.
#![cfg(feature = "compile")]

use std::collections::BTreeSet;
use std::fmt::Debug;

use mcpgen_generated_snapshots::{issue_tracker, sql_query, weather};
use mcpgen_runtime::__private::SatisfiesSchema;
use mcpgen_runtime::ToolDef;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

// ---------------------------------------------------------------------------------
// Samples from a schema

/// The keys of the schemas mcpgen emits; a new one means this generator must learn it.
const KNOWN_KEYS: &[&str] = &[
    "type",
    "description",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "enum",
    "default",
    "format",
    // Names the HTTP header a 2026-07-28 client mirrors the value into; it constrains
    // the request's headers, not the value, so it adds no sample.
    "x-mcp-header",
];

fn check_known_keys(schema: &Value, at: &str) {
    let Some(object) = schema.as_object() else {
        panic!("{at}: schema is not an object: {schema}");
    };
    for key in object.keys() {
        assert!(
            KNOWN_KEYS.contains(&key.as_str()),
            "{at}: schema keyword `{key}` is new; teach tests/agreement.rs about it"
        );
    }
    if let Some(Value::Object(properties)) = object.get("properties") {
        for (name, property) in properties {
            check_known_keys(property, &format!("{at}/properties/{name}"));
        }
    }
    if let Some(items) = object.get("items") {
        check_known_keys(items, &format!("{at}/items"));
    }
}

fn kind(schema: &Value) -> &str {
    schema
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("schema without a single `type`: {schema}"))
}

fn int(schema: &Value, key: &str) -> Option<i64> {
    schema.get(key).and_then(Value::as_i64)
}

fn uint(schema: &Value, key: &str) -> Option<usize> {
    schema
        .get(key)
        .and_then(Value::as_u64)
        .map(|n| usize::try_from(n).expect("small count"))
}

fn float(schema: &Value, key: &str) -> Option<f64> {
    schema.get(key).and_then(Value::as_f64)
}

fn properties(schema: &Value) -> Vec<(&String, &Value)> {
    schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| p.iter().collect())
        .unwrap_or_default()
}

fn required(schema: &Value) -> Vec<&str> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// A string of `n` characters; multi-byte ones, since lengths count characters.
fn string_of(n: usize) -> String {
    "é".repeat(n)
}

/// The `i`-th of a series of distinct valid strings (for unique items), if there is
/// room for one in the length bounds.
fn distinct_string(schema: &Value, i: usize) -> Option<String> {
    let min = uint(schema, "minLength").unwrap_or(0);
    let max = uint(schema, "maxLength").unwrap_or(usize::MAX);
    let mut s = format!("v{i}");
    while s.chars().count() < min {
        s.push('x');
    }
    (s.chars().count() <= max).then_some(s)
}

/// Distinct valid values of `schema`, `n` of them if it has that many.
fn distinct_values(schema: &Value, n: usize) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for v in valid_samples(schema) {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    let mut i = 0;
    while out.len() < n && kind(schema) == "string" && schema.get("enum").is_none() && i < 10 * n {
        if let Some(s) = distinct_string(schema, i) {
            let v = Value::String(s);
            if !out.contains(&v) {
                out.push(v);
            }
        }
        i += 1;
    }
    out.truncate(n);
    out
}

/// Valid values of `schema`; the first is the "ordinary" one other samples start from.
fn valid_samples(schema: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    if let Some(default) = schema.get("default") {
        out.push(default.clone());
    }
    if let Some(Value::Array(values)) = schema.get("enum") {
        out.extend(values.iter().cloned());
        return out;
    }
    match kind(schema) {
        "object" => {
            let props = properties(schema);
            let req = required(schema);
            let firsts: Vec<(&String, Value)> = props
                .iter()
                .map(|(name, p)| (*name, first_valid(p)))
                .collect();
            let full: Map<String, Value> = firsts
                .iter()
                .map(|(n, v)| ((*n).clone(), v.clone()))
                .collect();
            let minimal: Map<String, Value> = full
                .iter()
                .filter(|(n, _)| req.contains(&n.as_str()))
                .map(|(n, v)| (n.clone(), v.clone()))
                .collect();
            out.push(Value::Object(full.clone()));
            out.push(Value::Object(minimal.clone()));
            // Every valid value of every property, in an otherwise ordinary object
            // (the full one, and the minimal one for required properties).
            for (name, p) in &props {
                for v in valid_samples(p).into_iter().skip(1) {
                    let mut object = full.clone();
                    object.insert((*name).clone(), v.clone());
                    out.push(Value::Object(object));
                    if req.contains(&name.as_str()) {
                        let mut object = minimal.clone();
                        object.insert((*name).clone(), v);
                        out.push(Value::Object(object));
                    }
                }
            }
        }
        "array" => {
            let items = schema.get("items").expect("arrays have `items`");
            let min = uint(schema, "minItems").unwrap_or(0);
            let max = uint(schema, "maxItems");
            let unique = schema.get("uniqueItems") == Some(&Value::Bool(true));
            let many = |n: usize| -> Option<Value> {
                let values = if unique {
                    distinct_values(items, n)
                } else {
                    std::iter::repeat_n(first_valid(items), n).collect()
                };
                (values.len() == n).then_some(Value::Array(values))
            };
            // An ordinary array: a couple of items, within the bounds.
            let ordinary = 2.clamp(min, max.unwrap_or(usize::MAX));
            out.extend(many(ordinary));
            out.extend(many(min));
            if let Some(max) = max {
                out.extend(many(max));
            }
            // Every valid item value, each on its own (padded to minItems).
            if max.is_none_or(|max| max >= min.max(1)) {
                for item in valid_samples(items) {
                    let mut values = vec![item.clone()];
                    let mut pad = distinct_values(items, min + 1).into_iter();
                    while values.len() < min {
                        match pad.next() {
                            Some(p) if !unique || !values.contains(&p) => values.push(p),
                            Some(_) => {}
                            None => break,
                        }
                    }
                    if values.len() >= min {
                        out.push(Value::Array(values));
                    }
                }
            }
        }
        "string" => match schema.get("format").and_then(Value::as_str) {
            Some("date") => out.extend([json!("2024-02-29"), json!("1999-12-31")]),
            Some("date-time") => {
                out.extend([
                    json!("2024-02-29T12:30:00Z"),
                    json!("2024-02-29T12:30:00+01:00"),
                ]);
            }
            Some("email") => out.push(json!("alice@example.com")),
            Some(other) => panic!("string format `{other}` is new; teach tests/agreement.rs"),
            None => {
                let min = uint(schema, "minLength").unwrap_or(0);
                let max = uint(schema, "maxLength");
                let mut ordinary: String = "Zurich".chars().take(max.unwrap_or(6)).collect();
                while ordinary.chars().count() < min {
                    ordinary.push('x');
                }
                out.push(json!(ordinary));
                out.push(json!(string_of(min)));
                if let Some(max) = max {
                    out.push(json!(string_of(max)));
                    out.push(json!("a".repeat(max)));
                }
            }
        },
        "integer" => {
            let min = int(schema, "minimum");
            let max = int(schema, "maximum");
            let ordinary = 7.clamp(min.unwrap_or(i64::MIN), max.unwrap_or(i64::MAX));
            out.push(json!(ordinary));
            out.push(json!(min.unwrap_or(i64::MIN)));
            out.push(json!(max.unwrap_or(i64::MAX)));
        }
        "number" => {
            let min = float(schema, "minimum");
            let max = float(schema, "maximum");
            let ordinary = 21.5_f64.clamp(min.unwrap_or(f64::MIN), max.unwrap_or(f64::MAX));
            out.push(json!(ordinary));
            // An integer-looking number (JSON `3`, not `3.0`) is a valid number too.
            out.push(json!(3.clamp(
                min.map_or(i64::MIN, |m| m.ceil() as i64),
                max.map_or(i64::MAX, |m| m.floor() as i64)
            )));
            out.push(json!(min.unwrap_or(-1.0e300)));
            out.push(json!(max.unwrap_or(1.0e300)));
        }
        "boolean" => out.extend([json!(true), json!(false)]),
        other => panic!("schema type `{other}` is new; teach tests/agreement.rs"),
    }
    out
}

fn first_valid(schema: &Value) -> Value {
    valid_samples(schema)
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no valid sample for {schema}"))
}

/// A value the schema rejects, what was done to get it, and whether the Rust type must
/// reject it too (structural mutations: serde does not check ranges or lengths).
#[derive(Debug)]
struct Invalid {
    what: String,
    value: Value,
    typed_rejects: bool,
}

fn invalid(what: impl Into<String>, value: Value, typed_rejects: bool) -> Invalid {
    Invalid {
        what: what.into(),
        value,
        typed_rejects,
    }
}

/// Values `schema` rejects, each a single mutation of its first valid sample, at `at`.
fn invalid_samples(schema: &Value, at: &str) -> Vec<Invalid> {
    let mut out = Vec::new();
    if let Some(Value::Array(values)) = schema.get("enum") {
        assert!(!values.contains(&json!("not_a_listed_value")));
        out.push(invalid(
            format!("{at}: an enum value that is not listed"),
            json!("not_a_listed_value"),
            true,
        ));
        // Enum values are case-sensitive in both.
        if let Some(Value::String(first)) = values.first() {
            let upper = first.to_uppercase();
            if !values.contains(&json!(upper)) {
                out.push(invalid(
                    format!("{at}: an enum value in the wrong case"),
                    json!(upper),
                    true,
                ));
            }
        }
    }
    match kind(schema) {
        "object" => {
            let base = first_valid(schema);
            let base = base.as_object().expect("object sample");
            // serde's derive also reads a struct from an array of its fields (`[]` for
            // one without fields); MCP arguments are always an object, so only the
            // schema is asked to reject it.
            out.push(invalid(
                format!("{at}: an array instead of an object"),
                json!([]),
                false,
            ));
            if schema.get("additionalProperties") == Some(&Value::Bool(false)) {
                let mut object = base.clone();
                object.insert("unexpected_property".to_owned(), json!(1));
                out.push(invalid(
                    format!("{at}: an extra property"),
                    Value::Object(object),
                    true,
                ));
            }
            for name in required(schema) {
                let mut object = base.clone();
                object.remove(name);
                let has_default = schema["properties"][name].get("default").is_some();
                out.push(invalid(
                    format!("{at}: required `{name}` left out"),
                    Value::Object(object),
                    !has_default,
                ));
            }
            for (name, property) in properties(schema) {
                for bad in invalid_samples(property, &format!("{at}/{name}")) {
                    let mut object = base.clone();
                    object.insert(name.clone(), bad.value);
                    out.push(invalid(bad.what, Value::Object(object), bad.typed_rejects));
                }
                if !required(schema).contains(&name.as_str()) {
                    // Not nullable in the schema; serde reads `null` as `None`.
                    let mut object = base.clone();
                    object.insert(name.clone(), Value::Null);
                    out.push(invalid(
                        format!("{at}/{name}: null for an optional property"),
                        Value::Object(object),
                        false,
                    ));
                }
            }
        }
        "array" => {
            let items = schema.get("items").expect("arrays have `items`");
            let min = uint(schema, "minItems").unwrap_or(0);
            let max = uint(schema, "maxItems");
            out.push(invalid(
                format!("{at}: an object instead of an array"),
                json!({}),
                true,
            ));
            out.push(invalid(
                format!("{at}: a string instead of an array"),
                json!("a"),
                true,
            ));
            if min > 0 {
                let values = distinct_values(items, min - 1);
                out.push(invalid(
                    format!("{at}: fewer than minItems"),
                    Value::Array(values),
                    false,
                ));
            }
            if let Some(max) = max {
                let values = distinct_values(items, max + 1);
                assert_eq!(
                    values.len(),
                    max + 1,
                    "{at}: cannot make maxItems + 1 items"
                );
                out.push(invalid(
                    format!("{at}: more than maxItems"),
                    Value::Array(values),
                    false,
                ));
            }
            if schema.get("uniqueItems") == Some(&Value::Bool(true))
                && max.is_none_or(|max| max >= 2)
            {
                let item = first_valid(items);
                out.push(invalid(
                    format!("{at}: the same item twice"),
                    json!([item, item]),
                    false,
                ));
            }
            if max.is_none_or(|max| max >= 1) {
                let pad = distinct_values(items, min + 1);
                for bad in invalid_samples(items, &format!("{at}/0")) {
                    let mut values = vec![bad.value];
                    values.extend(pad.iter().take(min.saturating_sub(1)).cloned());
                    out.push(invalid(bad.what, Value::Array(values), bad.typed_rejects));
                }
            }
        }
        "string" => {
            out.push(invalid(
                format!("{at}: a number instead of a string"),
                json!(42),
                true,
            ));
            out.push(invalid(
                format!("{at}: null instead of a string"),
                Value::Null,
                false,
            ));
            if schema.get("enum").is_none() && schema.get("format").is_none() {
                if let Some(min) = uint(schema, "minLength").filter(|m| *m > 0) {
                    out.push(invalid(
                        format!("{at}: shorter than minLength"),
                        json!(string_of(min - 1)),
                        false,
                    ));
                }
                if let Some(max) = uint(schema, "maxLength") {
                    out.push(invalid(
                        format!("{at}: longer than maxLength"),
                        json!(string_of(max + 1)),
                        false,
                    ));
                }
            }
        }
        "integer" => {
            out.push(invalid(
                format!("{at}: a string instead of an integer"),
                json!("3"),
                true,
            ));
            out.push(invalid(
                format!("{at}: a fraction instead of an integer"),
                json!(1.5),
                true,
            ));
            out.push(invalid(
                format!("{at}: a boolean instead of an integer"),
                json!(true),
                true,
            ));
            if let Some(min) = int(schema, "minimum") {
                out.push(invalid(
                    format!("{at}: below the minimum"),
                    min.checked_sub(1).map_or(json!(-1.0e19), |v| json!(v)),
                    false,
                ));
            }
            if let Some(max) = int(schema, "maximum") {
                out.push(invalid(
                    format!("{at}: above the maximum"),
                    max.checked_add(1)
                        .map_or(json!(i64::MAX.unsigned_abs() + 1), |v| json!(v)),
                    false,
                ));
            }
        }
        "number" => {
            out.push(invalid(
                format!("{at}: a string instead of a number"),
                json!("1.5"),
                true,
            ));
            if let Some(min) = float(schema, "minimum") {
                out.push(invalid(
                    format!("{at}: below the minimum"),
                    json!(min - 0.5),
                    false,
                ));
            }
            if let Some(max) = float(schema, "maximum") {
                out.push(invalid(
                    format!("{at}: above the maximum"),
                    json!(max + 0.5),
                    false,
                ));
            }
        }
        "boolean" => {
            out.push(invalid(
                format!("{at}: a string instead of a boolean"),
                json!("true"),
                true,
            ));
            out.push(invalid(
                format!("{at}: a number instead of a boolean"),
                json!(1),
                true,
            ));
        }
        other => panic!("schema type `{other}` is new; teach tests/agreement.rs"),
    }
    out
}

/// What the runtime does to validated arguments before a handler sees them.
fn fill_defaults(schema: &Value, instance: &mut Value) {
    mcpgen_runtime::__private::CompiledSchema::compile(schema)
        .expect("the runtime compiles the schema")
        .prepare(instance);
}

/// Equal JSON, numbers compared by value (`f64` fields serialize `3` as `3.0`).
fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_json(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
        }
        _ => a == b,
    }
}

// ---------------------------------------------------------------------------------
// The checks

/// What one run of the checks saw, to assert coverage.
#[derive(Debug, Default)]
struct Seen {
    valid: usize,
    invalid: usize,
    /// Which mutations and shapes came up (the text after the `: `).
    kinds: BTreeSet<String>,
}

fn unique<T: Clone + PartialEq>(values: Vec<T>) -> Vec<T> {
    let mut out: Vec<T> = Vec::new();
    for v in values {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// A sample as its Rust type holds it: what the type's own checks say of it, and the
/// JSON it serializes to (where `null` for an optional field is gone, say).
struct Typed {
    satisfied: bool,
    json: Value,
}

impl Typed {
    /// The type's own checks ([`SatisfiesSchema`]) say yes exactly when the server's
    /// validator accepts the JSON the value serializes to: the runtime skips the JSON
    /// walk of an output on their word.
    fn agrees(&self, runtime: &mcpgen_runtime::__private::CompiledSchema, what: &str) {
        let valid = runtime.is_valid(&self.json);
        assert_eq!(
            self.satisfied, valid,
            "{what}: SatisfiesSchema says {}, the server's validator says {valid}, of {}",
            self.satisfied, self.json
        );
    }
}

fn check_valid_invalid(
    schema: &Value,
    what: &str,
    seen: &mut Seen,
    typed: &dyn Fn(&Value, bool) -> Result<Typed, String>,
) {
    check_known_keys(schema, what);
    let validator = jsonschema::validator_for(schema)
        .unwrap_or_else(|e| panic!("{what}: not a valid JSON Schema: {e}"));
    // The server's own validator, which must agree with the reference one.
    let runtime = mcpgen_runtime::__private::CompiledSchema::compile(schema)
        .unwrap_or_else(|e| panic!("{what}: the runtime refuses the schema: {e}"));
    let samples = unique(valid_samples(schema));
    assert!(!samples.is_empty(), "{what}: no valid samples");
    for sample in &samples {
        let errors: Vec<String> = validator
            .iter_errors(sample)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{what}: the valid sample {sample} fails the schema: {errors:?}"
        );
        let violations = runtime.violations(sample);
        assert!(
            violations.is_empty(),
            "{what}: the server rejects the valid sample {sample}: {violations:?}"
        );
        let mut filled = sample.clone();
        fill_defaults(schema, &mut filled);
        match typed(&filled, true) {
            Err(e) => panic!("{what}: {filled} passes the schema but not the Rust type: {e}"),
            Ok(typed) => typed.agrees(&runtime, what),
        }
    }
    seen.valid += samples.len();
    let invalids = invalid_samples(schema, "");
    for bad in &invalids {
        assert!(
            !validator.is_valid(&bad.value),
            "{what}: the schema accepts an invalid value ({}): {}",
            bad.what,
            bad.value
        );
        assert!(
            !runtime.is_valid(&bad.value),
            "{what}: the server accepts an invalid value ({}): {}",
            bad.what,
            bad.value
        );
        let mut filled = bad.value.clone();
        fill_defaults(schema, &mut filled);
        match typed(&filled, false) {
            Ok(_) if bad.typed_rejects => panic!(
                "{what}: the Rust type accepts what the schema rejects ({}): {filled}",
                bad.what
            ),
            // What the Rust type cannot rule out (a range, a length), its own checks
            // must: the runtime trusts them instead of validating the output's JSON.
            Ok(typed) => typed.agrees(&runtime, what),
            Err(_) => {}
        }
        let kind = bad.what.rsplit(": ").next().unwrap_or_default();
        let depth = bad
            .what
            .split(": ")
            .next()
            .unwrap_or_default()
            .matches('/')
            .count();
        seen.kinds.insert(kind.to_owned());
        if depth >= 2 {
            seen.kinds.insert(format!("nested: {kind}"));
        }
    }
    seen.invalid += invalids.len();
}

/// A tool's input schema against `I`, and its output schema (if any) against `O`.
fn check_tool<I, O>(def: &ToolDef, seen: &mut Seen)
where
    I: DeserializeOwned + Serialize + SatisfiesSchema + Debug,
    O: DeserializeOwned + Serialize + SatisfiesSchema + Debug,
{
    check_input::<I>(def, seen);
    let schema = def
        .output_schema
        .as_ref()
        .unwrap_or_else(|| panic!("tool {}: no output schema", def.name));
    let what = format!("tool {} output", def.name);
    let validator = jsonschema::validator_for(schema).expect("valid output schema");
    check_valid_invalid(schema, &what, seen, &|value, valid| {
        let typed: O = serde_json::from_value(value.clone()).map_err(|e| e.to_string())?;
        let back = serde_json::to_value(&typed).map_err(|e| e.to_string())?;
        let result = Typed {
            satisfied: typed.satisfies_schema(),
            json: back.clone(),
        };
        if !valid {
            return Ok(result);
        }
        let errors: Vec<String> = validator
            .iter_errors(&back)
            .map(|e| e.to_string())
            .collect();
        assert!(
            errors.is_empty(),
            "{what}: {typed:?} serializes to {back}, which fails the schema: {errors:?}"
        );
        assert!(
            same_json(value, &back),
            "{what}: {value} deserializes and serializes back to a different value: {back}"
        );
        Ok(result)
    });
}

fn check_input<I>(def: &ToolDef, seen: &mut Seen)
where
    I: DeserializeOwned + Serialize + SatisfiesSchema + Debug,
{
    let what = format!("tool {} input", def.name);
    assert_eq!(
        def.input_schema.get("type"),
        Some(&json!("object")),
        "{what}"
    );
    check_valid_invalid(&def.input_schema, &what, seen, &|value, _| {
        let typed = serde_json::from_value::<I>(value.clone()).map_err(|e| e.to_string())?;
        Ok(Typed {
            satisfied: typed.satisfies_schema(),
            json: serde_json::to_value(&typed).map_err(|e| e.to_string())?,
        })
    });
}

/// The tools a spec declares, in order, read with mcpgen's own reader.
fn spec_tools(stem: &str) -> Vec<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../specs")
        .join(format!("{stem}.yaml"));
    let checked = mcpgen_codegen::load_file(&path, stem).expect("read spec");
    let spec = checked.spec.expect("spec");
    spec.tools
        .iter()
        .map(|(name, _)| name.value.clone())
        .collect()
}

fn assert_all_tools(stem: &str, checked: &[ToolDef]) {
    let names: Vec<String> = checked.iter().map(|d| d.name.clone()).collect();
    assert_eq!(
        names,
        spec_tools(stem),
        "tests/agreement.rs does not check every tool of specs/{stem}.yaml"
    );
}

#[test]
fn weather() {
    use weather::*;
    let mut seen = Seen::default();
    let tools = [tool_get_forecast()];
    check_tool::<GetForecastInput, GetForecastOutput>(&tools[0], &mut seen);
    assert_all_tools("weather", &tools);
}

#[test]
fn issue_tracker() {
    use issue_tracker::*;
    let mut seen = Seen::default();
    let tools = [
        tool_search_issues(),
        tool_create_issue(),
        tool_close_issue(),
        tool_delete_issue(),
        tool_list_labels(),
    ];
    check_tool::<SearchIssuesInput, SearchIssuesOutput>(&tools[0], &mut seen);
    check_tool::<CreateIssueInput, CreateIssueOutput>(&tools[1], &mut seen);
    check_tool::<CloseIssueInput, CloseIssueOutput>(&tools[2], &mut seen);
    check_input::<DeleteIssueInput>(&tools[3], &mut seen);
    assert!(
        tools[3].output_schema.is_none(),
        "delete_issue declares no output"
    );
    check_tool::<ListLabelsInput, ListLabelsOutput>(&tools[4], &mut seen);
    assert_all_tools("issue_tracker", &tools);

    // The spec has nested objects and arrays of them: make sure the mutations reached
    // inside (an extra property in an issue inside `issues`, a label in `labels`).
    for kind in [
        "nested: an extra property",
        "nested: required `name` left out",
        "nested: an enum value that is not listed",
        "nested: a number instead of a string",
        "more than maxItems",
        "the same item twice",
        "shorter than minLength",
        "longer than maxLength",
        "below the minimum",
        "above the maximum",
        "a string instead of an integer",
    ] {
        assert!(
            seen.kinds.contains(kind),
            "no `{kind}` mutation; seen: {:#?}",
            seen.kinds
        );
    }
}

#[test]
fn sql_query() {
    use sql_query::*;
    let mut seen = Seen::default();
    let tools = [tool_run_query(), tool_explain_query()];
    check_tool::<RunQueryInput, RunQueryOutput>(&tools[0], &mut seen);
    check_tool::<ExplainQueryInput, ExplainQueryOutput>(&tools[1], &mut seen);
    assert_all_tools("sql_query", &tools);
    // `rows` is an array of arrays: the mutation of an inner item must be reached.
    assert!(
        seen.kinds.contains("nested: a number instead of a string"),
        "no mutation inside `rows`; seen: {:#?}",
        seen.kinds
    );
}

/// The generator itself: its samples on a hand-written schema are what they should be.
#[test]
fn generator_covers_boundaries() {
    let schema = json!({
        "type": "object",
        "properties": {
            "n": {"type": "integer", "minimum": 1, "maximum": 14, "default": 3},
            "s": {"type": "string", "minLength": 2, "maxLength": 4},
            "e": {"type": "string", "enum": ["a", "b"]},
            "tags": {"type": "array", "items": {"type": "string", "minLength": 1},
                     "minItems": 1, "maxItems": 3, "uniqueItems": true},
        },
        "required": ["s", "e"],
        "additionalProperties": false
    });
    let samples = valid_samples(&schema);
    let has = |key: &str, v: Value| samples.iter().any(|s| s.get(key) == Some(&v));
    assert!(has("n", json!(1)) && has("n", json!(14)) && has("n", json!(3)));
    assert!(has("s", json!("éé")) && has("s", json!("éééé")));
    assert!(has("e", json!("a")) && has("e", json!("b")));
    assert!(samples.iter().any(|s| {
        s.get("tags")
            .and_then(Value::as_array)
            .is_some_and(|t| t.len() == 3)
    }));
    assert!(samples.iter().any(|s| {
        s.get("tags")
            .and_then(Value::as_array)
            .is_some_and(|t| t.len() == 1)
    }));
    assert!(
        samples
            .iter()
            .any(|s| s.as_object().is_some_and(|o| o.len() == 2)),
        "a sample with the required properties only"
    );
    let validator = jsonschema::validator_for(&schema).expect("schema");
    for s in &samples {
        assert!(validator.is_valid(s), "{s}");
    }
    let invalids = invalid_samples(&schema, "");
    for bad in &invalids {
        assert!(
            !validator.is_valid(&bad.value),
            "{}: {}",
            bad.what,
            bad.value
        );
    }
    let whats: Vec<&str> = invalids.iter().map(|i| i.what.as_str()).collect();
    for expected in [
        ": an extra property",
        "/n: below the minimum",
        "/n: above the maximum",
        "/s: shorter than minLength",
        "/s: longer than maxLength",
        "/e: an enum value that is not listed",
        ": required `s` left out",
        "/tags: more than maxItems",
        "/tags: fewer than minItems",
        "/tags: the same item twice",
        "/tags/0: shorter than minLength",
    ] {
        assert!(
            whats.contains(&expected),
            "missing {expected:?} in {whats:#?}"
        );
    }
}

/// Known disagreement (reported): the schema's `"type": "integer"` accepts `3.0` and
/// integers beyond `i64`, the generated `i64` fields do not, so such arguments pass
/// validation and then fail as an unexpected error instead of a validation error.
#[test]
fn integers_agree_beyond_plain_literals() {
    // `3.0` is an integer to JSON Schema; the runtime hands it to the handler as `3`.
    let def = weather::tool_get_forecast();
    let validator = jsonschema::validator_for(&def.input_schema).expect("schema");
    let mut args = json!({"city": "Zurich", "days": 3.0});
    assert!(validator.is_valid(&args));
    fill_defaults(&def.input_schema, &mut args);
    serde_json::from_value::<weather::GetForecastInput>(args.clone())
        .unwrap_or_else(|e| panic!("{args} passes the schema but not the Rust type: {e}"));
    // Beyond i64 the advertised schema itself says no (integers carry i64 bounds).
    let def = issue_tracker::tool_delete_issue();
    let validator = jsonschema::validator_for(&def.input_schema).expect("schema");
    let args = json!({"issue_id": 9_223_372_036_854_775_808_u64, "confirm_title": "x"});
    assert!(!validator.is_valid(&args));
}
