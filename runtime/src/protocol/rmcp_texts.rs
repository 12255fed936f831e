//! The texts of rmcp's that the runtime keys its rewording on, each driven out of rmcp
//! itself through the runtime's own transports, with the assertion that the rewording
//! applied. An rmcp release that changes one of them fails here instead of letting its
//! terse text through to clients.
//!
//! | rmcp's text or signal | keyed in | test |
//! | --- | --- | --- |
//! | `-32601` whose message is a method's bare name (`ErrorData::method_not_found`): `ping`, `resources/subscribe`, `resources/unsubscribe`, `subscriptions/listen`, `tasks/get`, `tasks/update`, `tasks/cancel`, `skills/list`, `skills/get`, `resources/directory/read`, and the methods of a capability the server does not advertise | `reword::reword` (stdio, HTTP sessions), `screen::reworded` through `reword::unavailable` (stateless HTTP) | [`bare_method_names_are_reworded_on_stateless_http`], [`bare_method_names_are_reworded_in_http_sessions`], [`bare_method_names_are_reworded_on_stdio`] |
//! | rmcp answers a stateless `-32601` as HTTP 404, `-32020` as 400, with `Content-Type: application/json` | `screen::rewrite_error`, `screen::is_json` | [`bare_method_names_are_reworded_on_stateless_http`], [`header_mismatches_say_what_to_send`] |
//! | `-32020` naming `Mcp-Method`, `Mcp-Name` or `Mcp-Param-…` | `screen::header_mismatch` | [`header_mismatches_say_what_to_send`] |
//! | a method MCP lacks, and a method of MCP whose `params` do not parse, reach `on_custom_request`; the request's `_meta` protocol version | `reword::not_served` | [`custom_requests_name_the_method_or_the_field`] |
//! | HTTP 415 for a body that is not one JSON-RPC message | `screen::rewrite_error`, `screen::explain_body` | [`bodies_rmcp_cannot_parse_are_explained`] |
//! | plain text `Not Found: Session not found` (404, "Session"), `Bad Request: Session ID is required`, 405, 406 | `screen::json_errors` | [`plain_text_rejections_become_json_that_says_what_to_do`] |

use std::{sync::Arc, time::Duration};

use axum::{Router, body::Body};
use http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::{
    HttpOptions, Server, ServerInfo, ToolDef, ToolOutput, observe::record::Transport,
    protocol::service::McpService,
};

const STATELESS_META: &str = r#"{
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientInfo": {"name": "raw", "version": "1"},
    "io.modelcontextprotocol/clientCapabilities": {}
}"#;

fn stateless_meta() -> Value {
    serde_json::from_str(STATELESS_META).expect("JSON")
}

/// A tool whose `region` argument is mirrored into `Mcp-Param-Region`, and nothing
/// else: no resource, prompt, template, task or skill. rmcp refuses
/// `resources/subscribe` to a stateless request before the server could.
fn server() -> Server {
    let deploy = ToolDef {
        name: "deploy".into(),
        input_schema: json!({
            "type": "object",
            "additionalProperties": false,
            "properties": {"region": {"type": "string", "x-mcp-header": "Region"}},
        }),
        ..Default::default()
    };
    Server::builder(ServerInfo::default())
        .tool(deploy, |_ctx, _args| async {
            Ok(ToolOutput::text("deployed"))
        })
        .build()
        .expect("builds")
}

fn router(server: &Server) -> Router {
    server.http_router(&HttpOptions::default(), CancellationToken::new())
}

/// The answer to `request`: its status, headers, and its JSON-RPC message (from a JSON
/// body, or the first message with an `id` of an SSE stream); a body that is not JSON
/// as a string.
async fn send(router: &Router, request: Request<Body>) -> (StatusCode, HeaderMap, Value) {
    let Ok(response) = tower_service::Service::call(&mut router.clone(), request).await;
    let (parts, mut body) = response.into_parts();
    let sse = parts
        .headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"));
    let mut text = String::new();
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(5), body.frame())
            .await
            .expect("the body goes on within 5 s");
        let Some(frame) = frame else { break };
        if let Ok(data) = frame.expect("a frame").into_data() {
            text.push_str(&String::from_utf8_lossy(&data));
        }
        if sse && let Some(message) = sse_answer(&text) {
            return (parts.status, parts.headers, message);
        }
    }
    let message = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (parts.status, parts.headers, message)
}

