//! The benchmark's limit: no MCP SDK, no protocol handling beyond what answering one
//! `tools/call` needs. The body is parsed into typed structs (the same JSON-RPC
//! request the other servers get), the example forecast of `mcpgen new` is computed,
//! and the same result shape (`resultType`, a text block, `structuredContent`,
//! `isError`) is written back.
//!
//! ```text
//! bare_axum serve --stdio                   # one JSON-RPC message per line
//! bare_axum serve --http 127.0.0.1:8080     # POST /mcp
//! ```

use std::{
    io::{BufRead, Write},
    process::ExitCode,
};

use axum::{http::header, response::IntoResponse, serve::ListenerExt};
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Deserialize)]
struct Request {
    jsonrpc: String,
    id: Value,
    method: String,
    params: CallParams,
}

#[derive(Deserialize)]
struct CallParams {
    name: String,
    arguments: Input,
    #[serde(rename = "_meta", default)]
    _meta: Option<serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Input {
    city: String,
    #[serde(default = "default_days")]
    days: i64,
    #[serde(default)]
    units: Units,
}

fn default_days() -> i64 {
    3
}

#[derive(Clone, Copy, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Units {
    #[default]
    Metric,
    Imperial,
}

#[derive(Clone, Copy, Serialize)]
#[serde(rename_all = "lowercase")]
enum Sky {
    Clear,
    Cloudy,
}

#[derive(Serialize)]
struct Day {
    date: String,
    high: f64,
    low: f64,
    sky: Sky,
    precipitation_mm: f64,
}

#[derive(Serialize)]
struct Output {
    city: String,
    units: Units,
    days: Vec<Day>,
}

#[derive(Serialize)]
struct Text {
    #[serde(rename = "type")]
    kind: &'static str,
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CallResult {
    result_type: &'static str,
    content: [Text; 1],
    structured_content: Output,
    is_error: bool,
}

#[derive(Serialize)]
struct Response {
    jsonrpc: &'static str,
    id: Value,
    result: CallResult,
}

fn forecast(input: Input) -> Output {
    let seed = input.city.bytes().map(f64::from).sum::<f64>() % 15.0;
    let days = (0..input.days)
        .map(|day| {
            let celsius = 10.0 + seed + (day % 3) as f64;
            let (high, low) = match input.units {
                Units::Metric => (celsius, celsius - 8.0),
                Units::Imperial => (celsius * 1.8 + 32.0, (celsius - 8.0) * 1.8 + 32.0),
            };
            Day {
                date: format!("2026-07-{:02}", day + 1),
                high,
                low,
                sky: if day % 2 == 0 {
                    Sky::Clear
                } else {
                    Sky::Cloudy
                },
                precipitation_mm: 0.0,
            }
        })
        .collect();
    Output {
        city: input.city,
        units: input.units,
        days,
    }
}

/// The JSON-RPC response to one request body, or why there is none.
fn answer(body: &[u8]) -> Result<Vec<u8>, String> {
    let request: Request = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    if request.jsonrpc != "2.0" || request.method != "tools/call" {
        return Err("only JSON-RPC 2.0 tools/call".to_owned());
    }
    if request.params.name != "get_forecast" {
        return Err(format!("unknown tool {}", request.params.name));
    }
    let output = forecast(request.params.arguments);
    let text = serde_json::to_string(&output).map_err(|e| e.to_string())?;
    let response = Response {
        jsonrpc: "2.0",
        id: request.id,
        result: CallResult {
            result_type: "complete",
            content: [Text { kind: "text", text }],
            structured_content: output,
            is_error: false,
        },
    };
    serde_json::to_vec(&response).map_err(|e| e.to_string())
}

async fn mcp(body: Bytes) -> axum::response::Response {
    match answer(&body) {
        Ok(json) => ([(header::CONTENT_TYPE, "application/json")], json).into_response(),
        Err(message) => (axum::http::StatusCode::BAD_REQUEST, message).into_response(),
    }
}

async fn serve_http(addr: &str) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let router = axum::Router::new().route("/mcp", axum::routing::post(mcp));
    axum::serve(listener, router)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

/// One message per line; the output is flushed whenever no more input is buffered.
fn serve_stdio() -> anyhow::Result<()> {
    let mut input = std::io::BufReader::with_capacity(1 << 16, std::io::stdin().lock());
    let mut output = std::io::BufWriter::new(std::io::stdout().lock());
    let mut line = Vec::new();
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        match answer(&line) {
            Ok(json) => {
                output.write_all(&json)?;
                output.write_all(b"\n")?;
            }
            Err(message) => eprintln!("bare_axum: {message}"),
        }
        if input.buffer().is_empty() {
            output.flush()?;
        }
    }
    output.flush()?;
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["serve", "--stdio"] => serve_stdio(),
        ["serve", "--http", addr] => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(anyhow::Error::from)
            .and_then(|runtime| runtime.block_on(serve_http(addr))),
        _ => {
            eprintln!("usage: bare_axum serve --stdio | serve --http ADDR");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
