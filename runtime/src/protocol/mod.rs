//! MCP itself, on rmcp: the `ServerHandler` a transport drives ([`service`]), which
//! dispatches each method to the request pipeline ([`crate::call`]); the rewording of
//! rmcp's terse protocol errors into messages that say what to change ([`reword`]);
//! what to answer for a line or body that is no JSON-RPC message ([`malformed`]);
//! cursor paging of list results ([`paging`]), the wording of suggestions
//! ([`wording`]) and the server cards ([`card`]).

pub(crate) mod card;
pub(crate) mod malformed;
pub(crate) mod paging;
pub(crate) mod reword;
#[cfg(test)]
mod rmcp_texts;
pub(crate) mod service;
pub(crate) mod wording;
