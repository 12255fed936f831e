//! MCP's stdio framing, one JSON-RPC message per line, with the record of every request:
//! opened when its line is read, finished when its answer is written.
//!
//! rmcp's `AsyncRwTransport` frames the same way; this one also counts each message's
//! bytes and sees the lines that carry no message. Its rules are rmcp's:
//!
//! - a trailing `\r` and a leading UTF-8 byte order mark are ignored, empty lines
//!   skipped, and a line over [`MAX_LINE_BYTES`] dropped;
//! - a line that is not JSON gets no answer (an answer to garbage can start an error
//!   storm with a peer that echoes it);
//! - JSON that is not a JSON-RPC message gets `-32600` with a null id, unless it has no
//!   `id` (a notification this server does not know, such as an LSP message): that is
//!   dropped.
//!
//! A line that is not a message is recorded as a `protocol_error` request, except a
//! dropped notification.

use std::{collections::HashMap, sync::Arc};

use rmcp::{
    RoleServer,
    model::{
        ClientNotification, ClientRequest, ErrorData, GetExtensions as _, GetMeta as _,
        Implementation, JsonRpcMessage, ProtocolVersion, RequestId,
    },
    service::{RxJsonRpcMessage, TxJsonRpcMessage},
    transport::Transport,
};
use tokio::io::{AsyncBufReadExt as _, AsyncRead, AsyncWrite, AsyncWriteExt as _, BufReader};

use crate::observe::record::{Outcome, Record, Recording, Transport as Over};

/// The longest line read, as rmcp's default: 16 MiB.
pub(crate) const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;

type Writer<W> = Arc<tokio::sync::Mutex<Option<W>>>;

/// Lines of JSON-RPC on a reader and a writer (stdin and stdout).
pub(crate) struct Framing<R, W> {
    read: BufReader<R>,
    /// The line being read; kept across cancelled reads.
    line: Vec<u8>,
    /// Skipping the rest of a line over the limit.
    discarding: bool,
    write: Writer<W>,
    /// The records of requests read and not yet answered, by id.
    open: HashMap<RequestId, Recording>,
    /// The revision and client `initialize` named, for the requests after it.
    protocol: Option<ProtocolVersion>,
    client: Option<Implementation>,
}

/// What reading one line came to.
enum Line {
    /// A whole line is in `Framing::line`.
    Read,
    /// A line over the limit was skipped.
    TooLong,
    Ended,
}

impl<R: AsyncRead + Unpin, W: AsyncWrite + Unpin> From<(R, W)> for Framing<R, W> {
    fn from((read, write): (R, W)) -> Self {
        Self {
            read: BufReader::new(read),
            line: Vec::new(),
            discarding: false,
            write: Arc::new(tokio::sync::Mutex::new(Some(write))),
            open: HashMap::new(),
            protocol: None,
            client: None,
        }
    }
}

impl<R, W> Framing<R, W>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin + Send + 'static,
{
    /// Reads up to the next newline. Cancel-safe: the only await is `fill_buf`, which
    /// consumes nothing, and what was read stays in `self.line`.
    async fn read_line(&mut self) -> std::io::Result<Line> {
        loop {
            let available = self.read.fill_buf().await?;
            if available.is_empty() {
                return Ok(Line::Ended);
            }
            let (used, complete) = match available.iter().position(|&b| b == b'\n') {
                Some(end) => (end + 1, true),
                None => (available.len(), false),
            };
            if !self.discarding && self.line.len() + used > MAX_LINE_BYTES {
                self.discarding = true;
                self.line.clear();
            }
            if !self.discarding {
                self.line.extend_from_slice(&available[..used]);
            }
            self.read.consume(used);
            if complete {
                return Ok(if std::mem::take(&mut self.discarding) {
                    Line::TooLong
                } else {
                    Line::Read
                });
            }
        }
    }

