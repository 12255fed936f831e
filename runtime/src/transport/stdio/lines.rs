//! Newline-delimited JSON-RPC on a pipe, answering every line that is no message.
//!
//! In place of rmcp's `AsyncRwTransport`, which drops a line that is not JSON without an
//! answer, answers one that is JSON but no message with -32600 and no id, and drops a
//! line over its size limit unanswered: a client waiting on that request's id then waits
//! until its own timeout. Here:
//!
//! - a line that is no message is answered as JSON-RPC 2.0 asks, -32700 or -32600 with
//!   the request's id when it can be read ([`crate::protocol::malformed`], as on HTTP);
//!   a malformed notification is not answered, as JSON-RPC asks;
//! - a line over the limit is answered with -32600 as soon as the limit is passed (with
//!   the id when it comes before the large value), and the rest of it is skipped;
//! - the newline is searched with the C library's `memchr` (through std's
//!   `BufRead::skip_until`), in 64 KiB reads. rmcp searches byte by byte in an iterator
//!   that a debug build leaves unoptimized, in 8 KiB reads: about 200 MB/s, so a call
//!   behind a few hundred MiB of oversized lines waits seconds for its turn;
//! - a notification or a response before the first request that opens the lifecycle
//!   (an `initialize`, or a request with the 2026-07-28 `_meta`) is dropped: rmcp ends
//!   the connection on one, and none means anything before then.

use std::{collections::HashMap, io, sync::Arc};

use rmcp::{
    RoleServer,
    model::{
        ClientNotification, ClientRequest, GetExtensions as _, GetMeta, Implementation,
        JsonRpcMessage, ProtocolVersion, RequestId,
    },
    service::{RxJsonRpcMessage, TxJsonRpcMessage},
    transport::Transport,
};
use serde_json::{Value, json};
use tokio::{
    io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader},
    sync::Mutex,
    task::JoinHandle,
};

use crate::{
    observe::record::{Outcome, Record, Recording, Transport as Over},
    protocol::malformed::{self, Framing},
};

/// The largest line read as a message: rmcp's limit, so that what passed before passes.
pub(crate) const MAX_LINE_BYTES: usize = rmcp::transport::async_rw::DEFAULT_MAX_LINE_LENGTH;

/// Reads from the pipe: its default capacity on Linux.
const READ_BUFFER_BYTES: usize = 64 * 1024;

/// How much of an oversized line is kept to read its id from.
const HEAD_BYTES: usize = 4096;

/// A transport of one JSON-RPC message per line (see the module docs).
pub(crate) struct Lines<R, W> {
    read: BufReader<R>,
    /// The line read so far. It outlives a cancelled `receive` (rmcp polls `receive`
    /// in a `select!`): the next call goes on with it.
    line: Vec<u8>,
    max_line: usize,
    /// The rest of an oversized line is being skipped, up to its newline.
    skipping: bool,
    out: Arc<Mutex<Out<W>>>,
    /// The answer to the last bad line, written by a task of its own so that a
    /// cancelled `receive` never cuts a line short; reading waits for it, so a client
    /// that does not read its answers is not answered faster than it reads.
    answering: Option<JoinHandle<()>>,
    /// A request that opens the lifecycle has been read (see the module docs).
    opened: bool,
    /// The records of requests read and not yet answered, by id: each opened when its
    /// line is read, finished when its answer is written.
    open: HashMap<RequestId, Recording>,
    /// The revision and client `initialize` named, for the requests after it.
    protocol: Option<ProtocolVersion>,
    client: Option<Implementation>,
    /// The gate and the token, when auth is on.
    gate: Option<Arc<super::authorize::StdioGate>>,
    /// A request waiting for the gate's decision. Kept here, not in `receive`'s
    /// future, so that a cancelled `receive` loses nothing: the next one goes on with it.
    admitting: Option<futures::future::BoxFuture<'static, Admitted>>,
}

/// A request and the gate's decision on it.
type Admitted = (
    RxJsonRpcMessage<RoleServer>,
    Result<Option<Arc<crate::Principal>>, crate::auth::refusal::Refusal>,
);

