//! The command line of a generated server: `serve --stdio`, `serve --http [ADDR]` with
//! the deployment flags, `token create | list | revoke` for the managed bearer tokens,
//! `audit tail | query | stats` for the audit trail, `--version`, `--help`.
//!
//! The scaffolded `main.rs` is one call to [`main`], so every generated server parses
//! its arguments, resolves its settings and reports start-up errors the same way.
//! Commands are subcommands of one [`clap`] parser.

mod audit;
mod token;

use std::{ffi::OsString, process::ExitCode};

use clap::{ArgGroup, Args, CommandFactory, FromArgMatches, Parser, Subcommand};

pub use crate::observe::LogFormat;
use crate::{BuildError, HttpOptions, Server};

/// What the spec says, as the generated code passes it to [`main`].
#[derive(Debug, Clone, Copy)]
pub struct Defaults {
    /// The server's name (`server.name`), shown by `--help` and `--version`.
    pub name: &'static str,
    /// The server's version (`server.version`), printed by `--version`.
    pub version: &'static str,
    /// The HTTP settings.
    pub http: HttpDefaults,
    /// The scopes the spec declares (`auth.scopes`): `token create --scopes` takes only
    /// these.
    pub scopes: &'static [&'static str],
    /// The spec's data directory (`store.data_dir`), which may hold `${VAR}`
    /// references; `--data-dir` and `MCPGEN_DATA_DIR` replace it.
    pub data_dir: Option<&'static str>,
    /// The OTLP/HTTP collector spans are exported to (`telemetry.otlp_endpoint`), which
    /// may hold `${VAR}` references; the `OTEL_EXPORTER_OTLP_*ENDPOINT` variables
    /// replace it.
    pub otlp_endpoint: Option<&'static str>,
}

/// HTTP settings from the spec; strings may hold `${VAR}` references.
#[derive(Debug, Clone, Copy)]
pub struct HttpDefaults {
    /// Address to bind when `--http` has none (`transports.http.bind`).
    pub bind: &'static str,
    /// Endpoint path (`transports.http.path`).
    pub path: &'static str,
    /// The URL clients use (`transports.http.public_url`); `--public-url` replaces it.
    pub public_url: Option<&'static str>,
    /// `Host` names accepted besides loopback and the public URL's host
    /// (`transports.http.allowed_hosts`); `--allowed-host` adds to them.
    pub allowed_hosts: &'static [&'static str],
    /// Browser origins allowed besides loopback (`transports.http.allowed_origins`);
    /// `--allowed-origin` adds to them.
    pub allowed_origins: &'static [&'static str],
    /// Proxy hops whose `X-Forwarded-For` entries are trusted (`transports.http.trusted_proxy_hops`).
    pub trusted_proxy_hops: u32,
    /// Largest request body (`limits.max_request_bytes`).
    pub max_request_bytes: usize,
}

#[derive(Debug, Parser)]
#[command(subcommand_required = true, arg_required_else_help = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// What the command line asked for.
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
enum Command {
    /// Serve MCP on standard input and output, or over Streamable HTTP.
    Serve(Serve),
    /// Create, list and revoke the bearer tokens the server accepts (auth mode bearer).
    Token(token::Token),
    /// Read the audit trail: one row per request the server answered or refused.
    Audit(audit::Audit),
}

