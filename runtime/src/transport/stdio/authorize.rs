//! Auth on stdio: the credential is the token in the `{NAME}_TOKEN` environment
//! variable (or the local user, with `auth.stdio: local_user`), checked by the same gate
//! as HTTP's bearer header on every request, so a token revoked mid-connection stops
//! working at its next request.

use std::sync::Arc;

use crate::auth::{StdioAuth, gate::Credential};
use crate::declare::registry::Registry;

/// The gate and the credential of a stdio connection, when auth is on.
pub(crate) struct StdioGate {
    pub(super) registry: Arc<Registry>,
    /// The variable the token is read from (`WEATHER_TOKEN`).
    pub(super) variable: String,
    /// The token, trimmed, and its SHA-256.
    token: Option<(String, [u8; 32])>,
    local_user: bool,
}

impl StdioGate {
    /// The gate of `registry`'s server, with the token from its environment variable;
    /// `None` when auth is off.
    pub(crate) fn from_env(registry: &Arc<Registry>) -> Option<Self> {
        let gate = registry.gate.as_ref()?;
        let variable = crate::auth::token::env_var(&registry.config.server_info.name);
        let token = std::env::var(&variable)
            .ok()
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .map(|t| {
                let digest = crate::auth::gate::digest(&t);
                (t, digest)
            });
        Some(Self {
            registry: Arc::clone(registry),
            variable,
            token,
            local_user: gate.stdio() == StdioAuth::LocalUser,
        })
    }

    pub(super) fn credential(&self) -> Credential<'_> {
        match &self.token {
            _ if self.local_user => Credential::LocalUser,
            Some((token, digest)) => Credential::Hashed(token, digest),
            None => Credential::Absent,
        }
    }
}
