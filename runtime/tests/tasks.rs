//! The tasks extension driven by rmcp's client in-process (2026-07-28, stateless): what
//! the conformance suite and the end-to-end tests do not reach. Input asked again under
//! the same key, a handler that asks for a task where none can start, the cap on running
//! tasks, a task holding its tool's concurrency slot, and what `build` refuses.

use std::time::Duration;

use mcpgen_runtime::{
    Annotations, Server, ServerInfo, TaskStart, TaskSupport, ToolContext, ToolDef, ToolGuard,
    ToolOutput,
};
use rmcp::{
    RoleClient, ServiceExt,
    model::{
        CallToolRequestParams, CallToolResponse, CancelTaskParams, ClientCapabilities,
        ClientConfig, GetTaskParams, Implementation, ProtocolVersion, TaskPayload, TaskStatus,
        UpdateTaskParams,
    },
    service::{ClientLifecycleMode, ClientServiceExt, RunningService},
};
use serde_json::{Value, json};

fn tool(name: &str, task: TaskSupport) -> ToolDef {
    ToolDef {
        name: name.into(),
        description: format!("The {name} fixture."),
        input_schema: json!({"type": "object", "properties": {}, "additionalProperties": false}),
        annotations: Annotations {
            read_only: true,
            destructive: false,
            idempotent: true,
            open_world: false,
        },
        task,
        ..Default::default()
    }
}

fn elicit(message: &str) -> Value {
    json!({"method": "elicitation/create", "params": {"message": message, "requestedSchema": {
        "type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"]}}})
}

fn answer(ctx: &ToolContext, key: &str) -> String {
    ctx.input_response(key).map_or("none".to_owned(), |r| {
        r["content"]["answer"].as_str().unwrap_or("none").to_owned()
    })
}

fn server(max_running_tasks: usize) -> Server {
    let builder = Server::builder(ServerInfo {
        name: "tasks".into(),
        version: "1.0.0".into(),
        ..Default::default()
    });
    builder
        .max_running_tasks(max_running_tasks)
        // Asks under the key `q` twice: the second request surfaces as `q.2`, and the
        // handler reads its answer under `q` again.
        .tool(
            tool("ask_twice", TaskSupport::Optional),
            |ctx, _args| async move {
                match ctx.request_state() {
                    None => Ok(ToolOutput::input_required(
                        json!({"q": elicit("First?")}),
                        Some("one".into()),
                    )?),
                    Some("one") => {
                        let first = answer(&ctx, "q");
                        Ok(ToolOutput::input_required(
                            json!({"q": elicit("Second?")}),
                            Some(first),
                        )?)
                    }
                    Some(first) => Ok(ToolOutput::text(format!(
                        "{first} then {}",
                        answer(&ctx, "q")
                    ))),
                }
            },
        )
        .tool(
            tool("wait_forever", TaskSupport::Optional),
            |_ctx, _args| async {
                std::future::pending::<()>().await;
                Ok(ToolOutput::text("never"))
            },
        )
        .tool(
            ToolDef {
                guard: ToolGuard {
                    max_concurrent_calls: Some(1),
                    ..Default::default()
                },
                ..tool("wait_alone", TaskSupport::Optional)
            },
            |_ctx, _args| async {
                std::future::pending::<()>().await;
                Ok(ToolOutput::text("never"))
            },
        )
        .tool(
            tool("ask_for_a_task", TaskSupport::Never),
            |_ctx, _args| async { Ok(ToolOutput::ContinueAsTask) },
        )
        .build()
        .expect("builds")
}

async fn connect(server: &Server) -> RunningService<RoleClient, ClientConfig> {
    let (server_io, client_io) = tokio::io::duplex(64 * 1024);
    let handler = server.handler();
    tokio::spawn(async move {
        if let Ok(running) = handler.serve(server_io).await {
            let _ = running.waiting().await;
        }
    });
    let info = ClientConfig::new(
        ClientCapabilities::builder().enable_tasks().build(),
        Implementation::new("tasks-test", "1.0.0"),
    );
    info.serve_with_lifecycle(
        client_io,
        ClientLifecycleMode::Discover {
            preferred_versions: vec![ProtocolVersion::V_2026_07_28],
        },
    )
    .await
    .expect("client discovers")
}

async fn call(client: &RunningService<RoleClient, ClientConfig>, name: &str) -> CallToolResponse {
    client
        .call_tool_once(CallToolRequestParams::new(name.to_owned()))
        .await
        .expect("tools/call answers")
}

