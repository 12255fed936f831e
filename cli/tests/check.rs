//! `mcpgen check` as a user runs it: exit codes, the human and JSON formats.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{CLEAN, assert_status, mcpgen, repo, write_spec};

#[test]
fn every_example_spec_is_clean() {
    let out = mcpgen(&repo(), &["check"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    // Clean means no warning either: the examples are what users copy.
    assert!(!stderr.contains("warning"), "{stderr}");
    for spec in ["weather", "issue_tracker", "sql_query"] {
        assert!(
            stderr.contains(&format!("specs/{spec}.yaml: ok")),
            "{stderr}"
        );
    }
}

#[test]
fn clean_spec_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    write_spec(dir.path(), CLEAN);
    let out = mcpgen(dir.path(), &["check"]);
    assert_status(&out, 0);
}

#[test]
fn check_errors_exit_one_with_positions() {
    let dir = tempfile::tempdir().unwrap();
    let spec = CLEAN.to_owned()
        + "    params:\n      timeout: { type: integer, description: How long to wait. }\n";
    write_spec(dir.path(), &spec);
    let out = mcpgen(dir.path(), &["check", "specs/server.yaml"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("specs/server.yaml:8:7: error[mcpgen::unit_suffix]"),
        "{stderr}"
    );
}

#[test]
fn unparseable_spec_exits_two() {
    let dir = tempfile::tempdir().unwrap();
    write_spec(dir.path(), "mcpgen: 1\nserver: [unclosed\n");
    let out = mcpgen(dir.path(), &["check"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("error[mcpgen::syntax]"), "{stderr}");

    write_spec(dir.path(), "");
    let out = mcpgen(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("error[mcpgen::empty]"));
}

#[test]
fn unknown_keys_suggest_the_right_one() {
    let dir = tempfile::tempdir().unwrap();
    write_spec(
        dir.path(),
        &CLEAN.replace("description: Current", "descripton: Current"),
    );
    let out = mcpgen(dir.path(), &["check"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("unknown key `descripton` in a tool"),
        "{stderr}"
    );
    assert!(stderr.contains("did you mean `description`?"), "{stderr}");
}

#[test]
fn missing_file_and_missing_specs_dir_exit_two() {
    let dir = tempfile::tempdir().unwrap();
    let out = mcpgen(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("pass a spec path"));
    let out = mcpgen(dir.path(), &["check", "nope.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read the spec"));
    // `generate` outside a crate names the directory it looked in, even when it is `.`.
    let out = mcpgen(dir.path(), &["generate"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no `specs/` directory in . ("), "{stderr}");
}

#[test]
fn json_format_prints_one_object_per_diagnostic() {
    let dir = tempfile::tempdir().unwrap();
    let spec = CLEAN.to_owned()
        + "    params:\n      timeout: { type: integer, description: How long to wait. }\n      delay: { type: number, description: How long to sleep. }\n";
    write_spec(dir.path(), &spec);
    let out = mcpgen(dir.path(), &["check", "--message-format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    let units: Vec<_> = lines
        .iter()
        .filter(|d| d["code"] == "mcpgen::unit_suffix")
        .collect();
    assert_eq!(units.len(), 2, "{stdout}");
    assert_eq!(units[0]["file"], "specs/server.yaml");
    assert_eq!(units[0]["line"], 8);
    assert_eq!(units[0]["column"], 7);
    assert_eq!(units[0]["severity"], "error");
    assert!(units[0]["help"].as_str().is_some_and(|h| !h.is_empty()));
}

#[test]
fn allow_list_silences_a_check() {
    let dir = tempfile::tempdir().unwrap();
    let spec = CLEAN.to_owned()
        + "    params:\n      timeout: { type: integer, description: How long to wait. }\nlints:\n  allow: [unit_suffix]\n";
    write_spec(dir.path(), &spec);
    let out = mcpgen(dir.path(), &["check"]);
    assert_status(&out, 0);
}

#[test]
fn explain_shows_mcp_defaults() {
    let out = mcpgen(&repo(), &["check", "--explain", "specs/issue_tracker.yaml"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("tool close_issue"), "{stdout}");
    assert!(
        stdout.contains("readOnlyHint     false  (MCP default)"),
        "{stdout}"
    );
    // Per target, the scopes it needs or that it is public.
    for line in [
        "  access           a credential with scopes issues_admin",
        "  access           public: no credential needed (anonymous: true)",
        "resource template tracker://issues/{issue_id}\n  access           a credential with scopes issues_read",
        "discovery          public (auth.public_discovery)",
        "  audit arguments  summary (default); PII hashed: reporter_email",
        "audit trail        on: rows kept 90 days (declared), strings cut at 60 characters (declared)",
    ] {
        assert!(stdout.contains(line), "{line} in {stdout}");
    }
    let out = mcpgen(&repo(), &["explain", "unit_suffix"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("carries the unit in its name"));
    let out = mcpgen(&repo(), &["explain", "unit_sufix"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean `unit_suffix`"));
}

#[test]
fn schema_file_is_in_sync_with_the_model() {
    let on_disk = std::fs::read_to_string(repo().join("specs/mcpgen.schema.json"))
        .expect("specs/mcpgen.schema.json exists");
    let generated = mcpgen_codegen::spec_schema::spec_schema_json();
    assert!(
        on_disk == generated,
        "specs/mcpgen.schema.json is stale: run `cargo run -p mcpgen-cli -- schema > specs/mcpgen.schema.json`"
    );
}

#[test]
fn prompt_messages_hold_exactly_one_content_and_images_stay_in_the_crate() {
    let dir = tempfile::tempdir().unwrap();
    let prompt = |message: &str| {
        format!(
            "{CLEAN}prompts:\n  show_chart:\n    description: Shows the chart of the day to the user.\n    messages:\n      - {message}\n"
        )
    };
    write_spec(
        dir.path(),
        &prompt("{ role: user, text: Look., image: { file: chart.png, mime_type: image/png } }"),
    );
    let out = mcpgen(dir.path(), &["check"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("a prompt message has one content: `text`, `image` or `resource`; this one has text and image"),
        "{stderr}"
    );

    write_spec(
        dir.path(),
        &prompt("{ role: user, image: { file: ../chart.png, mime_type: image/png } }"),
    );
    let out = mcpgen(dir.path(), &["check"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("the file of prompt `show_chart` leaves the crate with `..`"),
        "{stderr}"
    );

    write_spec(
        dir.path(),
        &prompt("{ role: user, resource: { uri: \"docs://{{ topc }}\", text: Read it. } }"),
    );
    let out = mcpgen(dir.path(), &["check"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("uses `topc`, which is not an argument"),
        "{stderr}"
    );
}
