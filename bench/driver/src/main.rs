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
//!
//! The command line is read in `cli`; `wire` holds the request and how it is sent,
//! `wrk` and `paced` the two HTTP loads, `measure` one server's figures, `report` the
//! table, `procs` the children and `cpus` where everything runs.

use std::process::{Command, ExitCode, Stdio};

use anyhow::{Context, Result, bail};

mod cli;
mod cpus;
mod measure;
mod paced;
mod procs;
mod report;
mod wire;
mod wrk;

use cli::Options;
use measure::{Bench, Sample};

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
    let mut options = cli::parse_options()?;
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
    procs::install_signal_handler()?;
    std::fs::create_dir_all(&options.work_dir)?;
    copy_binaries(&mut options)?;
    let script = wrk::write_script(&options.work_dir, &options.headers)?;
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
            let sample = bench.sample(name, bin)?;
            samples[index].push(sample);
        }
    }
    let mut table = report::report(&options, &samples);
    table.push_str(&report::settings(
        &options,
        &load_before,
        &loadavg(),
        cpu_count,
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
