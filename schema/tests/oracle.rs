//! The server's own validator (`CompiledSchema`) against the reference implementation,
//! the `jsonschema` crate: random schemas built from the keywords mcpgen emits and
//! enforces, random values drawn from the same small vocabulary (so that many of them
//! are valid), and the two must agree on every pair. Also: a violation is reported
//! exactly when the value is invalid, and preparing a valid value keeps it valid.

use mcpgen_schema::CompiledSchema;
use proptest::prelude::*;
use serde_json::{Map, Value, json};

const NAMES: &[&str] = &["a", "b", "c", "d~/x"];

fn numbers() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!(0)),
        Just(json!(1)),
        Just(json!(-1)),
        Just(json!(3)),
        Just(json!(1.0)),
        Just(json!(3.0)),
        Just(json!(1.5)),
        Just(json!(-0.5)),
        Just(json!(14)),
        Just(json!(9_007_199_254_740_993_i64)),
        Just(json!(2f64.powi(53))),
        Just(json!(i64::MAX)),
        Just(json!(i64::MIN)),
        Just(json!(u64::MAX)),
        Just(json!(2f64.powi(63))),
        Just(json!(-(2f64.powi(63)))),
        Just(json!(1e30)),
    ]
}

fn strings() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!("")),
        Just(json!("a")),
        Just(json!("b")),
        Just(json!("ab")),
        Just(json!("éé")),
        Just(json!("abcde")),
        Just(json!("2026-11-21")),
        Just(json!("A1")),
    ]
}

fn values() -> impl Strategy<Value = Value> {
    values_with(Vec::new())
}

/// Random values whose leaves also come from `seeds` (the numbers and strings of the
/// schema under test, so that its bounds and enum values are hit exactly).
fn values_with(seeds: Vec<Value>) -> BoxedStrategy<Value> {
    let vocabulary = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        numbers(),
        strings(),
    ];
    let leaf = if seeds.is_empty() {
        vocabulary.boxed()
    } else {
        prop_oneof![vocabulary, prop::sample::select(seeds)].boxed()
    };
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(NAMES), inner), 0..4).prop_map(|entries| {
                Value::Object(
                    entries
                        .into_iter()
                        .map(|(k, v)| (k.to_owned(), v))
                        .collect::<Map<_, _>>(),
                )
            }),
        ]
    })
    .boxed()
}

/// Every number, string and `enum`/`const` value in a schema.
fn seeds(schema: &Value, out: &mut Vec<Value>) {
    match schema {
        Value::Number(_) | Value::String(_) => out.push(schema.clone()),
        Value::Array(items) => items.iter().for_each(|v| seeds(v, out)),
        Value::Object(map) => {
            for (key, value) in map {
                if key == "enum" || key == "const" {
                    out.push(value.clone());
                }
                seeds(value, out);
            }
        }
        _ => {}
    }
}

