//! hyper's own answers to a request it cannot parse, given a JSON-RPC body.
//!
//! hyper answers a request head it cannot parse before any service runs: 400 for a
//! malformed request line or header (a NUL byte in a value), 431 for more than 100
//! header fields or a head over about 400 KB, 414 for a request target over 64 KiB.
//! The answer has an empty body and the connection closes. hyper has no hook to change
//! that answer, and raising its limits would only move them (a NUL byte can never
//! pass), so the connection itself is wrapped ([`Wire`]): when what hyper writes is
//! one such answer, a JSON-RPC error goes out in its place, saying what was wrong in
//! the head the client sent (the first [`HEAD_BYTES`] of it are kept for that) and what
//! to check. hyper's answer is recognised exactly: a 4xx head with only
//! `connection: close`, `content-length: 0` and `date`; every answer of the server's
//! own has a JSON body.

use std::{
    io,
    net::SocketAddr,
    pin::Pin,
    task::{Context, Poll, ready},
};

use http::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// How much of each request head is kept to say what was wrong with it.
const HEAD_BYTES: usize = 8 * 1024;

/// hyper's limits, which `axum::serve` keeps at their defaults.
const MAX_HEADERS: usize = 100;
const MAX_HEAD_BYTES: usize = 8192 + 4096 * 100;
const MAX_TARGET_BYTES: usize = u16::MAX as usize - 1;

/// A TCP listener whose connections are [`Wire`]s.
#[derive(Debug)]
pub(super) struct WireListener(pub(super) TcpListener);

impl axum::serve::Listener for WireListener {
    type Io = Wire<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (io, addr) = axum::serve::Listener::accept(&mut self.0).await;
        (Wire::new(io), addr)
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.0.local_addr()
    }
}

/// A connection that puts a JSON-RPC body on hyper's answers to unparsable requests
/// (see the module docs).
#[derive(Debug)]
pub(super) struct Wire<T> {
    io: T,
    /// What the client sent since the server last wrote, up to [`HEAD_BYTES`]: the
    /// head of the request being read.
    head: Vec<u8>,
    /// The answer written in place of hyper's, and how much of it is out.
    replacing: Option<(Vec<u8>, usize)>,
}

impl<T> Wire<T> {
    fn new(io: T) -> Self {
        Self {
            io,
            head: Vec::new(),
            replacing: None,
        }
    }

    pub(super) fn get_mut(&mut self) -> &mut T {
        &mut self.io
    }
}

