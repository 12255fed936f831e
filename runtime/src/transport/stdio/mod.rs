//! The stdio transport: serving on stdin and stdout ([`crate::Server::serve_stdio`]),
//! lines of JSON-RPC ([`Lines`], which also opens and finishes the record of every
//! request), and back-pressure.
//!
//! rmcp's serve loop reads the next message as soon as it can and spawns a task for
//! every request, so a client that writes requests faster than the tools answer them
//! (a pipelined client, or one stuck retrying) makes the server hold every one of them
//! in memory at once. [`ReadAhead`] sits between rmcp and the stdio transport and lets
//! at most `limit` requests run at a time:
//!
//! - up to `limit` requests in flight, messages pass straight through;
//! - beyond that, requests wait in a queue here, in the order they came, while
//!   everything else (responses to the server's own requests such as elicitation,
//!   and notifications such as `notifications/cancelled`) still passes at once, so a
//!   running tool that waits on the client is never starved of its answer;
//! - once `limit` more requests are queued, nothing more is read: the pipe fills and
//!   the client's writes wait, which is the back-pressure a pipe is for.
//!
//! A request leaves the count when its response or error is sent; a request the client
//! cancels leaves it at once (rmcp answers nothing for it), and a queued one is dropped
//! unanswered, as the specification asks. `subscriptions/listen` streams stay open for
//! as long as the client wants and are not counted.
//!
//! Below it, [`Lines`] reads and writes the lines themselves, and answers the lines that
//! are no message.

mod authorize;
mod lines;

use std::{
    collections::{HashMap, VecDeque},
    sync::Arc,
};

use rmcp::{
    RoleServer,
    model::{ClientNotification, ClientRequest, JsonRpcMessage, RequestId},
    service::{RxJsonRpcMessage, TxJsonRpcMessage},
    transport::Transport,
};

pub(crate) use lines::Lines;

impl crate::Server {
    /// Serve MCP on stdin/stdout until the client closes stdin, or ctrl-c/SIGTERM.
    /// Speaks both the `initialize` revisions (2025-11-25 and older) and the
    /// stateless 2026-07-28 revision (`server/discover`, per-request `_meta`).
    /// Logs must go to stderr: stdout carries the protocol.
    ///
    /// # Errors
    /// When the transport fails before the first request is served.
    pub async fn serve_stdio(&self) -> anyhow::Result<()> {
        // Non-blocking pipes when the client launched us with pipes (as MCP clients do):
        // no hand-off to tokio's blocking pool for every message.
        let pipes = rmcp::transport::stdio_pipes();
        self.serve_lines(pipes, crate::transport::http::shutdown_signal())
            .await
    }

    /// Serves MCP as lines on `read` and `write` (stdin and stdout, or a test's pipe)
    /// until the input ends or `shutdown` completes.
    pub(crate) async fn serve_lines<R, W>(
        &self,
        (read, write): (R, W),
        shutdown: impl Future<Output = ()>,
    ) -> anyhow::Result<()>
    where
        R: tokio::io::AsyncRead + Unpin + Send + 'static,
        W: tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        use rmcp::ServiceExt;
        let handler = crate::protocol::service::McpService::new(
            Arc::clone(&self.registry),
            crate::observe::record::Transport::Stdio,
        );
        let ct = tokio_util::sync::CancellationToken::new();
        let gate = authorize::StdioGate::from_env(&self.registry);
        let lines = Lines::new(read, write).with_gate(gate);
        let transport = ReadAhead::new(lines, self.registry.stdio_read_ahead);
        let running = handler.serve_with_ct(transport, ct.clone()).await?;
        tracing::info!("serving MCP on stdio");
        tokio::select! {
            quit = running.waiting() => {
                tracing::info!(reason = ?quit.ok(), "stdio session ended");
            }
            () = shutdown => {
                tracing::info!("shutting down");
                ct.cancel();
            }
        }
        Ok(())
    }
}

/// How many stdio requests run at once unless [`crate::ServerBuilder::stdio_read_ahead`]
/// says otherwise.
pub const DEFAULT_STDIO_READ_AHEAD: usize = 64;

/// A transport that runs at most `limit` requests at once (see the module docs).
pub(crate) struct ReadAhead<T> {
    inner: T,
    limit: usize,
    /// Requests passed on and not yet answered, by id (a client may reuse an id).
    running: HashMap<RequestId, usize>,
    in_flight: usize,
    queued: VecDeque<RxJsonRpcMessage<RoleServer>>,
    /// The client closed its end; queued requests still run.
    closed: bool,
}

impl<T> ReadAhead<T> {
    pub(crate) fn new(inner: T, limit: usize) -> Self {
        Self {
            inner,
            limit: limit.max(1),
            running: HashMap::new(),
            in_flight: 0,
            queued: VecDeque::new(),
            closed: false,
        }
    }

    fn start(&mut self, id: &RequestId) {
        *self.running.entry(id.clone()).or_insert(0) += 1;
        self.in_flight += 1;
    }

