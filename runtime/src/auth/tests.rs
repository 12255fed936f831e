//! The settings the end-to-end matrix does not vary, over stdio on an in-memory pipe as
//! `serve --stdio` serves: `auth.stdio: local_user`, `auth.public_discovery: false`, and
//! a scoped tool refused before its handler runs.

use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::{AuthConfig, AuthMode, Server, ServerInfo, StdioAuth, ToolDef, ToolOutput};

fn server(config: AuthConfig) -> Server {
    let tool = ToolDef {
        name: "purge".into(),
        description: "Purges the cache.".into(),
        input_schema: json!({"type": "object", "additionalProperties": false}),
        scopes: vec!["admin".into()],
        ..Default::default()
    };
    Server::builder(ServerInfo {
        name: "auth-test".into(),
        version: "1.0.0".into(),
        ..Default::default()
    })
    .tool(tool, |ctx, _| async move {
        let who = ctx.principal().map_or("nobody".to_owned(), |p| {
            format!("{} {}", p.method.as_str(), p.scopes.join(","))
        });
        Ok(ToolOutput::Text(who))
    })
    .auth(config)
    .build()
    .expect("the server builds")
}

fn request(id: u64, method: &str, mut params: Value) -> String {
    params["_meta"] = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientInfo": {"name": "auth-test", "version": "1"},
        "io.modelcontextprotocol/clientCapabilities": {},
    });
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}).to_string()
}

/// The answers to `lines`, one each, from the server on an in-memory pipe.
async fn answers(server: Server, lines: &[String]) -> Vec<Value> {
    server.start_auth(None, None).await.expect("auth starts");
    let (server_io, client_io) = tokio::io::duplex(1 << 16);
    let pipe = tokio::io::split(server_io);
    let serving =
        tokio::spawn(async move { server.serve_lines(pipe, std::future::pending()).await });
    let (read, mut write) = tokio::io::split(client_io);
    let mut read = BufReader::new(read).lines();
    let mut answers = Vec::new();
    for line in lines {
        write
            .write_all(format!("{line}\n").as_bytes())
            .await
            .expect("written");
        let next = tokio::time::timeout(Duration::from_secs(10), read.next_line());
        let answer = next
            .await
            .expect("an answer in time")
            .expect("read")
            .expect("a line");
        answers.push(serde_json::from_str(&answer).expect("JSON"));
    }
    write.shutdown().await.expect("closed");
    let _ = tokio::time::timeout(Duration::from_secs(10), serving).await;
    answers
}

fn bearer() -> AuthConfig {
    AuthConfig {
        mode: AuthMode::Bearer,
        scopes: vec!["admin".into(), "read".into()],
        ..Default::default()
    }
}

#[tokio::test]
async fn the_local_user_holds_every_declared_scope() {
    let config = AuthConfig {
        stdio: StdioAuth::LocalUser,
        ..bearer()
    };
    let call = request(1, "tools/call", json!({"name": "purge", "arguments": {}}));
    let answers = answers(server(config), &[call]).await;
    assert_eq!(
        answers[0]["result"]["content"][0]["text"], "local_user admin,read",
        "{answers:?}"
    );
}

#[tokio::test]
async fn without_public_discovery_the_lists_need_a_credential_too() {
    let config = AuthConfig {
        public_discovery: false,
        ..bearer()
    };
    let lines = [
        request(1, "tools/list", json!({})),
        request(2, "tools/call", json!({"name": "purge", "arguments": {}})),
    ];
    let answers = answers(server(config), &lines).await;
    for answer in &answers {
        assert_eq!(answer["error"]["code"], -32041, "{answer}");
        assert_eq!(
            answer["error"]["data"]["auth"]["reason"], "missing",
            "{answer}"
        );
        assert_eq!(
            answer["error"]["data"]["auth"]["variable"], "AUTH_TEST_TOKEN",
            "{answer}"
        );
    }
    assert_eq!(answers[1]["error"]["data"]["auth"]["scope"], "admin");
}

#[tokio::test]
async fn with_public_discovery_the_lists_answer_and_calls_do_not() {
    let lines = [
        request(1, "tools/list", json!({})),
        request(2, "tools/call", json!({"name": "purge", "arguments": {}})),
        request(
            3,
            "tools/call",
            json!({"name": "no_such_tool", "arguments": {}}),
        ),
    ];
    let answers = answers(server(bearer()), &lines).await;
    assert_eq!(
        answers[0]["result"]["tools"][0]["name"], "purge",
        "{answers:?}"
    );
    assert_eq!(answers[1]["error"]["code"], -32041);
    // Whether a tool exists is not told to a caller without a credential.
    assert_eq!(answers[2]["error"]["code"], -32041, "{answers:?}");
}