    /// The message of the line read, or `None` for a line that has none.
    fn message(&mut self) -> Option<RxJsonRpcMessage<RoleServer>> {
        let bytes = self.line.len() as u64;
        let line = self.line.strip_suffix(b"\n").unwrap_or(&self.line);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
        if line.is_empty() {
            return None;
        }
        let error = match serde_json::from_slice::<RxJsonRpcMessage<RoleServer>>(line) {
            Ok(mut message) => {
                self.opened(&mut message, bytes);
                return Some(message);
            }
            Err(error) => error,
        };
        if error.is_syntax() || error.is_eof() {
            refused(bytes, format!("not JSON: {error}"));
            return None;
        }
        let has_id = serde_json::from_slice::<serde_json::Value>(line)
            .is_ok_and(|value| value.get("id").is_some());
        if has_id {
            let record = refused_record(bytes, format!("not a JSON-RPC message: {error}"));
            let reply = TxJsonRpcMessage::<RoleServer>::error(
                ErrorData::invalid_request("Invalid request", None),
                None,
            );
            // A task of its own: `receive` may be cancelled, and the write must not be.
            tokio::spawn(answer(Arc::clone(&self.write), reply, Some(record)));
        }
        None
    }

    /// Opens the record of a request (in its extensions, where the pipeline finds it);
    /// a cancellation lets go of the record of the request it cancels.
    fn opened(&mut self, message: &mut RxJsonRpcMessage<RoleServer>, bytes: u64) {
        match message {
            JsonRpcMessage::Request(request) => {
                let mut record = Record::new(Over::Stdio);
                record.request_bytes = Some(bytes);
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
        let protocol = meta.protocol_version().or_else(|| self.protocol.clone());
        record.protocol = protocol.map(|p| p.as_str().to_owned());
        if let Some(client) = meta.client_info().or_else(|| self.client.clone()) {
            record.client(client);
        }
    }
}

/// A line that carries no request: recorded as refused.
fn refused_record(bytes: u64, detail: String) -> Recording {
    let mut record = Record::new(Over::Stdio);
    record.request_bytes = Some(bytes);
    record.outcome = Some(Outcome::ProtocolError);
    record.detail = Some(detail);
    Recording::open(record)
}

/// A line that carries no request and gets no answer.
fn refused(bytes: u64, detail: String) {
    refused_record(bytes, detail).finish(|_| {});
}

/// Writes one message and finishes the record of the request it answers.
async fn answer<W: AsyncWrite + Unpin + Send>(
    write: Writer<W>,
    message: TxJsonRpcMessage<RoleServer>,
    record: Option<Recording>,
) -> std::io::Result<()> {
    let code = match &message {
        JsonRpcMessage::Error(error) => Some(error.error.code.0),
        _ => None,
    };
    let mut bytes = serde_json::to_vec(&message)?;
    bytes.push(b'\n');
    let written = match write.lock().await.as_mut() {
        Some(out) => match out.write_all(&bytes).await {
            Ok(()) => out.flush().await,
            Err(error) => Err(error),
        },
        None => Err(std::io::ErrorKind::NotConnected.into()),
    };
    if let Some(record) = record {
        record.finish(|r| {
            r.response_bytes = Some(bytes.len() as u64);
            r.error_code = code;
            if let Err(error) = &written {
                r.detail
                    .get_or_insert_with(|| format!("the answer was not written: {error}"));
            }
        });
    }
    written
}

impl<R, W> Transport<RoleServer> for Framing<R, W>
where
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
{
    type Error = std::io::Error;

    fn send(
        &mut self,
        item: TxJsonRpcMessage<RoleServer>,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static {
        let id = match &item {
            JsonRpcMessage::Response(response) => Some(&response.id),
            JsonRpcMessage::Error(error) => error.id.as_ref(),
            JsonRpcMessage::Request(_) | JsonRpcMessage::Notification(_) => None,
        };
        let record = id.and_then(|id| self.open.remove(id));
        answer(Arc::clone(&self.write), item, record)
    }

    async fn receive(&mut self) -> Option<RxJsonRpcMessage<RoleServer>> {
        loop {
            match self.read_line().await {
                Ok(Line::Read) => {}
                Ok(Line::TooLong) => {
                    refused(
                        MAX_LINE_BYTES as u64,
                        format!("a line over {MAX_LINE_BYTES} bytes"),
                    );
                    continue;
                }
                Ok(Line::Ended) => return None,
                Err(error) => {
                    tracing::error!(%error, "cannot read standard input");
                    return None;
                }
            }
            let message = self.message();
            self.line.clear();
            if let Some(message) = message {
                return Some(message);
            }
        }
    }

    async fn close(&mut self) -> Result<(), Self::Error> {
        if let Some(mut out) = self.write.lock().await.take() {
            out.shutdown().await?;
        }
        Ok(())
    }
}
