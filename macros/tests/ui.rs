//! UI tests: what `#[mcp_tool]`, `#[mcp_tools]` and `#[derive(ToolSchema)]` say when used
//! wrongly (one compile-fail case per check and per misuse, `tests/ui/<kind>/<case>.rs`
//! with its `.stderr` next to it), and pass cases.
//!
//! The `.stderr` files were produced by the toolchain pinned in `rust-toolchain.toml`
//! (Rust 1.95.0); another compiler may word its own parts differently. After an
//! intended change of a message: `TRYBUILD=overwrite cargo test -p mcpgen-macros --test ui`,
//! then review the diff. All cases run in one trybuild invocation (one build of the
//! dependencies).

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    cases.compile_fail("tests/ui/checks/*.rs");
    cases.compile_fail("tests/ui/misuse/*.rs");
}
