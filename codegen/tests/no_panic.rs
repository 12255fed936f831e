//! Whatever the text, reading and checking a spec never panics.
//!
//! Three generators: arbitrary strings; YAML documents built from a small grammar over the
//! real spec keys (so lowering and every check see deep, half-valid structures); and the
//! valid fixtures with random edits.

use mcpgen_codegen::check_source;
use mcpgen_codegen::lower::keys;
use mcpgen_codegen::source::SourceFile;
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Doc {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Doc>),
    Map(Vec<(String, Doc)>),
}

/// Every key the spec language has, plus names that appear as map keys.
fn key_pool() -> Vec<&'static str> {
    let mut keys: Vec<&'static str> = [
        keys::SPEC,
        keys::SERVER,
        keys::SCHEMA,
        keys::TOOL,
        keys::ANNOTATIONS,
        keys::ERROR_CASE,
        keys::RESOURCE,
        keys::RESOURCE_TEMPLATE,
        keys::PROMPT,
        keys::PROMPT_ARGUMENT,
        keys::PROMPT_MESSAGE,
        keys::TRANSPORTS,
        keys::HTTP,
        keys::LIMITS,
        keys::RATE_LIMITS,
        keys::AUTH,
        keys::BEARER_TOKEN,
        keys::OAUTH,
        keys::LINTS,
    ]
    .concat();
    keys.extend([
        "city",
        "get_forecast",
        "Units",
        "DayForecast",
        "timeout",
        "status",
        "A",
        "B",
        "x",
        "getForecast",
        "read",
        "admin",
        "Ünits",
    ]);
    keys
}

/// Scalars that mean something somewhere in a spec.
const STRINGS: &[&str] = &[
    "string",
    "integer",
    "number",
    "boolean",
    "array",
    "object",
    "Units",
    "DayForecast",
    "A",
    "B",
    "Missing",
    "30/min",
    "5/s burst 10",
    "0/s",
    "4000000000/day",
    "${TOKEN}",
    "${A:-b}",
    "${",
    "${1}",
    "hunter2",
    "redis://u:p@h",
    "fixture://x/{a}{?b,c:3}{/d*}",
    "{=x}",
    "{",
    "}",
    "{{ a }}",
    "{% for x in y %}{{ x",
    "{% raw %}",
    "{a} and {{b}}",
    "date",
    "email",
    "uuid",
    "^[a-z]+$",
    "(?<=x)",
    "[",
    "user",
    "assistant",
    "bearer",
    "oauth",
    "none",
    "redis",
    "memory",
    "unit_suffix",
    "mcpgen::annotations",
    "nope",
    "../x",
    "/etc/passwd",
    "0.1.0",
    "v1",
    "",
    " ",
    "\u{0}",
    "é{ü}",
    "a\nb {{ c }}\n",
    "metric",
];

fn leaf() -> BoxedStrategy<Doc> {
    prop_oneof![
        Just(Doc::Null),
        any::<bool>().prop_map(Doc::Bool),
        prop_oneof![
            Just(0i64),
            Just(1),
            Just(-1),
            Just(3_600_001),
            Just(i64::MAX),
            any::<i64>()
        ]
        .prop_map(Doc::Int),
        prop_oneof![Just(0.5f64), Just(-2.25), Just(1e300)].prop_map(Doc::Float),
        prop::sample::select(STRINGS).prop_map(|s| Doc::Str(s.to_owned())),
        "[a-z{}$%_:/. -]{0,12}".prop_map(Doc::Str),
    ]
    .boxed()
}

fn doc() -> impl Strategy<Value = Doc> {
    let keys = key_pool();
    leaf().prop_recursive(6, 96, 6, move |inner| {
        let keys = keys.clone();
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Doc::Seq),
            prop::collection::vec((prop::sample::select(keys), inner), 0..6).prop_map(|entries| {
                // Duplicate keys are a YAML error; keep the first so the checks get to run.
                let mut seen = Vec::new();
                Doc::Map(
                    entries
                        .into_iter()
                        .filter(|(k, _)| {
                            let new = !seen.contains(k);
                            seen.push(*k);
                            new
                        })
                        .map(|(k, v)| (k.to_owned(), v))
                        .collect(),
                )
            }),
        ]
    })
}

