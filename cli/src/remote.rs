//! Talking to a live MCP server as a client (rmcp's client side), for `lint --server`
//! and `import --server`: start it (stdio) or reach it (Streamable HTTP), read every page
//! of what it advertises, and stop it. Every step is under one deadline, so a server
//! that does not answer never hangs the command.

use std::collections::HashMap;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mcpgen_codegen::import::Listing;
use rmcp::model::ProtocolVersion;
use rmcp::service::{ClientLifecycleMode, ClientServiceExt, RoleClient, RunningService};
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::{StreamableHttpClientTransport, TokioChildProcess};
use serde_json::Value;
use tokio::io::AsyncBufReadExt;

/// How to reach the server: shared by `lint` and `import`.
#[derive(Debug, clap::Args)]
pub(crate) struct ServerArgs {
    /// Start a stdio server: `--server -- CMD ARGS...` (everything after `--`).
    #[arg(long, conflicts_with = "server_url")]
    server: bool,
    /// A Streamable HTTP server's endpoint, such as `http://127.0.0.1:8080/mcp`.
    #[arg(long, value_name = "URL")]
    server_url: Option<String>,
    /// An HTTP header sent with every request to `--server-url`, as `'NAME: VALUE'`
    /// (repeatable), such as `'Authorization: Bearer ...'`.
    #[arg(long = "header", value_name = "'NAME: VALUE'", requires = "server_url")]
    headers: Vec<String>,
    /// Give up when the server has not answered everything within this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    timeout: u64,
    /// The stdio server's command and arguments, after `--`.
    #[arg(last = true, value_name = "CMD")]
    command: Vec<String>,
}

impl ServerArgs {
    /// What the reports call the server: its URL or its command line.
    pub(crate) fn label(&self) -> String {
        self.server_url
            .clone()
            .unwrap_or_else(|| self.command.join(" "))
    }
}

type Client = RunningService<RoleClient, ()>;

/// Everything the server advertises. `read_resources`: also read each static
/// resource's text (for an import, which reproduces it).
pub(crate) fn read_listing(args: &ServerArgs, read_resources: bool) -> Result<Listing, String> {
    if !args.server && args.server_url.is_none() {
        return Err("say which server: `--server -- CMD ARGS...` starts a stdio server, `--server-url URL` reaches one over HTTP".to_owned());
    }
    if args.server && args.command.is_empty() {
        return Err("`--server` needs the server's command after `--`, such as `--server -- uvx mcp-server-time`".to_owned());
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let stderr = Arc::new(Mutex::new(Vec::<String>::new()));
    let timeout = Duration::from_secs(args.timeout.max(1));
    let result = runtime.block_on(async {
        let work = async {
            let client = connect(args, &stderr).await?;
            let listing = list(&client, read_resources).await;
            let _ = client.cancel().await;
            listing
        };
        match tokio::time::timeout(timeout, work).await {
            Ok(result) => result,
            Err(_) => Err(format!(
                "the server did not answer within {} s (`--timeout`); check that it serves MCP {}",
                args.timeout,
                if args.server {
                    "on its standard output (a server that prints logs there corrupts the stream)"
                } else {
                    "at that URL (the endpoint's path, such as `/mcp`, included)"
                }
            )),
        }
    });
    // The child is killed when its transport is dropped, with the runtime.
    drop(runtime);
    result.map_err(|message| with_stderr(message, &stderr))
}

/// rmcp's error text without the Rust type names it carries
/// (`Transport [rmcp::transport::...] error: ...`).
fn plain(error: impl std::fmt::Display) -> String {
    let mut text = error.to_string();
    while let Some(start) = text.find(" [rmcp::") {
        let Some(len) = text[start..].find("] ") else {
            break;
        };
        text.replace_range(start..start + len + 1, "");
    }
    text.replace("Send message error Transport error: ", "")
}

/// The error, followed by the last lines the server wrote to its standard error.
fn with_stderr(message: String, stderr: &Mutex<Vec<String>>) -> String {
    let lines = stderr.lock().map(|l| l.clone()).unwrap_or_default();
    if lines.is_empty() {
        return message;
    }
    let tail: Vec<&str> = lines
        .iter()
        .rev()
        .take(10)
        .rev()
        .map(String::as_str)
        .collect();
    format!(
        "{message}\n  the server's last lines on stderr:\n    {}",
        tail.join("\n    ")
    )
}

fn lifecycle() -> ClientLifecycleMode {
    // Either revision: 2026-07-28's `server/discover` first, `initialize` when the
    // server is older.
    ClientLifecycleMode::Auto {
        preferred_versions: vec![ProtocolVersion::V_2026_07_28],
        legacy_version: Some(ProtocolVersion::V_2025_11_25),
    }
}

async fn connect(args: &ServerArgs, stderr: &Arc<Mutex<Vec<String>>>) -> Result<Client, String> {
    if let Some(url) = &args.server_url {
        return connect_http(url, &args.headers).await;
    }
    let (program, rest) = args.command.split_first().ok_or("no command")?;
    let mut command = tokio::process::Command::new(program);
    command.args(rest);
    let (process, child_stderr) = TokioChildProcess::builder(command)
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            format!(
                "cannot start `{program}`: {e}; check the command after `--` and that it is on PATH"
            )
        })?;
    if let Some(child_stderr) = child_stderr {
        let sink = Arc::clone(stderr);
        tokio::spawn(async move {
            let mut lines = tokio::io::BufReader::new(child_stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                if let Ok(mut kept) = sink.lock() {
                    kept.push(line);
                    if kept.len() > 50 {
                        kept.remove(0);
                    }
                }
            }
        });
    }
    ().serve_with_lifecycle(process, lifecycle())
        .await
        .map_err(|e| format!("`{}` did not complete the MCP handshake: {}; check that the command starts an MCP server on stdio", args.command.join(" "), plain(e)))
}

