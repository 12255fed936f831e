//! The one request every server answers, as a stdio line and as a POST of the stateless
//! 2026-07-28 HTTP wire, and the check of its answer.

use std::{
    io::{Read, Write},
    net::{TcpListener, TcpStream},
    time::Duration,
};

use anyhow::{Context, Result, anyhow, bail};
use serde_json::Value;

const META: &str = r#""_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"mcpgen-bench","version":"1"},"io.modelcontextprotocol/clientCapabilities":{}}"#;

/// The one request every server answers: the weather example's tool, three days.
pub(crate) fn request(id: u64) -> String {
    format!(
        r#"{{"jsonrpc":"2.0","id":{id},"method":"tools/call","params":{{"name":"get_forecast","arguments":{{"city":"Zurich","days":3}},{META}}}}}"#
    )
}

/// The HTTP headers of the stateless 2026-07-28 wire (besides Host and length).
pub(crate) const HEADERS: &[(&str, &str)] = &[
    ("Content-Type", "application/json"),
    ("Accept", "application/json, text/event-stream"),
    ("MCP-Protocol-Version", "2026-07-28"),
    ("Mcp-Method", "tools/call"),
    ("Mcp-Name", "get_forecast"),
];

pub(crate) fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// A POST of `body` to the MCP endpoint with the stateless wire's headers: kept alive
/// as wrk's, or with `extra` headers (`Connection: close`).
pub(crate) fn http_request(port: u16, body: &str, extra: &str) -> String {
    let mut request = format!(
        "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: {}\r\n{extra}",
        body.len()
    );
    for (name, value) in HEADERS {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    request
}

/// One POST with `Connection: close` and the `extra` header lines; returns the status
/// and body.
pub(crate) fn post_once(port: u16, body: &str, extra: &str) -> Result<(u16, Vec<u8>)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let extra = format!("Connection: close\r\n{extra}");
    stream.write_all(http_request(port, body, &extra).as_bytes())?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| anyhow!("malformed HTTP response"))?;
    let status = std::str::from_utf8(&response[..split])?
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| anyhow!("no HTTP status"))?;
    let body = response[split + 4..].to_vec();
    if status == 200 && std::str::from_utf8(&response[..split])?.contains("chunked") {
        bail!("chunked responses are not expected here");
    }
    Ok((status, body))
}

/// Checks one JSON-RPC response and returns its `structuredContent`.
pub(crate) fn checked_result(body: &[u8], what: &str) -> Result<Value> {
    let message: Value = serde_json::from_slice(body)
        .with_context(|| format!("{what}: the response is not JSON"))?;
    let result = message
        .get("result")
        .ok_or_else(|| anyhow!("{what}: no result in {message}"))?;
    if result.get("isError") != Some(&Value::Bool(false)) {
        bail!("{what}: not a successful result: {message}");
    }
    let structured = result
        .get("structuredContent")
        .cloned()
        .ok_or_else(|| anyhow!("{what}: no structuredContent"))?;
    let text = result
        .pointer("/content/0/text")
        .and_then(Value::as_str)
        .ok_or_else(|| anyhow!("{what}: no text block"))?;
    let rendered: Value = serde_json::from_str(text)
        .with_context(|| format!("{what}: the text block is not the JSON of the result"))?;
    if rendered != structured {
        bail!("{what}: the text block and structuredContent differ");
    }
    Ok(structured)
}
