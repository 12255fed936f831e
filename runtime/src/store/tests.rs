use std::{ffi::OsString, path::Path, time::Duration};

use super::*;
use crate::auth::{AuthMethod, RejectionKind, token};

fn open(dir: &Path) -> Store {
    Store::open(dir).unwrap_or_else(|err| panic!("{err}"))
}

fn create(store: &Store, scopes: &[&str]) -> (ManagedToken, String) {
    let scopes: Vec<String> = scopes.iter().map(|s| (*s).to_owned()).collect();
    let (row, secret) = store
        .create_token("ci-bot", &scopes, None, Some("for CI"))
        .unwrap_or_else(|err| panic!("{err}"));
    (row, secret.expose().to_owned())
}

fn rejected(store: &Store, bearer: &str, kind: RejectionKind) -> String {
    match store.verify(bearer) {
        Ok(principal) => panic!("accepted as {principal:?}"),
        Err(rejection) => {
            assert_eq!(rejection.kind, kind, "{rejection}");
            let body = bearer.strip_prefix("mcpgen_").unwrap_or(bearer);
            assert!(
                !rejection.description.contains(&body[..body.len().min(12)]),
                "{rejection}"
            );
            rejection.description
        }
    }
}

fn says_all(err: &StoreError, parts: &[&str]) {
    let message = err.to_string();
    for part in parts {
        assert!(message.contains(part), "{part}: {message}");
    }
}

/// Another connection to the file, as another process would have.
fn raw(dir: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(dir.join(sqlite::FILE_NAME)).expect("open")
}

#[test]
fn opening_creates_the_directory_and_reopening_keeps_the_schema() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("a/b");
    let (row, _) = create(&open(&dir), &["read"]);
    assert!(dir.join("store.sqlite3").is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&dir).expect("dir").permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
    }
    for _ in 0..2 {
        assert_eq!(
            open(&dir).list_tokens().expect("list"),
            std::slice::from_ref(&row)
        );
    }
    let steps: Vec<i64> = raw(&dir)
        .prepare("SELECT version FROM schema_migrations ORDER BY version")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("versions");
    assert_eq!(steps, (1..=sqlite::latest_version()).collect::<Vec<_>>());
    let mode: String = raw(&dir)
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .expect("mode");
    assert_eq!(mode, "wal");
}

#[test]
fn a_store_from_a_newer_build_is_refused_unchanged() {
    let tmp = tempfile::tempdir().expect("tempdir");
    drop(open(tmp.path()));
    raw(tmp.path())
        .execute(
            "INSERT INTO schema_migrations VALUES (999, 'from the future', 0)",
            [],
        )
        .expect("insert");
    let err = Store::open(tmp.path()).expect_err("newer");
    assert_eq!(err.kind(), StoreErrorKind::NewerSchema);
    says_all(
        &err,
        &[
            "newer build",
            "schema version 999",
            "store.sqlite3",
            "--data-dir",
            "MCPGEN_DATA_DIR",
        ],
    );
}

#[test]
fn a_directory_that_cannot_be_created_is_named_with_what_to_do() {
    // A path under a regular file fails for root too.
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(tmp.path().join("file"), "").expect("write");
    let dir = tmp.path().join("file/data");
    let err = Store::open(&dir).expect_err("unwritable");
    assert_eq!(err.kind(), StoreErrorKind::Unavailable);
    says_all(
        &err,
        &[
            &dir.display().to_string(),
            "os error",
            "--data-dir",
            "MCPGEN_DATA_DIR",
            "store.data_dir",
        ],
    );
}

#[test]
fn a_created_token_verifies_as_its_principal() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = open(tmp.path());
    let (row, secret) = create(&store, &["write", "read", "write"]);
    assert!(
        row.id.starts_with("tok_") && row.id.len() == 12,
        "{}",
        row.id
    );
    assert_eq!(row.prefix, secret[7..11]);
    assert_eq!(row.scopes, ["read", "write"]);
    assert_eq!(row.note.as_deref(), Some("for CI"));
    let principal = store.verify(&secret).expect("valid");
    assert_eq!(principal.subject, "ci-bot");
    assert_eq!(principal.scopes, ["read", "write"]);
    assert_eq!(principal.method, AuthMethod::ManagedToken);
    assert_eq!(principal.token_id.as_deref(), Some(row.id.as_str()));
    // The store never holds the token.
    let bytes = std::fs::read(tmp.path().join("store.sqlite3")).expect("read");
    let wal = std::fs::read(tmp.path().join("store.sqlite3-wal")).unwrap_or_default();
    for file in [bytes, wal] {
        assert!(!file.windows(20).any(|w| w == &secret.as_bytes()[7..27]));
    }
}