    fn finish(&mut self, id: &RequestId) {
        if let Some(count) = self.running.get_mut(id) {
            *count -= 1;
            if *count == 0 {
                self.running.remove(id);
            }
            self.in_flight -= 1;
        }
    }

    /// A request that runs now, or `None` if it must wait its turn.
    fn admit(
        &mut self,
        message: RxJsonRpcMessage<RoleServer>,
    ) -> Option<RxJsonRpcMessage<RoleServer>> {
        if let JsonRpcMessage::Request(request) = &message
            && !matches!(
                request.request,
                ClientRequest::SubscriptionsListenRequest(_)
            )
        {
            if self.in_flight >= self.limit || !self.queued.is_empty() {
                self.queued.push_back(message);
                return None;
            }
            let id = request.id.clone();
            self.start(&id);
        }
        Some(message)
    }

    /// A cancellation: a queued request is dropped unanswered (`true`); a running one
    /// stops counting, since rmcp drops its response.
    fn cancel(&mut self, message: &RxJsonRpcMessage<RoleServer>) -> bool {
        let JsonRpcMessage::Notification(notification) = message else {
            return false;
        };
        let ClientNotification::CancelledNotification(cancelled) = &notification.notification
        else {
            return false;
        };
        let Some(id) = &cancelled.params.request_id else {
            return false;
        };
        let before = self.queued.len();
        self.queued
            .retain(|m| !matches!(m, JsonRpcMessage::Request(r) if &r.id == id));
        if self.queued.len() < before {
            tracing::debug!(%id, "cancelled a queued stdio request before it ran");
            return true;
        }
        if let Some(count) = self.running.remove(id) {
            self.in_flight -= count;
        }
        false
    }
}

impl<T: Transport<RoleServer>> Transport<RoleServer> for ReadAhead<T> {
    type Error = T::Error;