async fn start(client: &RunningService<RoleClient, ClientConfig>, name: &str) -> String {
    match call(client, name).await {
        CallToolResponse::Task(created) => created.task.task_id,
        other => panic!("{name} did not become a task: {other:?}"),
    }
}

/// Polls until the task leaves `working`.
async fn settled(client: &RunningService<RoleClient, ClientConfig>, id: &str) -> TaskPayload {
    for _ in 0..200 {
        let task = client
            .get_task(GetTaskParams::new(id))
            .await
            .expect("tasks/get answers")
            .task;
        if task.status() != TaskStatus::Working {
            return task.payload;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("task {id} is still working");
}

/// Cancels task `id`, waits until it ends as cancelled, and starts `tool` again: the
/// place the task held is free.
async fn cancel_then_start_again(
    client: &RunningService<RoleClient, ClientConfig>,
    id: &str,
    tool: &str,
) {
    client
        .cancel_task(CancelTaskParams::new(id))
        .await
        .expect("tasks/cancel answers");
    assert!(matches!(settled(client, id).await, TaskPayload::Cancelled));
    start(client, tool).await;
}

fn error_code(response: CallToolResponse) -> Value {
    let CallToolResponse::Complete(result) = response else {
        panic!("not a result: {response:?}");
    };
    assert_eq!(result.is_error, Some(true), "{result:?}");
    result.structured_content.expect("an error object")["code"].clone()
}

#[tokio::test]
async fn input_asked_again_under_the_same_key_surfaces_under_a_fresh_one() {
    let server = server(8);
    let client = connect(&server).await;
    let id = start(&client, "ask_twice").await;
    for (wire_key, reply) in [("q", "red"), ("q.2", "blue")] {
        let TaskPayload::InputRequired { input_requests } = settled(&client, &id).await else {
            panic!("not input_required");
        };
        assert_eq!(input_requests.keys().collect::<Vec<_>>(), [wire_key]);
        client
            .update_task(UpdateTaskParams::new(
                id.clone(),
                [(
                    wire_key.to_owned(),
                    json!({"action": "accept", "content": {"answer": reply}}),
                )]
                .into_iter()
                .collect(),
            ))
            .await
            .expect("tasks/update answers");
        // Answered: the task reports `working` until the handler asks again.
    }
    let TaskPayload::Completed { result } = settled(&client, &id).await else {
        panic!("not completed");
    };
    assert_eq!(result["content"][0]["text"], "red then blue");
}

#[tokio::test]
async fn continue_as_task_where_no_task_can_start_is_a_server_bug() {
    let server = server(8);
    let client = connect(&server).await;
    assert_eq!(
        error_code(call(&client, "ask_for_a_task").await),
        "unexpected_error"
    );
}

#[tokio::test]
async fn running_tasks_are_capped_and_a_cancelled_task_frees_its_place() {
    let server = server(1);
    let client = connect(&server).await;
    let first = start(&client, "wait_forever").await;
    let refused = call(&client, "wait_forever").await;
    let CallToolResponse::Complete(result) = &refused else {
        panic!("not refused: {refused:?}");
    };
    let error = result.structured_content.clone().expect("an error object");
    assert_eq!(
        (error["code"].clone(), error["running"].clone()),
        (json!("too_many_tasks"), json!(1))
    );
    assert_eq!(error["retryable"], true);
    cancel_then_start_again(&client, &first, "wait_forever").await;
}

#[tokio::test]
async fn a_task_holds_its_tools_concurrency_slot_until_it_ends() {
    let server = server(8);
    let client = connect(&server).await;
    let first = start(&client, "wait_alone").await;
    assert_eq!(error_code(call(&client, "wait_alone").await), "overloaded");
    cancel_then_start_again(&client, &first, "wait_alone").await;
}

#[test]
fn a_tool_starting_tasks_by_handler_must_run_as_tasks() {
    let error = Server::builder(ServerInfo {
        name: "tasks".into(),
        version: "1.0.0".into(),
        ..Default::default()
    })
    .tool(
        ToolDef {
            task_start: TaskStart::ByHandler,
            ..tool("ask_later", TaskSupport::Never)
        },
        |_ctx, _args| async { Ok(ToolOutput::text("hi")) },
    )
    .build()
    .expect_err("does not build");
    assert!(
        error.to_string().contains(
            "tool `ask_later`: task_start is ByHandler, but the tool never runs as a task"
        ),
        "{error}"
    );
}
