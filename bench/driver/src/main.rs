//! The benchmark driver that `bench/run.sh` runs after building the three servers:
//! the server `mcpgen new weather` generates, the hand-written rmcp server
//! (`bench/hand_rmcp`) and the bare axum limit (`bench/bare_axum`).
//!
//! For each server and each round it measures, one server at a time:
//! - `tools/call` over Streamable HTTP with wrk (8 keep-alive connections, the
//!   stateless 2026-07-28 wire: every POST carries the protocol version in its
//!   headers and `_meta`, so no session or handshake is involved): requests per
//!   second, p50 and p99 latency, then the peak resident memory (`VmHWM`);
//! - pipelined `tools/call` over stdio: N requests written without waiting, the time
//!   until the N-th response, then `VmHWM`;
//! - start-up: spawn the process, write one `tools/call` at once, time until its answer
//!   (the median of several starts).
//!
//! Rounds interleave the servers so that a change in the machine's load hits all of
//! them alike, each round in another order: over 6 rounds of 3 servers every order is
//! used once, so each server runs in each place, and right after each other server,
//! equally often (a rotation would always run one server right after the same other
//! one). The table shows the median of the rounds. The servers run on CPUs of their
//! own, away from the load ([`cpus`], `--cpus`).
//! Every process it starts is killed when it is done, on error and on ctrl-c/SIGTERM.

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::{TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, ExitCode, Stdio},
    sync::Mutex,
    time::{Duration, Instant},
};

use anyhow::{Context, Result, anyhow, bail};
use serde_json::Value;

mod cpus;
mod paced;

/// Process ids of every child still running, for the signal handler.
static CHILDREN: Mutex<Vec<u32>> = Mutex::new(Vec::new());

const META: &str = r#""_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"mcpgen-bench","version":"1"},"io.modelcontextprotocol/clientCapabilities":{}}"#;

/// The one request every server answers: the weather example's tool, three days.
fn request(id: u64) -> String {
    format!(
        r#"{{"jsonrpc":"2.0","id":{id},"method":"tools/call","params":{{"name":"get_forecast","arguments":{{"city":"Zurich","days":3}},{META}}}}}"#
    )
}

/// The HTTP headers of the stateless 2026-07-28 wire (besides Host and length).
const HEADERS: &[(&str, &str)] = &[
    ("Content-Type", "application/json"),
    ("Accept", "application/json, text/event-stream"),
    ("MCP-Protocol-Version", "2026-07-28"),
    ("Mcp-Method", "tools/call"),
    ("Mcp-Name", "get_forecast"),
];

struct Options {
    servers: Vec<(String, PathBuf)>,
    rounds: usize,
    duration_s: u64,
    warmup_s: u64,
    connections: u32,
    wrk_threads: u32,
    stdio_requests: u64,
    startups: usize,
    work_dir: PathBuf,
    out: Option<PathBuf>,
    /// Which measurements to take (`http`, `stdio`, `startup`).
    only: Vec<String>,
    /// Environment variables for every server (`RUST_LOG=warn`).
    env: Vec<(String, String)>,
    /// Requests a second of the paced (open-loop) latency run after wrk's; 0: none.
    paced_rate: u32,
    /// How long the paced run lasts, in seconds.
    paced_s: f64,
    /// Which CPUs the servers run on and which the load runs on.
    cpus: cpus::Placement,
}

const USAGE: &str = "usage: mcpgen-bench --server NAME=BINARY (3 times: generated, hand, bare) \
[--rounds 6] [--duration 10] [--warmup 2] [--connections 8] [--wrk-threads 2] \
[--stdio-requests 20000] [--startups 101] [--paced-rate 5000] [--paced-duration 5] \
[--only http,stdio,startup] [--env KEY=VALUE] [--cpus auto|shared|SERVER/LOAD] \
[--work-dir DIR] [--out results.md]";

