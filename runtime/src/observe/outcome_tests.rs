//! Every outcome, driven through a real transport, ends in exactly one record with the
//! right fields: over stdio (the framing and back-pressure of `serve --stdio`, on an
//! in-memory pipe) and over HTTP (the screened service of `serve --http`).

use std::time::Duration;

use serde_json::{Map, Value, json};
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};

use super::log::testing::capture_async;
use crate::{
    CircuitBreaker, ErrorDef, HttpOptions, Idempotency, LargeResponse, Rate, Server, ServerInfo,
    TaskStart, TaskSupport, ToolDef, ToolError, ToolGuard, ToolOutput,
};

type Event = Map<String, Value>;

fn tool(name: &str) -> ToolDef {
    ToolDef {
        name: name.into(),
        description: format!("the `{name}` fixture"),
        input_schema: json!({
            "type": "object", "additionalProperties": false,
            "properties": {"n": {"type": "integer"}, "key": {"type": "string"}}
        }),
        ..Default::default()
    }
}

fn guarded(name: &str, guard: ToolGuard) -> ToolDef {
    ToolDef {
        guard,
        ..tool(name)
    }
}

async fn fine() -> Result<ToolOutput, ToolError> {
    Ok(ToolOutput::text("fine"))
}

async fn panics() -> Result<ToolOutput, ToolError> {
    panic!("boom at the fixture")
}

async fn sleeps(ms: u64) -> Result<ToolOutput, ToolError> {
    tokio::time::sleep(Duration::from_millis(ms)).await;
    Ok(ToolOutput::text("slept"))
}

/// One tool per outcome.
fn server() -> Server {
    let declared = ToolDef {
        errors: vec![ErrorDef {
            code: "no_such_city".into(),
            message_template: "No such city.".into(),
            retryable: false,
        }],
        ..tool("declared")
    };
    let breaker = CircuitBreaker {
        enabled: true,
        failures: 1,
        window: Duration::from_secs(60),
        cooldown: Duration::from_secs(60),
        successes: 1,
    };
    let limited = ToolGuard {
        rate_limit: Some(Rate::per_minute(1)),
        ..Default::default()
    };
    let single = ToolGuard {
        max_concurrent_calls: Some(1),
        ..Default::default()
    };
    let fragile = ToolGuard {
        circuit_breaker: Some(breaker),
        ..Default::default()
    };
    let cut = ToolGuard {
        on_large_response: LargeResponse::Truncate,
        ..Default::default()
    };
    let once = ToolGuard {
        idempotency: Some(Idempotency {
            key_param: "key".into(),
            window: Duration::from_secs(60),
        }),
        ..Default::default()
    };
    let off = ToolGuard {
        disabled: true,
        ..Default::default()
    };
    let big = |name: &str| ToolDef {
        max_response_bytes: Some(10),
        ..tool(name)
    };
    let long = || async { Ok(ToolOutput::text("x".repeat(100))) };
    Server::builder(ServerInfo {
        name: "outcomes".into(),
        version: "1.0.0".into(),
        ..Default::default()
    })
    .tool(tool("ok"), |_, _| fine())
    .tool(declared, |_, _| async {
        Err(ToolError::declared("no_such_city"))
    })
    .tool(tool("panics"), |_, _| panics())
    .tool(guarded("limited", limited), |_, _| fine())
    .tool(guarded("single", single), |_, _| sleeps(300))
    .tool(guarded("fragile", fragile), |_, _| panics())
    .tool(
        ToolDef {
            timeout: Some(Duration::from_millis(50)),
            ..tool("slow")
        },
        |_, _| sleeps(5_000),
    )
    .tool(big("big"), move |_, _| long())
    .tool(
        ToolDef {
            guard: cut,
            ..big("cut")
        },
        move |_, _| long(),
    )
    .tool(guarded("off", off), |_, _| fine())
    .tool(guarded("once", once), |_, _| fine())
    .tool(tool("cancellable"), |_, _| sleeps(5_000))
    .tool(tool("asks"), |_, _| async {
        let question = json!({"method": "elicitation/create", "params": {
            "message": "Which city?", "requestedSchema": {"type": "object", "properties": {}}}});
        let output = ToolOutput::input_required(json!({"city": question}), Some("asked".into()));
        Ok(output.expect("a valid input request"))
    })
    .tool(
        ToolDef {
            task: TaskSupport::Required,
            task_start: TaskStart::AtOnce,
            ..tool("background")
        },
        |_, _| fine(),
    )
    .build()
    .expect("the fixture server builds")
}

