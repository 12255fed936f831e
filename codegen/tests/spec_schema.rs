//! The editor schema and the reader agree: every example spec validates against
//! `specs/mcpgen.schema.json`, and every key the reader accepts is a property there.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use mcpgen_codegen::lower::keys;

fn schema() -> serde_json::Value {
    serde_json::from_str(&mcpgen_codegen::spec_schema::spec_schema_json()).unwrap()
}

fn specs_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs")
}

#[test]
fn example_specs_validate_against_the_schema() {
    let validator = jsonschema::validator_for(&schema()).unwrap();
    let mut seen = 0;
    for entry in std::fs::read_dir(specs_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let doc = mcpgen_codegen::yaml::parse(&text).unwrap().value.to_json();
        let errors: Vec<String> = validator
            .iter_errors(&doc)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
        seen += 1;
    }
    assert!(seen >= 3, "expected the example specs under specs/");
}

fn properties<'a>(schema: &'a serde_json::Value, def: Option<&str>) -> Vec<&'a str> {
    let node = match def {
        Some(def) => &schema["$defs"][def],
        None => schema,
    };
    let mut keys: Vec<&str> = node["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("{def:?} has properties"))
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

#[test]
fn reader_keys_equal_schema_properties() {
    let schema = schema();
    let cases: &[(Option<&str>, &[&str])] = &[
        (None, keys::SPEC),
        (Some("ServerInfo"), keys::SERVER),
        (Some("Schema"), keys::SCHEMA),
        (Some("Tool"), keys::TOOL),
        (Some("Annotations"), keys::ANNOTATIONS),
        (Some("ErrorCase"), keys::ERROR_CASE),
        (Some("Resource"), keys::RESOURCE),
        (Some("ResourceTemplate"), keys::RESOURCE_TEMPLATE),
        (Some("Prompt"), keys::PROMPT),
        (Some("PromptArgument"), keys::PROMPT_ARGUMENT),
        (Some("PromptMessage"), keys::PROMPT_MESSAGE),
        (Some("PromptImage"), keys::PROMPT_IMAGE),
        (Some("PromptResource"), keys::PROMPT_RESOURCE),
        (Some("Transports"), keys::TRANSPORTS),
        (Some("HttpTransport"), keys::HTTP),
        (Some("Limits"), keys::LIMITS),
        (Some("RateLimits"), keys::RATE_LIMITS),
        (Some("Auth"), keys::AUTH),
        (Some("BearerToken"), keys::BEARER_TOKEN),
        (Some("OAuth"), keys::OAUTH),
        (Some("Lints"), keys::LINTS),
    ];
    for (def, reader_keys) in cases {
        let mut reader: Vec<&str> = reader_keys.to_vec();
        reader.sort_unstable();
        assert_eq!(properties(&schema, *def), reader, "keys of {def:?}");
        if let Some(def) = def {
            assert_eq!(
                schema["$defs"][def]["additionalProperties"],
                serde_json::Value::Bool(false),
                "{def} is closed"
            );
        }
    }
}