fn parse_options() -> Result<Options> {
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

/// A child process that is killed (and reaped) when dropped.
struct Proc {
    child: Child,
}

impl Proc {
    fn spawn(command: &mut Command) -> Result<Self> {
        let child = command
            .spawn()
            .with_context(|| format!("cannot start {command:?}"))?;
        if let Ok(mut children) = CHILDREN.lock() {
            children.push(child.id());
        }
        Ok(Self { child })
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Fails if the process already ended.
    fn check_running(&mut self, what: &str) -> Result<()> {
        if let Some(status) = self.child.try_wait()? {
            bail!("{what} exited early ({status})");
        }
        Ok(())
    }

    /// Waits up to `timeout` for a voluntary exit; true if it exited.
    fn wait_for_exit(&mut self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        false
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let pid = self.child.id();
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
        if let Ok(mut children) = CHILDREN.lock() {
            children.retain(|p| *p != pid);
        }
    }
}

/// On ctrl-c or SIGTERM, kill every child still running and exit.
fn install_signal_handler() -> Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    std::thread::spawn(move || {
        runtime.block_on(async {
            let mut term =
                match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                    Ok(signal) => signal,
                    Err(_) => return,
                };
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        });
        let pids: Vec<u32> = CHILDREN.lock().map(|c| c.clone()).unwrap_or_default();
        for pid in &pids {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
        eprintln!(
            "mcpgen-bench: interrupted; stopped {} process(es)",
            pids.len()
        );
        std::process::exit(130);
    });
    Ok(())
}

/// Peak resident set size of a running process, in KiB.
fn vm_hwm_kib(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| anyhow!("no VmHWM in /proc/{pid}/status"))
}

fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// A POST of `body` to the MCP endpoint with the stateless wire's headers: kept alive
/// as wrk's, or with `extra` headers (`Connection: close`).
fn http_request(port: u16, body: &str, extra: &str) -> String {
    let mut request = format!(
        "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: {}\r\n{extra}",
        body.len()
    );
    for (name, value) in HEADERS {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    request
}

/// One POST with `Connection: close`; returns the status and body.
fn post_once(port: u16, body: &str) -> Result<(u16, Vec<u8>)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    stream.write_all(http_request(port, body, "Connection: close\r\n").as_bytes())?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| anyhow!("malformed HTTP response"))?;
    let status = std::str::from_utf8(&response[..split])?
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| anyhow!("no HTTP status"))?;
    let body = response[split + 4..].to_vec();
    if status == 200 && std::str::from_utf8(&response[..split])?.contains("chunked") {
        bail!("chunked responses are not expected here");
    }
    Ok((status, body))
}

/// Checks one JSON-RPC response and returns its `structuredContent`.
fn checked_result(body: &[u8], what: &str) -> Result<Value> {
    let message: Value = serde_json::from_slice(body)
        .with_context(|| format!("{what}: the response is not JSON"))?;
    let result = message
        .get("result")
        .ok_or_else(|| anyhow!("{what}: no result in {message}"))?;
    if result.get("isError") != Some(&Value::Bool(false)) {
        bail!("{what}: not a successful result: {message}");
    }
    let structured = result
        .get("structuredContent")
        .cloned()
        .ok_or_else(|| anyhow!("{what}: no structuredContent"))?;
    let text = result
        .pointer("/content/0/text")
        .and_then(Value::as_str)
        .ok_or_else(|| anyhow!("{what}: no text block"))?;
    let rendered: Value = serde_json::from_str(text)
        .with_context(|| format!("{what}: the text block is not the JSON of the result"))?;
    if rendered != structured {
        bail!("{what}: the text block and structuredContent differ");
    }
    Ok(structured)
}

#[derive(Debug, Default, Clone)]
struct Sample {
    http_rps: f64,
    http_p50_ms: f64,
    http_p99_ms: f64,
    http_rss_mib: f64,
    paced_p50_ms: f64,
    paced_p99_ms: f64,
    stdio_rps: f64,
    stdio_rss_mib: f64,
    startup_ms: f64,
    response_bytes: f64,
}

struct Bench<'a> {
    options: &'a Options,
    script: PathBuf,
    /// The `structuredContent` every server must return.
    expected: Option<Value>,
}