const MODERN: &str = "2026-07-28";

/// A 2026-07-28 request (no `initialize`: every request carries its `_meta`).
fn request(id: u64, method: &str, params: Value) -> String {
    request_of(id, method, params, json!({}))
}

/// [`request`] from a client with these capabilities.
fn request_of(id: u64, method: &str, mut params: Value, capabilities: Value) -> String {
    params["_meta"] = json!({
        "io.modelcontextprotocol/protocolVersion": MODERN,
        "io.modelcontextprotocol/clientInfo": {"name": "outcome-test", "version": "9.1"},
        "io.modelcontextprotocol/clientCapabilities": capabilities,
    });
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}).to_string()
}

fn call(id: u64, tool: &str, arguments: Value) -> String {
    request(
        id,
        "tools/call",
        json!({"name": tool, "arguments": arguments}),
    )
}

/// What a client writes on the server's stdin: a line, and how many answer lines to
/// read before the next.
struct Step(String, usize);

/// Serves the fixture on an in-memory pipe as `serve --stdio` does, writes each step's
/// line and reads its answers, then closes the pipe; returns the answers and the
/// request events logged.
fn over_stdio(steps: Vec<Step>) -> (Vec<Value>, Vec<Event>) {
    let mut answers = Vec::new();
    let events = capture_async(|| async {
        let server = server();
        let (server_io, client_io) = tokio::io::duplex(1 << 16);
        let pipe = tokio::io::split(server_io);
        let serving =
            tokio::spawn(async move { server.serve_lines(pipe, std::future::pending()).await });
        let (read, mut write) = tokio::io::split(client_io);
        let mut lines = BufReader::new(read).lines();
        for Step(line, expected) in steps {
            write.write_all(line.as_bytes()).await.expect("written");
            write.write_all(b"\n").await.expect("written");
            for _ in 0..expected {
                let next = tokio::time::timeout(Duration::from_secs(10), lines.next_line());
                let line = next.await.expect("an answer in time").expect("read");
                answers.push(serde_json::from_str(&line.expect("an answer")).expect("JSON"));
            }
        }
        // The end of the input ends the server, as a client closing stdin does.
        write.shutdown().await.expect("closed");
        let served = tokio::time::timeout(Duration::from_secs(10), serving).await;
        served
            .expect("the server stops")
            .expect("joined")
            .expect("served");
    });
    (answers, events)
}

/// The one event of a single request, after checking it is the only one.
fn only(events: &[Event]) -> &Event {
    assert_eq!(events.len(), 1, "one request, one event: {events:#?}");
    &events[0]
}

fn one_call_over_stdio(tool: &str, arguments: Value) -> (Value, Event) {
    let (answers, events) = over_stdio(vec![Step(call(1, tool, arguments), 1)]);
    (answers[0].clone(), only(&events).clone())
}

fn assert_fields(event: &Event, expected: Value) {
    for (name, value) in expected.as_object().expect("an object") {
        assert_eq!(event.get(name), Some(value), "`{name}` of {event:#?}");
    }
}

