//! A server built in-process, driven by rmcp's client over an in-memory duplex.

use std::time::Duration;

use mcpgen_runtime::{
    Annotations, ErrorDef, PromptArg, PromptDef, ResourceContent, ResourceDef, ResourceError,
    ResourceOutput, ResourceTemplateDef, Role, Server, ServerInfo, ToolDef, ToolError, ToolOutput,
};
use rmcp::{
    RoleClient, ServiceExt,
    model::{
        CallToolRequestParams, GetPromptRequestParams, PaginatedRequestParams,
        ReadResourceRequestParams,
    },
    service::RunningService,
};
use serde_json::{Map, Value, json};

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

fn strict(properties: Value, required: &[&str]) -> Value {
    json!({"type": "object", "additionalProperties": false, "required": required, "properties": properties})
}

fn tool(name: &str, input_schema: Value) -> ToolDef {
    ToolDef {
        name: name.into(),
        title: Some(format!("Title of {name}")),
        description: format!("The {name} tool"),
        input_schema,
        annotations: Annotations::default(),
        ..Default::default()
    }
}

fn server() -> Server {
    let forecast_schema = strict(
        json!({
            "city": {"type": "string", "minLength": 1, "maxLength": 100},
            "days": {"type": "integer", "minimum": 1, "maximum": 14},
            "units": {"type": "string", "enum": ["metric", "imperial"]},
            "at": {
                "type": "object",
                "additionalProperties": false,
                "properties": {"lat": {"type": "number"}, "lon": {"type": "number"}}
            }
        }),
        &["city"],
    );
    let mut forecast = tool("forecast", forecast_schema);
    forecast.annotations = Annotations {
        read_only: true,
        destructive: false,
        idempotent: true,
        open_world: false,
    };
    forecast.output_schema = Some(strict(
        json!({"city": {"type": "string"}, "high": {"type": "integer"}}),
        &["city", "high"],
    ));
    forecast.errors = vec![ErrorDef {
        code: "city_not_found".into(),
        message_template: "No city named {city} in {region} ({{sic}}).".into(),
        retryable: true,
    }];

    let mut slow = tool("slow", strict(json!({}), &[]));
    slow.timeout = Some(Duration::from_millis(50));

    // Outputs that break their schema: a value out of range, a value of the wrong type.
    let mut negative = tool("negative", strict(json!({}), &[]));
    negative.output_schema = Some(strict(
        json!({"n": {"type": "integer", "minimum": 0}}),
        &["n"],
    ));
    let mut wrong_shape = tool("wrong_shape", strict(json!({}), &[]));
    wrong_shape.output_schema = negative.output_schema.clone();
    // A generated output type whose own checks failed: the runtime validates its JSON
    // and reports the violation as for any other output.
    let mut failed_precheck = tool("failed_precheck", strict(json!({}), &[]));
    failed_precheck.output_schema = negative.output_schema.clone();

    let mut big = tool("big", strict(json!({}), &[]));
    big.max_response_bytes = Some(100);

    Server::builder(ServerInfo {
        name: "test".into(),
        version: "1.0.0".into(),
        ..Default::default()
    })
    .tool(forecast, |_ctx, args| async move {
        let city = args["city"].as_str().unwrap_or_default().to_owned();
        if city == "Atlantis" {
            return Err(ToolError::declared("city_not_found").with("region", "the Atlantic"));
        }
        ToolOutput::structured(json!({"city": city, "high": 21}))
    })
    .tool(
        tool("boom", strict(json!({}), &[])),
        |_ctx, _args| async move {
            if std::hint::black_box(true) {
                panic!("secret internal detail");
            }
            Ok(ToolOutput::text("unreachable"))
        },
    )
    .tool(negative, |_ctx, _args| async move {
        ToolOutput::structured(json!({"n": -1}))
    })
    .tool(wrong_shape, |_ctx, _args| async move {
        ToolOutput::structured(json!({"n": "1"}))
    })
    .tool(failed_precheck, |_ctx, _args| async move {
        ToolOutput::structured_prechecked(json!({"n": -1}), false)
    })
    .tool(slow, |ctx, _args| async move {
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(30)) => {}
            () = ctx.cancellation_token().cancelled() => {}
        }
        Ok(ToolOutput::text("late"))
    })
    .tool(
        tool("fails", strict(json!({}), &[])),
        |_ctx, _args| async move {
            Err(ToolError::unexpected(anyhow::anyhow!(
                "db password=hunter2 rejected"
            )))
        },
    )
    .tool(big, |_ctx, _args| async move {
        Ok(ToolOutput::text("x".repeat(1000)))
    })
    .tool(
        tool("undeclared", strict(json!({}), &[])),
        |_ctx, _args| async move { Err(ToolError::declared("nope")) },
    )
    .tool(
        tool("whoami", strict(json!({}), &[])),
        |ctx, _args| async move {
            Ok(ToolOutput::text(format!(
                "{}:{:?}",
                ctx.name(),
                ctx.identity()
            )))
        },
    )
    .resource(ResourceDef {
        uri: "test://static".into(),
        name: "static".into(),
        title: Some("Static".into()),
        description: None,
        mime_type: Some("text/plain".into()),
        content: ResourceContent::Text("hello".into()),
        ..Default::default()
    })
    .resource(ResourceDef {
        uri: "test://blob".into(),
        name: "blob".into(),
        title: None,
        description: None,
        mime_type: Some("application/octet-stream".into()),
        content: ResourceContent::Blob(b"\x00\x01\x02"[..].into()),
        ..Default::default()
    })
    .resource_template(
        ResourceTemplateDef {
            uri_template: "test://item/{id}{?verbose}".into(),
            name: "item".into(),
            title: None,
            description: None,
            mime_type: Some("application/json".into()),
            params_schema: strict(
                json!({"id": {"type": "integer", "minimum": 1}, "verbose": {"type": "boolean"}}),
                &["id"],
            ),
            ..Default::default()
        },
        |_ctx, vars| async move {
            if vars["id"] == json!(404) {
                return Err(ResourceError::NotFound("item 404 does not exist".into()));
            }
            Ok(ResourceOutput::Text(Value::Object(vars).to_string()))
        },
    )
    .prompt(PromptDef {
        name: "brief".into(),
        title: Some("Brief".into()),
        description: Some("A briefing".into()),
        arguments: vec![
            PromptArg {
                name: "city".into(),
                required: true,
                ..Default::default()
            },
            PromptArg {
                name: "tone".into(),
                ..Default::default()
            },
        ],
        messages: vec![
            (
                Role::User,
                // A filter: the environment that renders has minijinja's builtins.
                "Brief me on {{ city }}{% if tone %} ({{ tone | upper }}){% endif %}.".into(),
            ),
            (Role::Assistant, "Sure.".into()),
        ],
        ..Default::default()
    })
    .page_size(3)
    .build()
    .expect("server builds")
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

