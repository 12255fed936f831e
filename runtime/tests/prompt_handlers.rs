//! Prompts whose messages a handler builds, driven by rmcp's client in-process: typed
//! arguments, argument checks before the handler, handler errors, and input-required
//! results with a signed `requestState` on 2026-07-28.

use std::sync::{
    Arc,
    atomic::{AtomicUsize, Ordering},
};

use mcpgen_runtime::{
    PromptArg, PromptContent, PromptDef, PromptError, PromptOutput, Role, Server, ServerInfo,
};
use rmcp::{
    RoleClient, ServiceExt,
    model::{GetPromptRequestParams, GetPromptResponse, ProtocolVersion},
    service::{ClientLifecycleMode, ClientServiceExt, RunningService},
};
use serde::Deserialize;
use serde_json::{Map, Value, json};

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PackingArgs {
    city: String,
    days: Option<String>,
}

fn arg(name: &str, required: bool) -> PromptArg {
    PromptArg {
        name: name.into(),
        description: Some(format!("The {name}.")),
        required,
        ..Default::default()
    }
}

/// A server with one handler prompt `packing_list`, counting how often its handler runs,
/// and one `ask_context` prompt that asks the client for input first.
fn server(runs: Arc<AtomicUsize>) -> Server {
    Server::builder(ServerInfo {
        name: "prompts".into(),
        version: "1.0.0".into(),
        ..Default::default()
    })
    .typed_prompt(
        PromptDef {
            name: "packing_list".into(),
            description: Some("What to pack for a trip.".into()),
            arguments: vec![arg("city", true), arg("days", false)],
            ..Default::default()
        },
        move |_ctx, args: PackingArgs| {
            runs.fetch_add(1, Ordering::SeqCst);
            async move {
                match args.city.as_str() {
                    "Atlantis" => {
                        return Err(PromptError::InvalidArguments(
                            "no forecast for `Atlantis`; pass a city on land, such as Oslo".into(),
                        ));
                    }
                    "Crash" => return Err(PromptError::unexpected(anyhow::anyhow!("db down"))),
                    "Panic" => panic!("handler bug"),
                    _ => {}
                }
                let days = args.days.unwrap_or_else(|| "3".into());
                Ok(PromptOutput::Messages(vec![
                    (
                        Role::User,
                        PromptContent::Text(format!("Pack for {} days in {{{{ city }}}}.", days)),
                    ),
                    (
                        Role::Assistant,
                        PromptContent::Resource {
                            uri: format!("weather://{}", args.city),
                            mime_type: Some("text/plain".into()),
                            text: "rain".into(),
                        },
                    ),
                    (
                        Role::User,
                        PromptContent::Image {
                            data: std::borrow::Cow::Borrowed(b"\x89PNG"),
                            mime_type: "image/png".into(),
                        },
                    ),
                ]))
            }
        },
    )
    .prompt_handler(
        PromptDef {
            name: "ask_context".into(),
            description: Some("A prompt that asks the user for context first.".into()),
            ..Default::default()
        },
        |ctx, _args| async move {
            if let Some(answer) = ctx.input_response("user_context") {
                let context = answer["content"]["context"].as_str().unwrap_or("none");
                let state = ctx.request_state().unwrap_or("no state");
                return Ok(PromptOutput::text(format!(
                    "Context: {context} ({state})"
                )));
            }
            let requests = json!({"user_context": {
                "method": "elicitation/create",
                "params": {
                    "message": "What context should the prompt use?",
                    "requestedSchema": {"type": "object", "properties": {"context": {"type": "string"}}}
                }
            }});
            Ok(PromptOutput::input_required(
                requests,
                Some("round-1".into()),
            )?)
        },
    )
    .build()
    .expect("builds")
}

async fn connect(server: &Server, modern: bool) -> RunningService<RoleClient, ()> {
    let (server_io, client_io) = tokio::io::duplex(64 * 1024);
    let handler = server.handler();
    tokio::spawn(async move {
        if let Ok(running) = handler.serve(server_io).await {
            let _ = running.waiting().await;
        }
    });
    if modern {
        ().serve_with_lifecycle(
            client_io,
            ClientLifecycleMode::Discover {
                preferred_versions: vec![ProtocolVersion::V_2026_07_28],
            },
        )
        .await
        .expect("client discovers")
    } else {
        ().serve(client_io).await.expect("client connects")
    }
}

async fn get(
    client: &RunningService<RoleClient, ()>,
    name: &str,
    args: Value,
) -> Result<Value, String> {
    client
        .get_prompt(GetPromptRequestParams::new(name).with_arguments(object(args)))
        .await
        .map(|r| serde_json::to_value(r).expect("serializes"))
        .map_err(|e| format!("{e:?}"))
}