impl Bench<'_> {
    /// Starts a server binary on the servers' CPUs, with the `--env` variables.
    fn start_server(&self, bin: &Path, configure: impl FnOnce(&mut Command)) -> Result<Proc> {
        let mut command = Command::new(bin);
        command.envs(self.options.env.iter().map(|(k, v)| (k, v)));
        configure(&mut command);
        self.options
            .cpus
            .on_server_cpus(|| Proc::spawn(&mut command))?
    }

    fn log_file(&self, name: &str, what: &str) -> Result<std::fs::File> {
        let path = self.options.work_dir.join(format!("{name}-{what}.log"));
        Ok(std::fs::File::create(path)?)
    }

    fn check_same(&mut self, structured: Value, what: &str) -> Result<()> {
        match &self.expected {
            None => self.expected = Some(structured),
            Some(expected) if *expected == structured => {}
            Some(expected) => {
                bail!("{what}: a different result than the others:\n{structured}\nvs\n{expected}")
            }
        }
        Ok(())
    }

    fn http(&mut self, name: &str, bin: &Path, sample: &mut Sample) -> Result<()> {
        let port = free_port()?;
        let log = self.log_file(name, "http")?;
        let mut server = self.start_server(bin, |command| {
            command
                .args(["serve", "--http", &format!("127.0.0.1:{port}")])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(log);
        })?;
        let body = request(1);
        let deadline = Instant::now() + Duration::from_secs(20);
        let (status, response) = loop {
            server.check_running(&format!("{name} (HTTP)"))?;
            match post_once(port, &body) {
                Ok(answer) => break answer,
                Err(_) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(error) => return Err(error.context(format!("{name} never answered"))),
            }
        };
        if status != 200 {
            bail!(
                "{name} answered HTTP {status}: {}",
                String::from_utf8_lossy(&response)
            );
        }
        let structured = checked_result(&response, &format!("{name} over HTTP"))?;
        self.check_same(structured, &format!("{name} over HTTP"))?;
        sample.response_bytes = response.len() as f64;

        let url = format!("http://127.0.0.1:{port}/mcp");
        self.wrk(&url, self.options.warmup_s)?;
        let report = self.wrk(&url, self.options.duration_s)?;
        server.check_running(&format!("{name} (HTTP)"))?;
        sample.http_rps = report.rps;
        sample.http_p50_ms = report.p50_ms;
        sample.http_p99_ms = report.p99_ms;
        sample.http_rss_mib = vm_hwm_kib(server.pid())? as f64 / 1024.0;
        if self.options.paced_rate > 0 {
            let paced = paced::run(
                port,
                http_request(port, &body, "").as_bytes(),
                self.options.paced_rate,
                self.options.connections,
                self.options.paced_s,
            )?;
            server.check_running(&format!("{name} (HTTP)"))?;
            sample.paced_p50_ms = paced.p50_ms;
            sample.paced_p99_ms = paced.p99_ms;
        }
        Ok(())
    }

    fn wrk(&self, url: &str, seconds: u64) -> Result<WrkReport> {
        let output = {
            let proc = Proc::spawn(
                Command::new("wrk")
                    .args([
                        &format!("-t{}", self.options.wrk_threads),
                        &format!("-c{}", self.options.connections),
                        &format!("-d{seconds}s"),
                        "--latency",
                        "-s",
                    ])
                    .arg(&self.script)
                    .arg(url)
                    .stdin(Stdio::null())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped()),
            )?;
            let mut proc = proc;
            let mut out = String::new();
            if let Some(mut stdout) = proc.child.stdout.take() {
                stdout.read_to_string(&mut out)?;
            }
            let status = proc.child.wait()?;
            if !status.success() {
                let mut err = String::new();
                if let Some(mut stderr) = proc.child.stderr.take() {
                    let _ = stderr.read_to_string(&mut err);
                }
                bail!("wrk failed ({status}): {err}{out}");
            }
            out
        };
        parse_wrk(&output)
    }

    fn stdio(&mut self, name: &str, bin: &Path, sample: &mut Sample) -> Result<()> {
        let log = self.log_file(name, "stdio")?;
        let mut server = self.start_server(bin, |command| {
            command
                .args(["serve", "--stdio"])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(log);
        })?;
        let mut stdin = server.child.stdin.take().context("no stdin")?;
        let mut stdout =
            BufReader::with_capacity(1 << 16, server.child.stdout.take().context("no stdout")?);

        // One checked answer, a warm-up, then the timed run.
        writeln!(stdin, "{}", request(0))?;
        stdin.flush()?;
        let mut line = String::new();
        stdout.read_line(&mut line)?;
        let structured = checked_result(line.as_bytes(), &format!("{name} over stdio"))?;
        self.check_same(structured, &format!("{name} over stdio"))?;

        let warmup = (self.options.stdio_requests / 10).max(1);
        let mut next_id = 1;
        for (count, timed) in [(warmup, false), (self.options.stdio_requests, true)] {
            let mut batch = Vec::with_capacity(count as usize * 300);
            for id in next_id..next_id + count {
                batch.extend_from_slice(request(id).as_bytes());
                batch.push(b'\n');
            }
            next_id += count;
            let started = Instant::now();
            let writer =
                std::thread::spawn(move || -> std::io::Result<std::process::ChildStdin> {
                    stdin.write_all(&batch)?;
                    stdin.flush()?;
                    Ok(stdin)
                });
            let mut answered = 0;
            while answered < count {
                line.clear();
                if stdout.read_line(&mut line)? == 0 {
                    bail!("{name} closed stdout after {answered} of {count} answers");
                }
                // Notifications or log lines would not carry a result.
                if line.contains("\"result\"") {
                    if !line.contains("\"isError\":false") {
                        bail!("{name}: an answer over stdio is not a success: {line}");
                    }
                    answered += 1;
                }
            }
            let elapsed = started.elapsed();
            stdin = writer
                .join()
                .map_err(|_| anyhow!("the writer thread panicked"))??;
            if timed {
                sample.stdio_rps = count as f64 / elapsed.as_secs_f64();
            }
        }
        sample.stdio_rss_mib = vm_hwm_kib(server.pid())? as f64 / 1024.0;
        drop(stdin);
        server.wait_for_exit(Duration::from_secs(5));
        Ok(())
    }

    fn startup(&self, name: &str, bin: &Path, sample: &mut Sample) -> Result<()> {
        let mut times = Vec::new();
        let line = format!("{}\n", request(1));
        for _ in 0..self.options.startups {
            let started = Instant::now();
            let mut server = self.start_server(bin, |command| {
                command
                    .args(["serve", "--stdio"])
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::null());
            })?;
            let mut stdin = server.child.stdin.take().context("no stdin")?;
            stdin.write_all(line.as_bytes())?;
            stdin.flush()?;
            let mut stdout = BufReader::new(server.child.stdout.take().context("no stdout")?);
            let mut answer = String::new();
            stdout.read_line(&mut answer)?;
            let elapsed = started.elapsed();
            if !answer.contains("\"isError\":false") {
                bail!("{name}: the first answer is not a success: {answer}");
            }
            times.push(elapsed.as_secs_f64() * 1000.0);
            drop(stdin);
            server.wait_for_exit(Duration::from_secs(5));
        }
        sample.startup_ms = median(&mut times);
        Ok(())
    }
}