#[test]
fn ok_over_stdio_names_everything_the_record_knows() {
    let (answer, event) = one_call_over_stdio("ok", json!({"n": 1}));
    assert_eq!(answer["result"]["content"][0]["text"], "fine");
    assert_fields(
        &event,
        json!({
            "message": "request", "level": "INFO", "outcome": "ok", "transport": "stdio",
            "method": "tools/call", "name": "ok", "agent": "stdio", "request_id": "1",
            "protocol": MODERN, "client_name": "outcome-test", "client_version": "9.1",
        }),
    );
    assert!(
        event["request_bytes"].as_u64().is_some_and(|n| n > 100),
        "{event:#?}"
    );
    assert!(
        event["response_bytes"].as_u64().is_some_and(|n| n > 30),
        "{event:#?}"
    );
    assert!(event["latency_us"].is_u64(), "{event:#?}");
    assert!(event["received_at_us"].is_u64(), "{event:#?}");
    let absent = [
        "status",
        "error_code",
        "detail",
        "http_method",
        "truncated",
        "replayed",
    ];
    for absent in absent {
        assert!(!event.contains_key(absent), "`{absent}` in {event:#?}");
    }
}

#[test]
fn a_declared_error_is_a_tool_error() {
    let (answer, event) = one_call_over_stdio("declared", json!({}));
    assert_eq!(answer["result"]["isError"], true);
    assert_fields(
        &event,
        json!({"outcome": "tool_error", "level": "WARN", "name": "declared"}),
    );
}

#[test]
fn arguments_against_the_schema_are_invalid_arguments_and_never_logged() {
    let (_, event) = one_call_over_stdio("ok", json!({"n": "secret-value"}));
    assert_fields(
        &event,
        json!({"outcome": "invalid_arguments", "level": "WARN"}),
    );
    assert!(!Value::Object(event).to_string().contains("secret-value"));
}

#[test]
fn an_unknown_tool_is_not_found_with_its_json_rpc_code() {
    let (answer, event) = one_call_over_stdio("nope", json!({}));
    assert_eq!(answer["error"]["code"], -32602);
    assert_fields(
        &event,
        json!({"outcome": "not_found", "error_code": -32602, "name": "nope"}),
    );
}

#[test]
fn a_panic_is_an_internal_error_with_its_message_for_operators() {
    let (_, event) = one_call_over_stdio("panics", json!({}));
    assert_fields(
        &event,
        json!({"outcome": "internal_error", "level": "WARN"}),
    );
    let detail = event["detail"].as_str().expect("a detail");
    assert!(detail.contains("boom at the fixture"), "{detail}");
}

#[test]
fn a_slow_handler_is_a_timeout() {
    let (_, event) = one_call_over_stdio("slow", json!({}));
    assert_fields(&event, json!({"outcome": "timeout"}));
}

#[test]
fn a_disabled_tool_is_disabled() {
    let (_, event) = one_call_over_stdio("off", json!({}));
    assert_fields(&event, json!({"outcome": "disabled"}));
}

#[test]
fn a_response_over_the_cap_is_response_too_large_or_truncated() {
    let (_, event) = one_call_over_stdio("big", json!({}));
    assert_fields(&event, json!({"outcome": "response_too_large"}));
    assert!(!event.contains_key("truncated"), "{event:#?}");
    let (_, event) = one_call_over_stdio("cut", json!({}));
    assert_fields(&event, json!({"outcome": "ok", "truncated": true}));
}

#[test]
fn guardrail_refusals_are_rate_limited_circuit_open_and_overloaded() {
    let (_, events) = over_stdio(vec![
        Step(call(1, "limited", json!({})), 1),
        Step(call(2, "limited", json!({})), 1),
        Step(call(3, "fragile", json!({})), 1),
        Step(call(4, "fragile", json!({})), 1),
        // Two at once against a cap of one: both answers are read after both lines.
        Step(call(5, "single", json!({})), 0),
        Step(call(6, "single", json!({})), 2),
    ]);
    let outcomes: Vec<(&str, &str)> = events
        .iter()
        .map(|e| {
            let id = e["request_id"].as_str().unwrap_or("?");
            (id, e["outcome"].as_str().unwrap_or("?"))
        })
        .collect();
    let mut outcomes = outcomes;
    outcomes.sort();
    assert_eq!(
        outcomes,
        [
            ("1", "ok"),
            ("2", "rate_limited"),
            ("3", "internal_error"),
            ("4", "circuit_open"),
            ("5", "ok"),
            ("6", "overloaded"),
        ]
    );
}