/// Values shaped by `schema` (its properties, items, bounds and enum values), with a
/// random value at any level now and then: mostly near the schema's edges.
fn values_for(schema: &Value, seeds: &[Value]) -> BoxedStrategy<Value> {
    let random = values_with(seeds.to_vec());
    let Some(map) = schema.as_object() else {
        return random;
    };
    let kind = map.get("type").and_then(Value::as_str).unwrap_or("");
    let shaped: BoxedStrategy<Value> = if let Some(Value::Array(options)) = map.get("enum") {
        prop::sample::select(options.clone()).boxed()
    } else if let Some(constant) = map.get("const") {
        Just(constant.clone()).boxed()
    } else if kind == "object" {
        let properties: Vec<(String, Value)> = map
            .get("properties")
            .and_then(Value::as_object)
            .map(|p| p.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default();
        let fields: Vec<BoxedStrategy<Option<(String, Value)>>> = properties
            .into_iter()
            .map(|(name, schema)| {
                prop::option::weighted(0.85, values_for(&schema, seeds))
                    .prop_map(move |v| v.map(|v| (name.clone(), v)))
                    .boxed()
            })
            .collect();
        let extra = prop::option::weighted(
            0.15,
            (prop::sample::select(NAMES), values_with(seeds.to_vec())),
        );
        (fields, extra)
            .prop_map(|(fields, extra)| {
                let mut out: Map<String, Value> = fields.into_iter().flatten().collect();
                if let Some((name, value)) = extra {
                    out.entry(name.to_owned()).or_insert(value);
                }
                Value::Object(out)
            })
            .boxed()
    } else if kind == "array" {
        let item = map
            .get("items")
            .map_or_else(|| values_with(seeds.to_vec()), |i| values_for(i, seeds));
        prop::collection::vec(item, 0..5)
            .prop_map(Value::Array)
            .boxed()
    } else {
        let mut leaves: Vec<Value> = seeds
            .iter()
            .filter(|v| v.is_number() || v.is_string())
            .cloned()
            .collect();
        leaves.extend([json!(0), json!(2), json!(1.5), json!("ab")]);
        prop_oneof![prop::sample::select(leaves), numbers(), strings()].boxed()
    };
    prop_oneof![4 => shaped, 1 => random].boxed()
}

/// A schema and values to check against it.
fn cases() -> impl Strategy<Value = (Value, Vec<Value>)> {
    schemas().prop_flat_map(|schema| {
        let mut found = Vec::new();
        seeds(&schema, &mut found);
        let values = prop::collection::vec(values_for(&schema, &found), 1..8);
        (Just(schema), values)
    })
}

/// Optional keyword: `None` leaves it out.
fn maybe<T: std::fmt::Debug + Clone + 'static>(
    s: impl Strategy<Value = T> + 'static,
) -> BoxedStrategy<Option<T>> {
    prop::option::weighted(0.4, s).boxed()
}

fn put(map: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    if let Some(value) = value {
        map.insert(key.to_owned(), value);
    }
}

fn scalar_schemas() -> impl Strategy<Value = Value> {
    let string = (
        maybe(0u64..4),
        maybe(0u64..6),
        maybe(prop::sample::select(vec![
            "^a",
            "b$",
            "^[A-Z][0-9]$",
            "\\d{4}-\\d{2}",
        ])),
        maybe(prop::collection::vec(strings(), 1..4)),
        maybe(prop::sample::select(vec!["date", "email", "uuid"])),
    )
        .prop_map(|(min, max, pattern, options, format)| {
            let mut m = Map::new();
            m.insert("type".into(), json!("string"));
            put(&mut m, "minLength", min.map(Value::from));
            put(&mut m, "maxLength", max.map(Value::from));
            put(&mut m, "pattern", pattern.map(Value::from));
            put(&mut m, "enum", options.map(Value::Array));
            put(&mut m, "format", format.map(Value::from));
            Value::Object(m)
        });
    let number = (
        prop::sample::select(vec!["integer", "number"]),
        maybe(numbers()),
        maybe(numbers()),
        maybe(numbers()),
        maybe(numbers()),
    )
        .prop_map(|(kind, min, max, xmin, xmax)| {
            let mut m = Map::new();
            m.insert("type".into(), json!(kind));
            put(&mut m, "minimum", min);
            put(&mut m, "maximum", max);
            put(&mut m, "exclusiveMinimum", xmin);
            put(&mut m, "exclusiveMaximum", xmax);
            Value::Object(m)
        });
    prop_oneof![
        string,
        number,
        Just(json!({"type": "boolean"})),
        Just(json!({"type": "null"})),
        Just(json!({"type": ["string", "null"]})),
        Just(json!({"type": ["integer", "boolean"], "description": "x", "default": 1})),
        values().prop_map(|v| json!({"const": v})),
        prop::collection::vec(values(), 1..4).prop_map(|v| json!({"enum": v})),
        Just(json!(true)),
        Just(json!(false)),
        Just(json!({})),
    ]
}