    fn send(
        &mut self,
        mut item: TxJsonRpcMessage<RoleServer>,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static {
        match &mut item {
            JsonRpcMessage::Response(response) => self.finish(&response.id),
            JsonRpcMessage::Error(error) => {
                if let Some(id) = &error.id {
                    self.finish(id);
                }
                crate::protocol::reword::reword(&mut error.error);
            }
            JsonRpcMessage::Request(_) | JsonRpcMessage::Notification(_) => {}
        }
        self.inner.send(item)
    }

    // Cancel-safe, as rmcp needs (it polls `receive` in a `select!`): state changes
    // only between awaits, and the inner transport's `receive` is cancel-safe.
    async fn receive(&mut self) -> Option<RxJsonRpcMessage<RoleServer>> {
        loop {
            if self.in_flight < self.limit
                && let Some(message) = self.queued.pop_front()
            {
                if let JsonRpcMessage::Request(request) = &message {
                    let id = request.id.clone();
                    self.start(&id);
                }
                return Some(message);
            }
            if self.closed {
                if self.queued.is_empty() {
                    return None;
                }
                // rmcp sends a response (which frees a slot) and asks again.
                std::future::pending::<()>().await;
            }
            if self.queued.len() >= self.limit {
                tracing::debug!(
                    running = self.in_flight,
                    queued = self.queued.len(),
                    "stdio back-pressure: reading no more requests until one is answered"
                );
                std::future::pending::<()>().await;
            }
            let Some(message) = self.inner.receive().await else {
                self.closed = true;
                continue;
            };
            if self.cancel(&message) {
                continue;
            }
            if let Some(message) = self.admit(message) {
                return Some(message);
            }
        }
    }

    fn close(&mut self) -> impl Future<Output = Result<(), Self::Error>> + Send {
        self.inner.close()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::sync::{Arc, Mutex};

    /// A transport fed from a list, recording what is sent.
    struct Script {
        incoming: VecDeque<RxJsonRpcMessage<RoleServer>>,
        sent: Arc<Mutex<Vec<TxJsonRpcMessage<RoleServer>>>>,
        reads: usize,
    }

    impl Transport<RoleServer> for Script {
        type Error = std::io::Error;
        fn send(
            &mut self,
            item: TxJsonRpcMessage<RoleServer>,
        ) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static {
            self.sent.lock().unwrap().push(item);
            std::future::ready(Ok(()))
        }
        async fn receive(&mut self) -> Option<RxJsonRpcMessage<RoleServer>> {
            self.reads += 1;
            self.incoming.pop_front()
        }
        async fn close(&mut self) -> Result<(), Self::Error> {
            Ok(())
        }
    }

    fn message<M: serde::de::DeserializeOwned>(json: serde_json::Value) -> M {
        serde_json::from_value(json).expect("a valid JSON-RPC message")
    }

    fn call(id: i64) -> RxJsonRpcMessage<RoleServer> {
        message(
            json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": "t"}}),
        )
    }

    fn cancel(id: i64) -> RxJsonRpcMessage<RoleServer> {
        message(
            json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": id}}),
        )
    }

    fn client_response(id: i64) -> RxJsonRpcMessage<RoleServer> {
        message(json!({"jsonrpc": "2.0", "id": id, "result": {}}))
    }

    fn answer(id: i64) -> TxJsonRpcMessage<RoleServer> {
        message(json!({"jsonrpc": "2.0", "id": id, "result": {"content": []}}))
    }

    fn id_of(message: &RxJsonRpcMessage<RoleServer>) -> String {
        match message {
            JsonRpcMessage::Request(r) => format!("request {}", r.id),
            JsonRpcMessage::Response(r) => format!("response {}", r.id),
            JsonRpcMessage::Notification(_) => "notification".to_owned(),
            JsonRpcMessage::Error(_) => "error".to_owned(),
        }
    }

    fn transport(incoming: Vec<RxJsonRpcMessage<RoleServer>>, limit: usize) -> ReadAhead<Script> {
        ReadAhead::new(
            Script {
                incoming: incoming.into(),
                sent: Arc::default(),
                reads: 0,
            },
            limit,
        )
    }

    /// The next message, or `None` if `receive` would wait.
    async fn next(t: &mut ReadAhead<Script>) -> Option<String> {
        tokio::time::timeout(std::time::Duration::from_millis(20), t.receive())
            .await
            .ok()
            .map(|m| m.map_or_else(|| "end".to_owned(), |m| id_of(&m)))
    }

    #[tokio::test]
    async fn at_most_limit_requests_run_and_answers_free_slots() {
        let mut t = transport((1..=6).map(call).collect(), 2);
        assert_eq!(next(&mut t).await.as_deref(), Some("request 1"));
        assert_eq!(next(&mut t).await.as_deref(), Some("request 2"));
        // Two run; the next two are read and queued, then reading stops.
        assert_eq!(next(&mut t).await, None);
        assert_eq!(t.inner.reads, 4, "read two requests ahead, then stopped");
        assert_eq!(t.queued.len(), 2);
        let _ = t.send(answer(1)).await;
        assert_eq!(next(&mut t).await.as_deref(), Some("request 3"));
        assert_eq!(next(&mut t).await, None);
        let _ = t.send(answer(2)).await;
        let _ = t.send(answer(3)).await;
        assert_eq!(next(&mut t).await.as_deref(), Some("request 4"));
        assert_eq!(next(&mut t).await.as_deref(), Some("request 5"));
        assert_eq!(next(&mut t).await, None);
        assert_eq!(t.sent_count(), 3);
    }

    #[tokio::test]
    async fn responses_and_notifications_pass_while_requests_wait() {
        let incoming = vec![
            call(1),
            call(2),
            call(3),
            client_response(90),
            cancel(3),
            call(4),
        ];
        let mut t = transport(incoming, 2);
        assert_eq!(next(&mut t).await.as_deref(), Some("request 1"));
        assert_eq!(next(&mut t).await.as_deref(), Some("request 2"));
        // Request 3 waits; the client's answer to the server's own request passes.
        assert_eq!(next(&mut t).await.as_deref(), Some("response 90"));
        // Request 3 is cancelled while queued: dropped, never run, nothing forwarded.
        // Request 4 is queued behind the two running requests.
        assert_eq!(next(&mut t).await, None);
        assert_eq!(t.queued.len(), 1);
        let _ = t.send(answer(1)).await;
        assert_eq!(next(&mut t).await.as_deref(), Some("request 4"));
    }

    #[tokio::test]
    async fn a_cancelled_running_request_frees_its_slot() {
        let mut t = transport(vec![call(1), call(2), call(3), cancel(1)], 2);
        assert_eq!(next(&mut t).await.as_deref(), Some("request 1"));
        assert_eq!(next(&mut t).await.as_deref(), Some("request 2"));
        // Request 3 is queued; the cancellation of 1 passes through to rmcp (which
        // will not answer 1) and frees a slot for 3.
        assert_eq!(next(&mut t).await.as_deref(), Some("notification"));
        assert_eq!(next(&mut t).await.as_deref(), Some("request 3"));
        // A late answer to 1 does not free a second slot.
        let _ = t.send(answer(1)).await;
        assert_eq!(t.in_flight, 2);
    }

    #[tokio::test]
    async fn queued_requests_still_run_after_the_client_closes_its_end() {
        let mut t = transport(vec![call(1), call(2), call(3)], 2);
        assert_eq!(next(&mut t).await.as_deref(), Some("request 1"));
        assert_eq!(next(&mut t).await.as_deref(), Some("request 2"));
        // Request 3 is queued and the input has ended: no end while 3 waits.
        assert_eq!(next(&mut t).await, None);
        assert!(t.closed);
        let _ = t.send(answer(1)).await;
        assert_eq!(next(&mut t).await.as_deref(), Some("request 3"));
        // Nothing is queued: the end is reported (rmcp still sends the answers of
        // the requests that run).
        assert_eq!(next(&mut t).await.as_deref(), Some("end"));
    }

    impl ReadAhead<Script> {
        fn sent_count(&self) -> usize {
            self.inner.sent.lock().unwrap().len()
        }
    }
}