/// `serve`: the transport, the deployment flags, the log format.
#[derive(Debug, Clone, PartialEq, Eq, Args)]
#[command(group(ArgGroup::new("transport").required(true).args(["stdio", "http"])))]
struct Serve {
    /// Serve MCP on standard input and output, until the client closes stdin.
    #[arg(long)]
    stdio: bool,
    /// Serve Streamable HTTP on ADDR (HOST:PORT), until ctrl-c or SIGTERM.
    #[arg(long, value_name = "ADDR", num_args = 0..=1)]
    http: Option<Option<String>>,
    /// The URL clients use, such as https://mcp.example.com/mcp (behind a reverse proxy,
    /// the proxy's): its host is accepted in `Host`. Replaces transports.http.public_url.
    #[arg(long, value_name = "URL", conflicts_with = "stdio")]
    public_url: Option<String>,
    /// Accept requests for this host (`Host` header), such as mcp.internal (any port) or
    /// mcp.internal:8443; repeat for more. Adds to transports.http.allowed_hosts.
    #[arg(long = "allowed-host", value_name = "HOST", conflicts_with = "stdio")]
    allowed_hosts: Vec<String>,
    /// Let browser pages from this origin call the server, such as
    /// https://app.example.com; repeat for more. Adds to transports.http.allowed_origins.
    #[arg(
        long = "allowed-origin",
        value_name = "ORIGIN",
        conflicts_with = "stdio"
    )]
    allowed_origins: Vec<String>,
    /// Serve /metrics (and /healthz, /readyz) on ADDR (HOST:PORT), apart from MCP: how a
    /// stdio server shows its metrics; over HTTP, /metrics then leaves the MCP listener.
    #[arg(long, value_name = "ADDR")]
    metrics: Option<String>,
    /// How log lines on standard error are written.
    #[arg(
        long,
        value_name = "FORMAT",
        env = "MCPGEN_LOG_FORMAT",
        default_value = "text"
    )]
    log_format: LogFormat,
    #[command(flatten)]
    store: token::StoreArgs,
}

impl clap::ValueEnum for LogFormat {
    fn value_variants<'a>() -> &'a [Self] {
        &[LogFormat::Text, LogFormat::Json]
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(match self {
            LogFormat::Text => {
                clap::builder::PossibleValue::new("text").help("one line of text per event")
            }
            LogFormat::Json => clap::builder::PossibleValue::new("json")
                .help("one JSON object per line, for log collectors"),
        })
    }
}

/// The parser, with what only the spec knows: the name, the version and the defaults
/// shown in the help.
fn command(defaults: &Defaults) -> clap::Command {
    let http = defaults.http;
    Cli::command()
        .name(defaults.name)
        .version(defaults.version)
        .about(format!("{}: an MCP server generated by mcpgen", defaults.name))
        .after_help(format!(
            "Examples:\n  \
             {name} serve --stdio\n  \
             {name} serve --http 127.0.0.1:8080\n  \
             {name} serve --http 0.0.0.0:8080 --public-url https://mcp.example.com{path}\n  \
             {name} token create --subject ci-bot\n  \
             {name} audit stats --since 1h\n\n\
             Logs go to standard error; set RUST_LOG (for example RUST_LOG=debug) for more.",
            name = defaults.name,
            path = http.path,
        ))
        .mut_subcommand("serve", |serve| {
            serve.mut_arg("http", |arg| {
                arg.help(format!(
                    "Serve Streamable HTTP at http://ADDR{} (ADDR is HOST:PORT; default {}, from transports.http.bind), until ctrl-c or SIGTERM",
                    http.path, http.bind
                ))
            })
        })
        .mut_subcommand("token", |command| {
            command.after_help(token::examples(defaults.name))
        })
        .mut_subcommand("audit", |command| {
            command.after_help(audit::examples(defaults.name))
        })
}

/// Parses `args` (the program's name first).
fn parse<I, T>(defaults: &Defaults, args: I) -> Result<Command, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let mut command = command(defaults);
    let matches = command.try_get_matches_from_mut(args)?;
    Cli::from_arg_matches(&matches)
        .map(|cli| cli.command)
        .map_err(|err| err.format(&mut command))
}

/// Runs the server as the arguments say: builds a tokio runtime, installs a `tracing`
/// subscriber writing to stderr, serves until the client disconnects (stdio) or
/// ctrl-c / SIGTERM (HTTP). Start-up problems are printed with what to do, and the
/// exit status is 2 for a usage error, 1 for any other failure.
pub fn main<F>(defaults: Defaults, build: F) -> ExitCode
where
    F: FnOnce() -> Result<Server, BuildError>,
{
    // The server's crate compiles only this line. Were the rest generic over `F`, that
    // crate would compile its own copy of the whole serving stack (rmcp's service, the
    // handler, hyper), on top of this crate's: 1.8 MB more code in a generated server.
    main_with(defaults, Box::new(build))
}

