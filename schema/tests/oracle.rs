//! The server's own validator (`CompiledSchema`) against the reference implementation,
//! the `jsonschema` crate: random schemas built from the keywords mcpgen emits and
//! enforces (with the applicators `allOf`, `anyOf`, `oneOf`, `not`, `if`/`then`/`else`,
//! and `$ref`s to `$defs` by pointer and by `$anchor`), random values drawn from the same small vocabulary (so that many of them
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
fn values_for(schema: &Value, seeds: &[Value], root: &Value) -> BoxedStrategy<Value> {
    let random = values_with(seeds.to_vec());
    let Some(map) = schema.as_object() else {
        return random;
    };
    let kind = map.get("type").and_then(Value::as_str).unwrap_or("");
    let branches: Vec<&Value> = ["allOf", "anyOf", "oneOf"]
        .iter()
        .filter_map(|k| map.get(*k).and_then(Value::as_array))
        .flatten()
        .chain(["if", "then", "else"].iter().filter_map(|k| map.get(*k)))
        .collect();
    let shaped: BoxedStrategy<Value> = if let Some(target) = map.get("$ref").and_then(Value::as_str)
    {
        match target {
            "#/$defs/first" => values_for(&root["$defs"]["first"], seeds, root),
            "#second" => values_for(&root["$defs"]["second"], seeds, root),
            _ => random.clone(),
        }
    } else if !branches.is_empty() {
        let shaped: Vec<BoxedStrategy<Value>> = branches
            .iter()
            .map(|b| values_for(b, seeds, root))
            .collect();
        prop::sample::select((0..shaped.len()).collect::<Vec<_>>())
            .prop_flat_map(move |i| shaped[i].clone())
            .boxed()
    } else if let Some(Value::Array(options)) = map.get("enum") {
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
                prop::option::weighted(0.85, values_for(&schema, seeds, root))
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
        let item = map.get("items").map_or_else(
            || values_with(seeds.to_vec()),
            |i| values_for(i, seeds, root),
        );
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
    prop_oneof![
        3 => schemas(false).boxed(),
        2 => with_definitions().boxed(),
    ]
    .prop_flat_map(|schema| {
        let mut found = Vec::new();
        seeds(&schema, &mut found);
        let values = prop::collection::vec(values_for(&schema, &found, &schema), 1..8);
        (Just(schema), values)
    })
}

/// A schema whose parts may refer (`$ref`) to two definitions, one by pointer and one
/// by its `$anchor`. The definitions themselves hold no references, so that no chain
/// of references loops.
fn with_definitions() -> impl Strategy<Value = Value> {
    (schemas(true), schemas(false), schemas(false)).prop_map(|(schema, first, second)| {
        let mut second = match second {
            Value::Object(map) => map,
            other => {
                let mut map = Map::new();
                map.insert("allOf".into(), json!([other]));
                map
            }
        };
        second.insert("$anchor".into(), json!("second"));
        let mut root = match schema {
            Value::Object(map) => map,
            other => {
                let mut map = Map::new();
                map.insert("allOf".into(), json!([other]));
                map
            }
        };
        root.insert(
            "$defs".into(),
            json!({"first": first, "second": Value::Object(second)}),
        );
        Value::Object(root)
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

/// Schemas of the keywords mcpgen enforces; with `references`, leaves may also be
/// `$ref`s to the definitions [`with_definitions`] adds.
fn schemas(references: bool) -> impl Strategy<Value = Value> {
    let leaf = if references {
        prop_oneof![
            4 => scalar_schemas(),
            1 => Just(json!({"$ref": "#/$defs/first"})),
            1 => Just(json!({"$ref": "#second"})),
        ]
        .boxed()
    } else {
        scalar_schemas().boxed()
    };
    leaf.prop_recursive(3, 32, 4, |inner| {
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
                inner.clone(),
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
        let branches = prop::collection::vec(inner.clone(), 1..4);
        let applicator = prop_oneof![
            branches.clone().prop_map(|b| json!({"allOf": b})),
            branches.clone().prop_map(|b| json!({"anyOf": b})),
            branches.prop_map(|b| json!({"oneOf": b})),
            inner.clone().prop_map(|n| json!({"not": n})),
            (inner.clone(), maybe(inner.clone()), maybe(inner)).prop_map(
                |(test, then, otherwise)| {
                    let mut m = Map::new();
                    m.insert("if".into(), test);
                    put(&mut m, "then", then);
                    put(&mut m, "else", otherwise);
                    Value::Object(m)
                }
            ),
        ];
        prop_oneof![2 => array, 2 => object, 1 => applicator]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn agrees_with_the_reference_validator((schema, values) in cases()) {
        let reference = jsonschema::validator_for(&schema).expect("the reference compiles it");
        let ours = CompiledSchema::compile(&schema).expect("the server compiles it");
        for value in &values {
            // The server accepts what is valid as sent and as its handler receives it
            // (defaults filled in): items that become equal break `uniqueItems`.
            let mut prepared = value.clone();
            ours.prepare(&mut prepared);
            let expected = reference.is_valid(value) && reference.is_valid(&prepared);
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
    let e = refused(
        json!({"type": "object", "properties": {"a": {"dependentRequired": {"b": ["c"]}}}}),
    );
    assert!(
        e.contains("/properties/a/dependentRequired")
            && e.contains("`dependentRequired` is not supported"),
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

#[test]
fn references_that_cannot_be_followed_are_refused_with_the_reason() {
    let refused = |schema: Value| CompiledSchema::compile(&schema).expect_err("refused");
    let e = refused(json!({"properties": {"a": {"$ref": "other.json#/$defs/a"}}}));
    assert!(
        e.contains("/properties/a/$ref") && e.contains("points outside this schema"),
        "{e}"
    );
    let e = refused(json!({"$defs": {"address": {}}, "items": {"$ref": "#/$defs/adress"}}));
    assert!(
        e.contains("/items/$ref") && e.contains("definitions: #/$defs/address"),
        "{e}"
    );
    let e = refused(json!({"$defs": {"a": {"$anchor": "x"}}, "$ref": "#y"}));
    assert!(
        e.contains("names no `$anchor`") && e.contains("anchors: x"),
        "{e}"
    );
    let e = refused(json!({"$defs": {"a": {"$anchor": "x"}, "b": {"$anchor": "x"}}}));
    assert!(
        e.contains("/$defs/b/$anchor") && e.contains("also declared at /$defs/a"),
        "{e}"
    );
    // An error inside a definition is reported where the definition is, even when it
    // is reached through a reference, and also when nothing refers to it.
    let e = refused(json!({"$defs": {"a": {"minLength": -1}}, "items": {"$ref": "#/$defs/a"}}));
    assert!(e.contains("at /$defs/a/minLength"), "{e}");
    let e = refused(json!({"$defs": {"unused": {"type": "objekt"}}}));
    assert!(e.contains("at /$defs/unused/type"), "{e}");
    // A loop that never descends into the value is refused; one that does is a
    // recursive type, and fine.
    let e = refused(
        json!({"$defs": {"a": {"allOf": [{"$ref": "#/$defs/b"}]}, "b": {"not": {"$ref": "#/$defs/a"}}}, "$ref": "#/$defs/a"}),
    );
    assert!(e.contains("refers back to itself"), "{e}");
    let tree = CompiledSchema::compile(&json!({
        "$defs": {"node": {"type": "object", "additionalProperties": false,
            "properties": {"children": {"type": "array", "items": {"$ref": "#/$defs/node"}}}}},
        "$ref": "#/$defs/node"
    }))
    .expect("a recursive type compiles");
    assert!(tree.is_valid(&json!({"children": [{"children": []}, {}]})));
    let v = tree.violations(&json!({"children": [{"children": [{"x": 1}]}]}));
    assert_eq!(v[0].path, "/children/0/children/0/x", "{v:?}");
    // Escapes in pointers: `~1` for `/`, and percent-encoding in the fragment.
    let escaped = CompiledSchema::compile(
        &json!({"$defs": {"a/b c": {"type": "string"}}, "$ref": "#/$defs/a~1b%20c"}),
    )
    .expect("compiles");
    assert!(!escaped.is_valid(&json!(1)));
}

/// The schema of the conformance suite's `json_schema_2020_12_tool`, and what a model
/// reads when it gets it wrong.
#[test]
fn applicators_say_which_alternative_failed_and_why_a_condition_applies() {
    let schema = CompiledSchema::compile(&json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "$defs": {"address": {"$anchor": "addressDef", "type": "object",
            "properties": {"street": {"type": "string"}, "city": {"type": "string"}}}},
        "properties": {
            "name": {"type": "string"},
            "address": {"$ref": "#/$defs/address"},
            "contactMethod": {"type": "string", "enum": ["phone", "email"]},
            "phone": {"type": "string"},
            "email": {"type": "string"}
        },
        "allOf": [{"anyOf": [{"required": ["phone"]}, {"required": ["email"]}]}],
        "if": {"properties": {"contactMethod": {"const": "phone"}}, "required": ["contactMethod"]},
        "then": {"required": ["phone"]},
        "else": {"required": ["email"]},
        "additionalProperties": false
    }))
    .expect("compiles");
    let text = |value: Value| -> Vec<String> {
        schema
            .violations(&value)
            .iter()
            .map(|v| format!("{}: {}", v.path, v.message))
            .collect()
    };
    assert!(schema.is_valid(&json!({"contactMethod": "phone", "phone": "1"})));
    assert!(schema.is_valid(&json!({"email": "a@b", "address": {"city": "Oslo"}})));
    assert_eq!(
        text(json!({"contactMethod": "phone"})),
        vec![
            ": expected a value that satisfies at least one of 2 alternatives (`anyOf`), but \
             it satisfies none: (1) /phone: is required but missing; (2) /email: is required \
             but missing",
            "/phone: is required but missing (this applies because the value satisfies the \
             `if` schema)",
        ]
    );
    assert_eq!(
        text(json!({"phone": "1", "address": {"city": 7}})),
        vec![
            "/address/city: expected a string, got integer 7",
            "/email: is required but missing (this applies because the value does not \
             satisfy the `if` schema)",
        ]
    );
    let one_of = CompiledSchema::compile(
        &json!({"oneOf": [{"type": "integer"}, {"minimum": 0}], "not": {"const": 5}}),
    )
    .expect("compiles");
    let v: Vec<String> = one_of
        .violations(&json!(5))
        .into_iter()
        .map(|v| v.message)
        .collect();
    assert_eq!(
        v,
        vec![
            "expected a value that does not satisfy the schema under `not`, got 5",
            "expected a value that satisfies exactly one of 2 alternatives (`oneOf`), but it \
             satisfies alternatives 1 and 2; make it fit only one",
        ]
    );
}
