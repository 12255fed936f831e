//! What `#[mcp_tool(...)]` declares, the runtime enforces: a code-first tool's
//! `max_concurrent_calls` refuses the call over the cap as `overloaded`, and a `disabled`
//! tool is refused as `tool_disabled` without running. In process, over rmcp's client.

use std::sync::atomic::{AtomicU32, Ordering};

use mcpgen_runtime::{Server, ServerInfo, ToolError, mcp_tool};
use rmcp::model::CallToolRequestParams;
use rmcp::{RoleClient, service::RunningService};
use serde_json::{Value, json};
use tokio::sync::Notify;

mod common;
use common::connect;

/// Told when a call of `build_report` has started.
static STARTED: Notify = Notify::const_new();
/// Lets the call of `build_report` in progress finish.
static RELEASE: Notify = Notify::const_new();
/// Calls of `get_history` that ran.
static HISTORY_RUNS: AtomicU32 = AtomicU32::new(0);

/// Builds the monthly report of a city, which takes a while; returns its title.
#[mcp_tool(read_only, max_concurrent_calls = 1)]
async fn build_report(
    /// City name, such as Zurich.
    city: String,
) -> Result<String, ToolError> {
    STARTED.notify_one();
    RELEASE.notified().await;
    Ok(format!("Report for {city}"))
}

/// Past daily highs of a city; replaced by another tool, so it is switched off.
#[mcp_tool(read_only, disabled)]
async fn get_history(
    /// City name, such as Zurich.
    city: String,
) -> Result<String, ToolError> {
    HISTORY_RUNS.fetch_add(1, Ordering::SeqCst);
    Ok(city)
}

fn server() -> Server {
    Server::builder(ServerInfo {
        name: "guardrails".into(),
        version: "0.1.0".into(),
        ..Default::default()
    })
    .add_tool::<build_report>()
    .add_tool::<get_history>()
    .build()
    .expect("the server builds")
}

async fn call(client: &RunningService<RoleClient, ()>, tool: &str) -> Value {
    let Value::Object(args) = json!({"city": "Zurich"}) else {
        unreachable!()
    };
    let params = CallToolRequestParams::new(tool.to_owned()).with_arguments(args);
    let result = client.call_tool(params).await.expect("tools/call succeeds");
    serde_json::to_value(&result).expect("a result serializes")
}

/// A refusal's error object: code-first tools declare an `outputSchema`, so it comes as
/// the JSON text block after the message, not as `structuredContent`.
fn error_object(result: &Value) -> Value {
    assert_eq!(result.get("structuredContent"), None, "{result}");
    serde_json::from_str(
        result["content"][1]["text"]
            .as_str()
            .expect("a JSON text block"),
    )
    .expect("JSON")
}

#[tokio::test]
async fn a_call_over_max_concurrent_calls_is_refused_as_overloaded() {
    let server = server();
    let first_client = connect(&server).await;
    let first = tokio::spawn(async move { call(&first_client, "build_report").await });
    tokio::time::timeout(std::time::Duration::from_secs(10), STARTED.notified())
        .await
        .expect("the first call starts");

    let second_client = connect(&server).await;
    let refused = call(&second_client, "build_report").await;
    assert_eq!(refused["isError"], json!(true), "{refused}");
    let refusal = &error_object(&refused);
    assert_eq!(refusal["code"], json!("overloaded"), "{refused}");
    assert_eq!(refusal["scope"], json!("tool"));
    assert_eq!(refusal["limit"], json!(1));
    assert_eq!(refusal["retryable"], json!(true));

    RELEASE.notify_one();
    let done = first.await.expect("the first call completes");
    assert_eq!(
        done["structuredContent"],
        json!({"result": "Report for Zurich"})
    );
    // With the first call done, the slot is free again.
    RELEASE.notify_one();
    let again = call(&second_client, "build_report").await;
    assert_eq!(
        again["structuredContent"],
        json!({"result": "Report for Zurich"})
    );
}

#[tokio::test]
async fn a_disabled_tool_is_refused_without_running() {
    let server = server();
    let client = connect(&server).await;
    let refused = call(&client, "get_history").await;
    assert_eq!(refused["isError"], json!(true), "{refused}");
    assert_eq!(error_object(&refused)["code"], json!("tool_disabled"));
    assert_eq!(error_object(&refused)["retryable"], json!(false));
    assert_eq!(HISTORY_RUNS.load(Ordering::SeqCst), 0, "the handler ran");
}