#[derive(Debug)]
struct WrkReport {
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
}

/// A wrk duration (`812.00us`, `1.20ms`, `2.00s`, `1.00m`) in milliseconds.
fn wrk_duration_ms(text: &str) -> Option<f64> {
    let split = text.find(|c: char| c.is_ascii_alphabetic())?;
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let factor = match unit {
        "us" => 0.001,
        "ms" => 1.0,
        "s" => 1000.0,
        "m" => 60_000.0,
        _ => return None,
    };
    Some(number * factor)
}

fn parse_wrk(output: &str) -> Result<WrkReport> {
    let mut rps = None;
    let mut p50 = None;
    let mut p99 = None;
    for line in output.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["Requests/sec:", value] => rps = value.parse().ok(),
            ["50%", value] => p50 = wrk_duration_ms(value),
            ["99%", value] => p99 = wrk_duration_ms(value),
            ["Non-2xx", ..] => bail!("wrk saw failed requests: {line}\n{output}"),
            ["Socket", "errors:", ..] => bail!("wrk saw socket errors: {line}\n{output}"),
            _ => {}
        }
    }
    match (rps, p50, p99) {
        (Some(rps), Some(p50_ms), Some(p99_ms)) => Ok(WrkReport {
            rps,
            p50_ms,
            p99_ms,
        }),
        _ => bail!("cannot read wrk's report:\n{output}"),
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

fn write_script(dir: &Path) -> Result<PathBuf> {
    let mut lua = String::from(
        "-- written by mcpgen-bench: one tools/call, stateless 2026-07-28 wire\nwrk.method = \"POST\"\n",
    );
    lua.push_str(&format!("wrk.body = [==[{}]==]\n", request(1)));
    for (name, value) in HEADERS {
        lua.push_str(&format!("wrk.headers[\"{name}\"] = \"{value}\"\n"));
    }
    let path = dir.join("tools_call.lua");
    std::fs::write(&path, lua)?;
    Ok(path)
}

/// Every order of `n` servers, in the order rounds use them: the first is the order
/// given, so one round runs them as listed.
fn permutations(n: usize) -> Vec<Vec<usize>> {
    fn extend(prefix: &mut Vec<usize>, n: usize, out: &mut Vec<Vec<usize>>) {
        if prefix.len() == n {
            out.push(prefix.clone());
            return;
        }
        for next in 0..n {
            if !prefix.contains(&next) {
                prefix.push(next);
                extend(prefix, n, out);
                prefix.pop();
            }
        }
    }
    let mut out = Vec::new();
    extend(&mut Vec::with_capacity(n), n, &mut out);
    out
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
                .into()
        })
        .unwrap_or_else(|| "?".to_owned())
}