async fn connect_http(url: &str, headers: &[String]) -> Result<Client, String> {
    // reqwest is built without a default TLS provider (aws-lc needs cmake): ring,
    // deprecated only for lacking post-quantum key exchange, as in the runtime.
    #[expect(
        deprecated,
        reason = "ring, until a pure-Rust post-quantum provider is usable"
    )]
    let provider = rustls::crypto::ring::default_provider();
    let _ = provider.install_default();
    let mut config = StreamableHttpClientTransportConfig::with_uri(url);
    let mut custom = HashMap::new();
    for header in headers {
        let (name, value) = header.split_once(':').ok_or_else(|| {
            format!("`--header {header}` is not `NAME: VALUE`; write it as `--header 'Authorization: Bearer TOKEN'`")
        })?;
        let value = value.trim();
        if name.trim().eq_ignore_ascii_case("authorization") {
            let token = value.strip_prefix("Bearer ").unwrap_or(value);
            config = config.auth_header(token);
            continue;
        }
        let name = http::HeaderName::try_from(name.trim())
            .map_err(|_| format!("`--header`: `{name}` is not an HTTP header name"))?;
        let value = http::HeaderValue::try_from(value).map_err(|_| {
            format!("`--header`: the value of `{name}` is not a valid header value")
        })?;
        custom.insert(name, value);
    }
    let transport = StreamableHttpClientTransport::from_config(config.custom_headers(custom));
    ().serve_with_lifecycle(transport, lifecycle())
        .await
        .map_err(|e| format!("{url} did not complete the MCP handshake: {}; check the URL (its path, such as `/mcp`, included) and any `--header` it needs", plain(e)))
}

async fn list(client: &Client, read_resources: bool) -> Result<Listing, String> {
    let info = client.peer_info();
    let caps = info
        .as_ref()
        .map(|i| i.capabilities.clone())
        .unwrap_or_default();
    let mut listing = Listing {
        server_info: info
            .as_ref()
            .and_then(|i| i.server_info.as_ref())
            .map(json)
            .unwrap_or(Value::Null),
        instructions: info.as_ref().and_then(|i| i.instructions.clone()),
        ..Listing::default()
    };
    let failed = |what: &str, e: rmcp::ServiceError| format!("`{what}` failed: {}", plain(e));
    if caps.tools.is_some() {
        let tools = client
            .list_all_tools()
            .await
            .map_err(|e| failed("tools/list", e))?;
        listing.tools = tools.iter().map(json).collect();
    }
    if caps.resources.is_some() {
        let resources = client
            .list_all_resources()
            .await
            .map_err(|e| failed("resources/list", e))?;
        for resource in &resources {
            let text = if read_resources {
                read_text(client, &resource.uri).await
            } else {
                None
            };
            listing.resources.push((json(resource), text));
        }
        let templates = client
            .list_all_resource_templates()
            .await
            .map_err(|e| failed("resources/templates/list", e))?;
        listing.templates = templates.iter().map(json).collect();
    }
    if caps.prompts.is_some() {
        let prompts = client
            .list_all_prompts()
            .await
            .map_err(|e| failed("prompts/list", e))?;
        listing.prompts = prompts.iter().map(json).collect();
    }
    Ok(listing)
}

/// A static resource's text, when it has one.
async fn read_text(client: &Client, uri: &str) -> Option<String> {
    let params = serde_json::from_value(serde_json::json!({ "uri": uri })).ok()?;
    let result = client.read_resource(params).await.ok()?;
    let result = serde_json::to_value(result).ok()?;
    result
        .get("contents")?
        .get(0)?
        .get("text")?
        .as_str()
        .map(str::to_owned)
}

/// Any rmcp model type as the JSON it is sent as.
fn json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}
