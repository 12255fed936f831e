//! The capabilities a server advertises are exactly what it serves: each is advertised
//! when something of its kind is registered, and every method of one that is not is
//! refused with -32601. Also `completion/complete`, and structured output as peers of
//! the `initialize` revisions (2025-11-25 and older) receive it.

use mcpgen_runtime::{
    PromptArg, PromptDef, ResourceContent, ResourceDef, ResourceOutput, ResourceTemplateDef,
    Server, ServerBuilder, ServerInfo, TaskSupport, ToolDef, ToolOutput,
};
use rmcp::{
    RoleClient, ServiceError, ServiceExt,
    model::{
        ArgumentInfo, CallToolRequestParams, CompleteRequestParams, ErrorCode,
        GetPromptRequestParams, ProtocolVersion, ReadResourceRequestParams, Reference,
        SubscribeRequestParams,
    },
    service::RunningService,
};
use serde_json::{Value, json};

fn builder() -> ServerBuilder {
    Server::builder(ServerInfo {
        name: "capabilities".into(),
        version: "1.0.0".into(),
        ..Default::default()
    })
}

fn tool(name: &str) -> ToolDef {
    ToolDef {
        name: name.into(),
        input_schema: json!({"type": "object", "additionalProperties": false}),
        ..Default::default()
    }
}

fn text_tool(builder: ServerBuilder, def: ToolDef) -> ServerBuilder {
    builder.tool(def, |_ctx, _args| async { Ok(ToolOutput::text("done")) })
}

fn resource() -> ResourceDef {
    ResourceDef {
        uri: "test://static".into(),
        name: "static".into(),
        title: None,
        description: None,
        mime_type: None,
        content: ResourceContent::Text("text".into()),
        ..Default::default()
    }
}

/// A template whose `kind` variable has declared values.
fn fruit_builder(builder: ServerBuilder) -> ServerBuilder {
    let def = ResourceTemplateDef {
        uri_template: "test://fruit/{kind}".into(),
        name: "fruit".into(),
        title: None,
        description: None,
        mime_type: None,
        params_schema: json!({
            "type": "object",
            "additionalProperties": false,
            "properties": {"kind": {"type": "string", "enum": ["apple", "apricot", "banana"]}},
        }),
        ..Default::default()
    };
    builder.resource_template(def, |_ctx, _vars| async {
        Ok(ResourceOutput::Text("a fruit".into()))
    })
}

fn prompt(name: &str, arguments: &[&str]) -> PromptDef {
    PromptDef {
        name: name.into(),
        arguments: arguments
            .iter()
            .map(|a| PromptArg {
                name: (*a).into(),
                ..Default::default()
            })
            .collect(),
        messages: vec![(mcpgen_runtime::Role::User, "Hello.".into())],
        ..Default::default()
    }
}

async fn connect(server: &Server) -> RunningService<RoleClient, ()> {
    let (server_io, client_io) = tokio::io::duplex(64 * 1024);
    let handler = server.handler();
    tokio::spawn(async move {
        if let Ok(running) = handler.serve(server_io).await {
            let _ = running.waiting().await;
        }
    });
    ().serve(client_io).await.expect("client connects")
}

/// The capabilities the server sent in its answer to `initialize`, as JSON.
async fn advertised(server: &Server) -> Value {
    let client = connect(server).await;
    let info = client
        .peer_info()
        .expect("the server's answer to initialize");
    serde_json::to_value(&info.capabilities).expect("serializes")
}

#[tokio::test]
async fn each_capability_is_advertised_when_something_of_its_kind_is_registered() {
    let bare = builder().build().expect("builds");
    // Logging is always served: every handler may log, and `logging/setLevel` is served.
    assert_eq!(advertised(&bare).await, json!({"logging": {}}));

    let full = fruit_builder(text_tool(builder(), tool("t")))
        .resource(resource())
        .prompt(prompt("greet", &["name"]))
        .build()
        .expect("builds");
    assert_eq!(
        advertised(&full).await,
        json!({
            "logging": {},
            "completions": {},
            "prompts": {"listChanged": false},
            "resources": {"listChanged": false, "subscribe": true},
            "tools": {"listChanged": false},
        })
    );

    // Completion names a prompt argument or a template variable: a prompt without
    // arguments has nothing to complete.
    let plain = builder()
        .prompt(prompt("hello", &[]))
        .build()
        .expect("builds");
    assert_eq!(
        advertised(&plain).await,
        json!({"logging": {}, "prompts": {"listChanged": false}})
    );

    let mut long = tool("long");
    long.task = TaskSupport::Optional;
    let tasks = text_tool(builder(), long).build().expect("builds");
    let capabilities = advertised(&tasks).await;
    assert_eq!(
        capabilities["extensions"],
        json!({(rmcp::model::TASKS_EXTENSION_ID): {}})
    );
}

#[track_caller]
fn assert_refused<T: std::fmt::Debug>(answer: Result<T, ServiceError>, method: &str) {
    match answer {
        Err(ServiceError::McpError(error)) => {
            assert_eq!(
                (error.code, error.message.as_ref()),
                (ErrorCode::METHOD_NOT_FOUND, method)
            );
        }
        other => panic!("{method}: expected -32601, got {other:?}"),
    }
}