struct Out<W> {
    /// `None` once closed.
    write: Option<W>,
    /// Kept between messages: one allocation for the life of the connection.
    buffer: Vec<u8>,
}

impl<W: AsyncWrite + Unpin> Out<W> {
    /// Writes `message` and a newline; how many bytes that took.
    async fn write_line(&mut self, message: &impl serde::Serialize) -> io::Result<usize> {
        let Some(write) = &mut self.write else {
            return Err(io::Error::new(
                io::ErrorKind::NotConnected,
                "the stdio transport is closed",
            ));
        };
        self.buffer.clear();
        serde_json::to_writer(&mut self.buffer, message)?;
        self.buffer.push(b'\n');
        write.write_all(&self.buffer).await?;
        write.flush().await?;
        Ok(self.buffer.len())
    }

    /// Writes an answer and finishes the record of the request it answers.
    async fn answer(
        &mut self,
        message: &impl serde::Serialize,
        code: Option<i32>,
        record: Option<Recording>,
    ) -> io::Result<()> {
        let written = self.write_line(message).await;
        if let Some(record) = record {
            record.finish(|r| {
                r.error_code = code;
                match &written {
                    Ok(bytes) => r.response_bytes = Some(*bytes as u64),
                    Err(error) => {
                        r.detail
                            .get_or_insert_with(|| format!("the answer was not written: {error}"));
                    }
                }
            });
        }
        written.map(drop)
    }
}

/// What [`Lines::read_line`] found.
enum LineRead {
    /// A whole line is in `line`.
    Line,
    /// A line over the limit, with the id read from its head.
    Oversized(Value),
    End,
    Failed(io::Error),
}