#[test]
fn a_repeated_idempotency_key_is_replayed_with_the_first_outcome() {
    let (_, events) = over_stdio(vec![
        Step(call(1, "once", json!({"key": "k1"})), 1),
        Step(call(2, "once", json!({"key": "k1"})), 1),
    ]);
    assert_eq!(events.len(), 2, "{events:#?}");
    assert_fields(&events[0], json!({"outcome": "ok"}));
    assert!(!events[0].contains_key("replayed"), "{:#?}", events[0]);
    assert_fields(&events[1], json!({"outcome": "ok", "replayed": true}));
}

#[test]
fn a_cancelled_call_is_cancelled_and_gets_no_answer() {
    let cancel = json!({
        "jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 1}
    });
    let (answers, events) = over_stdio(vec![
        Step(call(1, "cancellable", json!({})), 0),
        Step(cancel.to_string(), 0),
        Step(request(2, "tools/list", json!({})), 1),
    ]);
    assert_eq!(
        answers.len(),
        1,
        "only tools/list is answered: {answers:#?}"
    );
    let cancelled: Vec<&Event> = events.iter().filter(|e| e["request_id"] == "1").collect();
    assert_fields(
        only(&cancelled.into_iter().cloned().collect::<Vec<_>>()),
        json!({"outcome": "cancelled", "level": "INFO"}),
    );
}

#[test]
fn protocol_errors_rmcp_answers_and_lines_that_are_no_message_are_recorded() {
    let (answers, events) = over_stdio(vec![
        Step(request(1, "tools/cal", json!({})), 1),
        Step("this is not JSON".to_owned(), 1),
        Step(
            json!({"jsonrpc": "2.0", "id": 3, "nonsense": true}).to_string(),
            1,
        ),
        // A notification the server does not know is dropped without a record.
        Step(
            json!({"jsonrpc": "2.0", "method": "notifications/lsp"}).to_string(),
            0,
        ),
        Step(request(4, "ping", json!({})), 1),
    ]);
    assert_eq!(answers.len(), 4, "{answers:#?}");
    assert_eq!(events.len(), 4, "{events:#?}");
    assert_fields(
        &events[0],
        json!({"outcome": "protocol_error", "method": "tools/cal", "error_code": -32601}),
    );
    assert_fields(
        &events[1],
        json!({"outcome": "protocol_error", "request_bytes": 17, "error_code": -32700}),
    );
    assert!(
        events[1]["detail"]
            .as_str()
            .is_some_and(|d| d.contains("not valid JSON"))
    );
    assert_fields(
        &events[2],
        json!({"outcome": "protocol_error", "error_code": -32600}),
    );
    // `ping` is not part of 2026-07-28: rmcp answers it as an unknown method.
    assert_fields(
        &events[3],
        json!({"method": "ping", "outcome": "protocol_error"}),
    );
}

