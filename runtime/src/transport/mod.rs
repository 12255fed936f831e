//! How requests arrive and answers leave: stdio ([`stdio`]) and Streamable HTTP
//! ([`http`]: serving, the screening of raw HTTP requests before rmcp reads them, and
//! 2025-11-25 sessions). Nothing here knows what a tool is; every request is handed to
//! the protocol layer ([`crate::protocol`]).

pub(crate) mod http;
pub(crate) mod stdio;