/// One row of the table: how to read a figure and how to compare it.
struct Figure {
    /// The measurement (`--only`) it comes from.
    from: &'static str,
    label: &'static str,
    get: fn(&Sample) -> f64,
    higher_is_better: bool,
    decimals: usize,
}

const FIGURES: &[Figure] = &[
    Figure {
        from: "http",
        label: "HTTP tools/call throughput (req/s)",
        get: |s| s.http_rps,
        higher_is_better: true,
        decimals: 0,
    },
    Figure {
        from: "http",
        label: "HTTP latency p50 (ms)",
        get: |s| s.http_p50_ms,
        higher_is_better: false,
        decimals: 3,
    },
    Figure {
        from: "http",
        label: "HTTP latency p99 (ms)",
        get: |s| s.http_p99_ms,
        higher_is_better: false,
        decimals: 3,
    },
    Figure {
        from: "paced",
        label: "HTTP latency p50, paced (ms)",
        get: |s| s.paced_p50_ms,
        higher_is_better: false,
        decimals: 3,
    },
    Figure {
        from: "paced",
        label: "HTTP latency p99, paced (ms)",
        get: |s| s.paced_p99_ms,
        higher_is_better: false,
        decimals: 3,
    },
    Figure {
        from: "stdio",
        label: "stdio pipelined throughput (req/s)",
        get: |s| s.stdio_rps,
        higher_is_better: true,
        decimals: 0,
    },
    Figure {
        from: "startup",
        label: "start-up to first answer (ms)",
        get: |s| s.startup_ms,
        higher_is_better: false,
        decimals: 2,
    },
    Figure {
        from: "http",
        label: "peak RSS, HTTP load (MiB)",
        get: |s| s.http_rss_mib,
        higher_is_better: false,
        decimals: 1,
    },
    Figure {
        from: "stdio",
        label: "peak RSS, stdio pipelined (MiB)",
        get: |s| s.stdio_rss_mib,
        higher_is_better: false,
        decimals: 1,
    },
];

/// Whether a run with `options` measures `figure`: the paced figures come with `http`
/// unless `--paced-rate 0`.
fn shown(options: &Options, figure: &Figure) -> bool {
    let wanted = |m: &str| options.only.iter().any(|o| o == m);
    match figure.from {
        "paced" => options.paced_rate > 0 && wanted("http"),
        from => wanted(from),
    }
}