#[test]
fn an_initialize_session_records_its_client_and_revision_on_every_request() {
    let initialize = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "legacy-client", "version": "0.3"}
    }});
    let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    let ping = json!({"jsonrpc": "2.0", "id": 2, "method": "ping"});
    let list = json!({"jsonrpc": "2.0", "id": 3, "method": "tools/list"});
    let (_, events) = over_stdio(vec![
        Step(initialize.to_string(), 1),
        Step(initialized.to_string(), 0),
        Step(ping.to_string(), 1),
        Step(list.to_string(), 1),
    ]);
    let methods: Vec<&str> = events
        .iter()
        .map(|e| e["method"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(methods, ["initialize", "ping", "tools/list"], "{events:#?}");
    for event in &events {
        assert_fields(
            event,
            json!({"outcome": "ok", "protocol": "2025-11-25", "client_name": "legacy-client", "client_version": "0.3"}),
        );
    }
}

#[test]
fn a_handler_asking_for_input_is_input_required() {
    let (answer, event) = one_call_over_stdio("asks", json!({}));
    assert_eq!(answer["result"]["resultType"], "input_required", "{answer}");
    assert_fields(
        &event,
        json!({"outcome": "input_required", "level": "INFO"}),
    );
}

#[test]
fn a_call_that_becomes_a_task_is_task_created() {
    let tasks = json!({"extensions": {rmcp::model::TASKS_EXTENSION_ID: {}}});
    let params = json!({"name": "background", "arguments": {}});
    let (answers, events) = over_stdio(vec![Step(request_of(1, "tools/call", params, tasks), 1)]);
    assert_eq!(answers[0]["result"]["resultType"], "task", "{answers:#?}");
    assert_fields(
        only(&events),
        json!({"outcome": "task_created", "name": "background"}),
    );
}

/// A POST to the fixture's endpoint, as a 2026-07-28 client sends it.
fn post(body: &str) -> http::request::Builder {
    let method = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|b| b["method"].as_str().map(str::to_owned))
        .unwrap_or_default();
    http::Request::post("http://localhost/mcp")
        .header("host", "localhost")
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .header("mcp-protocol-version", MODERN)
        .header("mcp-method", method)
}

/// Serves the fixture as `serve --http` does (the screening layer in front of rmcp's
/// service), one request after the other from 127.0.0.1; returns each answer's status
/// and body, and the request events logged.
fn over_http(
    options: HttpOptions,
    requests: Vec<http::Request<axum::body::Body>>,
) -> (Vec<(u16, Vec<u8>)>, Vec<Event>) {
    use http_body_util::BodyExt as _;
    use tower_service::Service as _;
    let mut answers = Vec::new();
    let events = capture_async(|| async {
        let server = server();
        let ct = tokio_util::sync::CancellationToken::new();
        let mut service = server.screened(&options, ct.clone());
        let peer: std::net::SocketAddr = ([127, 0, 0, 1], 40000).into();
        for mut request in requests {
            request
                .extensions_mut()
                .insert(axum::extract::ConnectInfo(peer));
            let Ok(response) = service.call(request).await;
            let status = response.status().as_u16();
            let body = response.into_body().collect().await.expect("a body");
            answers.push((status, body.to_bytes().to_vec()));
        }
        ct.cancel();
    });
    (answers, events)
}

fn body(text: String) -> axum::body::Body {
    axum::body::Body::from(text)
}

#[test]
fn ok_over_http_names_the_status_and_sizes() {
    let line = call(7, "ok", json!({}));
    let request = post(&line)
        .header("mcp-name", "ok")
        .body(body(line.clone()));
    let (answers, events) = over_http(HttpOptions::default(), vec![request.expect("a request")]);
    let (status, answer) = &answers[0];
    assert_eq!(*status, 200, "{}", String::from_utf8_lossy(answer));
    assert_fields(
        only(&events),
        json!({
            "outcome": "ok", "transport": "http", "http_method": "POST", "status": 200,
            "method": "tools/call", "name": "ok", "request_id": "7", "protocol": MODERN,
            "client_name": "outcome-test", "client_version": "9.1",
            "request_bytes": line.len(), "response_bytes": answer.len(),
        }),
    );
}