#[tokio::test]
async fn a_handler_prompt_returns_its_messages_as_they_are() {
    let runs = Arc::new(AtomicUsize::new(0));
    let client = connect(&server(Arc::clone(&runs)), false).await;
    let result = get(
        &client,
        "packing_list",
        json!({"city": "Oslo", "days": "5"}),
    )
    .await
    .expect("ok");
    assert_eq!(result["description"], "What to pack for a trip.");
    assert_eq!(
        result["messages"],
        json!([
            // Not a template: the braces come back literally.
            {"role": "user", "content": {"type": "text", "text": "Pack for 5 days in {{ city }}."}},
            {"role": "assistant", "content": {"type": "resource", "resource": {
                "uri": "weather://Oslo", "mimeType": "text/plain", "text": "rain"}}},
            {"role": "user", "content": {"type": "image", "data": "iVBORw==", "mimeType": "image/png"}}
        ])
    );
    let optional_left_out = get(&client, "packing_list", json!({"city": "Oslo"}))
        .await
        .expect("ok");
    assert_eq!(
        optional_left_out["messages"][0]["content"]["text"],
        "Pack for 3 days in {{ city }}."
    );
    assert_eq!(runs.load(Ordering::SeqCst), 2);

    let list = client.list_prompts(None).await.expect("list");
    let listed = serde_json::to_value(&list.prompts[0]).expect("json");
    assert_eq!(listed["name"], "packing_list");
    assert_eq!(
        listed["arguments"],
        json!([
            {"name": "city", "description": "The city.", "required": true},
            {"name": "days", "description": "The days.", "required": false}
        ])
    );
}

#[tokio::test]
async fn arguments_are_checked_before_the_handler_runs() {
    let runs = Arc::new(AtomicUsize::new(0));
    let client = connect(&server(Arc::clone(&runs)), false).await;
    for (args, needle) in [
        (
            json!({"days": "2"}),
            "prompt `packing_list` needs the argument(s) `city`; pass them in `arguments`",
        ),
        (
            json!({"city": "Oslo", "nights": "2"}),
            "prompt `packing_list` has no argument(s) `nights`; its arguments are: city, days",
        ),
        (
            json!({"city": "Oslo", "days": 2}),
            "the argument(s) `days` of prompt `packing_list` are not strings",
        ),
    ] {
        let error = get(&client, "packing_list", args)
            .await
            .expect_err("refused");
        assert!(error.contains("-32602"), "{error}");
        assert!(error.contains(needle), "{needle:?} not in {error}");
    }
    assert_eq!(runs.load(Ordering::SeqCst), 0, "the handler must not run");
}

#[tokio::test]
async fn handler_errors_become_json_rpc_errors() {
    let client = connect(&server(Arc::default()), false).await;
    let refused = get(&client, "packing_list", json!({"city": "Atlantis"}))
        .await
        .expect_err("refused");
    assert!(refused.contains("-32602"), "{refused}");
    assert!(
        refused.contains("no forecast for `Atlantis`; pass a city on land, such as Oslo"),
        "{refused}"
    );
    for city in ["Crash", "Panic"] {
        let error = get(&client, "packing_list", json!({"city": city}))
            .await
            .expect_err("fails");
        assert!(error.contains("-32603"), "{error}");
        assert!(
            error
                .contains("unexpected error in prompt `packing_list`: this is a bug in the server"),
            "{error}"
        );
        assert!(
            !error.contains("db down"),
            "details stay in the log: {error}"
        );
    }
    // The server survives a panicking handler.
    get(&client, "packing_list", json!({"city": "Oslo"}))
        .await
        .expect("still serving");
}

#[tokio::test]
async fn a_prompt_asks_for_input_and_verifies_its_state_on_2026_07_28() {
    let client = connect(&server(Arc::default()), true).await;
    let first = client
        .get_prompt_once(GetPromptRequestParams::new("ask_context"))
        .await
        .expect("round 1");
    let GetPromptResponse::InputRequired(input) = first else {
        panic!("expected an input-required result, got {first:?}");
    };
    let wire = serde_json::to_value(&input).expect("json");
    assert_eq!(wire["resultType"], "input_required");
    assert_eq!(
        wire["inputRequests"]["user_context"]["method"],
        "elicitation/create"
    );
    let sealed = input.request_state.clone().expect("a state");
    assert_ne!(sealed, "round-1", "the state is sealed, not sent in clear");

    let answers =
        object(json!({"user_context": {"action": "accept", "content": {"context": "a trip"}}}));
    let second = client
        .get_prompt_once(
            GetPromptRequestParams::new("ask_context")
                .with_input_responses(answers.clone().into_iter().collect())
                .with_request_state(sealed.clone()),
        )
        .await
        .expect("round 2");
    let GetPromptResponse::Complete(result) = second else {
        panic!("expected the messages, got {second:?}");
    };
    assert_eq!(
        serde_json::to_value(&result.messages).expect("json"),
        json!([{"role": "user", "content": {"type": "text", "text": "Context: a trip (round-1)"}}])
    );

    let mut tampered = sealed;
    tampered.insert(0, 'x');
    let error = client
        .get_prompt_once(
            GetPromptRequestParams::new("ask_context")
                .with_input_responses(answers.into_iter().collect())
                .with_request_state(tampered),
        )
        .await
        .expect_err("tampered state refused");
    let error = format!("{error:?}");
    assert!(error.contains("-32602"), "{error}");
    assert!(
        error.contains("the requestState sent to the prompt `ask_context` was not issued by this server for this prompt"),
        "{error}"
    );
}

#[test]
fn a_prompt_with_a_handler_and_messages_does_not_build() {
    let error = Server::builder(ServerInfo::default())
        .prompt_handler(
            PromptDef {
                name: "both".into(),
                messages: vec![(Role::User, "hi".into())],
                ..Default::default()
            },
            |_ctx, _args| async { Ok(PromptOutput::text("hi")) },
        )
        .build()
        .expect_err("invalid");
    assert!(
        error
            .to_string()
            .contains("prompt `both` has both a handler and messages"),
        "{error}"
    );
}