/// How `value` compares with `reference`; above 1.00 means `value` is better.
fn factor(value: f64, reference: f64, higher_is_better: bool) -> f64 {
    if higher_is_better {
        value / reference
    } else {
        reference / value
    }
}

fn report(options: &Options, samples: &[Vec<Sample>]) -> String {
    let names: Vec<&str> = options.servers.iter().map(|(n, _)| n.as_str()).collect();
    let mut out = String::new();
    out.push_str(&format!(
        "| figure (median of {} rounds) | {} | {} | {} | {} vs {} | {} vs {} | {} vs {} |\n",
        options.rounds,
        names[0],
        names[1],
        names[2],
        names[0],
        names[1],
        names[0],
        names[2],
        names[1],
        names[2],
    ));
    out.push_str("|---|---:|---:|---:|---:|---:|---:|\n");
    let figures = || FIGURES.iter().filter(|f| shown(options, f));
    for figure in figures() {
        let medians: Vec<f64> = samples
            .iter()
            .map(|rounds| {
                let mut values: Vec<f64> = rounds.iter().map(figure.get).collect();
                median(&mut values)
            })
            .collect();
        let d = figure.decimals;
        let better = figure.higher_is_better;
        out.push_str(&format!(
            "| {} | {:.d$} | {:.d$} | {:.d$} | {:.2}x | {:.2}x | {:.2}x |\n",
            figure.label,
            medians[0],
            medians[1],
            medians[2],
            factor(medians[0], medians[1], better),
            factor(medians[0], medians[2], better),
            factor(medians[1], medians[2], better),
        ));
    }
    let mut sizes: Vec<String> = Vec::new();
    for (name, rounds) in names.iter().zip(samples) {
        let bytes = rounds.first().map_or(0.0, |s| s.response_bytes);
        sizes.push(format!("{name} {bytes:.0}"));
    }
    out.push_str(
        "\n\"A vs B\" above 1.00x means A is better (throughput: A/B; latency, start-up, memory: B/A).\n",
    );
    if options.only.iter().any(|o| o == "http") {
        out.push_str(&format!(
            "HTTP response body bytes: {}.\n",
            sizes.join(", ")
        ));
    }
    out.push_str(&format!("\nEvery round ({}):\n", names.join(" / ")));
    for figure in figures() {
        let d = figure.decimals;
        let per_server: Vec<String> = samples
            .iter()
            .map(|rounds| {
                rounds
                    .iter()
                    .map(|s| format!("{:.d$}", (figure.get)(s)))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        out.push_str(&format!("- {}: {}\n", figure.label, per_server.join(" / ")));
    }
    // The first two servers compared within each round: a change in the machine's load
    // during the run moves both of a round alike, so these spread less than the figures.
    out.push_str(&format!(
        "\n{} vs {}, round by round (median; lowest to highest):\n",
        names[0], names[1]
    ));
    for figure in figures() {
        let mut ratios: Vec<f64> = samples[0]
            .iter()
            .zip(&samples[1])
            .map(|(a, b)| factor((figure.get)(a), (figure.get)(b), figure.higher_is_better))
            .collect();
        let listed: Vec<String> = ratios.iter().map(|r| format!("{r:.2}x")).collect();
        let mid = median(&mut ratios);
        let (low, high) = ratios
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &r| {
                (l.min(r), h.max(r))
            });
        out.push_str(&format!(
            "- {}: {} ({mid:.2}x; {low:.2}x to {high:.2}x)\n",
            figure.label,
            listed.join(" ")
        ));
    }
    out
}

/// Runs each server from a fresh copy of its binary in `<work dir>/bin`, all written the
/// same way just now, so that all three start from the same page-cache state. How a
/// binary's pages came into the page cache (written by the linker, read back after an
/// eviction, copied) changes how many of them one fault maps, and so moved the start-up
/// time and the resident memory of one and the same binary by 10 % or more.
fn copy_binaries(options: &mut Options) -> Result<()> {
    let dir = options.work_dir.join("bin");
    std::fs::create_dir_all(&dir)?;
    for (name, path) in &mut options.servers {
        let copy = dir.join(&*name);
        // A fresh file: never write through the pages of a copy a previous run left.
        let _ = std::fs::remove_file(&copy);
        std::fs::copy(&*path, &copy)
            .with_context(|| format!("copying {} to {}", path.display(), copy.display()))?;
        *path = copy;
    }
    Ok(())
}

fn run() -> Result<()> {
    let mut options = parse_options()?;
    if Command::new("wrk")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_err()
    {
        bail!("wrk is not installed; install it with: sudo apt-get install -y wrk");
    }
    let cpu_count = cpus::allowed()?.len();
    // From here on, this thread and everything it starts run on the load's CPUs.
    options.cpus.enter_load()?;
    install_signal_handler()?;
    std::fs::create_dir_all(&options.work_dir)?;
    copy_binaries(&mut options)?;
    let script = write_script(&options.work_dir)?;
    let mut bench = Bench {
        options: &options,
        script,
        expected: None,
    };
    let load_before = loadavg();
    let mut samples: Vec<Vec<Sample>> = vec![Vec::new(); options.servers.len()];
    let orders = permutations(options.servers.len());
    for round in 0..options.rounds {
        for &index in &orders[round % orders.len()] {
            let (name, bin) = &options.servers[index];
            eprintln!("round {}/{}: {name}", round + 1, options.rounds);
            let mut sample = Sample::default();
            let wanted = |m: &str| options.only.iter().any(|o| o == m);
            if wanted("http") {
                bench
                    .http(name, bin, &mut sample)
                    .with_context(|| format!("{name}: HTTP"))?;
            }
            if wanted("stdio") {
                bench
                    .stdio(name, bin, &mut sample)
                    .with_context(|| format!("{name}: stdio"))?;
            }
            if wanted("startup") {
                bench
                    .startup(name, bin, &mut sample)
                    .with_context(|| format!("{name}: start-up"))?;
            }
            eprintln!(
                "  http {:.0} req/s p50 {:.3} ms p99 {:.3} ms rss {:.1} MiB | paced p50 {:.3} ms p99 {:.3} ms | stdio {:.0} req/s rss {:.1} MiB | start-up {:.2} ms",
                sample.http_rps,
                sample.http_p50_ms,
                sample.http_p99_ms,
                sample.http_rss_mib,
                sample.paced_p50_ms,
                sample.paced_p99_ms,
                sample.stdio_rps,
                sample.stdio_rss_mib,
                sample.startup_ms
            );
            samples[index].push(sample);
        }
    }
    let mut table = report(&options, &samples);
    if !options.env.is_empty() {
        let env: Vec<String> = options
            .env
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        table.push_str(&format!("\nServers ran with {}.\n", env.join(" ")));
    }
    table.push_str(&format!(
        "\nwrk: {} threads, {} keep-alive connections, {} s per run after {} s of warm-up; paced: {} requests a second over as many connections for {} s, open loop, after wrk; stdio: {} pipelined requests; start-up: median of {} starts.\n\
         Load average before: {load_before}; after: {}; {cpu_count} CPUs: {}.\n",
        options.wrk_threads,
        options.connections,
        options.duration_s,
        options.warmup_s,
        options.paced_rate,
        options.paced_s,
        options.stdio_requests,
        options.startups,
        loadavg(),
        options.cpus.describe(),
    ));
    println!("{table}");
    if let Some(out) = &options.out {
        std::fs::write(out, &table)?;
        eprintln!("written to {}", out.display());
    }
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("mcpgen-bench: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn six_rounds_put_each_server_in_each_place_and_after_each_other_equally_often() {
        let orders = permutations(3);
        assert_eq!(orders.len(), 6);
        assert_eq!(orders[0], vec![0, 1, 2]);
        let mut places = [[0; 3]; 3];
        let mut after = [[0; 3]; 3];
        for order in &orders {
            for (place, &server) in order.iter().enumerate() {
                places[server][place] += 1;
            }
            for pair in order.windows(2) {
                after[pair[1]][pair[0]] += 1;
            }
        }
        assert_eq!(places, [[2; 3]; 3]);
        assert_eq!(after, [[0, 2, 2], [2, 0, 2], [2, 2, 0]]);
    }
}
