//! `conformance-server serve --http ADDR`: the conformance fixture server.

fn main() -> std::process::ExitCode {
    mcpgen_runtime::cli::main(
        mcpgen_conformance_server::generated::DEFAULTS,
        mcpgen_conformance_server::server,
    )
}