/// The first JSON-RPC answer (a message with an `id`) among SSE `data:` lines.
fn sse_answer(stream: &str) -> Option<Value> {
    stream
        .lines()
        .filter_map(|line| line.strip_prefix("data:"))
        .filter_map(|data| serde_json::from_str::<Value>(data.trim()).ok())
        .find(|message| message.get("id").is_some())
}

fn post(headers: &[(&str, &str)], body: impl Into<Body>) -> Request<Body> {
    let mut request = Request::post("/mcp")
        .header(header::HOST, "localhost")
        .header(header::ACCEPT, "application/json, text/event-stream")
        .header(header::CONTENT_TYPE, "application/json");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.body(body.into()).expect("a request")
}

/// A 2026-07-28 request with its `_meta` and the SEP-2243 headers a client sends:
/// `Mcp-Method`, and `Mcp-Name` from the params that carry it.
fn stateless(method: &str, params: Value, extra: &[(&str, &str)]) -> Request<Body> {
    let mut params = params;
    params["_meta"] = stateless_meta();
    let name = ["name", "uri", "taskId"]
        .iter()
        .find_map(|key| params.get(key).and_then(Value::as_str))
        .filter(|_| {
            matches!(
                method,
                "tools/call"
                    | "prompts/get"
                    | "resources/read"
                    | "resources/subscribe"
                    | "resources/unsubscribe"
                    | "tasks/get"
                    | "tasks/update"
                    | "tasks/cancel"
            )
        })
        .map(str::to_owned);
    let mut headers = vec![
        ("MCP-Protocol-Version", "2026-07-28"),
        ("Mcp-Method", method),
    ];
    if let Some(name) = &name {
        headers.push(("Mcp-Name", name));
    }
    headers.extend_from_slice(extra);
    let body = json!({"jsonrpc": "2.0", "id": 7, "method": method, "params": params});
    post(&headers, body.to_string())
}

#[track_caller]
fn assert_error(message: &Value, code: i64, says: &str) {
    let error = &message["error"];
    assert_eq!(error["code"], json!(code), "{message}");
    let text = error["message"].as_str().unwrap_or_default();
    assert!(text.contains(says), "{says:?} not in {message}");
}

/// Methods rmcp refuses with its bare `-32601` on this server, in either revision.
fn refused_in_both() -> Vec<(&'static str, Value, &'static str)> {
    let skills = "this server does not offer skills";
    let tasks = "does not offer the tasks extension";
    let not_served = "this server does not serve";
    vec![
        ("tasks/get", json!({"taskId": "t1"}), tasks),
        (
            "tasks/update",
            json!({"taskId": "t1", "inputResponses": {}}),
            tasks,
        ),
        ("tasks/cancel", json!({"taskId": "t1"}), tasks),
        ("skills/list", json!({}), skills),
        ("skills/get", json!({"uri": "skill://s/SKILL.md"}), skills),
        (
            "resources/directory/read",
            json!({"uri": "skill://s/"}),
            skills,
        ),
        // Prompts and completions are not advertised: no prompt, no template.
        ("prompts/list", json!({}), not_served),
        ("prompts/get", json!({"name": "p"}), not_served),
        (
            "completion/complete",
            json!({"ref": {"type": "ref/prompt", "name": "p"},
                "argument": {"name": "a", "value": ""}}),
            not_served,
        ),
    ]
}

#[tokio::test]
async fn bare_method_names_are_reworded_on_stateless_http() {
    let router = router(&server());
    let removed = "exists only in sessions opened with `initialize`";
    let mut cases = vec![
        ("ping", json!({}), "Drop the call"),
        (
            "resources/subscribe",
            json!({"uri": "test://static"}),
            removed,
        ),
        (
            "resources/unsubscribe",
            json!({"uri": "test://static"}),
            removed,
        ),
    ];
    cases.extend(refused_in_both());
    for (method, params, says) in cases {
        let (status, headers, message) = send(&router, stateless(method, params, &[])).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method}: {message}");
        assert!(
            headers[header::CONTENT_TYPE]
                .as_bytes()
                .starts_with(b"application/json")
        );
        assert_error(&message, -32601, says);
    }

    // The methods of the capabilities a server without tools, resources or prompts
    // leaves out.
    let bare = Server::builder(ServerInfo::default())
        .build()
        .expect("builds");
    let router = self::router(&bare);
    for (method, params) in [
        ("tools/list", json!({})),
        ("tools/call", json!({"name": "deploy"})),
        ("resources/list", json!({})),
        ("resources/templates/list", json!({})),
        ("resources/read", json!({"uri": "test://static"})),
    ] {
        let (status, _, message) = send(&router, stateless(method, params, &[])).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method}: {message}");
        assert_error(
            &message,
            -32601,
            &format!("this server does not serve `{method}`"),
        );
    }
}

