use std::path::Path;

use clap::error::ErrorKind;

use super::super::{Command, Defaults, HttpDefaults, parse};
use super::*;

const DEFAULTS: Defaults = Defaults {
    name: "issue-tracker",
    version: "1.0.0",
    http: HttpDefaults {
        bind: "127.0.0.1:8080",
        path: "/mcp",
        public_url: None,
        allowed_hosts: &[],
        allowed_origins: &[],
        trusted_proxy_hops: 0,
        max_request_bytes: 4096,
    },
    scopes: &["issues:read", "issues:write"],
    data_dir: None,
    otlp_endpoint: None,
};

/// What a command printed: standard output, standard error, and its error if it failed.
struct Ran {
    out: String,
    err: String,
    result: Result<(), String>,
}

fn token_command(dir: &Path, words: &[&str]) -> Result<Token, clap::Error> {
    let dir = dir.display().to_string();
    let args = ["issue-tracker", "token", "--data-dir", &dir]
        .into_iter()
        .chain(words.iter().copied());
    match parse(&DEFAULTS, args)? {
        Command::Token(token) => Ok(token),
        other => panic!("{words:?} parsed as {other:?}"),
    }
}

fn run_words(dir: &Path, words: &[&str]) -> Ran {
    let token = token_command(dir, words).unwrap_or_else(|err| panic!("{words:?}: {err}"));
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let result = run(token, &DEFAULTS, &mut out, &mut err);
    Ran {
        out: String::from_utf8(out).expect("utf-8"),
        err: String::from_utf8(err).expect("utf-8"),
        result,
    }
}

fn ok(dir: &Path, words: &[&str]) -> Ran {
    let ran = run_words(dir, words);
    if let Err(message) = &ran.result {
        panic!("{words:?}: {message}");
    }
    ran
}

#[test]
fn create_prints_the_token_once_and_how_to_use_it() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ran = ok(
        tmp.path(),
        &[
            "create",
            "--subject",
            "ci-bot",
            "--scopes",
            "issues:write,issues:read",
            "--expires-in",
            "30d",
            "--note",
            "nightly job",
        ],
    );
    // Standard output is the token and nothing else, for `TOKEN=$(...)`.
    let secret = ran.out.trim_end();
    assert_eq!(ran.out.lines().count(), 1, "{}", ran.out);
    assert!(
        secret.starts_with("mcpgen_") && secret.len() == 56,
        "{secret}"
    );
    for says in [
        "created tok_",
        "for ci-bot",
        "scopes issues:read, issues:write",
        "expires 20",
        "only time",
        "Authorization: Bearer <token>",
        "ISSUE_TRACKER_TOKEN=<token>",
        "issue-tracker token revoke tok_",
    ] {
        assert!(ran.err.contains(says), "{says}: {}", ran.err);
    }
    assert!(!ran.err.contains(secret));

    let store = Store::open(tmp.path()).expect("open");
    let principal = store.verify(secret).expect("valid");
    assert_eq!(principal.scopes, ["issues:read", "issues:write"]);

    // Listing never shows it again.
    for words in [&["list"][..], &["list", "--json"]] {
        let listed = ok(tmp.path(), words);
        assert!(!listed.out.contains(&secret[7..20]), "{}", listed.out);
    }
}

#[test]
fn list_shows_each_token_as_a_table_or_json() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let empty = ok(tmp.path(), &["list"]);
    assert_eq!(empty.out, "");
    assert!(empty.err.contains("no tokens"), "{}", empty.err);
    assert_eq!(ok(tmp.path(), &["list", "--json"]).out.trim(), "[]");

    ok(
        tmp.path(),
        &["create", "--subject", "alice", "--scopes", "issues:read"],
    );
    ok(
        tmp.path(),
        &["create", "--subject", "bob", "--note", "read only"],
    );
    let table = ok(tmp.path(), &["list"]).out;
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 3, "{table}");
    let head: Vec<&str> = lines[0]
        .split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    assert_eq!(head, COLUMNS, "{table}");
    assert!(
        lines[1].contains("alice")
            && lines[1].contains("issues:read")
            && lines[1].contains("active"),
        "{table}"
    );
    assert!(
        lines[2].contains("bob") && lines[2].contains("never"),
        "{table}"
    );

    let json: serde_json::Value =
        serde_json::from_str(&ok(tmp.path(), &["list", "--json"]).out).expect("json");
    let rows = json.as_array().expect("array");
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["subject"], "alice");
    assert_eq!(rows[0]["scopes"], serde_json::json!(["issues:read"]));
    assert_eq!(rows[0]["status"], "active");
    assert_eq!(rows[0]["expires_at"], serde_json::Value::Null);
    assert!(
        rows[0]["prefix"]
            .as_str()
            .is_some_and(|p| p.starts_with("mcpgen_") && p.len() == 11)
    );
    assert!(
        rows[0]["created_at"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z'))
    );
    assert_eq!(rows[1]["note"], "read only");
}