async fn call(client: &RunningService<RoleClient, ()>, name: &str, args: Value) -> Value {
    let params = CallToolRequestParams::new(name.to_owned()).with_arguments(object(args));
    let result = client.call_tool(params).await.expect("call succeeds");
    serde_json::to_value(result).expect("serializes")
}

/// The error object of an error result: its `structuredContent` for a tool without an
/// `outputSchema`; for a tool with one, the JSON text block after the message (clients
/// validate `structuredContent` against the output schema even on errors).
fn error_object(result: &Value) -> Value {
    assert_eq!(result["isError"], json!(true), "{result}");
    let content = result["content"].as_array().expect("content");
    match result.get("structuredContent") {
        Some(object) => {
            assert_eq!(content.len(), 1, "{result}");
            object.clone()
        }
        None => {
            assert_eq!(content.len(), 2, "{result}");
            serde_json::from_str(content[1]["text"].as_str().expect("text")).expect("JSON")
        }
    }
}

#[tokio::test]
async fn success_returns_structured_content_and_text() {
    let client = connect(&server()).await;
    let result = call(&client, "forecast", json!({"city": "Oslo"})).await;
    assert_eq!(
        result["structuredContent"],
        json!({"city": "Oslo", "high": 21})
    );
    assert_eq!(result["isError"], json!(false));
    assert_eq!(
        result["content"],
        json!([{"type": "text", "text": "{\"city\":\"Oslo\",\"high\":21}"}])
    );
}

