use mcpgen_runtime::{Server, ServerInfo};

async fn get_forecast() {}

fn main() {
    let _ = Server::builder(ServerInfo::default()).add_tool::<String>();
    let _ = get_forecast();
}
