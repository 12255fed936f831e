//! What the tests of this crate share.

use mcpgen_runtime::Server;
use rmcp::{RoleClient, ServiceExt, service::RunningService};

/// An rmcp client connected to `server` in process (a duplex pipe, no transport).
pub(crate) async fn connect(server: &Server) -> RunningService<RoleClient, ()> {
    let (server_io, client_io) = tokio::io::duplex(64 * 1024);
    let handler = server.handler();
    tokio::spawn(async move {
        if let Ok(running) = handler.serve(server_io).await {
            let _ = running.waiting().await;
        }
    });
    ().serve(client_io).await.expect("client connects")
}
