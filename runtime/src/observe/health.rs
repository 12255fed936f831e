//! Liveness and readiness, as `/healthz` and `/readyz` answer them: the process serves;
//! and what the server depends on answers now: its store (a query on a connection of
//! the probe's own) and, when rate limits are kept there, Redis (PING).
//!
//! The answers are public, so they say what failed and why in words, never a path, a
//! URL or a credential.

use std::{path::PathBuf, sync::OnceLock, time::Duration};

use serde_json::{Map, Value, json};

use crate::declare::registry::Registry;

/// The longest a readiness check waits for one dependency.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// What readiness checks: set as the server starts.
#[derive(Debug, Default)]
pub(crate) struct Probes {
    /// The store's file: the managed tokens' and the audit trail's.
    store: OnceLock<PathBuf>,
}

impl Probes {
    /// The store file the server uses, checked by `/readyz` from now on (the first one
    /// set). A file that cannot be opened yet is watched all the same: until it can,
    /// the server is not ready.
    pub(crate) fn watch_store(&self, file: PathBuf) {
        let _ = self.store.set(file);
    }
}

/// `/healthz`: the process serves.
pub(crate) fn alive() -> Value {
    json!({"status": "ok"})
}

/// `/readyz`: whether every dependency answers, and the body that says which did not.
pub(crate) async fn ready(registry: &Registry) -> (bool, Value) {
    let mut checks = Map::new();
    if let Some(file) = registry.probes.store.get().cloned() {
        let probe = tokio::task::spawn_blocking(move || crate::store::probe(&file));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn registry() -> std::sync::Arc<Registry> {
        let server = crate::Server::builder(crate::ServerInfo {
            name: "health".into(),
            version: "1.0.0".into(),
            ..Default::default()
        })
        .build()
        .expect("an empty server builds");
        std::sync::Arc::clone(&server.registry)
    }

    #[tokio::test]
    async fn a_server_is_ready_while_its_store_answers() {
        let registry = registry();
        assert_eq!(
            ready(&registry).await,
            (true, json!({"status": "ready", "checks": {}}))
        );

        let dir = tempfile::tempdir().expect("a temporary directory");
        let store = crate::Store::open(dir.path()).expect("a store");
        registry.probes.watch_store(store.file().to_owned());
        let (is_ready, body) = ready(&registry).await;
        assert!(is_ready, "{body}");
        assert_eq!(body["checks"]["store"], json!({"status": "ok"}));

        // The volume goes away.
        let moved = dir.path().with_extension("moved");
        std::fs::rename(dir.path(), &moved).expect("the directory moves");
        let (is_ready, body) = ready(&registry).await;
        std::fs::rename(&moved, dir.path()).expect("the directory moves back");
        assert!(!is_ready, "{body}");
        assert_eq!(body["status"], "not_ready");
        assert_eq!(body["checks"]["store"]["status"], "failed");
        let error = body["checks"]["store"]["error"]
            .as_str()
            .unwrap_or_default();
        assert!(
            error.starts_with("the store does not answer a query"),
            "{error}"
        );
        assert!(
            !error.contains(&*moved.to_string_lossy()),
            "no path in a public answer: {error}"
        );
    }
}
