//! Running the `mcpgen` binary from the integration tests.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A spec without errors or warnings.
pub(crate) const CLEAN: &str = "mcpgen: 1
server: { name: demo, version: 0.1.0, description: A demo server for tests. }
tools:
  get_time:
    description: Current time in UTC as an RFC 3339 string, for scheduling.
    annotations: { read_only: true, open_world: false }
";

pub(crate) fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A `mcpgen` command, run in `dir`.
pub(crate) fn command(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mcpgen"));
    command.args(args).current_dir(dir);
    command
}

pub(crate) fn mcpgen(dir: &Path, args: &[&str]) -> Output {
    command(dir, args).output().expect("run mcpgen")
}

pub(crate) fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts the exit status, showing what mcpgen printed when it differs.
pub(crate) fn assert_status(out: &Output, code: i32) {
    assert_eq!(out.status.code(), Some(code), "{}", stderr(out));
}

pub(crate) fn write_spec(dir: &Path, text: &str) {
    std::fs::create_dir_all(dir.join("specs")).unwrap();
    std::fs::write(dir.join("specs/server.yaml"), text).unwrap();
}