#[test]
fn unknown_and_malformed_tokens_are_told_apart() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = open(tmp.path());
    let (_, secret) = create(&store, &[]);
    let other = token::generate().expect("random");
    let says = rejected(&store, &other, RejectionKind::Unknown);
    assert!(says.contains("token create"), "{says}");
    let mut typo = secret.clone().into_bytes();
    typo[20] = if typo[20] == b'x' { b'y' } else { b'x' };
    let typo = String::from_utf8(typo).expect("ascii");
    let says = rejected(&store, &typo, RejectionKind::Malformed);
    assert!(says.contains("checksum"), "{says}");
    rejected(&store, &secret[..40], RejectionKind::Malformed);
    rejected(&store, "hunter2-hunter2", RejectionKind::Malformed);
}

#[test]
fn revocation_by_another_store_counts_from_the_next_request() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let server = open(tmp.path());
    let (row, secret) = create(&server, &["read"]);
    let (_, kept) = create(&server, &["read"]);
    assert!(server.verify(&secret).is_ok());
    let cli = open(tmp.path());
    let revoked = cli.revoke_token(&row.id).expect("revoke");
    assert!(revoked.revoked_at.is_some());
    let says = rejected(&server, &secret, RejectionKind::Revoked);
    assert!(
        says.contains(&row.id) && says.contains("token create"),
        "{says}"
    );
    assert!(server.verify(&kept).is_ok());
    // Revoking again changes nothing.
    assert_eq!(cli.revoke_token(&row.id).expect("again"), revoked);
    let err = cli.revoke_token("tok_missing").expect_err("unknown id");
    assert_eq!(err.kind(), StoreErrorKind::NotFound);
    assert!(err.to_string().contains("token list"), "{err}");
}

#[test]
fn commits_of_other_connections_are_seen_and_only_those() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = open(tmp.path());
    let file = store.file().to_owned();
    let conn = sqlite::connect(&file).expect("connect");
    let mut changes = sqlite::Changes::new(&conn, &file).expect("changes");
    assert_eq!(changes.reads_header(), cfg!(unix));
    assert!(changes.check(&conn).expect("first"));
    assert!(!changes.check(&conn).expect("unchanged"));
    for _ in 0..3 {
        create(&store, &[]);
        assert!(changes.check(&conn).expect("after a commit"));
        assert!(!changes.check(&conn).expect("once"));
    }
    // A read by another connection is no change.
    assert_eq!(store.list_tokens().expect("list").len(), 3);
    assert!(!changes.check(&conn).expect("after a read"));
    changes.reset();
    assert!(changes.check(&conn).expect("after a reset"));
}

#[test]
fn expiry_is_checked_on_every_use() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = open(tmp.path());
    let (row, secret) = store
        .create_token("bot", &[], Some(Duration::from_secs(3600)), None)
        .map(|(row, secret)| (row, secret.expose().to_owned()))
        .expect("create");
    assert_eq!(row.expires_at, Some(row.created_at + 3600));
    assert!(store.verify(&secret).is_ok());
    // Expired since: as the clock would have it an hour later.
    raw(tmp.path())
        .execute(
            "UPDATE tokens SET expires_at = ?1 WHERE id = ?2",
            rusqlite::params![unix_now() - 1, row.id],
        )
        .expect("update");
    // What a running server promises another process's change (see `sqlite::Changes`).
    std::thread::sleep(sqlite::SETTLED);
    let says = rejected(&store, &secret, RejectionKind::Expired);
    assert!(says.contains("expired at") && says.contains('Z'), "{says}");
}

