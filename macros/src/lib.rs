//! The `#[mcp_tool]` attribute (see its own issue); for now, the crate reserves the name.
#![deny(missing_docs)]