impl<R, W> Lines<R, W>
where
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
{
    pub(crate) fn new(read: R, write: W) -> Self {
        Self::with_max_line(read, write, MAX_LINE_BYTES)
    }

    pub(crate) fn with_max_line(read: R, write: W, max_line: usize) -> Self {
        Self {
            read: BufReader::with_capacity(READ_BUFFER_BYTES, read),
            line: Vec::new(),
            max_line,
            skipping: false,
            out: Arc::new(Mutex::new(Out {
                write: Some(write),
                buffer: Vec::new(),
            })),
            answering: None,
            opened: false,
            open: HashMap::new(),
            protocol: None,
            client: None,
            gate: None,
            admitting: None,
        }
    }

    /// Checks every request with the gate of `gate` before passing it on.
    pub(crate) fn with_gate(mut self, gate: Option<super::authorize::StdioGate>) -> Self {
        self.gate = gate.map(Arc::new);
        self
    }

    /// Passes `message` on at once when auth is off; else asks the gate about it (see
    /// [`Self::admitted`]).
    async fn admit(
        &mut self,
        message: RxJsonRpcMessage<RoleServer>,
    ) -> Option<RxJsonRpcMessage<RoleServer>> {
        let Some(gate) = &self.gate else {
            return Some(message);
        };
        let gate = Arc::clone(gate);
        self.admitting = Some(Box::pin(async move {
            let JsonRpcMessage::Request(request) = &message else {
                return (message, Ok(None));
            };
            let Some(recording) = request.request.extensions().get::<Recording>().cloned() else {
                return (message, Ok(None));
            };
            let via = crate::auth::refusal::Via::Stdio {
                variable: &gate.variable,
            };
            let decision =
                crate::auth::admit(&gate.registry, gate.credential(), via, &recording).await;
            (message, decision)
        }));
        self.admitted().await
    }

    /// The gate's decision on the request in [`Self::admitting`]: the request to pass
    /// on, with its principal, or `None` when it is refused (and answered here).
    async fn admitted(&mut self) -> Option<RxJsonRpcMessage<RoleServer>> {
        let admitting = self.admitting.as_mut()?;
        let (mut message, decision) = admitting.await;
        self.admitting = None;
        let JsonRpcMessage::Request(request) = &mut message else {
            return Some(message);
        };
        match decision {
            Ok(Some(principal)) => {
                request.request.extensions_mut().insert(principal);
                Some(message)
            }
            Ok(None) => Some(message),
            Err(refusal) => {
                let id = request.id.clone();
                let answer = json!({
                    "jsonrpc": "2.0",
                    "id": id,
                    "error": {"code": refusal.code, "message": refusal.message, "data": refusal.data},
                });
                let record = self.open.remove(&id);
                let out = Arc::clone(&self.out);
                self.answering = Some(tokio::spawn(async move {
                    let written = out
                        .lock()
                        .await
                        .answer(&answer, Some(refusal.code), record)
                        .await;
                    if let Err(error) = written {
                        tracing::debug!(%error, "could not answer a refused stdio request");
                    }
                }));
                None
            }
        }
    }

    /// Reads up to the end of the next line, within the limit. Cancel-safe: state
    /// changes only between awaits (`fill_buf` consumes nothing until `consume`).
    async fn read_line(&mut self) -> LineRead {
        loop {
            let available = match self.read.fill_buf().await {
                Ok(available) => available,
                Err(error) => return LineRead::Failed(error),
            };
            if available.is_empty() {
                // A last line without its newline is still a message.
                if self.line.is_empty() || self.skipping {
                    return LineRead::End;
                }
                return LineRead::Line;
            }
            let newline = find_newline(available);
            let take = newline.map_or(available.len(), |at| at + 1);
            if self.skipping {
                self.skipping = newline.is_none();
                self.read.consume(take);
                continue;
            }
            let content = newline.unwrap_or(available.len());
            if self.line.len() + content > self.max_line {
                let missing = HEAD_BYTES.saturating_sub(self.line.len());
                self.line
                    .extend_from_slice(&available[..missing.min(available.len())]);
                let id = malformed::id_in_head(&self.line[..self.line.len().min(HEAD_BYTES)]);
                // Not kept at the size of the line that did not fit.
                self.line = Vec::new();
                self.skipping = newline.is_none();
                self.read.consume(take);
                return LineRead::Oversized(id);
            }
            self.line.extend_from_slice(&available[..take]);
            self.read.consume(take);
            if newline.is_some() {
                return LineRead::Line;
            }
        }
    }

    /// Writes `answer` to a line that is no request from a task of its own (see
    /// [`Lines::answering`]), and records that line as a refused request.
    fn answer(&mut self, answer: Value, bytes: usize, detail: String) {
        let mut record = Record::new(Over::Stdio);
        record.request_bytes = Some(bytes as u64);
        record.outcome = Some(Outcome::ProtocolError);
        record.detail = Some(detail);
        let record = Recording::open(record);
        let code = answer["error"]["code"]
            .as_i64()
            .and_then(|c| i32::try_from(c).ok());
        let out = Arc::clone(&self.out);
        self.answering = Some(tokio::spawn(async move {
            let written = out.lock().await.answer(&answer, code, Some(record)).await;
            if let Err(error) = written {
                tracing::debug!(%error, "could not answer a malformed stdio line");
            }
        }));
    }

    /// Opens the record of a request (in its extensions, where the pipeline finds it);
    /// a cancellation lets go of the record of the request it cancels.
    fn open_record(&mut self, message: &mut RxJsonRpcMessage<RoleServer>, bytes: usize) {
        match message {
            JsonRpcMessage::Request(request) => {
                let mut record = Record::new(Over::Stdio);
                record.request_bytes = Some(bytes as u64);
                record.request_id = Some(request.id.clone());
                record.identify(&request.request);
                self.name_client(&request.request, &mut record);
                let recording = Recording::open(record);
                request.request.extensions_mut().insert(recording.clone());
                self.open.insert(request.id.clone(), recording);
            }
            JsonRpcMessage::Notification(notification) => {
                if let ClientNotification::CancelledNotification(cancelled) =
                    &notification.notification
                    && let Some(id) = &cancelled.params.request_id
                {
                    // Its answer will not be sent; the record ends with its last holder.
                    self.open.remove(id);
                }
            }
            JsonRpcMessage::Response(_) | JsonRpcMessage::Error(_) => {}
        }
    }

    /// The revision and client of a request: its own `_meta`'s (2026-07-28), else those
    /// of the connection's `initialize`.
    fn name_client(&mut self, request: &ClientRequest, record: &mut Record) {
        if let ClientRequest::InitializeRequest(initialize) = request {
            self.protocol = Some(initialize.params.protocol_version.clone());
            self.client = Some(initialize.params.client_info.clone());
        }
        let meta = request.get_meta();
        crate::observe::traces::read_meta(record, meta);
        let protocol = meta.protocol_version().or_else(|| self.protocol.clone());
        record.protocol = protocol.map(|p| p.as_str().to_owned());
        if let Some(client) = meta.client_info().or_else(|| self.client.clone()) {
            record.client(client);
        }
    }

    fn too_long(&self, id: Value) -> Value {
        let limit = self.max_line;
        json!({
            "jsonrpc": "2.0",
            "id": id,
            "error": {
                "code": -32600,
                "message": format!(
                    "Invalid Request: this message is larger than the server's limit of {limit} \
                     bytes for one line on stdin, and was not read. Send smaller arguments: \
                     split the work into several calls, or pass a reference (a path, a URL) \
                     instead of the content. If the message was small, check that the client \
                     ends every message with a newline."
                ),
                "data": {"limit_bytes": limit},
            },
        })
    }
}

