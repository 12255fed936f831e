//! The model to Rust tokens: types, the handler trait, and the registration function.
//!
//! The generated module is self-contained and reaches the runtime and serde only through
//! `::mcpgen_runtime` (and its `__private` re-exports), so the user's crate needs no
//! direct dependency on serde or serde_json for the generated code to compile.
//!
//! One `Emitter` walks the spec. Its methods live with the kind of item they emit:
//! `types` (named and inline types), `satisfies` (the `SatisfiesSchema` checks of those
//! types), `tools`, `resources`, `prompts`, and `server` (the module as a whole: the
//! `Handler` trait, `server()`, `builder()` and the `DEFAULTS` constant); `tokens` holds
//! the small pieces of syntax they all use.

mod prompts;
mod resources;
mod satisfies;
mod server;
mod stubs;
mod tokens;
mod tools;
mod types;

use proc_macro2::TokenStream;

pub use stubs::{NOT_IMPLEMENTED, handler_stubs};
pub use tools::{RuntimePaths, schema_expr, tool_def};

use super::json_schema::Types;
use crate::model::Spec;

/// Emits the Rust items of the generated module.
pub(crate) struct Emitter<'a> {
    spec: &'a Spec,
    types: Types<'a>,
    /// Type items, in emission order.
    items: Vec<TokenStream>,
}

impl<'a> Emitter<'a> {
    pub(crate) fn new(spec: &'a Spec) -> Self {
        Self {
            spec,
            types: Types::new(spec),
            items: Vec::new(),
        }
    }
}
