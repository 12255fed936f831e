//! The request pipeline: what happens to a `tools/call`, `resources/read` or
//! `prompts/get` between the protocol layer and the user's handler, and to its result
//! on the way back. A tool call's stages, in order ([`tool`]): identify the tool and
//! the caller, admit the call by the guardrails ([`crate::guard`]), validate its
//! arguments, run the handler ([`run`]), shape the result ([`results`]), and record
//! what the call came to in the request's record ([`crate::observe::record`]).

pub(crate) mod complete;
pub(crate) mod prompt;
pub(crate) mod resource;
pub(crate) mod results;
pub(crate) mod run;
pub(crate) mod state;
pub(crate) mod task;
pub(crate) mod task_registry;
pub(crate) mod tool;
