//! The `DEFAULTS` constant carries what the generated binary's command line needs from
//! the spec: the declared scopes (`token create --scopes` takes only these), the
//! data directory (`store.data_dir`) and the trace collector (`telemetry.otlp_endpoint`).

use mcpgen_codegen::source::SourceFile;
use mcpgen_codegen::{check_source, emit};

const SPEC: &str = r#"mcpgen: 1
server: { name: notes, version: 0.1.0, description: Notes kept for a team. }
auth:
  mode: bearer
  scopes:
    notes_read: Read notes.
    notes_write: Write notes.
store:
  data_dir: "${STATE_DIRECTORY:-/var/lib/notes}"
telemetry:
  otlp_endpoint: "${OTLP_ENDPOINT:-}"
tools:
  list_notes:
    description: Lists the notes of the team, newest first.
    annotations: { read_only: true }
    scopes: [notes_read]
    params: {}
"#;

fn module(text: &str) -> String {
    let checked = check_source(SourceFile::new("notes.yaml", text.to_owned()));
    assert!(!checked.has_errors(), "{:#?}", checked.diagnostics);
    let spec = checked.spec.expect("a model");
    emit::generate(&spec, "specs/notes.yaml")
        .into_iter()
        .map(|file| file.contents)
        .collect()
}

#[test]
fn scopes_the_data_directory_and_the_collector_reach_the_command_line() {
    let text = module(SPEC);
    assert!(
        text.contains(r#"scopes: &["notes_read", "notes_write"],"#),
        "{text}"
    );
    assert!(
        text.contains(
            r#"data_dir: ::core::option::Option::Some("${STATE_DIRECTORY:-/var/lib/notes}"),"#
        ),
        "{text}"
    );
    assert!(
        text.contains(r#"otlp_endpoint: ::core::option::Option::Some("${OTLP_ENDPOINT:-}"),"#),
        "{text}"
    );
}

#[test]
fn without_them_the_defaults_are_empty() {
    let spec = SPEC
        .replace("store:\n  data_dir: \"${STATE_DIRECTORY:-/var/lib/notes}\"\n", "")
        .replace("telemetry:\n  otlp_endpoint: \"${OTLP_ENDPOINT:-}\"\n", "")
        .replace("auth:\n  mode: bearer\n  scopes:\n    notes_read: Read notes.\n    notes_write: Write notes.\n", "")
        .replace("    scopes: [notes_read]\n", "");
    let text = module(&spec);
    assert!(text.contains("scopes: &[],"), "{text}");
    assert!(
        text.contains("data_dir: ::core::option::Option::None,"),
        "{text}"
    );
    assert!(
        text.contains("otlp_endpoint: ::core::option::Option::None,"),
        "{text}"
    );
}
