//! `mcpgen generate` as a user runs it: output that depends on the spec alone.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use common::{CLEAN, assert_status, command, write_spec};

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The module is codegen's output as it is: a rustfmt on the machine changes nothing.
#[cfg(unix)]
#[test]
fn the_module_does_not_depend_on_the_machines_rustfmt() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    // A rustfmt that replaces whatever it is given, first on PATH and in RUSTFMT.
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let rustfmt = bin.join("rustfmt");
    std::fs::write(&rustfmt, "#!/bin/sh\necho 'fn reformatted() {}'\n").unwrap();
    std::fs::set_permissions(&rustfmt, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = std::env::join_paths(std::iter::once(bin.clone()).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .unwrap();
    write_spec(dir.path(), CLEAN);
    let out = command(dir.path(), &["generate"])
        .env("PATH", path)
        .env("RUSTFMT", &rustfmt)
        .output()
        .unwrap();
    assert_status(&out, 0);

    let spec = dir.path().join("specs/server.yaml");
    let checked = mcpgen_codegen::load_file(&spec, "specs/server.yaml").unwrap();
    let files = mcpgen_codegen::emit::generate(&checked.spec.unwrap(), "specs/server.yaml");
    let written = read(&dir.path().join("src/generated/mod.rs"));
    assert_eq!(written, files[0].contents);
    assert!(!written.contains("reformatted"));
}
