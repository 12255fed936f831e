//! The command line: which servers to compare, and how long and how hard to measure.

use std::path::PathBuf;

use anyhow::{Result, anyhow, bail};

use crate::cpus;

pub(crate) struct Options {
    pub(crate) servers: Vec<(String, PathBuf)>,
    pub(crate) rounds: usize,
    pub(crate) duration_s: u64,
    pub(crate) warmup_s: u64,
    pub(crate) connections: u32,
    pub(crate) wrk_threads: u32,
    pub(crate) stdio_requests: u64,
    pub(crate) startups: usize,
    pub(crate) work_dir: PathBuf,
    pub(crate) out: Option<PathBuf>,
    /// Which measurements to take (`http`, `stdio`, `startup`).
    pub(crate) only: Vec<String>,
    /// Environment variables for every server (`RUST_LOG=warn`).
    pub(crate) env: Vec<(String, String)>,
    /// Headers sent with every HTTP request besides the wire's, as `Name: value` lines
    /// (`Authorization: Bearer …`).
    pub(crate) headers: String,
    /// Requests a second of the paced (open-loop) latency run after wrk's; 0: none.
    pub(crate) paced_rate: u32,
    /// How long the paced run lasts, in seconds.
    pub(crate) paced_s: f64,
    /// Which CPUs the servers run on and which the load runs on.
    pub(crate) cpus: cpus::Placement,
}

const USAGE: &str = "usage: mcpgen-bench --server NAME=BINARY (3 times: generated, hand, bare) \
[--rounds 6] [--duration 10] [--warmup 2] [--connections 8] [--wrk-threads 2] \
[--stdio-requests 20000] [--startups 101] [--paced-rate 5000] [--paced-duration 5] \
[--only http,stdio,startup] [--env KEY=VALUE] [--header 'Name: value'] [--cpus auto|shared|SERVER/LOAD] \
[--work-dir DIR] [--out results.md]";

pub(crate) fn parse_options() -> Result<Options> {
    let mut options = Options {
        servers: Vec::new(),
        rounds: 6,
        duration_s: 10,
        warmup_s: 2,
        connections: 8,
        wrk_threads: 2,
        stdio_requests: 20_000,
        startups: 101,
        work_dir: std::env::temp_dir().join("mcpgen-bench"),
        out: None,
        only: vec!["http".into(), "stdio".into(), "startup".into()],
        env: Vec::new(),
        headers: String::new(),
        paced_rate: 5000,
        paced_s: 5.0,
        cpus: cpus::Placement::parse("auto")?,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || {
            args.next()
                .ok_or_else(|| anyhow!("{flag} needs a value\n{USAGE}"))
        };
        match flag.as_str() {
            "--server" => {
                let spec = value()?;
                let (name, path) = spec
                    .split_once('=')
                    .ok_or_else(|| anyhow!("--server takes NAME=BINARY, got `{spec}`"))?;
                options.servers.push((name.to_owned(), PathBuf::from(path)));
            }
            "--rounds" => options.rounds = value()?.parse()?,
            "--duration" => options.duration_s = value()?.parse()?,
            "--warmup" => options.warmup_s = value()?.parse()?,
            "--connections" => options.connections = value()?.parse()?,
            "--wrk-threads" => options.wrk_threads = value()?.parse()?,
            "--stdio-requests" => options.stdio_requests = value()?.parse()?,
            "--startups" => options.startups = value()?.parse()?,
            "--paced-rate" => options.paced_rate = value()?.parse()?,
            "--paced-duration" => options.paced_s = value()?.parse()?,
            "--cpus" => options.cpus = cpus::Placement::parse(&value()?)?,
            "--work-dir" => options.work_dir = PathBuf::from(value()?),
            "--out" => options.out = Some(PathBuf::from(value()?)),
            "--header" => {
                let header = value()?;
                if !header.contains(": ") {
                    bail!("--header takes `Name: value`, got `{header}`");
                }
                options.headers.push_str(&header);
                options.headers.push_str("\r\n");
            }
            "--env" => {
                let pair = value()?;
                let (key, value) = pair
                    .split_once('=')
                    .ok_or_else(|| anyhow!("--env takes KEY=VALUE, got `{pair}`"))?;
                options.env.push((key.to_owned(), value.to_owned()));
            }
            "--only" => {
                options.only = value()?.split(',').map(str::to_owned).collect();
                if let Some(bad) = options
                    .only
                    .iter()
                    .find(|m| !["http", "stdio", "startup"].contains(&m.as_str()))
                {
                    bail!("--only takes http, stdio and startup, got `{bad}`");
                }
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => bail!("unknown option `{other}`\n{USAGE}"),
        }
    }
    if options.servers.len() != 3 {
        bail!("give three servers: the generated one, the hand-written one and the limit\n{USAGE}");
    }
    if options.rounds == 0 || options.startups == 0 || options.stdio_requests == 0 {
        bail!("--rounds, --startups and --stdio-requests must be at least 1");
    }
    for (name, path) in &options.servers {
        if !path.is_file() {
            bail!("the binary of `{name}` is missing: {}", path.display());
        }
    }
    Ok(options)
}