fn schemas() -> impl Strategy<Value = Value> {
    scalar_schemas().prop_recursive(3, 32, 4, |inner| {
        let array = (
            maybe(inner.clone()),
            maybe(0u64..3),
            maybe(0u64..4),
            any::<bool>(),
        )
            .prop_map(|(items, min, max, unique)| {
                let mut m = Map::new();
                m.insert("type".into(), json!("array"));
                put(&mut m, "items", items);
                put(&mut m, "minItems", min.map(Value::from));
                put(&mut m, "maxItems", max.map(Value::from));
                if unique {
                    m.insert("uniqueItems".into(), json!(true));
                }
                Value::Object(m)
            });
        let object = (
            prop::collection::vec(
                (prop::sample::select(NAMES), inner.clone(), any::<bool>()),
                0..4,
            ),
            prop_oneof![
                Just(json!(false)),
                Just(json!(true)),
                inner,
                Just(Value::Null)
            ],
        )
            .prop_map(|(fields, additional)| {
                let mut properties = Map::new();
                let mut required = Vec::new();
                for (name, schema, needed) in fields {
                    if needed && !required.contains(&json!(name)) {
                        required.push(json!(name));
                    }
                    properties.insert(name.to_owned(), schema);
                }
                let mut m = Map::new();
                m.insert("type".into(), json!("object"));
                m.insert("properties".into(), Value::Object(properties));
                if !required.is_empty() {
                    m.insert("required".into(), Value::Array(required));
                }
                if !additional.is_null() {
                    m.insert("additionalProperties".into(), additional);
                }
                Value::Object(m)
            });
        prop_oneof![array, object]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn agrees_with_the_reference_validator((schema, values) in cases()) {
        let reference = jsonschema::validator_for(&schema).expect("the reference compiles it");
        let ours = CompiledSchema::compile(&schema).expect("the server compiles it");
        for value in &values {
            let expected = reference.is_valid(value);
            let violations = ours.violations(value);
            prop_assert_eq!(
                violations.is_empty(),
                expected,
                "schema {} value {}: reference says valid={}, the server says {:?}",
                schema, value, expected, violations
            );
            prop_assert_eq!(ours.is_valid(value), expected);
            if expected {
                let mut prepared = value.clone();
                ours.prepare(&mut prepared);
                prop_assert!(reference.is_valid(&prepared), "prepared {} is invalid", prepared);
            }
        }
    }
}

#[test]
fn unsupported_keywords_and_invalid_schemas_are_refused_with_the_reason() {
    let refused = |schema: Value| CompiledSchema::compile(&schema).expect_err("refused");
    let e =
        refused(json!({"type": "object", "properties": {"a": {"anyOf": [{"type": "string"}]}}}));
    assert!(
        e.contains("/properties/a/anyOf") && e.contains("`anyOf` is not supported"),
        "{e}"
    );
    let e = refused(json!({"type": "integer", "multipleOf": 3}));
    assert!(
        e.contains("/multipleOf") && e.contains("`multipleOf` is not supported"),
        "{e}"
    );
    let e = refused(json!({"type": "objekt"}));
    assert!(e.contains("\"objekt\" is not a JSON type"), "{e}");
    let e = refused(json!({"minLength": -1}));
    assert!(
        e.contains("/minLength") && e.contains("non-negative integer"),
        "{e}"
    );
    let e = refused(json!({"pattern": "(?<=a)b"}));
    assert!(e.contains("does not compile"), "{e}");
    let e = refused(json!({"$schema": "http://json-schema.org/draft-07/schema#"}));
    assert!(e.contains("2020-12"), "{e}");
    assert!(
        CompiledSchema::compile(
            &json!({"$schema": "https://json-schema.org/draft/2020-12/schema"})
        )
        .is_ok()
    );
}

#[test]
fn long_arrays_are_checked_for_duplicates_in_linear_time() {
    let schema =
        CompiledSchema::compile(&json!({"type": "array", "uniqueItems": true})).expect("compiles");
    let mut items: Vec<Value> = (0..100_000).map(Value::from).collect();
    assert!(schema.is_valid(&Value::Array(items.clone())));
    items.push(json!(99_999.0));
    let violations = schema.violations(&Value::Array(items));
    assert_eq!(violations.len(), 1);
    assert_eq!(
        violations[0].message,
        "expected unique items, got duplicates"
    );
    // Numbers by value and keys in any order, on both the pairwise and the hashed path.
    let twins = [json!({"a": 1, "b": [1.0]}), json!({"b": [1], "a": 1.0})];
    assert!(!schema.is_valid(&Value::Array(twins.to_vec())));
    let mut long: Vec<Value> = (0..40).map(Value::from).collect();
    long.extend(twins);
    assert!(!schema.is_valid(&Value::Array(long)));
}