#[test]
fn revoke_marks_the_token_and_says_so() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let secret = ok(tmp.path(), &["create", "--subject", "alice"]).out;
    let store = Store::open(tmp.path()).expect("open");
    let id = store.list_tokens().expect("list")[0].id.clone();
    assert!(store.verify(secret.trim()).is_ok());

    let revoked = ok(tmp.path(), &["revoke", &id]);
    assert!(
        revoked
            .out
            .starts_with(&format!("revoked {id} (alice) at 20")),
        "{}",
        revoked.out
    );
    // Again: the same answer, with the first time.
    assert_eq!(ok(tmp.path(), &["revoke", &id]).out, revoked.out);
    assert!(store.verify(secret.trim()).is_err());
    let json = ok(tmp.path(), &["list", "--json"]).out;
    assert!(json.contains("\"status\": \"revoked\""), "{json}");

    let missing = run_words(tmp.path(), &["revoke", "tok_nothere"]);
    let message = missing.result.expect_err("unknown id");
    assert!(
        message.contains("tok_nothere") && message.contains("token list"),
        "{message}"
    );
}

#[test]
fn scopes_the_spec_does_not_declare_are_refused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("never-created");
    let ran = run_words(
        &dir,
        &["create", "--subject", "a", "--scopes", "issues:read,admin"],
    );
    let message = ran.result.expect_err("undeclared");
    assert!(
        message.contains("`admin`") && message.contains("issues:read, issues:write"),
        "{message}"
    );
    assert!(
        !dir.exists(),
        "a refused command created the data directory"
    );
    assert!(check_scopes(&["x".into()], &[]).is_err_and(|m| m.contains("declares no scopes")));
}

#[test]
fn durations_take_units_and_refuse_the_rest() {
    for (text, seconds) in [
        ("30d", 30 * 86_400),
        ("12h", 12 * 3600),
        ("90m", 90 * 60),
        ("45s", 45),
        ("2w", 14 * 86_400),
        ("1d12h", 86_400 + 12 * 3600),
    ] {
        assert_eq!(
            parse_duration(text),
            Ok(Duration::from_secs(seconds)),
            "{text}"
        );
    }
    for text in [
        "",
        "30",
        "d",
        "3 days",
        "1.5h",
        "-1d",
        "99999999999999999999w",
    ] {
        let err = parse_duration(text).expect_err(text);
        assert!(err.contains("30d"), "{text}: {err}");
    }
    let err = token_command(
        Path::new("/tmp"),
        &["create", "--subject", "a", "--expires-in", "soon"],
    )
    .expect_err("bad duration");
    assert_eq!(err.kind(), ErrorKind::ValueValidation);
    assert_eq!(err.exit_code(), 2);
}

#[test]
fn the_data_directory_flag_is_on_serve_and_token() {
    let serve = parse(&DEFAULTS, ["x", "serve", "--stdio", "--data-dir", "/srv/x"]).expect("serve");
    let Command::Serve(serve) = serve else {
        panic!("{serve:?}");
    };
    assert_eq!(serve.store.data_dir.as_deref(), Some(Path::new("/srv/x")));
    // Before or after the token command's own subcommand.
    let after = parse(&DEFAULTS, ["x", "token", "list", "--data-dir", "/srv/y"]).expect("token");
    let Command::Token(token) = after else {
        panic!("{after:?}");
    };
    assert_eq!(token.store.data_dir.as_deref(), Some(Path::new("/srv/y")));
    let help = parse(&DEFAULTS, ["x", "token", "--help"])
        .expect_err("help")
        .to_string();
    for says in [
        "create",
        "list",
        "revoke",
        "--data-dir",
        "MCPGEN_DATA_DIR",
        "issue-tracker token create --subject",
    ] {
        assert!(help.contains(says), "{says}: {help}");
    }
    let err = parse(&DEFAULTS, ["x", "token", "create"]).expect_err("no subject");
    assert_eq!(err.kind(), ErrorKind::MissingRequiredArgument);
}
