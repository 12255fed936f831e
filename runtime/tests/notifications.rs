//! Progress and log notifications sent through `ToolContext`.
#![allow(deprecated)] // MCP logging is deprecated by SEP-2577 but still served.

use std::sync::{Arc, Mutex};

use mcpgen_runtime::{LogLevel, Server, ServerInfo, ToolDef, ToolOutput};
use rmcp::{
    ClientHandler, RoleClient, ServiceExt,
    model::{
        CallToolRequestParams, LoggingLevel, LoggingMessageNotificationParam, NumberOrString,
        ProgressNotificationParam, ProgressToken, RequestMetaObject, SetLevelRequestParams,
    },
    service::NotificationContext,
};
use serde_json::json;

#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<String>>>);

impl ClientHandler for Recorder {
    async fn on_progress(
        &self,
        params: ProgressNotificationParam,
        _: NotificationContext<RoleClient>,
    ) {
        self.0.lock().expect("lock").push(format!(
            "progress {} {:?} {:?}",
            params.progress, params.total, params.message
        ));
    }

    async fn on_logging_message(
        &self,
        params: LoggingMessageNotificationParam,
        _: NotificationContext<RoleClient>,
    ) {
        self.0.lock().expect("lock").push(format!(
            "log {:?} {:?} {}",
            params.level, params.logger, params.data
        ));
    }
}

#[tokio::test]
async fn progress_and_logs_reach_the_client() {
    let server = Server::builder(ServerInfo {
        name: "n".into(),
        version: "1".into(),
        ..Default::default()
    })
    .tool(
        ToolDef {
            name: "work".into(),
            description: "works".into(),
            input_schema: json!({"type": "object", "additionalProperties": false}),
            ..Default::default()
        },
        |ctx, _args| async move {
            ctx.progress(1.0, Some(2.0), Some("half")).await;
            ctx.log(LogLevel::Debug, "hidden").await;
            ctx.log(LogLevel::Warning, json!({"note": "shown"})).await;
            Ok(ToolOutput::text("done"))
        },
    )
    .build()
    .expect("builds");

    let (server_io, client_io) = tokio::io::duplex(64 * 1024);
    let handler = server.handler();
    tokio::spawn(async move {
        if let Ok(running) = handler.serve(server_io).await {
            let _ = running.waiting().await;
        }
    });
    let recorder = Recorder::default();
    let client = recorder.clone().serve(client_io).await.expect("connects");
    client
        .set_level(SetLevelRequestParams::new(LoggingLevel::Info))
        .await
        .expect("set level");
    let mut params = CallToolRequestParams::new("work");
    params.meta = Some(RequestMetaObject::with_progress_token(ProgressToken(
        NumberOrString::Number(7),
    )));
    let result = client.call_tool(params).await.expect("call");
    assert_eq!(result.is_error, Some(false));
    // Notifications are delivered before the response on the same connection.
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    assert_eq!(
        *recorder.0.lock().expect("lock"),
        vec![
            "progress 1 Some(2.0) Some(\"half\")".to_owned(),
            "log Warning Some(\"work\") {\"note\":\"shown\"}".to_owned(),
        ]
    );
}
