//! The code `mcpgen generate` writes for each example spec in `specs/`, committed as
//! one module per spec and compiled with `#![deny(warnings)]` (progenitor's
//! "snapshots that compile").
//!
//! Never edit `src/<spec>.rs` by hand: `tests/snapshots.rs` regenerates them and fails
//! when they differ; `UPDATE_SNAPSHOTS=1 cargo test -p mcpgen-generated-snapshots`
//! rewrites them. `tests/agreement.rs` checks that the advertised JSON Schemas and the
//! generated Rust types accept the same values, and `tests/server.rs` builds each server.
//! `#[rustfmt::skip]` keeps each module as mcpgen writes it, so that `cargo fmt` and the
//! snapshots agree whatever the toolchain's rustfmt.
#![deny(warnings)]

#[cfg(feature = "compile")]
#[rustfmt::skip]
pub mod issue_tracker;
#[cfg(feature = "compile")]
#[rustfmt::skip]
pub mod sql_query;
#[cfg(feature = "compile")]
#[rustfmt::skip]
pub mod weather;
