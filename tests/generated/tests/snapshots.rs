//! The committed modules in `src/` are exactly what `mcpgen generate` writes for the
//! example specs: codegen's output, formatted by prettyplease and by nothing else, so
//! the bytes do not depend on the machine's rustfmt (`src/lib.rs` has rustfmt skip them).
//!
//! To accept a change in the generated code, run
//! `UPDATE_SNAPSHOTS=1 cargo test -p mcpgen-generated-snapshots --test snapshots`
//! and review the diff. If the old snapshots no longer compile, add
//! `--no-default-features` (the library then skips the modules).

use std::path::{Path, PathBuf};

use mcpgen_codegen::emit::{self, GENERATED_MARKER, MODULE_PATH};

/// The example specs, by file stem; each has `src/<stem>.rs`.
const SPECS: &[&str] = &["weather", "issue_tracker", "sql_query"];

/// Specs whose generated module is committed and compiled in a crate of its own: the
/// conformance fixture server (tests/conformance; tests/e2e/test_conformance.py runs
/// `mcpgen generate --check` on it).
const COMPILED_ELSEWHERE: &[&str] = &["conformance"];

const UPDATE_HINT: &str = "run `UPDATE_SNAPSHOTS=1 cargo test -p mcpgen-generated-snapshots --test snapshots` \
     to rewrite the snapshots, then review and commit the diff";

fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn workspace_root() -> PathBuf {
    crate_dir().join("../..")
}

fn updating() -> bool {
    std::env::var_os("UPDATE_SNAPSHOTS").is_some_and(|v| !v.is_empty() && v != "0")
}

/// The spec as the header names it: relative to the crate root, as `mcpgen generate
/// --spec specs/<stem>.yaml` shows it.
fn shown_as(stem: &str) -> String {
    format!("specs/{stem}.yaml")
}

/// What `mcpgen generate` writes for the spec, from a freshly read spec.
fn generated(stem: &str) -> String {
    let shown = shown_as(stem);
    let path = workspace_root().join(&shown);
    let checked = mcpgen_codegen::load_file(&path, &shown)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let rendered: Vec<String> = checked
        .diagnostics
        .iter()
        .map(|d| d.render(&checked.source))
        .collect();
    assert!(
        !checked.has_errors(),
        "{shown} has errors:\n{}",
        rendered.join("\n")
    );
    let spec = checked.spec.expect("a spec without errors has a model");
    let files = emit::generate(&spec, &shown);
    assert_eq!(files.len(), 1, "one generated file per spec");
    assert_eq!(files[0].path, MODULE_PATH);
    files.into_iter().next().expect("one file").contents
}

/// The first line where `a` and `b` differ, 1-based, with both versions of it.
fn first_difference(a: &str, b: &str) -> String {
    let (mut a_lines, mut b_lines) = (a.lines(), b.lines());
    let mut line = 1;
    loop {
        match (a_lines.next(), b_lines.next()) {
            (Some(x), Some(y)) if x == y => line += 1,
            (None, None) => return "the files differ only in line endings".to_owned(),
            (x, y) => {
                return format!(
                    "first difference at line {line}:\n  committed: {}\n  generated: {}",
                    x.unwrap_or("<end of file>"),
                    y.unwrap_or("<end of file>")
                );
            }
        }
    }
}

/// Compares `path` (relative to this crate) with `expected`; rewrites it when
/// `UPDATE_SNAPSHOTS` is set and the content changed, fails otherwise.
fn assert_snapshot(relative: &str, expected: &str) {
    let path = crate_dir().join(relative);
    let committed = std::fs::read_to_string(&path).ok();
    if committed.as_deref() == Some(expected) {
        return;
    }
    if updating() {
        std::fs::write(&path, expected)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        eprintln!("updated tests/generated/{relative}");
        return;
    }
    let why = match &committed {
        None => "is missing".to_owned(),
        Some(committed) => format!(
            "differs from what mcpgen generates now; {}",
            first_difference(committed, expected)
        ),
    };
    panic!("tests/generated/{relative} {why}\n\n{UPDATE_HINT}");
}

#[test]
fn weather_snapshot() {
    assert_snapshot("src/weather.rs", &generated("weather"));
}

#[test]
fn issue_tracker_snapshot() {
    assert_snapshot("src/issue_tracker.rs", &generated("issue_tracker"));
}

#[test]
fn sql_query_snapshot() {
    assert_snapshot("src/sql_query.rs", &generated("sql_query"));
}

/// `sql_query.yaml` embeds `schema.sql` from the crate root (`file:` paths are relative
/// to the crate); this crate keeps a copy of the one next to the specs.
#[test]
fn embedded_resource_file_is_current() {
    let source = workspace_root().join("specs/schema.sql");
    let expected = std::fs::read_to_string(&source)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", source.display()));
    assert_snapshot("schema.sql", &expected);
}

/// Every snapshot module is declared in `src/lib.rs`, so the compiler sees it.
#[test]
fn every_spec_has_a_module() {
    let lib = std::fs::read_to_string(crate_dir().join("src/lib.rs")).expect("read lib.rs");
    let mut stems: Vec<String> = std::fs::read_dir(workspace_root().join("specs"))
        .expect("read specs/")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .filter_map(|p| Some(p.file_stem()?.to_str()?.to_owned()))
        .filter(|stem| !COMPILED_ELSEWHERE.contains(&stem.as_str()))
        .collect();
    stems.sort();
    let mut listed: Vec<&str> = SPECS.to_vec();
    listed.sort_unstable();
    assert_eq!(
        stems, listed,
        "specs/*.yaml and SPECS in tests/snapshots.rs disagree"
    );
    for stem in SPECS {
        assert!(
            lib.contains(&format!("pub mod {stem};")),
            "src/lib.rs does not declare `pub mod {stem};`"
        );
    }
}

/// The same spec, read again, gives the same bytes.
#[test]
fn generation_is_deterministic() {
    for stem in SPECS {
        let first = generated(stem);
        for _ in 0..3 {
            let again = generated(stem);
            assert!(
                first == again,
                "the generated module for {stem} changed between runs; {}",
                first_difference(&first, &again)
            );
        }
    }
}

#[test]
fn header_names_the_spec() {
    for stem in SPECS {
        let header = format!("// @generated by mcpgen from specs/{stem}.yaml. DO NOT EDIT.\n");
        assert!(header.starts_with(GENERATED_MARKER));
        for (what, text) in [
            ("generated", generated(stem)),
            (
                "committed",
                std::fs::read_to_string(crate_dir().join(format!("src/{stem}.rs")))
                    .expect("read snapshot"),
            ),
        ] {
            assert!(
                text.starts_with(&header),
                "the {what} module for {stem} does not start with {header:?}; it starts with {:?}",
                text.lines().next().unwrap_or_default()
            );
        }
    }
}

/// `\n` endings, a trailing newline, and nothing that depends on the machine.
#[test]
fn output_is_machine_independent() {
    let root = workspace_root()
        .canonicalize()
        .expect("canonical workspace root");
    let root = root.to_string_lossy();
    for stem in SPECS {
        let text = generated(stem);
        assert!(!text.contains('\r'), "{stem}: carriage return in output");
        assert!(text.ends_with('\n'), "{stem}: no trailing newline");
        assert!(!text.ends_with("\n\n"), "{stem}: blank lines at the end");
        assert!(
            !text.contains(root.as_ref()),
            "{stem}: the output contains the absolute path {root}"
        );
    }
}