/// Whether rmcp starts serving with `request` (rather than answering it and waiting for
/// the request that does).
fn opens_lifecycle(request: &ClientRequest) -> bool {
    match request {
        ClientRequest::InitializeRequest(_) => true,
        ClientRequest::PingRequest(_) | ClientRequest::DiscoverRequest(_) => false,
        request => {
            let meta = request.get_meta();
            meta.protocol_version().is_some()
                && meta
                    .missing_required_keys(&ProtocolVersion::V_2026_07_28)
                    .is_empty()
        }
    }
}

/// Where the first newline of `bytes` is. std's `BufRead::skip_until` finds it with the
/// C library's `memchr`, fast in a debug build too.
fn find_newline(bytes: &[u8]) -> Option<usize> {
    let mut rest = bytes;
    let skipped = io::BufRead::skip_until(&mut rest, b'\n').unwrap_or(0);
    (skipped > 0 && bytes[skipped - 1] == b'\n').then(|| skipped - 1)
}

/// The message of a line: without its line ending and a UTF-8 byte order mark.
fn message_bytes(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line)
}

impl<R, W> Transport<RoleServer> for Lines<R, W>
where
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
{
    type Error = io::Error;

    fn send(
        &mut self,
        item: TxJsonRpcMessage<RoleServer>,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static {
        let (id, code) = match &item {
            JsonRpcMessage::Response(response) => (Some(&response.id), None),
            JsonRpcMessage::Error(error) => (error.id.as_ref(), Some(error.error.code.0)),
            JsonRpcMessage::Request(_) | JsonRpcMessage::Notification(_) => (None, None),
        };
        let record = id.and_then(|id| self.open.remove(id));
        let out = Arc::clone(&self.out);
        async move { out.lock().await.answer(&item, code, record).await }
    }

    // Cancel-safe, as rmcp needs: see `read_line` and `answering`.
    async fn receive(&mut self) -> Option<RxJsonRpcMessage<RoleServer>> {
        loop {
            if let Some(answering) = &mut self.answering {
                // An error here is the task's panic, already reported.
                let _ = answering.await;
                self.answering = None;
            }
            if self.admitting.is_some() {
                match self.admitted().await {
                    Some(message) => return Some(message),
                    None => continue,
                }
            }
            match self.read_line().await {
                LineRead::Line => {}
                LineRead::Oversized(id) => {
                    tracing::warn!(
                        limit_bytes = self.max_line,
                        "answered a stdio message over the size limit with an error"
                    );
                    let answer = self.too_long(id);
                    let detail = format!("a line over {} bytes", self.max_line);
                    self.answer(answer, self.max_line, detail);
                    continue;
                }
                LineRead::End => return None,
                LineRead::Failed(error) => {
                    tracing::error!(%error, "could not read stdin");
                    return None;
                }
            }
            let bytes = message_bytes(&self.line);
            if bytes.iter().all(u8::is_ascii_whitespace) {
                self.line.clear();
                continue;
            }
            let read = malformed::read(bytes, Framing::Line);
            let size = self.line.len();
            self.line.clear();
            match read {
                Ok(JsonRpcMessage::Request(request)) if !self.opened => {
                    self.opened = opens_lifecycle(&request.request);
                    let mut message = JsonRpcMessage::Request(request);
                    self.open_record(&mut message, size);
                    match self.admit(message).await {
                        Some(message) => return Some(message),
                        None => continue,
                    }
                }
                Ok(message) if !self.opened => {
                    tracing::debug!(
                        message = ?message,
                        "dropped a notification or response sent before initialize"
                    );
                }
                Ok(mut message) => {
                    self.open_record(&mut message, size);
                    if matches!(message, JsonRpcMessage::Request(_)) {
                        match self.admit(message).await {
                            Some(message) => return Some(message),
                            None => continue,
                        }
                    }
                    return Some(message);
                }
                Err(why) if why.notification => {
                    tracing::debug!(reason = %why.message, "ignored a malformed notification");
                }
                Err(why) => {
                    let detail = why.message.clone();
                    self.answer(why.to_response(), size, detail);
                }
            }
        }
    }

    async fn close(&mut self) -> Result<(), Self::Error> {
        let mut out = self.out.lock().await;
        match out.write.take() {
            Some(mut write) => write.shutdown().await,
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, DuplexStream};

    /// A transport on in-memory pipes: the client's writer and the answers' reader.
    fn transport(
        max_line: usize,
    ) -> (
        Lines<DuplexStream, DuplexStream>,
        DuplexStream,
        tokio::io::Lines<BufReader<DuplexStream>>,
    ) {
        let (client_in, server_in) = tokio::io::duplex(1 << 20);
        let (server_out, client_out) = tokio::io::duplex(1 << 20);
        (
            Lines::with_max_line(server_in, server_out, max_line),
            client_in,
            BufReader::new(client_out).lines(),
        )
    }

    async fn answer(answers: &mut tokio::io::Lines<BufReader<DuplexStream>>) -> Value {
        let line = tokio::time::timeout(std::time::Duration::from_secs(5), answers.next_line())
            .await
            .expect("an answer in time")
            .expect("readable")
            .expect("a line");
        serde_json::from_str(&line).expect("JSON")
    }

    fn request_id(message: Option<RxJsonRpcMessage<RoleServer>>) -> String {
        match message {
            Some(JsonRpcMessage::Request(request)) => request.id.to_string(),
            other => panic!("not a request: {other:?}"),
        }
    }

    #[tokio::test]
    async fn bad_lines_are_answered_and_the_next_message_is_read() {
        let (mut lines, mut client, mut answers) = transport(1024);
        client
            .write_all(
                b"not json\n\
                  {\"jsonrpc\": \"2.0\", \"id\": 7, \"method\": 5}\r\n\
                  \n\
                  {\"jsonrpc\": \"2.0\", \"method\": \"notifications/cancelled\", \"params\": 5}\n\
                  \xEF\xBB\xBF{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": \"ping\"}\n",
            )
            .await
            .expect("written");
        assert_eq!(request_id(lines.receive().await), "1");
        let parse = answer(&mut answers).await;
        assert_eq!(
            (&parse["id"], &parse["error"]["code"]),
            (&Value::Null, &json!(-32700))
        );
        let invalid = answer(&mut answers).await;
        assert_eq!(
            (&invalid["id"], &invalid["error"]["code"]),
            (&json!(7), &json!(-32600))
        );
        // The notification got no answer: the stream ends with the client.
        drop(client);
        assert!(lines.receive().await.is_none());
        drop(lines);
        assert!(answers.next_line().await.expect("readable").is_none());
    }

    #[tokio::test]
    async fn an_oversized_line_is_answered_with_its_id_and_skipped() {
        let (mut lines, mut client, mut answers) = transport(64);
        let big = format!(
            "{{\"jsonrpc\": \"2.0\", \"id\": \"big\", \"method\": \"ping\", \"params\": {{\"pad\": \"{}\"}}}}\n",
            "p".repeat(1000)
        );
        let writer = tokio::spawn(async move {
            client.write_all(big.as_bytes()).await.expect("written");
            client.write_all(&[b'x'; 200]).await.expect("written");
            client
                .write_all(b"\n{\"jsonrpc\": \"2.0\", \"id\": 2, \"method\": \"ping\"}")
                .await
                .expect("written");
            // The last line has no newline: it is read when the input ends.
        });
        assert_eq!(request_id(lines.receive().await), "2");
        writer.await.expect("the writer finished");
        for id in [json!("big"), Value::Null] {
            let answer = answer(&mut answers).await;
            assert_eq!(answer["id"], id, "{answer}");
            assert_eq!(answer["error"]["data"], json!({"limit_bytes": 64}));
        }
        assert!(lines.receive().await.is_none());
    }

    #[tokio::test]
    async fn a_line_at_the_limit_is_read() {
        let (mut lines, mut client, _answers) = transport(45);
        let ping = b"{\"jsonrpc\": \"2.0\", \"id\": 3, \"method\": \"ping\"}";
        assert_eq!(ping.len(), 45);
        client.write_all(ping).await.expect("written");
        client.write_all(b"\n").await.expect("written");
        assert_eq!(request_id(lines.receive().await), "3");
    }

    #[tokio::test]
    async fn a_cancelled_receive_loses_nothing() {
        let (mut lines, mut client, _answers) = transport(1024);
        let ping = b"{\"jsonrpc\": \"2.0\", \"id\": 4, \"method\": \"ping\"}\n";
        // Half a line, then `receive` is dropped while it waits for the rest.
        client.write_all(&ping[..20]).await.expect("written");
        let waited =
            tokio::time::timeout(std::time::Duration::from_millis(20), lines.receive()).await;
        assert!(waited.is_err(), "nothing whole to read yet");
        client.write_all(&ping[20..]).await.expect("written");
        assert_eq!(request_id(lines.receive().await), "4");
    }

    #[tokio::test]
    async fn notifications_before_the_lifecycle_opens_are_dropped() {
        let (mut lines, mut client, _answers) = transport(1024);
        client
            .write_all(
                b"{\"jsonrpc\": \"2.0\", \"method\": \"notifications/initialized\"}\n\
                  {\"jsonrpc\": \"2.0\", \"id\": 9, \"result\": {}}\n\
                  {\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": \"ping\"}\n\
                  {\"jsonrpc\": \"2.0\", \"method\": \"notifications/initialized\"}\n\
                  {\"jsonrpc\": \"2.0\", \"id\": 2, \"method\": \"initialize\", \"params\": \
                   {\"protocolVersion\": \"2025-11-25\", \"capabilities\": {}, \
                    \"clientInfo\": {\"name\": \"c\", \"version\": \"1\"}}}\n\
                  {\"jsonrpc\": \"2.0\", \"method\": \"notifications/initialized\"}\n",
            )
            .await
            .expect("written");
        assert_eq!(request_id(lines.receive().await), "1");
        assert_eq!(request_id(lines.receive().await), "2");
        assert!(matches!(
            lines.receive().await,
            Some(JsonRpcMessage::Notification(_))
        ));
    }

    #[test]
    fn newlines_are_found() {
        assert_eq!(find_newline(b"ab\ncd\n"), Some(2));
        assert_eq!(find_newline(b"\n"), Some(0));
        assert_eq!(find_newline(b"abc"), None);
        assert_eq!(find_newline(b""), None);
    }
}