fn main_with(defaults: Defaults, build: BuildFn<'_>) -> ExitCode {
    let command = match parse(&defaults, std::env::args_os()) {
        Ok(command) => command,
        Err(err) => {
            // Help and version go to stdout with status 0, usage errors to stderr with 2.
            let _ = err.print();
            return ExitCode::from(u8::try_from(err.exit_code()).unwrap_or(2));
        }
    };
    let outcome = match command {
        Command::Serve(serve) => {
            let logs = crate::observe::install(Some(serve.log_format));
            let outcome = run(serve, &defaults, build);
            // The server's last lines come before the error that ends it.
            drop(logs);
            outcome
        }
        Command::Token(command) => token::run(
            command,
            &defaults,
            &mut std::io::stdout().lock(),
            &mut std::io::stderr().lock(),
        ),
        Command::Audit(command) => audit::run(command, &defaults, &mut std::io::stdout().lock()),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// What builds the server, once the arguments asked for serving.
type BuildFn<'a> = Box<dyn FnOnce() -> Result<Server, BuildError> + 'a>;

fn run(serve: Serve, defaults: &Defaults, build: BuildFn<'_>) -> Result<(), String> {
    let server = build().map_err(|err| format!("the server cannot start: {err}"))?;
    let store = if server.checks_credentials() {
        let store = token::open_store(&serve.store, defaults)
            .map_err(|err| format!("the server cannot start: {err}"))?;
        Some(store)
    } else {
        None
    };
    // Written until `run` returns: before the log's last lines.
    let _audit = start_audit(&server, &serve, defaults, store.as_ref());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|err| format!("cannot start the async runtime: {err}"))?;
    let traces = start_traces(defaults, runtime.handle())?;
    let defaults = &defaults.http;
    let served = runtime
        .block_on(async move {
            let stop_operations = tokio_util::sync::CancellationToken::new();
            if let Some(addr) = &serve.metrics {
                operations(&server, addr, stop_operations.clone()).await?;
            }
            let served = match &serve.http {
                Some(addr) => serve_http(&server, addr.as_deref(), &serve, defaults, store).await,
                None => {
                    let public_url = defaults.public_url.map(|url| setting("public_url", url));
                    let public_url = public_url.transpose()?;
                    server
                        .start_auth(store, public_url.as_deref())
                        .await
                        .map_err(|err| anyhow::anyhow!(err))?;
                    server.serve_stdio().await
                }
            };
            stop_operations.cancel();
            served
        })
        .map_err(|err| format!("{err:#}"));
    // The last spans leave while the runtime that sends them still runs.
    drop(traces);
    served
}

/// Starts exporting spans if an OTLP endpoint is configured (the `OTEL_*` variables,
/// else the spec's `telemetry.otlp_endpoint`).
fn start_traces(
    defaults: &Defaults,
    runtime: &tokio::runtime::Handle,
) -> Result<Option<crate::observe::traces::TraceGuard>, String> {
    let spec_endpoint = defaults.otlp_endpoint.map(|url| {
        crate::env::expand(url).map_err(|err| {
            format!("the server cannot start: {err} (read for `telemetry.otlp_endpoint`)")
        })
    });
    let spec_endpoint = spec_endpoint.transpose()?;
    let settings = crate::observe::traces::Settings {
        service_name: defaults.name,
        service_version: defaults.version,
        spec_endpoint: spec_endpoint.as_deref(),
    };
    crate::observe::traces::install(settings, runtime.clone())
        .map_err(|err| format!("the server cannot start: {err}"))
}

/// Turns the audit trail on, unless the spec's `audit.enabled` is false. A store that
/// cannot be opened does not stop the server: its requests are served and their rows
/// counted as dropped, with a warning.
fn start_audit(
    server: &Server,
    serve: &Serve,
    defaults: &Defaults,
    store: Option<&crate::Store>,
) -> Option<crate::observe::audit::AuditGuard> {
    let settings = server.audit_settings();
    if !settings.enabled {
        return None;
    }
    let file = match store {
        Some(store) => store.file().to_owned(),
        None => {
            let dir = crate::store::resolve_data_dir(
                serve.store.data_dir.as_deref(),
                defaults.data_dir,
                defaults.name,
            );
            let dir = match dir {
                Ok(dir) => dir,
                Err(err) => {
                    tracing::warn!("the audit trail is off for this run: {err}");
                    return None;
                }
            };
            if let Err(err) = crate::Store::open(&dir) {
                tracing::warn!(
                    "the audit trail cannot open its store, so requests are served but not audited (each counted as a dropped row): {err}"
                );
            }
            crate::store::file_in(&dir)
        }
    };
    Some(crate::observe::audit::install(
        file,
        settings,
        server.has_pii(),
    ))
}

/// Binds `--metrics ADDR` and serves the operator's endpoints there until `stop`.
async fn operations(
    server: &Server,
    addr: &str,
    stop: tokio_util::sync::CancellationToken,
) -> anyhow::Result<()> {
    let parsed: std::net::SocketAddr = addr.parse().map_err(|e| {
        anyhow::anyhow!(
            "`{addr}` is not an address to bind ({e}); write HOST:PORT such as 127.0.0.1:9090 (`--metrics ADDR`)"
        )
    })?;
    let listener = tokio::net::TcpListener::bind(parsed).await.map_err(|e| {
        anyhow::anyhow!("cannot listen on {parsed} for `--metrics` ({e}); choose another address")
    })?;
    // On before the first request is read, not when the listener's task first runs.
    crate::observe::metrics::install(&server.registry);
    let server = server.clone();
    tokio::spawn(async move {
        if let Err(error) = server
            .serve_operations(listener, async move { stop.cancelled().await })
            .await
        {
            tracing::error!(%error, "the --metrics listener failed");
        }
    });
    Ok(())
}

async fn serve_http(
    server: &Server,
    addr: Option<&str>,
    flags: &Serve,
    defaults: &HttpDefaults,
    store: Option<crate::Store>,
) -> anyhow::Result<()> {
    let addr = match addr {
        Some(addr) => addr.to_owned(),
        None => setting("bind", defaults.bind)?,
    };
    let addr: std::net::SocketAddr = addr.parse().map_err(|e| {
        anyhow::anyhow!(
            "`{addr}` is not an address to bind ({e}); write HOST:PORT such as 127.0.0.1:8080 (`--http ADDR` or `transports.http.bind`)"
        )
    })?;
    let options = http_options(flags, defaults)?.with_metrics(flags.metrics.is_none());
    warn_on_path_mismatch(&options);
    server
        .start_auth(store, options.public_url.as_deref())
        .await
        .map_err(|err| anyhow::anyhow!(err))?;
    server.serve_http_with(addr, options).await
}

/// The spec's HTTP settings, their `${VAR}`s resolved, with the flags on top: the
/// public URL replaces the spec's, hosts and origins add to its lists.
fn http_options(flags: &Serve, defaults: &HttpDefaults) -> anyhow::Result<HttpOptions> {
    let mut options = HttpOptions::default()
        .with_path(defaults.path)
        .with_max_body_bytes(defaults.max_request_bytes)
        .with_trusted_proxy_hops(defaults.trusted_proxy_hops);
    let public_url = match (&flags.public_url, defaults.public_url) {
        (Some(url), _) => Some(url.clone()),
        (None, Some(url)) => Some(setting("public_url", url)?),
        (None, None) => None,
    };
    if let Some(url) = public_url {
        options = options.with_public_url(url);
    }
    for host in defaults.allowed_hosts {
        options = options.allow_host(setting("allowed_hosts", host)?);
    }
    for origin in defaults.allowed_origins {
        options = options.allow_origin(setting("allowed_origins", origin)?);
    }
    options
        .allowed_hosts
        .extend(flags.allowed_hosts.iter().cloned());
    options
        .allowed_origins
        .extend(flags.allowed_origins.iter().cloned());
    Ok(options)
}

/// A spec setting with its `${VAR}`s resolved; the error names the key.
fn setting(key: &str, value: &str) -> anyhow::Result<String> {
    crate::env::expand(value)
        .map_err(|err| anyhow::anyhow!("{err} (read for `transports.http.{key}`)"))
}

/// A public URL at another path than the endpoint's works only behind a proxy that
/// rewrites the path, which is worth a line in the log.
fn warn_on_path_mismatch(options: &HttpOptions) {
    let Some(url) = &options.public_url else {
        return;
    };
    let Ok(uri) = url.parse::<http::Uri>() else {
        return;
    };
    if uri.path() != options.path {
        tracing::warn!(
            public_url = %url,
            path = %options.path,
            "the public URL's path is not the endpoint's path: clients will send requests to `{}`, and this server answers only at `{}` (transports.http.path); fine only if a proxy rewrites the path",
            uri.path(),
            options.path
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::error::ErrorKind;

    const DEFAULTS: Defaults = Defaults {
        name: "weather",
        version: "1.2.3",
        http: HttpDefaults {
            bind: "127.0.0.1:8080",
            path: "/mcp",
            public_url: Some("https://${MCPGEN_TEST_UNSET_HOST:-spec.example.com}/mcp"),
            allowed_hosts: &["spec.internal"],
            allowed_origins: &["https://spec.example.com"],
            trusted_proxy_hops: 1,
            max_request_bytes: 4096,
        },
        scopes: &["read", "write"],
        data_dir: None,
        otlp_endpoint: None,
    };

    fn parse_words(words: &[&str]) -> Result<Command, clap::Error> {
        parse(
            &DEFAULTS,
            std::iter::once("weather").chain(words.iter().copied()),
        )
    }

    fn serve(words: &[&str]) -> Serve {
        match parse_words(words) {
            Ok(Command::Serve(serve)) => serve,
            Ok(other) => panic!("{words:?} parsed as {other:?}"),
            Err(err) => panic!("{words:?}: {err}"),
        }
    }

    fn refused(words: &[&str]) -> clap::Error {
        match parse_words(words) {
            Ok(command) => panic!("{words:?} parsed as {command:?}"),
            Err(err) => err,
        }
    }

    #[test]
    fn the_parser_is_consistent() {
        command(&DEFAULTS).debug_assert();
    }

    #[test]
    fn parses_the_transports() {
        assert!(serve(&["serve", "--stdio"]).stdio);
        assert_eq!(serve(&["serve", "--stdio"]).metrics, None);
        assert_eq!(
            serve(&["serve", "--stdio", "--metrics", "127.0.0.1:9464"]).metrics,
            Some("127.0.0.1:9464".to_owned())
        );
        assert_eq!(serve(&["serve", "--http"]).http, Some(None));
        assert_eq!(
            serve(&["serve", "--http", "127.0.0.1:9"]).http,
            Some(Some("127.0.0.1:9".into()))
        );
        assert_eq!(
            serve(&["serve", "--http=0.0.0.0:1"]).http,
            Some(Some("0.0.0.0:1".into()))
        );
        assert_eq!(serve(&["serve", "--stdio"]).log_format, LogFormat::Text);
        assert_eq!(
            serve(&["serve", "--stdio", "--log-format", "json"]).log_format,
            LogFormat::Json
        );
    }

    #[test]
    fn parses_the_deployment_flags() {
        let flags = serve(&[
            "serve",
            "--public-url",
            "https://mcp.example.com/mcp",
            "--allowed-host",
            "a.internal",
            "--allowed-host=b.internal:8443",
            "--allowed-origin",
            "https://app.example.com",
            "--http",
            "0.0.0.0:8080",
        ]);
        assert_eq!(flags.http, Some(Some("0.0.0.0:8080".into())));
        assert_eq!(
            flags.public_url.as_deref(),
            Some("https://mcp.example.com/mcp")
        );
        assert_eq!(flags.allowed_hosts, ["a.internal", "b.internal:8443"]);
        assert_eq!(flags.allowed_origins, ["https://app.example.com"]);
    }

    #[test]
    fn usage_errors_exit_2_and_say_what_is_wrong() {
        for (words, kind, says) in [
            (
                &["serve"][..],
                ErrorKind::MissingRequiredArgument,
                "--stdio",
            ),
            (&["serve", "--tcp"], ErrorKind::UnknownArgument, "--tcp"),
            (
                &["serve", "--stdio", "--http"],
                ErrorKind::ArgumentConflict,
                "--http",
            ),
            (
                &["serve", "--stdio", "--allowed-host", "a"],
                ErrorKind::ArgumentConflict,
                "--allowed-host",
            ),
            (
                &["serve", "--http", "--log-format", "xml"],
                ErrorKind::InvalidValue,
                "json",
            ),
            (&["start"], ErrorKind::InvalidSubcommand, "start"),
        ] {
            let err = refused(words);
            assert_eq!(err.kind(), kind, "{words:?}: {err}");
            assert_eq!(err.exit_code(), 2, "{words:?}");
            assert!(err.to_string().contains(says), "{words:?}: {err}");
        }
        // No command at all: the usage, on stderr, with status 2.
        let err = refused(&[]);
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("serve"), "{err}");
    }

    #[test]
    fn version_and_help_come_from_the_spec() {
        let version = refused(&["--version"]);
        assert_eq!(version.kind(), ErrorKind::DisplayVersion);
        assert_eq!(version.exit_code(), 0);
        assert_eq!(version.to_string(), "weather 1.2.3\n");
        let help = refused(&["serve", "--help"]);
        assert_eq!(help.kind(), ErrorKind::DisplayHelp);
        let help = help.to_string();
        for flag in [
            "--stdio",
            "--http",
            "--public-url",
            "--allowed-host",
            "--allowed-origin",
            "--log-format",
            "--metrics",
            "MCPGEN_LOG_FORMAT",
            "http://ADDR/mcp",
            "default 127.0.0.1:8080",
        ] {
            assert!(help.contains(flag), "{flag} missing from:\n{help}");
        }
        assert!(
            refused(&["--help"])
                .to_string()
                .contains("weather: an MCP server generated by mcpgen")
        );
    }

    #[test]
    fn flags_add_to_the_spec_and_the_public_url_replaces_its() {
        let options = http_options(&serve(&["serve", "--http"]), &DEFAULTS.http).expect("options");
        assert_eq!(
            options.public_url.as_deref(),
            Some("https://spec.example.com/mcp")
        );
        assert_eq!(options.allowed_hosts, ["spec.internal"]);
        assert_eq!(options.allowed_origins, ["https://spec.example.com"]);
        assert_eq!(
            (
                options.path.as_str(),
                options.max_body_bytes,
                options.trusted_proxy_hops
            ),
            ("/mcp", 4096, 1)
        );

        let flags = serve(&[
            "serve",
            "--http",
            "--public-url",
            "https://cli.example.com/mcp",
            "--allowed-host",
            "cli.internal",
            "--allowed-origin",
            "https://cli.example.com",
        ]);
        let options = http_options(&flags, &DEFAULTS.http).expect("options");
        assert_eq!(
            options.public_url.as_deref(),
            Some("https://cli.example.com/mcp")
        );
        assert_eq!(options.allowed_hosts, ["spec.internal", "cli.internal"]);
        assert_eq!(
            options.allowed_origins,
            ["https://spec.example.com", "https://cli.example.com"]
        );
    }

    #[test]
    fn an_unset_variable_names_the_setting() {
        let defaults = HttpDefaults {
            public_url: Some("${MCPGEN_TEST_UNSET_URL}"),
            ..DEFAULTS.http
        };
        let err = http_options(&serve(&["serve", "--http"]), &defaults).expect_err("unset");
        let message = err.to_string();
        assert!(
            message.contains("MCPGEN_TEST_UNSET_URL")
                && message.contains("transports.http.public_url"),
            "{message}"
        );
        // The flag replaces the spec's URL, whose variable is then not read.
        let flags = serve(&[
            "serve",
            "--http",
            "--public-url",
            "https://cli.example.com/mcp",
        ]);
        assert!(http_options(&flags, &defaults).is_ok());
    }
}