/// A 2025-11-25 session over HTTP: its id and the headers every request of it sends.
async fn open_session(router: &Router) -> String {
    let initialize = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "raw", "version": "1"}}});
    let (status, headers, message) = send(router, post(&[], initialize.to_string())).await;
    assert_eq!(status, StatusCode::OK, "{message}");
    let session = headers["mcp-session-id"]
        .to_str()
        .expect("ASCII")
        .to_owned();
    let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    let in_session = [
        ("Mcp-Session-Id", session.as_str()),
        ("MCP-Protocol-Version", "2025-11-25"),
    ];
    let (status, _, _) = send(router, post(&in_session, initialized.to_string())).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    session
}

#[tokio::test]
async fn bare_method_names_are_reworded_in_http_sessions() {
    let router = router(&server());
    let session = open_session(&router).await;
    let in_session = [
        ("Mcp-Session-Id", session.as_str()),
        ("MCP-Protocol-Version", "2025-11-25"),
    ];
    let mut cases = vec![(
        "subscriptions/listen",
        json!({"notifications": {}}),
        "call `resources/subscribe`",
    )];
    cases.extend(refused_in_both());
    for (i, (method, params, says)) in cases.into_iter().enumerate() {
        let body = json!({"jsonrpc": "2.0", "id": i, "method": method, "params": params});
        let (_, headers, message) = send(&router, post(&in_session, body.to_string())).await;
        assert!(
            headers[header::CONTENT_TYPE]
                .as_bytes()
                .starts_with(b"text/event-stream"),
            "{method}: in a session rmcp answers in a stream, which only the session's \
             transport can reword"
        );
        assert_eq!(message["id"], json!(i), "{method}: {message}");
        assert_error(&message, -32601, says);
    }
}

#[tokio::test]
async fn bare_method_names_are_reworded_on_stdio() {
    use rmcp::{ServiceExt, transport::IntoTransport};
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

    let server = server();
    let (server_io, client_io) = tokio::io::duplex(64 * 1024);
    let handler = McpService::new(Arc::clone(&server.registry), Transport::Stdio);
    let transport = crate::transport::stdio::ReadAhead::new(
        IntoTransport::<rmcp::RoleServer, std::io::Error, _>::into_transport(server_io),
        8,
    );
    tokio::spawn(async move {
        if let Ok(running) = handler.serve(transport).await {
            let _ = running.waiting().await;
        }
    });
    let (read, mut write) = tokio::io::split(client_io);
    let mut lines = BufReader::new(read).lines();
    let mut ask = async |request: Value| -> Value {
        write
            .write_all(format!("{request}\n").as_bytes())
            .await
            .expect("written");
        let line = tokio::time::timeout(Duration::from_secs(5), lines.next_line())
            .await
            .expect("an answer within 5 s")
            .expect("read")
            .expect("a line");
        serde_json::from_str(&line).expect("JSON")
    };

    // A 2026-07-28 client opens with `server/discover`, then sends stateless requests.
    let discover = ask(
        json!({"jsonrpc": "2.0", "id": "d", "method": "server/discover",
        "params": {"_meta": stateless_meta()}}),
    )
    .await;
    assert!(discover.get("result").is_some(), "{discover}");
    let mut cases = vec![(
        "resources/subscribe",
        json!({"uri": "test://static"}),
        "Call `subscriptions/listen`",
    )];
    cases.extend(refused_in_both());
    for (i, (method, mut params, says)) in cases.into_iter().enumerate() {
        params["_meta"] = stateless_meta();
        let answer =
            ask(json!({"jsonrpc": "2.0", "id": i, "method": method, "params": params})).await;
        assert_eq!(answer["id"], json!(i), "{method}: {answer}");
        assert_error(&answer, -32601, says);
    }
}

