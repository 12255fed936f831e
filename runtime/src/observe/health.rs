//! Liveness and readiness, as `/healthz` and `/readyz` answer them: the process serves;
//! and what the server depends on answers now: its store (a query on a connection of
//! the probe's own) and, when rate limits are kept there, Redis (PING).
//!
//! The answers are public, so they say what failed and why in words, never a path, a
//! URL or a credential.

use std::{sync::OnceLock, time::Duration};

use serde_json::{Map, Value, json};

use crate::declare::registry::Registry;

/// The longest a readiness check waits for one dependency.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// What readiness checks: set as the server starts.
#[derive(Debug, Default)]
pub(crate) struct Probes {
    store: OnceLock<crate::Store>,
}

impl Probes {
    /// The store the server uses, checked by `/readyz` from now on (the first one set).
    pub(crate) fn watch_store(&self, store: &crate::Store) {
        let _ = self.store.set(store.clone());
    }
}

/// `/healthz`: the process serves.
pub(crate) fn alive() -> Value {
    json!({"status": "ok"})
}

/// `/readyz`: whether every dependency answers, and the body that says which did not.
pub(crate) async fn ready(registry: &Registry) -> (bool, Value) {
    let mut checks = Map::new();
    if let Some(store) = registry.probes.store.get().cloned() {
        let probe = tokio::task::spawn_blocking(move || store.probe());
        let outcome = match tokio::time::timeout(PROBE_TIMEOUT, probe).await {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(_)) => Err("the store check failed to run".to_owned()),
            Err(_) => Err(format!(
                "the store did not answer within {} s",
                PROBE_TIMEOUT.as_secs()
            )),
        };
        checks.insert("store".to_owned(), check(outcome));
    }
    if let Some(outcome) = registry.guard.ping_backend().await {
        let outcome = outcome.map_err(|err| format!("Redis did not answer PING ({err})"));
        checks.insert("redis".to_owned(), check(outcome));
    }
    let ready = checks.values().all(|c| c["status"] == "ok");
    let status = if ready { "ready" } else { "not_ready" };
    (ready, json!({"status": status, "checks": checks}))
}

fn check(outcome: Result<(), String>) -> Value {
    match outcome {
        Ok(()) => json!({"status": "ok"}),
        Err(error) => json!({"status": "failed", "error": error}),
    }
}