/// A 2026-07-28 request is named from its headers, which rmcp holds to the body (an
/// `Mcp-Name` in base64 decoded as rmcp decodes it), and by the pipeline from rmcp's
/// reading of it (id, client); the headers of an earlier revision go unchecked, so its
/// request is named from its body.
#[test]
fn over_http_a_request_is_named_as_its_body_says() {
    let unknown = call(3, "café", json!({}));
    let encoded = post(&unknown)
        .header("mcp-name", "=?base64?Y2Fmw6k=?=")
        .body(body(unknown))
        .expect("a request");
    let legacy = json!({"jsonrpc": "2.0", "id": 4, "method": "tools/call",
        "params": {"name": "ok", "arguments": {}}})
    .to_string();
    let mut unchecked = post(&legacy).body(body(legacy)).expect("a request");
    for (name, value) in [
        ("mcp-protocol-version", "2025-11-25"),
        ("mcp-method", "tools/list"),
        ("mcp-name", "elsewhere"),
    ] {
        let value = http::HeaderValue::from_static(value);
        unchecked.headers_mut().insert(name, value);
    }
    let options = HttpOptions::default().with_sessions(false);
    let (answers, events) = over_http(options, vec![encoded, unchecked]);
    let statuses: Vec<u16> = answers.iter().map(|(status, _)| *status).collect();
    assert_eq!(statuses, [200, 200], "{answers:?}");
    assert_eq!(events.len(), 2, "{events:#?}");
    assert_fields(
        &events[0],
        json!({"outcome": "not_found", "method": "tools/call", "name": "café",
            "request_id": "3", "client_name": "outcome-test", "client_version": "9.1"}),
    );
    assert_fields(
        &events[1],
        json!({"outcome": "ok", "method": "tools/call", "name": "ok", "request_id": "4",
            "protocol": "2025-11-25"}),
    );
}

#[test]
fn requests_refused_before_rmcp_reads_them_are_recorded_with_their_status() {
    let line = call(1, "ok", json!({}));
    let refused = |builder: http::request::Builder, text: &str, header: Option<(&str, &str)>| {
        let mut request = builder.body(body(text.to_owned())).expect("a request");
        if let Some((name, value)) = header {
            let name = http::HeaderName::from_bytes(name.as_bytes()).expect("a name");
            let value = http::HeaderValue::from_str(value).expect("a value");
            request.headers_mut().insert(name, value);
        }
        request
    };
    let requests = vec![
        refused(post(&line), &line, Some(("accept", "application/json"))),
        refused(post(&line), &line, Some(("content-type", "text/plain"))),
        refused(post(&line), "", None),
        refused(post(&line), &"x".repeat(2048), None),
        refused(post(&line).uri("http://localhost/elsewhere"), &line, None),
        refused(post(&line), &line, Some(("origin", "https://evil.example"))),
        refused(post(&line).method("PUT"), &line, None),
    ];
    let options = HttpOptions::default().with_max_body_bytes(1024);
    let (answers, events) = over_http(options, requests);
    let statuses: Vec<u16> = answers.iter().map(|(status, _)| *status).collect();
    assert_eq!(statuses, [406, 415, 400, 413, 404, 403, 405]);
    assert_eq!(events.len(), statuses.len(), "{events:#?}");
    for (event, status) in events.iter().zip(statuses) {
        assert_fields(
            event,
            json!({"outcome": "protocol_error", "status": status, "level": "WARN", "transport": "http"}),
        );
        assert!(event["error_code"].is_i64(), "{event:#?}");
    }
    assert_fields(&events[2], json!({"error_code": -32700}));
    let detail = events[5]["detail"].as_str().unwrap_or_default();
    assert!(detail.contains("https://evil.example"), "{:#?}", events[5]);
}

#[test]
fn a_flood_is_rate_limited_and_a_notification_has_no_record() {
    let notification = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    let line = call(1, "ok", json!({}));
    let requests = vec![
        post(&notification.to_string())
            .body(body(notification.to_string()))
            .expect("a request"),
        post(&line)
            .header("mcp-name", "ok")
            .body(body(line.clone()))
            .expect("a request"),
        post(&line)
            .header("mcp-name", "ok")
            .body(body(line.clone()))
            .expect("a request"),
    ];
    let options = HttpOptions::default().with_per_address(Rate::per_minute(2));
    let (answers, events) = over_http(options, requests);
    let statuses: Vec<u16> = answers.iter().map(|(status, _)| *status).collect();
    assert_eq!(statuses, [202, 200, 429]);
    assert_eq!(events.len(), 2, "{events:#?}");
    assert_fields(&events[0], json!({"outcome": "ok", "status": 200}));
    assert_fields(
        &events[1],
        json!({"outcome": "rate_limited", "status": 429, "agent": "address:127.0.0.1"}),
    );
}