#[tokio::test]
async fn header_mismatches_say_what_to_send() {
    let router = router(&server());
    let call = || json!({"name": "deploy", "arguments": {"region": "eu"}});
    for (headers, rmcp_says, hint) in [
        (
            vec![("Mcp-Param-Region", "eu"), ("Mcp-Method", "tools/list")],
            "Mcp-Method header `tools/list` does not match",
            "send Mcp-Method with the body's method",
        ),
        (
            vec![("Mcp-Param-Region", "eu"), ("Mcp-Name", "other")],
            "Mcp-Name header `other` does not match",
            "send Mcp-Name with the body's params.name",
        ),
        (
            vec![],
            "missing Mcp-Param-Region header",
            "the tool's inputSchema (tools/list) marks this argument with `x-mcp-header`",
        ),
    ] {
        // The later value of a header replaces the one `stateless` set.
        let mut request = stateless("tools/call", call(), &[]);
        for (name, value) in headers {
            request
                .headers_mut()
                .insert(name, value.parse().expect("a header value"));
        }
        let (status, _, message) = send(&router, request).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{message}");
        assert_error(&message, -32020, rmcp_says);
        assert_error(&message, -32020, &format!("Header mismatch: {hint}"));
    }
    let (status, _, message) = send(
        &router,
        stateless("tools/call", call(), &[("Mcp-Param-Region", "eu")]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{message}");
}

#[tokio::test]
async fn custom_requests_name_the_method_or_the_field() {
    let router = router(&server());
    for (method, params, name, code, says) in [
        (
            "tools/cal",
            json!({}),
            None,
            -32601,
            "did you mean `tools/call`?",
        ),
        (
            "resources/read",
            json!({"uri": 5}),
            Some("5"),
            -32602,
            "/uri: expected a string, got integer 5",
        ),
        (
            "notifications/initialized",
            json!({}),
            None,
            -32601,
            "without an `id`",
        ),
        // Known to be stateless by its `_meta`: the method that revision removed.
        (
            "logging/setLevel",
            json!({}),
            None,
            -32601,
            "io.modelcontextprotocol/logLevel",
        ),
    ] {
        let name = name.map(|name| ("Mcp-Name", name));
        let request = stateless(method, params, name.as_slice());
        let (_, _, message) = send(&router, request).await;
        assert_error(&message, code, says);
    }
}

#[tokio::test]
async fn bodies_rmcp_cannot_parse_are_explained() {
    let router = router(&server());
    for (body, code, says) in [
        (
            "{",
            -32700,
            "Parse error: the request body is not valid JSON",
        ),
        (
            r#"[{"jsonrpc": "2.0", "id": 1, "method": "ping"}]"#,
            -32600,
            "batches are not supported",
        ),
        (
            r#"{"jsonrpc": "1.0", "id": 1, "method": "ping"}"#,
            -32600,
            "needs \"jsonrpc\": \"2.0\"",
        ),
    ] {
        let (status, _, message) = send(&router, post(&[], body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {message}");
        assert_error(&message, code, says);
    }
}

#[tokio::test]
async fn plain_text_rejections_become_json_that_says_what_to_do() {
    let router = router(&server());
    let list = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}).to_string();
    let unknown = [
        ("Mcp-Session-Id", "no-such-session"),
        ("MCP-Protocol-Version", "2025-11-25"),
    ];
    let session = open_session(&router).await;
    let get = |headers: &[(&str, &str)]| {
        let mut request = Request::get("/mcp").header(header::HOST, "localhost");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.body(Body::empty()).expect("a request")
    };
    let mut put = post(&[], list.clone());
    *put.method_mut() = Method::PUT;

    for (request, status, code, rmcp_says, hint) in [
        (
            post(&unknown, list.clone()),
            StatusCode::NOT_FOUND,
            -32001,
            "Session not found",
            "start a new session with an initialize request",
        ),
        (
            post(&[], list.clone()),
            StatusCode::BAD_REQUEST,
            -32600,
            "Session ID is required",
            "send the Mcp-Session-Id header",
        ),
        (
            get(&[(header::ACCEPT.as_str(), "text/event-stream")]),
            StatusCode::BAD_REQUEST,
            -32600,
            "Session ID is required",
            "send the Mcp-Session-Id header",
        ),
        (
            put,
            StatusCode::METHOD_NOT_ALLOWED,
            -32600,
            "Method Not Allowed",
            "send JSON-RPC messages with POST",
        ),
        (
            get(&[
                (header::ACCEPT.as_str(), "application/json"),
                ("Mcp-Session-Id", &session),
                ("MCP-Protocol-Version", "2025-11-25"),
            ]),
            StatusCode::NOT_ACCEPTABLE,
            -32600,
            "must accept text/event-stream",
            "send the header `Accept: text/event-stream`",
        ),
    ] {
        let what = format!("{} {:?}", request.method(), request.headers());
        let (got, headers, message) = send(&router, request).await;
        assert_eq!(got, status, "{what}: {message}");
        assert!(
            headers[header::CONTENT_TYPE]
                .as_bytes()
                .starts_with(b"application/json"),
            "{what}"
        );
        assert_error(&message, code, rmcp_says);
        assert_error(&message, code, hint);
    }
}