impl<T: AsyncWrite + Unpin> Wire<T> {
    /// Writes what is left of the replacing answer.
    fn poll_replacing(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while let Some((answer, written)) = &mut self.replacing {
            if *written == answer.len() {
                self.replacing = None;
                break;
            }
            let n = ready!(Pin::new(&mut self.io).poll_write(cx, &answer[*written..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            *written += n;
        }
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Wire<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        ready!(Pin::new(&mut this.io).poll_read(cx, buf))?;
        let room = HEAD_BYTES.saturating_sub(this.head.len());
        let read = &buf.filled()[before..];
        this.head.extend_from_slice(&read[..read.len().min(room)]);
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Wire<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.replacing.is_none() {
            let Some(status) = automatic_answer(buf) else {
                // An answer of the server's own: what is read next is the next request.
                this.head.clear();
                return Pin::new(&mut this.io).poll_write(cx, buf);
            };
            let answer = replacement(status, buf, &this.head);
            tracing::debug!(
                status = status.as_u16(),
                "answered an unparsable request head"
            );
            this.replacing = Some((answer, 0));
        }
        ready!(this.poll_replacing(cx))?;
        // hyper's answer counts as written: ours took its place.
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let mut written = bufs.iter().filter(|b| !b.is_empty());
        if let (Some(only), None) = (written.next(), written.next())
            && (self.replacing.is_some() || automatic_answer(only).is_some())
        {
            return self.poll_write(cx, only);
        }
        let this = self.get_mut();
        this.head.clear();
        Pin::new(&mut this.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_replacing(cx))?;
        Pin::new(&mut this.io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_replacing(cx))?;
        Pin::new(&mut this.io).poll_shutdown(cx)
    }
}

/// The status of `bytes` if they are one of hyper's answers to an unparsable request:
/// a 4xx head with `connection: close`, `content-length: 0` and at most a `date`.
fn automatic_answer(bytes: &[u8]) -> Option<StatusCode> {
    if bytes.len() > 256 {
        return None;
    }
    let head = std::str::from_utf8(bytes).ok()?.strip_suffix("\r\n\r\n")?;
    let mut lines = head.split("\r\n");
    let status = lines.next()?;
    let status = status
        .strip_prefix("HTTP/1.1 ")
        .or_else(|| status.strip_prefix("HTTP/1.0 "))?;
    let status = StatusCode::from_bytes(status.get(..3)?.as_bytes()).ok()?;
    if !status.is_client_error() {
        return None;
    }
    let (mut close, mut empty) = (false, false);
    for line in lines {
        let (name, value) = line.split_once(':')?;
        let value = value.trim();
        match name.to_ascii_lowercase().as_str() {
            "connection" => close = value.eq_ignore_ascii_case("close"),
            "content-length" => empty = value == "0",
            "date" => {}
            _ => return None,
        }
    }
    (close && empty).then_some(status)
}

/// The answer to write instead of hyper's `original`, for a request that began with
/// `head`.
fn replacement(status: StatusCode, original: &[u8], head: &[u8]) -> Vec<u8> {
    let (message, data) = diagnose(status, head);
    let body = json!({
        "jsonrpc": "2.0",
        "id": null,
        "error": {"code": -32600, "message": message, "data": data},
    })
    .to_string();
    let date = String::from_utf8_lossy(original)
        .split("\r\n")
        .find(|line| line.to_ascii_lowercase().starts_with("date:"))
        .map(|line| format!("{line}\r\n"))
        .unwrap_or_default();
    format!(
        "HTTP/1.1 {} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n{date}\r\n{body}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("Client Error"),
        body.len(),
    )
    .into_bytes()
}

/// What was wrong with a request that began with `head` (its first [`HEAD_BYTES`]),
/// given hyper's status for it: the message and its data.
fn diagnose(status: StatusCode, head: &[u8]) -> (String, Value) {
    let text = String::from_utf8_lossy(head);
    // The head ends at the first empty line; without one, it is longer than was kept.
    let (lines, whole) = match text.find("\r\n\r\n").or_else(|| text.find("\n\n")) {
        Some(end) => (&text[..end], true),
        None => (&text[..], false),
    };
    let mut lines = lines.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let request_line = lines.next().unwrap_or_default();
    let headers: Vec<&str> = lines.collect();
    match status {
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => too_many_headers(headers.len(), whole),
        StatusCode::URI_TOO_LONG => (
            format!(
                "URI Too Long: the request target (path and query) is over {MAX_TARGET_BYTES} \
                 bytes. Send JSON-RPC messages in the body of a POST to the MCP endpoint, and \
                 keep the URL to its path."
            ),
            json!({"max_target_bytes": MAX_TARGET_BYTES}),
        ),
        _ => bad_head(request_line, &headers),
    }
}

fn too_many_headers(count: usize, whole: bool) -> (String, Value) {
    let what = if whole && count > MAX_HEADERS {
        format!("the request has {count} header fields; this server reads at most {MAX_HEADERS}")
    } else {
        format!(
            "the request's headers are larger than this server reads (at most {MAX_HEADERS} \
             header fields and {MAX_HEAD_BYTES} bytes of request line and headers)"
        )
    };
    let data = if whole {
        json!({"headers": count, "max_headers": MAX_HEADERS})
    } else {
        json!({"max_headers": MAX_HEADERS, "max_head_bytes": MAX_HEAD_BYTES})
    };
    (
        format!(
            "Request Header Fields Too Large: {what}. Send fewer and smaller headers: look \
             first for a header that a client or proxy repeats, and for large cookies or \
             tokens."
        ),
        data,
    )
}

/// Why hyper could not parse a head (400): the first fault found, or what to check.
fn bad_head(request_line: &str, headers: &[&str]) -> (String, Value) {
    const CHECK: &str = "Each header line must be `Name: value`, its value without \
        control characters, and lines end with CRLF.";
    let parts: Vec<&str> = request_line.split(' ').collect();
    let line_ok = matches!(parts.as_slice(), [method, target, version]
        if !method.is_empty() && method.bytes().all(is_token)
            && !target.is_empty() && !target.bytes().any(|b| b.is_ascii_control())
            && matches!(*version, "HTTP/1.1" | "HTTP/1.0"));
    if !line_ok {
        // Its start is enough to see what is wrong.
        let shown: String = request_line.chars().take(200).collect();
        return (
            format!(
                "Bad Request: the request line `{}` is not `METHOD /path HTTP/1.1` (a method \
                 of letters, one space before and after the path, no control characters). \
                 Send MCP messages as `POST /mcp HTTP/1.1`, with the server's MCP endpoint \
                 as the path.",
                shown.escape_debug()
            ),
            json!({"request_line": shown}),
        );
    }
    let mut lengths = Vec::new();
    for line in headers {
        let Some((name, value)) = line.split_once(':') else {
            return (
                format!(
                    "Bad Request: the header line `{}` has no colon. {CHECK}",
                    line.escape_debug()
                ),
                json!({"line": line}),
            );
        };
        if name.is_empty() || !name.bytes().all(is_token) {
            return (
                format!(
                    "Bad Request: the header name `{}` holds a character a header name cannot \
                     have (a space, a control character or one of `()<>@,;:\\\"/[]?={{}}`). {CHECK}",
                    name.escape_debug()
                ),
                json!({"header": name}),
            );
        }
        if let Some(byte) = value
            .bytes()
            .find(|&b| (b.is_ascii_control() && b != b'\t') || b == 0x7f)
        {
            return (
                format!(
                    "Bad Request: the value of the header `{name}` holds {}; header values \
                     cannot hold control characters. Check how the client builds this header \
                     (a string with a NUL terminator, or a value that was not escaped).",
                    byte_name(byte)
                ),
                json!({"header": name, "byte": byte}),
            );
        }
        if name.eq_ignore_ascii_case("content-length") {
            lengths.push(value.trim());
        }
    }
    if lengths
        .iter()
        .any(|v| v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()))
        || lengths.windows(2).any(|w| w[0] != w[1])
    {
        return (
            format!(
                "Bad Request: the Content-Length header ({}) is not one number of bytes. Send \
                 it once, with the body's length in bytes, or send the body chunked.",
                lengths.join(", ")
            ),
            json!({"content_length": lengths}),
        );
    }
    (
        format!(
            "Bad Request: the request head could not be parsed as HTTP/1.1. Check the request \
             line (`POST /path HTTP/1.1`) and the headers. {CHECK}"
        ),
        json!({}),
    )
}

/// A character of an HTTP token (a method, a header name).
fn is_token(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn byte_name(byte: u8) -> String {
    match byte {
        0 => "a NUL byte (0x00)".to_owned(),
        b'\r' => "a carriage return (0x0D) inside the line".to_owned(),
        0x7f => "a DEL byte (0x7F)".to_owned(),
        _ => format!("the control character 0x{byte:02X}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// hyper 1.x's answer to a request head it cannot parse, as it writes it.
    const HYPER_431: &[u8] = b"HTTP/1.1 431 Request Header Fields Too Large\r\nconnection: close\r\ncontent-length: 0\r\ndate: Mon, 07 Dec 2026 17:03:35 GMT\r\n\r\n";

    #[test]
    fn only_hypers_own_answers_are_recognised() {
        assert_eq!(
            automatic_answer(HYPER_431),
            Some(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE)
        );
        let with_type = b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\nconnection: close\r\ncontent-length: 0\r\n\r\n";
        let kept_alive = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n";
        let ok = b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 0\r\n\r\n";
        for bytes in [&with_type[..], kept_alive, ok, b"HTTP/1.1 400 Bad"] {
            assert_eq!(automatic_answer(bytes), None, "{}", bytes.escape_ascii());
        }
    }

    #[test]
    fn a_bad_head_is_explained() {
        let (message, data) = diagnose(
            StatusCode::BAD_REQUEST,
            b"POST /mcp HTTP/1.1\r\nHost: x\r\nX-Trace: a\x00b\r\n\r\n",
        );
        assert!(
            message.contains("`X-Trace`") && message.contains("NUL"),
            "{message}"
        );
        assert_eq!(data, json!({"header": "X-Trace", "byte": 0}));
        let cases: [(&[u8], Value); 4] = [
            (
                b"P\x00ST /mcp HTTP/1.1\r\n\r\n",
                json!({"request_line": "P\u{0}ST /mcp HTTP/1.1"}),
            ),
            (
                b"POST /mcp HTTP/1.1\r\nBad Name: x\r\n\r\n",
                json!({"header": "Bad Name"}),
            ),
            (
                b"POST /mcp HTTP/1.1\r\nno colon\r\n\r\n",
                json!({"line": "no colon"}),
            ),
            (
                b"POST /mcp HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
                json!({"content_length": ["1", "2"]}),
            ),
        ];
        for (head, expected) in cases {
            let (message, data) = diagnose(StatusCode::BAD_REQUEST, head);
            assert_eq!(data, expected, "{message}");
            assert!(message.starts_with("Bad Request: "), "{message}");
        }
        let (message, data) = diagnose(StatusCode::BAD_REQUEST, b"POST /mcp HTTP/1.1\r\n\r\n");
        assert!(message.contains("could not be parsed"), "{message}");
        assert_eq!(data, json!({}));
    }

    #[test]
    fn too_many_headers_are_counted() {
        let mut head = b"POST /mcp HTTP/1.1\r\n".to_vec();
        for i in 0..150 {
            head.extend_from_slice(format!("X-{i}: v\r\n").as_bytes());
        }
        head.extend_from_slice(b"\r\n");
        let (message, data) = diagnose(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE, &head);
        assert!(message.contains("150 header fields"), "{message}");
        assert_eq!(data, json!({"headers": 150, "max_headers": 100}));
        // A head longer than what was kept: the limits, not a count.
        let (message, data) = diagnose(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            &head[..head.len() - 2],
        );
        assert!(message.contains("at most 100 header fields"), "{message}");
        assert_eq!(data["max_head_bytes"], MAX_HEAD_BYTES);
    }

    /// The whole way: hyper (through `serve_http_on`) answers with a JSON body, and
    /// serves the next connection as usual.
    #[tokio::test]
    async fn hypers_answers_carry_json() {
        let server = crate::Server::builder(crate::ServerInfo::default())
            .build()
            .expect("an empty server builds");
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bound");
        let addr = listener.local_addr().expect("an address");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let serving = tokio::spawn(async move {
            server
                .serve_http_on(listener, crate::HttpOptions::default(), async {
                    let _ = stopped.await;
                })
                .await
        });
        let ask = |request: Vec<u8>| async move {
            let mut tcp = TcpStream::connect(addr).await.expect("connected");
            tcp.write_all(&request).await.expect("sent");
            let mut answer = Vec::new();
            tcp.read_to_end(&mut answer).await.expect("read");
            String::from_utf8(answer).expect("UTF-8")
        };
        let nul =
            ask(b"POST /mcp HTTP/1.1\r\nHost: localhost\r\nX-A: a\x00b\r\n\r\n".to_vec()).await;
        assert!(nul.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{nul}");
        assert!(nul.contains("content-type: application/json\r\n"), "{nul}");
        let body: Value =
            serde_json::from_str(nul.split("\r\n\r\n").nth(1).expect("a body")).expect("JSON");
        assert_eq!(body["error"]["data"], json!({"header": "X-A", "byte": 0}));

        let mut many = b"GET /mcp HTTP/1.1\r\nHost: localhost\r\n".to_vec();
        for i in 0..120 {
            many.extend_from_slice(format!("X-{i}: v\r\n").as_bytes());
        }
        many.extend_from_slice(b"Connection: close\r\n\r\n");
        let many = ask(many).await;
        assert!(many.starts_with("HTTP/1.1 431 "), "{many}");
        assert!(many.contains("122 header fields"), "{many}");

        let fine =
            ask(b"GET /other HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".to_vec())
                .await;
        assert!(fine.starts_with("HTTP/1.1 404 "), "{fine}");
        assert!(fine.contains("no MCP endpoint"), "{fine}");
        let _ = stop.send(());
        serving.await.expect("joined").expect("served");
    }
}
