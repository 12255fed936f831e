//! The code-first front end: `#[mcp_tool]`, `#[mcp_tools]` and `#[derive(ToolSchema)]`.
//!
//! Rust tokens are lowered into the same [`model`](crate::model) the YAML reader builds,
//! checked by the same [`checks`](crate::checks), and the tool's `ToolDef` is emitted by the
//! same [`tool_def`](crate::emit::rust::tool_def): the two front ends cannot drift apart.
//!
//! Spans: the model's spans are [`Span::synthetic`] ids into a [`SpanTable`] that holds the
//! token span each model node was lowered from, so every diagnostic of the checks becomes a
//! compile error on the user's own tokens. Every problem of one item is reported in one
//! build, and the item is still emitted (with placeholder impls when the tool cannot be
//! built), so the user sees the real mistakes and no cascade.
//!
//! `mcpgen-macros` is a thin wrapper around [`mcp_tool`], [`mcp_tools`] and
//! [`derive_tool_schema`]; the expansion lives here so that it is unit-tested with the
//! rest of codegen.

mod args;
mod derive;
mod report;
mod tool;
mod types;

use proc_macro2::TokenStream;

pub use derive::derive_tool_schema;
pub use tool::{mcp_tool, mcp_tools};

use crate::source::Span;

/// Token spans of model nodes: a model [`Span`] made by [`SpanTable::mark`] is an index here.
#[derive(Debug)]
pub(crate) struct SpanTable {
    spans: Vec<proc_macro2::Span>,
}

impl SpanTable {
    /// A table whose fallback (id 0) is `item`, the span of the item's name.
    pub(crate) fn new(item: proc_macro2::Span) -> Self {
        Self { spans: vec![item] }
    }

    /// The model span standing for `span`.
    pub(crate) fn mark(&mut self, span: proc_macro2::Span) -> Span {
        self.spans.push(span);
        Span::synthetic(self.spans.len() - 1)
    }

    /// The token span a model span stands for (the item's name for spans not made here).
    pub(crate) fn token_span(&self, span: Span) -> proc_macro2::Span {
        let fallback = self.spans[0];
        if span.is_known() {
            return fallback;
        }
        self.spans.get(span.offset).copied().unwrap_or(fallback)
    }
}

/// The path through which expanded code reaches the runtime: `::mcpgen_runtime`, or the
/// attribute's `crate = path`.
pub(crate) fn default_runtime() -> TokenStream {
    quote::quote! { ::mcpgen_runtime }
}
