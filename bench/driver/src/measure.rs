//! One server's figures in one round: HTTP throughput, latency and memory under wrk and
//! at a paced rate, pipelined stdio throughput and memory, and start-up time.

use std::{
    io::{BufRead, BufReader, Write},
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::{Context, Result, anyhow, bail};
use serde_json::Value;

use crate::cli::Options;
use crate::paced;
use crate::procs::{Proc, vm_hwm_kib};
use crate::report::median;
use crate::wire::{checked_result, free_port, http_request, post_once, request};
use crate::wrk;

#[derive(Debug, Default, Clone)]
pub(crate) struct Sample {
    pub(crate) http_rps: f64,
    pub(crate) http_p50_ms: f64,
    pub(crate) http_p99_ms: f64,
    pub(crate) http_rss_mib: f64,
    pub(crate) paced_p50_ms: f64,
    pub(crate) paced_p99_ms: f64,
    pub(crate) stdio_rps: f64,
    pub(crate) stdio_rss_mib: f64,
    pub(crate) startup_ms: f64,
    pub(crate) response_bytes: f64,
}

pub(crate) struct Bench<'a> {
    pub(crate) options: &'a Options,
    pub(crate) script: PathBuf,
    /// The `structuredContent` every server must return.
    pub(crate) expected: Option<Value>,
}

impl Bench<'_> {
    /// Every measurement `--only` asks for, of one server.
    pub(crate) fn sample(&mut self, name: &str, bin: &Path) -> Result<Sample> {
        let mut sample = Sample::default();
        let options = self.options;
        let wanted = |m: &str| options.only.iter().any(|o| o == m);
        if wanted("http") {
            self.http(name, bin, &mut sample)
                .with_context(|| format!("{name}: HTTP"))?;
        }
        if wanted("stdio") {
            self.stdio(name, bin, &mut sample)
                .with_context(|| format!("{name}: stdio"))?;
        }
        if wanted("startup") {
            self.startup(name, bin, &mut sample)
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
        Ok(sample)
    }

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

    pub(crate) fn http(&mut self, name: &str, bin: &Path, sample: &mut Sample) -> Result<()> {
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
            match post_once(port, &body, &self.options.headers) {
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
        wrk::run(self.options, &self.script, &url, self.options.warmup_s)?;
        let report = wrk::run(self.options, &self.script, &url, self.options.duration_s)?;
        server.check_running(&format!("{name} (HTTP)"))?;
        sample.http_rps = report.rps;
        sample.http_p50_ms = report.p50_ms;
        sample.http_p99_ms = report.p99_ms;
        sample.http_rss_mib = vm_hwm_kib(server.pid())? as f64 / 1024.0;
        if self.options.paced_rate > 0 {
            let paced = paced::run(
                port,
                http_request(port, &body, &self.options.headers).as_bytes(),
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

    pub(crate) fn stdio(&mut self, name: &str, bin: &Path, sample: &mut Sample) -> Result<()> {
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

    pub(crate) fn startup(&self, name: &str, bin: &Path, sample: &mut Sample) -> Result<()> {
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
