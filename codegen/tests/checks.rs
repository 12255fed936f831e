//! Fixture snapshots of every check.
//!
//! `tests/fixtures/<code>/valid*.yaml` must produce no diagnostic at all;
//! `tests/fixtures/<code>/invalid*.yaml` must produce at least one diagnostic of `<code>`.
//! The rendered diagnostics of every fixture are snapshots under `tests/snapshots/`, so a
//! change of wording shows up in review, and a check that stops firing fails outright.
//! Update the snapshots with `INSTA_UPDATE=always cargo test -p mcpgen-codegen --test checks`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use mcpgen_codegen::diag::{Code, Severity};
use mcpgen_codegen::source::SourceFile;
use mcpgen_codegen::{Checked, check_source};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Every fixture as (code directory, file stem, path), sorted.
fn fixtures() -> Vec<(String, String, PathBuf)> {
    let mut out = Vec::new();
    let mut dirs: Vec<_> = std::fs::read_dir(fixtures_dir())
        .expect("tests/fixtures exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        let code = dir
            .file_name()
            .expect("a name")
            .to_string_lossy()
            .into_owned();
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .expect("readable fixture dir")
            .map(|e| e.expect("readable entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .collect();
        files.sort();
        for file in files {
            let stem = file
                .file_stem()
                .expect("a stem")
                .to_string_lossy()
                .into_owned();
            out.push((code.clone(), stem, file));
        }
    }
    out
}

fn check(code: &str, stem: &str, path: &Path) -> Checked {
    let text = std::fs::read_to_string(path).expect("readable fixture");
    check_source(SourceFile::new(
        format!("fixtures/{code}/{stem}.yaml"),
        text,
    ))
}

fn render(checked: &Checked) -> String {
    if checked.diagnostics.is_empty() {
        return "(no diagnostics)\n".to_owned();
    }
    checked
        .diagnostics
        .iter()
        .map(|d| d.render(&checked.source))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn fixtures_snapshot_and_fire() {
    let all = fixtures();
    assert!(all.len() >= 40, "fixtures are missing: found {}", all.len());
    let mut failures = Vec::new();
    for (code_name, stem, path) in &all {
        let code = Code::from_name(code_name)
            .unwrap_or_else(|| panic!("fixture directory `{code_name}` is not a code name"));
        let checked = check(code_name, stem, path);
        let rendered = render(&checked);
        if stem.starts_with("valid") {
            if !checked.diagnostics.is_empty() {
                failures.push(format!(
                    "{code_name}/{stem}.yaml should be clean, got:\n{rendered}"
                ));
            }
        } else if stem.starts_with("invalid") {
            if !checked.diagnostics.iter().any(|d| d.code == code) {
                failures.push(format!(
                    "{code_name}/{stem}.yaml reports no `{code_name}`, got:\n{rendered}"
                ));
            }
            if checked.has_structural_errors() {
                failures.push(format!(
                    "{code_name}/{stem}.yaml does not read cleanly:\n{rendered}"
                ));
            }
        } else {
            failures.push(format!(
                "{code_name}/{stem}.yaml: fixture names start with `valid` or `invalid`"
            ));
        }
        insta::assert_snapshot!(format!("{code_name}__{stem}"), rendered);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Every check has an invalid fixture that makes it fire.
#[test]
fn every_check_code_has_a_failing_fixture() {
    let mut fired = BTreeSet::new();
    for (code_name, stem, path) in fixtures() {
        if stem.starts_with("invalid") {
            fired.extend(
                check(&code_name, &stem, &path)
                    .diagnostics
                    .iter()
                    .map(|d| d.code),
            );
        }
    }
    let missing: Vec<&str> = Code::ALL
        .iter()
        .filter(|c| !c.is_structural() && !fired.contains(c))
        .map(|c| c.name())
        .collect();
    assert!(
        missing.is_empty(),
        "no invalid fixture produces: {missing:?}"
    );
}

fn codes_of(text: &str) -> Vec<(Code, Severity)> {
    check_source(SourceFile::new("t.yaml", text))
        .diagnostics
        .iter()
        .map(|d| (d.code, d.severity))
        .collect()
}

const BASE: &str = "mcpgen: 1
server: { name: t, version: 0.1.0, description: A test server for allow lists. }
";

#[test]
fn tool_allow_suppresses_inside_the_tool_only() {
    let tool = |name: &str, allow: &str| {
        format!(
            "  {name}:
    description: Returns the daily forecast for a city for the next days.
    annotations: {{ read_only: true }}
    {allow}
    params:
      timeout: {{ type: integer, description: How long to wait. }}
"
        )
    };
    let text = format!(
        "{BASE}tools:\n{}{}",
        tool("forecast_tool", "allow: [action_name, unit_suffix]"),
        tool("weather_tool", "")
    );
    let codes = codes_of(&text);
    assert_eq!(
        codes,
        [
            (Code::ActionName, Severity::Warning),
            (Code::UnitSuffix, Severity::Error)
        ],
        "only the second tool reports"
    );
}

#[test]
fn schema_allow_suppresses_for_that_parameter() {
    let text = format!(
        "{BASE}tools:
  get_forecast:
    description: Returns the daily forecast for a city for the next days.
    annotations: {{ read_only: true }}
    params:
      timeout: {{ type: integer, description: How long to wait., allow: [unit_suffix] }}
      delay: {{ type: integer, description: How long to wait first. }}
"
    );
    let checked = check_source(SourceFile::new("t.yaml", text));
    let messages: Vec<&str> = checked
        .diagnostics
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(
        messages,
        ["parameter `delay` is a duration but its name has no unit"]
    );
}

#[test]
fn spec_lint_levels_apply_after_the_checks() {
    let tool = "tools:
  forecast_tool:
    description: Returns the daily forecast for a city for the next days.
    annotations: { read_only: true }
    params:
      timeout: { type: integer, description: How long to wait. }
";
    let allowed = format!("{BASE}lints: {{ allow: [unit_suffix], deny: [action_name] }}\n{tool}");
    assert_eq!(codes_of(&allowed), [(Code::ActionName, Severity::Error)]);
    let warned = format!("{BASE}lints: {{ warn: [unit_suffix], allow: [action_name] }}\n{tool}");
    assert_eq!(codes_of(&warned), [(Code::UnitSuffix, Severity::Warning)]);
}

#[test]
fn output_is_deterministic() {
    for (code_name, stem, path) in fixtures() {
        let a = render(&check(&code_name, &stem, &path));
        let b = render(&check(&code_name, &stem, &path));
        assert_eq!(a, b, "{code_name}/{stem}");
    }
}

#[test]
fn explain_annotations_fills_in_mcp_defaults() {
    let text = format!(
        "{BASE}tools:
  delete_alert:
    description: Deletes a weather alert by id. The alert cannot be restored.
    annotations: {{ idempotent: true }}
    rate_limit: 5/min
  get_forecast:
    description: Returns the daily forecast for a city for the next days.
    annotations: {{ read_only: true, open_world: false }}
"
    );
    let checked = check_source(SourceFile::new("t.yaml", text));
    let spec = checked.spec.expect("a model");
    let explained: Vec<String> = spec
        .tools
        .iter()
        .map(|(name, tool)| {
            format!(
                "{}:\n{}",
                name.value,
                mcpgen_codegen::checks::explain_annotations(tool)
            )
        })
        .collect();
    insta::assert_snapshot!(explained.join("\n"));
}
