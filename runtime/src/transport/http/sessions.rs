//! Sessions of the `initialize` revisions (2025-11-25 and older) over HTTP: rmcp's
//! [`LocalSessionManager`], with every message the server sends in a session passing
//! through [`methods::reword`](crate::protocol::reword::reword) first, as on stdio.
//!
//! In a session rmcp answers a request in an SSE stream that the screening layer cannot
//! rewrite without parsing the stream. The session's transport is where the server's
//! messages are still typed, so the rewording happens there, before the stream is
//! written. It is also where the session's client, named once in `initialize`, is
//! known: it goes into the record of every request of the session.

use std::sync::Arc;

use futures::Stream;
use rmcp::{
    RoleServer,
    model::{
        ClientJsonRpcMessage, ClientRequest, GetExtensions as _, Implementation, JsonRpcMessage,
        ServerJsonRpcMessage,
    },
    service::{RxJsonRpcMessage, TxJsonRpcMessage},
    transport::{
        Transport,
        common::server_side_http::{ServerSseMessage, SessionId},
        streamable_http_server::session::{
            RestoreOutcome, SessionManager,
            local::{LocalSessionManager, LocalSessionManagerError},
            store::EventStore,
        },
    },
};

/// [`LocalSessionManager`] whose sessions' transports reword rmcp's bare errors.
#[derive(Debug, Default)]
pub(crate) struct Sessions(LocalSessionManager);

/// A session's transport: what the server sends is reworded, and the requests it
/// receives are recorded with the session's client.
pub(crate) struct Reworded<T> {
    inner: T,
    /// As `initialize` named it.
    client: Option<Implementation>,
}

impl<T> Reworded<T> {
    fn new(inner: T) -> Self {
        Self {
            inner,
            client: None,
        }
    }

    fn name_client(&mut self, request: &ClientRequest) {
        if let ClientRequest::InitializeRequest(initialize) = request {
            self.client = Some(initialize.params.client_info.clone());
            return;
        }
        let Some(client) = &self.client else { return };
        if let Some(recording) = crate::observe::record::Recording::of(request.extensions()) {
            recording.update(|record| {
                if record.client_name.is_none() {
                    record.client(client.clone());
                }
            });
        }
    }
}

impl<T: Transport<RoleServer>> Transport<RoleServer> for Reworded<T> {
    type Error = T::Error;

    fn send(
        &mut self,
        mut item: TxJsonRpcMessage<RoleServer>,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static {
        if let JsonRpcMessage::Error(error) = &mut item {
            crate::protocol::reword::reword(&mut error.error);
        }
        self.inner.send(item)
    }

    // Cancel-safe as the inner transport's: nothing changes before its message is in.
    async fn receive(&mut self) -> Option<RxJsonRpcMessage<RoleServer>> {
        let message = self.inner.receive().await?;
        if let JsonRpcMessage::Request(request) = &message {
            self.name_client(&request.request);
        }
        Some(message)
    }

    fn close(&mut self) -> impl Future<Output = Result<(), Self::Error>> + Send {
        self.inner.close()
    }
}

type Inner = <LocalSessionManager as SessionManager>::Transport;

impl SessionManager for Sessions {
    type Error = LocalSessionManagerError;
    type Transport = Reworded<Inner>;

    async fn create_session(&self) -> Result<(SessionId, Self::Transport), Self::Error> {
        let (id, transport) = self.0.create_session().await?;
        Ok((id, Reworded::new(transport)))
    }

    async fn initialize_session(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<ServerJsonRpcMessage, Self::Error> {
        self.0.initialize_session(id, message).await
    }

    async fn has_session(&self, id: &SessionId) -> Result<bool, Self::Error> {
        self.0.has_session(id).await
    }

    async fn close_session(&self, id: &SessionId) -> Result<(), Self::Error> {
        self.0.close_session(id).await
    }

    async fn create_stream(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error> {
        self.0.create_stream(id, message).await
    }

    async fn accept_message(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<(), Self::Error> {
        self.0.accept_message(id, message).await
    }

    async fn create_standalone_stream(
        &self,
        id: &SessionId,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error> {
        self.0.create_standalone_stream(id).await
    }

    async fn resume(
        &self,
        id: &SessionId,
        last_event_id: String,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error> {
        self.0.resume(id, last_event_id).await
    }

    async fn restore_session(
        &self,
        id: SessionId,
    ) -> Result<RestoreOutcome<Self::Transport>, Self::Error> {
        Ok(match self.0.restore_session(id).await? {
            RestoreOutcome::Restored(transport) => {
                RestoreOutcome::Restored(Reworded::new(transport))
            }
            RestoreOutcome::AlreadyPresent => RestoreOutcome::AlreadyPresent,
            // `NotSupported`, and any outcome a later rmcp adds: the client gets 404 and
            // opens a new session.
            _ => RestoreOutcome::NotSupported,
        })
    }

    fn event_store(&self) -> Option<Arc<dyn EventStore>> {
        self.0.event_store()
    }
}