#[tokio::test]
async fn methods_of_capabilities_not_advertised_are_refused() {
    let bare = builder().build().expect("builds");
    // In-process there is no transport to reword rmcp's bare method name.
    let client = connect(&bare).await;
    assert_refused(client.list_tools(None).await, "tools/list");
    assert_refused(
        client.call_tool(CallToolRequestParams::new("t")).await,
        "tools/call",
    );
    assert_refused(client.list_resources(None).await, "resources/list");
    assert_refused(
        client.list_resource_templates(None).await,
        "resources/templates/list",
    );
    assert_refused(
        client
            .read_resource(ReadResourceRequestParams::new("test://static"))
            .await,
        "resources/read",
    );
    #[allow(deprecated)] // legacy-only, and this client speaks the legacy revision
    let subscribed = client
        .subscribe(SubscribeRequestParams::new("test://static"))
        .await;
    assert_refused(subscribed, "resources/subscribe");
    assert_refused(client.list_prompts(None).await, "prompts/list");
    assert_refused(
        client.get_prompt(GetPromptRequestParams::new("p")).await,
        "prompts/get",
    );
    let complete =
        CompleteRequestParams::new(Reference::for_prompt("p"), ArgumentInfo::new("a", ""));
    assert_refused(client.complete(complete).await, "completion/complete");
}

#[tokio::test]
async fn completion_offers_a_variables_declared_values_and_names_unknown_references() {
    let server = fruit_builder(builder())
        .prompt(prompt("greet", &["name"]))
        .build()
        .expect("builds");
    let client = connect(&server).await;
    let complete = async |reference: Reference, argument: &str, typed: &str| {
        let params = CompleteRequestParams::new(reference, ArgumentInfo::new(argument, typed));
        client.complete(params).await
    };
    let fruit = || Reference::for_resource("test://fruit/{kind}");

    let result = complete(fruit(), "kind", "ap").await.expect("completes");
    assert_eq!(
        serde_json::to_value(&result.completion).expect("serializes"),
        json!({"values": ["apple", "apricot"], "total": 2, "hasMore": false})
    );
    // A prompt argument is free text: nothing to offer.
    let result = complete(Reference::for_prompt("greet"), "name", "A")
        .await
        .expect("completes");
    assert_eq!(result.completion.values, Vec::<String>::new());

    for (reference, argument, says) in [
        (
            Reference::for_prompt("gret"),
            "name",
            "no prompt `gret` (did you mean `greet`?); known: greet",
        ),
        (
            Reference::for_prompt("greet"),
            "nam",
            "the prompt `greet` has no such argument (did you mean `name`?)",
        ),
        (
            Reference::for_resource("test://fruit/{type}"),
            "kind",
            "no resource template `test://fruit/{type}`",
        ),
        (fruit(), "colour", "its arguments are: kind"),
    ] {
        match complete(reference, argument, "").await {
            Err(ServiceError::McpError(error)) => {
                assert_eq!(error.code, ErrorCode::INVALID_PARAMS, "{}", error.message);
                assert!(error.message.contains(says), "{}", error.message);
            }
            other => panic!("expected -32602 saying {says:?}, got {other:?}"),
        }
    }
}

/// rmcp drops a `structuredContent` that is not an object, and an `outputSchema`
/// whose root is not an object, for peers of the `initialize` revisions. The runtime
/// sends neither: generated code wraps a value that is not an object as
/// `{"result": value}` under an object schema, and without an output schema a value
/// that is not an object goes as text only.
#[tokio::test]
async fn structured_output_reaches_peers_of_the_initialize_revisions_whole() {
    let mut numbers = tool("numbers");
    numbers.output_schema = Some(json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["result"],
        "properties": {"result": {"type": "array", "items": {"type": "integer"}}},
    }));
    let server = builder()
        .tool(numbers, |_ctx, _args| async {
            ToolOutput::structured(json!({"result": [1, 2]}))
        })
        .tool(tool("bare"), |_ctx, _args| async {
            ToolOutput::structured(json!([1, 2]))
        })
        .build()
        .expect("builds");
    let client = connect(&server).await;
    let version = client
        .peer_info()
        .expect("initialized")
        .protocol_version
        .clone();
    assert!(
        version.as_str() < ProtocolVersion::V_2026_07_28.as_str(),
        "{version:?}"
    );

    let tools = client.list_tools(None).await.expect("lists");
    let schema = tools.tools[0].output_schema.as_deref().expect("kept");
    assert_eq!(schema["type"], json!("object"));

    let call = async |name: &str| {
        let result = client
            .call_tool(CallToolRequestParams::new(name.to_owned()))
            .await
            .expect("calls");
        serde_json::to_value(result).expect("serializes")
    };
    let numbers = call("numbers").await;
    assert_eq!(numbers["structuredContent"], json!({"result": [1, 2]}));
    assert_eq!(
        numbers["content"],
        json!([{"type": "text", "text": r#"{"result":[1,2]}"#}])
    );
    let bare = call("bare").await;
    assert_eq!(bare.get("structuredContent"), None, "{bare}");
    assert_eq!(bare["content"], json!([{"type": "text", "text": "[1,2]"}]));
}