/// A mapping with keys drawn from `keys` (first occurrence wins).
fn keyed(
    keys: &'static [&'static str],
    value: BoxedStrategy<Doc>,
    max: usize,
) -> BoxedStrategy<Doc> {
    prop::collection::vec((prop::sample::select(keys), value), 0..max)
        .prop_map(|entries| {
            let mut out: Vec<(String, Doc)> = Vec::new();
            for (k, v) in entries {
                if !out.iter().any(|(seen, _)| seen == k) {
                    out.push((k.to_owned(), v));
                }
            }
            Doc::Map(out)
        })
        .boxed()
}

fn list(item: BoxedStrategy<Doc>, max: usize) -> BoxedStrategy<Doc> {
    prop::collection::vec(item, 0..max)
        .prop_map(Doc::Seq)
        .boxed()
}

const NAMES: &[&str] = &[
    "city",
    "days",
    "timeout",
    "Units",
    "DayForecast",
    "A",
    "B",
    "get_forecast",
    "status",
    "x",
];

/// A type expression: a name, or a mapping of schema keys whose values may nest.
fn schema() -> BoxedStrategy<Doc> {
    let name = prop::sample::select(STRINGS).prop_map(|s| Doc::Str(s.to_owned()));
    name.prop_recursive(4, 48, 6, |inner| {
        let fields = keyed(NAMES, inner.clone(), 4);
        let value = prop_oneof![3 => leaf(), 2 => inner, 1 => fields, 1 => list(leaf(), 4)].boxed();
        keyed(keys::SCHEMA, value, 8)
    })
    .boxed()
}

/// A whole spec shaped like the real thing, with generated values at every level.
fn spec_doc() -> impl Strategy<Value = Doc> {
    let named_schemas = keyed(NAMES, schema(), 4);
    let annotations = keyed(keys::ANNOTATIONS, leaf(), 4);
    let error_value = prop_oneof![leaf(), keyed(NAMES, schema(), 3)].boxed();
    let error = prop_oneof![leaf(), keyed(keys::ERROR_CASE, error_value, 3)].boxed();
    let tool_value = prop_oneof![
        3 => leaf(),
        2 => named_schemas.clone(),
        1 => schema(),
        1 => annotations,
        1 => keyed(NAMES, error, 3),
        1 => list(leaf(), 3),
    ]
    .boxed();
    let tools = keyed(NAMES, keyed(keys::TOOL, tool_value, 9), 3);
    let message = keyed(keys::PROMPT_MESSAGE, leaf(), 2);
    let argument = keyed(keys::PROMPT_ARGUMENT, leaf(), 3);
    let prompt_value =
        prop_oneof![2 => leaf(), 1 => keyed(NAMES, argument, 3), 1 => list(message, 3)].boxed();
    let prompts = keyed(NAMES, keyed(keys::PROMPT, prompt_value, 4), 2);
    let template_value = prop_oneof![leaf(), named_schemas].boxed();
    let templates = keyed(NAMES, keyed(keys::RESOURCE_TEMPLATE, template_value, 5), 2);
    let resources = keyed(NAMES, keyed(keys::RESOURCE, leaf(), 7), 2);
    let server = keyed(keys::SERVER, leaf(), 6);
    let token_value = prop_oneof![leaf(), list(leaf(), 3)].boxed();
    let token = keyed(keys::BEARER_TOKEN, token_value, 3);
    let auth_value = prop_oneof![
        leaf(),
        keyed(NAMES, leaf(), 3),
        list(token, 3),
        keyed(keys::OAUTH, leaf(), 3),
    ]
    .boxed();
    let auth = keyed(keys::AUTH, auth_value, 4);
    let lints_value = prop_oneof![leaf(), list(leaf(), 3)].boxed();
    let settings = (
        keyed(keys::LIMITS, leaf(), 4),
        keyed(keys::RATE_LIMITS, leaf(), 4),
        auth,
        keyed(keys::LINTS, lints_value, 4),
    );
    let items = (
        server,
        keyed(NAMES, schema(), 4),
        tools,
        resources,
        templates,
        prompts,
    );
    (
        any::<bool>(),
        items,
        settings,
        keyed(keys::SPEC, doc().boxed(), 3),
    )
        .prop_map(
            |(
                version,
                (server, types, tools, resources, templates, prompts),
                (limits, rates, auth, lints),
                rest,
            )| {
                let mut out = Vec::new();
                if version {
                    out.push(("mcpgen".to_owned(), Doc::Int(1)));
                }
                for (k, v) in [
                    ("server", server),
                    ("types", types),
                    ("tools", tools),
                    ("resources", resources),
                    ("resource_templates", templates),
                    ("prompts", prompts),
                    ("limits", limits),
                    ("rate_limits", rates),
                    ("auth", auth),
                    ("lints", lints),
                ] {
                    out.push((k.to_owned(), v));
                }
                if let Doc::Map(extra) = rest {
                    for (k, v) in extra {
                        if !out.iter().any(|(seen, _)| *seen == k) {
                            out.push((k, v));
                        }
                    }
                }
                Doc::Map(out)
            },
        )
}

