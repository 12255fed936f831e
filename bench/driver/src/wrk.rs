//! wrk, the closed-loop HTTP load: its Lua script, one run, and its report.

use std::{
    io::Read,
    path::{Path, PathBuf},
    process::{Command, Stdio},
};

use anyhow::{Result, bail};

use crate::cli::Options;
use crate::procs::Proc;
use crate::wire::{HEADERS, request};

/// One wrk run of `seconds` against `url`, with `script`'s request.
pub(crate) fn run(options: &Options, script: &Path, url: &str, seconds: u64) -> Result<WrkReport> {
    let output = {
        let proc = Proc::spawn(
            Command::new("wrk")
                .args([
                    &format!("-t{}", options.wrk_threads),
                    &format!("-c{}", options.connections),
                    &format!("-d{seconds}s"),
                    "--latency",
                    "-s",
                ])
                .arg(script)
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

#[derive(Debug)]
pub(crate) struct WrkReport {
    pub(crate) rps: f64,
    pub(crate) p50_ms: f64,
    pub(crate) p99_ms: f64,
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

pub(crate) fn write_script(dir: &Path, extra: &str) -> Result<PathBuf> {
    let mut lua = String::from(
        "-- written by mcpgen-bench: one tools/call, stateless 2026-07-28 wire\nwrk.method = \"POST\"\n",
    );
    lua.push_str(&format!("wrk.body = [==[{}]==]\n", request(1)));
    let extra = extra
        .lines()
        .filter_map(|line| line.trim_end().split_once(": "));
    for (name, value) in HEADERS.iter().copied().chain(extra) {
        lua.push_str(&format!("wrk.headers[\"{name}\"] = \"{value}\"\n"));
    }
    let path = dir.join("tools_call.lua");
    std::fs::write(&path, lua)?;
    Ok(path)
}