#[test]
fn last_use_is_written_off_the_request_path() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = open(tmp.path());
    let (row, secret) = create(&store, &[]);
    assert_eq!(row.last_used_at, None);
    let before = unix_now();
    for _ in 0..3 {
        assert!(store.verify(&secret).is_ok());
    }
    // Dropping the store writes what is queued.
    drop(store);
    let listed = open(tmp.path()).list_tokens().expect("list");
    let used = listed[0].last_used_at.expect("recorded");
    assert!(used >= before && used <= unix_now(), "{used}");
}

#[test]
fn bad_arguments_to_create_say_what_to_give() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = open(tmp.path());
    for (subject, scopes, expires, says) in [
        (" ", vec![], None, "--subject"),
        ("bot", vec!["a b".to_owned()], None, "--scopes"),
        ("bot", vec![String::new()], None, "--scopes"),
        ("bot", vec![], Some(Duration::ZERO), "30d"),
    ] {
        let err = store
            .create_token(subject, &scopes, expires, None)
            .expect_err("invalid");
        assert_eq!(err.kind(), StoreErrorKind::Invalid);
        assert!(err.to_string().contains(says), "{says}: {err}");
    }
    assert!(store.list_tokens().expect("list").is_empty());
}

#[test]
fn the_data_directory_comes_from_flag_env_spec_then_platform() {
    let env = |pairs: &'static [(&'static str, &'static str)]| {
        move |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| OsString::from(v))
        }
    };
    let resolve = |flag: Option<&str>, spec: Option<&str>, vars| {
        data_dir::resolve_with(flag.map(Path::new), spec, "weather", vars)
    };
    let all: &[(&str, &str)] = &[
        ("MCPGEN_DATA_DIR", "/env"),
        ("XDG_DATA_HOME", "/xdg"),
        ("HOME", "/home/u"),
        ("STATE", "/state"),
    ];
    let ok = |r: Result<PathBuf, StoreError>| r.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        ok(resolve(Some("/flag"), Some("/spec"), env(all))),
        Path::new("/flag")
    );
    assert_eq!(
        ok(resolve(None, Some("/spec"), env(all))),
        Path::new("/env")
    );
    let no_env: &[(&str, &str)] = &[("XDG_DATA_HOME", "/xdg"), ("STATE", "/state")];
    assert_eq!(
        ok(resolve(None, Some("${STATE}/w"), env(no_env))),
        Path::new("/state/w")
    );
    assert_eq!(
        ok(resolve(None, None, env(no_env))),
        Path::new("/xdg/weather")
    );
    let relative_xdg: &[(&str, &str)] = &[("XDG_DATA_HOME", "rel"), ("HOME", "/home/u")];
    assert_eq!(
        ok(resolve(None, None, env(relative_xdg))),
        Path::new("/home/u/.local/share/weather")
    );
    let err = resolve(None, Some("${UNSET_DIR}"), env(&[])).expect_err("unset");
    assert!(
        err.to_string().contains("store.data_dir") && err.to_string().contains("UNSET_DIR"),
        "{err}"
    );
    let err = resolve(None, None, env(&[])).expect_err("no home");
    assert!(err.to_string().contains("--data-dir"), "{err}");
}

/// The cost of a verification on the request path; run with `--release --nocapture`
/// to see the figure.
#[test]
fn verification_is_cheap() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = open(tmp.path());
    let (_, secret) = create(&store, &["read", "write"]);
    for _ in 0..50 {
        create(&store, &["read"]);
    }
    assert!(store.verify(&secret).is_ok());
    let rounds = 20_000u32;
    let start = std::time::Instant::now();
    for _ in 0..rounds {
        assert!(store.verify(&secret).is_ok());
    }
    let per_call = start.elapsed() / rounds;
    println!("Store::verify: {per_call:?} per call");
    // Loose, for unoptimised builds on a busy machine; the budget is about 2 µs in release.
    assert!(per_call < Duration::from_micros(100), "{per_call:?}");
}

#[test]
fn the_store_is_shared_across_tasks_and_threads() {
    fn shared<T: Clone + Send + Sync + 'static>() {}
    shared::<Store>();
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = open(tmp.path());
    let (_, secret) = create(&store, &[]);
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let (store, secret) = (store.clone(), secret.clone());
            std::thread::spawn(move || (0..200).all(|_| store.verify(&secret).is_ok()))
        })
        .collect();
    for thread in threads {
        assert!(thread.join().expect("no panic"));
    }
}