fn scalar(s: &str) -> String {
    let plain = s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || " _./".contains(c))
        && !s.ends_with(' ');
    if plain {
        s.to_owned()
    } else {
        serde_json::to_string(s).unwrap_or_default()
    }
}

/// Flow style (inside lists).
fn flow(doc: &Doc, out: &mut String) {
    match doc {
        Doc::Null => out.push('~'),
        Doc::Bool(b) => out.push_str(&b.to_string()),
        Doc::Int(i) => out.push_str(&i.to_string()),
        Doc::Float(f) => out.push_str(&format!("{f:?}")),
        Doc::Str(s) => out.push_str(&serde_json::to_string(s).unwrap_or_default()),
        Doc::Seq(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                flow(item, out);
            }
            out.push(']');
        }
        Doc::Map(entries) => {
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&serde_json::to_string(k).unwrap_or_default());
                out.push_str(": ");
                flow(v, out);
            }
            out.push('}');
        }
    }
}

/// Block style for mappings, plain or literal-block scalars where YAML allows them.
fn block(doc: &Doc, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match doc {
        Doc::Map(entries) if !entries.is_empty() => {
            for (k, v) in entries {
                out.push_str(&format!("{pad}{}:", scalar(k)));
                match v {
                    Doc::Map(inner) if !inner.is_empty() => {
                        out.push('\n');
                        block(v, indent + 2, out);
                    }
                    Doc::Str(s) if s.contains('\n') && !s.starts_with([' ', '\n']) => {
                        out.push_str(" |\n");
                        for line in s.lines() {
                            out.push_str(&format!("{pad}  {line}\n"));
                        }
                    }
                    Doc::Str(s) => out.push_str(&format!(" {}\n", scalar(s))),
                    _ => {
                        out.push(' ');
                        flow(v, out);
                        out.push('\n');
                    }
                }
            }
        }
        other => {
            out.push_str(&pad);
            flow(other, out);
            out.push('\n');
        }
    }
}

fn fixtures() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut out = Vec::new();
    for sub in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let valid = sub.path().join("valid.yaml");
        if let Ok(text) = std::fs::read_to_string(valid) {
            out.push(text);
        }
    }
    out.sort();
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        let _ = check_source(SourceFile::new("t.yaml", text));
    }

    #[test]
    fn generated_specs_never_panic(doc in spec_doc()) {
        let mut text = String::new();
        block(&doc, 0, &mut text);
        let checked = check_source(SourceFile::new("t.yaml", text));
        for d in &checked.diagnostics {
            let _ = d.render(&checked.source);
        }
    }

    #[test]
    fn edited_fixtures_never_panic(
        pick in any::<prop::sample::Index>(),
        at in any::<prop::sample::Index>(),
        cut in 0usize..8,
        insert in prop::sample::select(STRINGS),
    ) {
        let all = fixtures();
        prop_assume!(!all.is_empty());
        let text = &all[pick.index(all.len())];
        let chars: Vec<char> = text.chars().collect();
        let at = at.index(chars.len() + 1);
        let end = (at + cut).min(chars.len());
        let edited: String = chars[..at].iter().chain(insert.chars().collect::<Vec<_>>().iter()).chain(chars[end..].iter()).collect();
        let checked = check_source(SourceFile::new("t.yaml", edited));
        for d in &checked.diagnostics {
            let _ = d.render(&checked.source);
        }
    }
}

/// The grammar produces specs the reader accepts often enough to reach the checks.
#[test]
fn generator_reaches_the_checks() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = spec_doc();
    let mut checked_codes = std::collections::BTreeSet::new();
    for _ in 0..300 {
        let doc = strategy.new_tree(&mut runner).expect("a value").current();
        let mut text = String::new();
        block(&doc, 0, &mut text);
        for d in check_source(SourceFile::new("t.yaml", text)).diagnostics {
            if !d.code.is_structural() {
                checked_codes.insert(d.code);
            }
        }
    }
    assert!(
        checked_codes.len() >= 15,
        "the generator rarely reaches the checks: {checked_codes:?}"
    );
}