#[tokio::test]
async fn declared_error_renders_template_from_fields_then_arguments() {
    let client = connect(&server()).await;
    let result = call(&client, "forecast", json!({"city": "Atlantis"})).await;
    let message = "No city named Atlantis in the Atlantic ({sic}).";
    assert_eq!(result["isError"], json!(true));
    assert_eq!(
        result["content"][0],
        json!({"type": "text", "text": message})
    );
    assert_eq!(
        error_object(&result),
        json!({"status": "error", "code": "city_not_found", "message": message, "retryable": true})
    );
}

#[tokio::test]
async fn an_error_object_is_structured_content_only_where_no_output_schema_constrains_it() {
    let client = connect(&server()).await;
    // `forecast` declares an outputSchema: its error object comes as a JSON text block
    // after the message, and `structuredContent` is absent, so a client that validates
    // it against the outputSchema (the MCP Inspector does, even on errors) shows the
    // error rather than a schema mismatch.
    let result = call(&client, "forecast", json!({"city": "Atlantis"})).await;
    let message = "No city named Atlantis in the Atlantic ({sic}).";
    assert_eq!(result.get("structuredContent"), None, "{result}");
    assert_eq!(
        result["content"],
        json!([
            {"type": "text", "text": message},
            {"type": "text", "text": json!({"status": "error", "code": "city_not_found", "message": message, "retryable": true}).to_string()},
        ])
    );
    // `boom` declares none: the error object stays `structuredContent`.
    let result = call(&client, "boom", json!({})).await;
    assert_eq!(
        result["structuredContent"]["code"],
        json!("unexpected_error")
    );
    assert_eq!(result["content"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn invalid_arguments_name_every_field() {
    let client = connect(&server()).await;
    let result = call(
        &client,
        "forecast",
        json!({"city": "", "days": 20, "units": "kelvin", "at": {"lat": 1, "alt": 3}}),
    )
    .await;
    assert_eq!(result["isError"], json!(true));
    assert_eq!(
        error_object(&result),
        json!({"status": "error", "code": "invalid_arguments", "errors": [
            {"path": "/at/alt", "message": "is not an allowed property; remove it (allowed properties: lat, lon)"},
            {"path": "/city", "message": "expected a string of at least 1 character, got \"\" (0 characters)"},
            {"path": "/days", "message": "expected an integer <= 14, got 20"},
            {"path": "/units", "message": "expected one of \"metric\", \"imperial\", got \"kelvin\""},
        ]})
    );
    assert_eq!(
        result["content"][0]["text"],
        json!(
            "Invalid arguments for tool `forecast`:\n\
             - /at/alt: is not an allowed property; remove it (allowed properties: lat, lon)\n\
             - /city: expected a string of at least 1 character, got \"\" (0 characters)\n\
             - /days: expected an integer <= 14, got 20\n\
             - /units: expected one of \"metric\", \"imperial\", got \"kelvin\"\n\
             Fix these arguments and call `forecast` again; its input schema (tools/list) describes every field."
        )
    );
}

#[tokio::test]
async fn missing_arguments_mean_an_empty_object() {
    let client = connect(&server()).await;
    let params = CallToolRequestParams::new("forecast");
    let result = serde_json::to_value(client.call_tool(params).await.expect("call")).expect("json");
    assert_eq!(
        error_object(&result)["errors"],
        json!([{"path": "/city", "message": "is required but missing"}])
    );
    let params = CallToolRequestParams::new("whoami");
    let result = serde_json::to_value(client.call_tool(params).await.expect("call")).expect("json");
    assert_eq!(result["content"][0]["text"], json!("whoami:Anonymous"));
}

#[tokio::test]
async fn out_of_range_and_wrong_type() {
    let client = connect(&server()).await;
    let result = call(&client, "forecast", json!({"city": "Oslo", "days": 0})).await;
    assert_eq!(
        error_object(&result)["errors"],
        json!([{"path": "/days", "message": "expected an integer >= 1, got 0"}])
    );
    let result = call(&client, "forecast", json!({"city": "Oslo", "days": "3"})).await;
    assert_eq!(
        error_object(&result)["errors"],
        json!([{"path": "/days", "message": "expected an integer, got string \"3\""}])
    );
}

const BUG: &str = "this is a bug in the server, not in your arguments; retrying will probably not help; report it to the server's maintainers";

#[tokio::test]
async fn panic_unexpected_and_undeclared_errors_are_one_generic_result() {
    let client = connect(&server()).await;
    for name in [
        "boom",
        "fails",
        "undeclared",
        "negative",
        "wrong_shape",
        "failed_precheck",
    ] {
        let result = call(&client, name, json!({})).await;
        let message = format!("unexpected error in tool `{name}`: {BUG}");
        assert_eq!(result["isError"], json!(true), "{name}");
        assert_eq!(
            result["content"][0],
            json!({"type": "text", "text": message})
        );
        assert_eq!(
            error_object(&result),
            json!({"status": "error", "code": "unexpected_error", "message": message, "retryable": false})
        );
        assert!(!result.to_string().contains("secret") && !result.to_string().contains("hunter2"));
    }
    // The server still serves after a panic.
    let result = call(&client, "forecast", json!({"city": "Oslo"})).await;
    assert_eq!(result["isError"], json!(false));
}

#[tokio::test]
async fn timeout_names_the_limit() {
    let client = connect(&server()).await;
    let result = call(&client, "slow", json!({})).await;
    assert_eq!(result["isError"], json!(true));
    assert_eq!(error_object(&result)["code"], json!("timeout"));
    assert_eq!(error_object(&result)["limit_ms"], json!(50));
    assert_eq!(
        result["content"][0]["text"],
        json!(
            "The tool `slow` did not finish within its time limit of 50 ms and was stopped. Try again later, or ask for less (a narrower query) so it finishes in time."
        )
    );
}

#[tokio::test]
async fn response_size_limit() {
    let client = connect(&server()).await;
    let result = call(&client, "big", json!({})).await;
    assert_eq!(error_object(&result)["code"], json!("response_too_large"));
    assert_eq!(error_object(&result)["limit_bytes"], json!(100));
}

#[tokio::test]
async fn unknown_tool_is_a_protocol_error_naming_known_tools() {
    let client = connect(&server()).await;
    let error = client
        .call_tool(CallToolRequestParams::new("forcast"))
        .await
        .expect_err("unknown tool fails");
    let rmcp::ServiceError::McpError(error) = error else {
        panic!("expected a JSON-RPC error, got {error:?}");
    };
    assert_eq!(error.code.0, -32602);
    assert_eq!(
        error.message,
        "unknown tool `forcast` (did you mean `forecast`?); known tools: forecast, boom, negative, wrong_shape, failed_precheck, slow, fails, big, undeclared, whoami"
    );
}

#[tokio::test]
async fn tools_list_is_paginated_in_declaration_order_with_all_hints() {
    let client = connect(&server()).await;
    let mut names = Vec::new();
    let mut cursor = None;
    let mut pages = 0;
    loop {
        let page = client
            .list_tools(Some(PaginatedRequestParams::default().with_cursor(cursor)))
            .await
            .expect("list");
        pages += 1;
        names.extend(page.tools.iter().map(|t| t.name.to_string()));
        if pages == 1 {
            let first = serde_json::to_value(&page.tools[0]).expect("json");
            assert_eq!(
                first["annotations"],
                json!({"title": "Title of forecast", "readOnlyHint": true, "destructiveHint": false, "idempotentHint": true, "openWorldHint": false})
            );
            assert_eq!(first["title"], json!("Title of forecast"));
            assert_eq!(first["inputSchema"]["additionalProperties"], json!(false));
            let second = serde_json::to_value(&page.tools[1]).expect("json");
            assert_eq!(
                second["annotations"],
                json!({"title": "Title of boom", "readOnlyHint": false, "destructiveHint": true, "idempotentHint": false, "openWorldHint": true})
            );
        }
        cursor = page.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(pages, 4);
    assert_eq!(
        names,
        [
            "forecast",
            "boom",
            "negative",
            "wrong_shape",
            "failed_precheck",
            "slow",
            "fails",
            "big",
            "undeclared",
            "whoami"
        ]
    );
    let error = client
        .list_tools(Some(
            PaginatedRequestParams::default().with_cursor(Some("garbage".into())),
        ))
        .await
        .expect_err("bad cursor");
    assert!(error.to_string().contains("invalid cursor"), "{error}");
}

#[tokio::test]
async fn resources_static_blob_template_and_not_found() {
    let client = connect(&server()).await;
    let read = |uri: &str| {
        let client = &client;
        let uri = uri.to_owned();
        async move {
            client
                .read_resource(ReadResourceRequestParams::new(uri))
                .await
                .map(|r| serde_json::to_value(r).expect("json"))
        }
    };
    assert_eq!(
        read("test://static").await.expect("static")["contents"],
        json!([{"uri": "test://static", "mimeType": "text/plain", "text": "hello"}])
    );
    assert_eq!(
        read("test://blob").await.expect("blob")["contents"],
        json!([{"uri": "test://blob", "mimeType": "application/octet-stream", "blob": "AAEC"}])
    );
    assert_eq!(
        read("test://item/7?verbose=true").await.expect("template")["contents"][0]["text"],
        json!("{\"id\":7,\"verbose\":true}")
    );
    let error = read("test://item/0").await.expect_err("invalid id");
    let rmcp::ServiceError::McpError(error) = error else {
        panic!("{error:?}")
    };
    assert_eq!(error.code.0, -32602);
    assert!(
        error
            .message
            .contains("/id: expected an integer >= 1, got 0"),
        "{}",
        error.message
    );
    for uri in ["test://nothing", "test://item/404"] {
        let error = read(uri).await.expect_err("not found");
        let rmcp::ServiceError::McpError(error) = error else {
            panic!("{error:?}")
        };
        assert_eq!(error.code.0, -32602);
        assert_eq!(error.data, Some(json!({"uri": uri})));
    }
    let error = read("test://item/1?color=red")
        .await
        .expect_err("unknown query");
    assert!(error.to_string().contains("color"), "{error}");

    let list = client.list_resources(None).await.expect("list");
    let uris: Vec<&str> = list.resources.iter().map(|r| r.uri.as_str()).collect();
    assert_eq!(uris, ["test://static", "test://blob"]);
    let templates = client
        .list_resource_templates(None)
        .await
        .expect("templates");
    assert_eq!(
        templates.resource_templates[0].uri_template,
        "test://item/{id}{?verbose}"
    );
}

#[tokio::test]
async fn prompts_render_and_check_arguments() {
    let client = connect(&server()).await;
    let get = |args: Value| {
        let client = &client;
        async move {
            client
                .get_prompt(GetPromptRequestParams::new("brief").with_arguments(object(args)))
                .await
        }
    };
    let result = serde_json::to_value(
        get(json!({"city": "Oslo", "tone": "cheerful"}))
            .await
            .expect("ok"),
    )
    .expect("json");
    assert_eq!(
        result["messages"],
        json!([
            {"role": "user", "content": {"type": "text", "text": "Brief me on Oslo (CHEERFUL)."}},
            {"role": "assistant", "content": {"type": "text", "text": "Sure."}}
        ])
    );
    let error = get(json!({})).await.expect_err("missing");
    assert!(
        error.to_string().contains("needs the argument(s) `city`"),
        "{error}"
    );
    let error = get(json!({"city": "Oslo", "mood": "x"}))
        .await
        .expect_err("unknown");
    assert!(
        error
            .to_string()
            .contains("has no argument(s) `mood`; its arguments are: city, tone"),
        "{error}"
    );
    let list = client.list_prompts(None).await.expect("list");
    assert_eq!(list.prompts[0].name, "brief");
}

#[test]
fn build_reports_every_problem() {
    let bad = ToolDef {
        name: "x".into(),
        input_schema: json!({"type": "objekt"}),
        errors: vec![
            ErrorDef {
                code: "timeout".into(),
                message_template: "ok".into(),
                retryable: false,
            },
            ErrorDef {
                code: "e".into(),
                message_template: "unclosed {brace".into(),
                retryable: false,
            },
        ],
        ..Default::default()
    };
    let ok = |_ctx, _args| async { Ok(ToolOutput::text("")) };
    let error = Server::builder(ServerInfo::default())
        .tool(bad.clone(), ok)
        .tool(bad, ok)
        .prompt(PromptDef {
            name: "p".into(),
            messages: vec![(Role::User, "{{ cty }}".into())],
            ..Default::default()
        })
        .build()
        .expect_err("invalid");
    let text = error.to_string();
    assert!(text.starts_with("the MCP server definition has"), "{text}");
    for needle in [
        "tool `x` is registered twice",
        "tool `x`: input_schema must have \"type\": \"object\"",
        "error code `timeout` is reserved",
        "the message template of error `e` is malformed",
        "prompt `p`: message 1 uses `cty`, which is not an argument",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
}

#[tokio::test]
async fn a_tool_needing_a_client_capability_the_client_lacks_is_refused_with_32021() {
    let mut needy = tool("needs_sampling", strict(json!({}), &[]));
    needy.client_capabilities = vec![mcpgen_runtime::ClientCapability::Sampling];
    let ran = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = std::sync::Arc::clone(&ran);
    let server = Server::builder(ServerInfo {
        name: "needy".into(),
        version: "1.0.0".into(),
        ..Default::default()
    })
    .tool(needy, move |_ctx, _args| {
        let flag = std::sync::Arc::clone(&flag);
        async move {
            flag.store(true, std::sync::atomic::Ordering::SeqCst);
            Ok(ToolOutput::text("ran"))
        }
    })
    .build()
    .expect("builds");
    // rmcp's `()` client declares no sampling capability.
    let client = connect(&server).await;
    let error = client
        .call_tool(CallToolRequestParams::new("needs_sampling"))
        .await
        .expect_err("refused");
    let text = format!("{error:?}");
    assert!(text.contains("-32021"), "{text}");
    assert!(
        text.contains("needs the client capabilities `sampling`"),
        "{text}"
    );
    assert!(
        !ran.load(std::sync::atomic::Ordering::SeqCst),
        "the handler must not run"
    );
}

/// Prompts registered by generated code (`checked_prompt`) are not parsed at build
/// (mcpgen check verified them): they compile on the first `prompts/get`, with
/// minijinja's builtins, and a template that does not compile is a server bug there,
/// not a crash. Registered with `prompt`, the same template is a build error.
#[tokio::test]
async fn generated_prompts_compile_on_first_use() {
    let def = |name: &str, text: &str| PromptDef {
        name: name.into(),
        arguments: vec![PromptArg {
            name: "city".into(),
            required: true,
            ..Default::default()
        }],
        messages: vec![(Role::User, text.into())],
        ..Default::default()
    };
    let builder = || {
        Server::builder(ServerInfo {
            name: "t".into(),
            version: "1.0.0".into(),
            ..Default::default()
        })
    };
    let broken = "Brief me on {{ city";
    let error = builder()
        .prompt(def("bad", broken))
        .build()
        .expect_err("parsed at build");
    assert!(
        error.to_string().contains("is not a valid template"),
        "{error}"
    );

    let server = builder()
        .checked_prompt(def("good", "Weather in {{ city | upper }}."))
        .checked_prompt(def("bad", broken))
        .build()
        .expect("not parsed at build");
    let client = connect(&server).await;
    let result = client
        .get_prompt(
            GetPromptRequestParams::new("good").with_arguments(object(json!({"city": "Oslo"}))),
        )
        .await
        .expect("renders");
    assert_eq!(
        serde_json::to_value(&result.messages).expect("json"),
        json!([{"role": "user", "content": {"type": "text", "text": "Weather in OSLO."}}])
    );
    let error = client
        .get_prompt(
            GetPromptRequestParams::new("bad").with_arguments(object(json!({"city": "Oslo"}))),
        )
        .await
        .expect_err("a server bug");
    assert!(
        error.to_string().contains("prompt `bad` failed to render"),
        "{error}"
    );
    // The server still serves.
    assert!(
        client
            .get_prompt(
                GetPromptRequestParams::new("good").with_arguments(object(json!({"city": "Bern"})))
            )
            .await
            .is_ok()
    );
}
