//! Which CPUs the servers run on and which the load runs on (`--cpus`).
//!
//! By default the CPUs this process may use are split in two: the servers get one part,
//! and the driver with everything it starts to make the load (wrk, the paced and the
//! stdio clients) gets the other. Sharing the CPUs, a closed-loop load generator
//! competes with the server it measures, and its latencies then count the time its own
//! threads waited for a CPU.
//!
//! A child inherits the CPU affinity of the thread that starts it, so the driver moves
//! its thread onto the servers' CPUs to start a server and back to the load's right
//! after; every other child and thread starts from the load's CPUs.

use anyhow::{Context, Result, anyhow, bail};
use nix::{sched::CpuSet, unistd::Pid};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Placement {
    /// Servers and load share every CPU (`--cpus shared`).
    Shared,
    Split {
        server: Vec<usize>,
        load: Vec<usize>,
    },
}

impl Placement {
    /// `--cpus`: `auto` (the default), `shared`, or `SERVER/LOAD` with each side a list of
    /// CPUs and ranges (`1/0`, `4-7/0-3`, `2,3/0,1`).
    pub(crate) fn parse(text: &str) -> Result<Self> {
        match text {
            "auto" => Ok(Self::auto(&allowed()?)),
            "shared" => Ok(Self::Shared),
            _ => {
                let (server, load) = text.split_once('/').ok_or_else(|| {
                    anyhow!("--cpus takes auto, shared or SERVER/LOAD (such as 1/0), got `{text}`")
                })?;
                let (server, load) = (cpu_list(server)?, cpu_list(load)?);
                if let Some(both) = server.iter().find(|cpu| load.contains(cpu)) {
                    bail!("--cpus `{text}`: CPU {both} is on both sides; give each side its own");
                }
                Ok(Self::Split { server, load })
            }
        }
    }

    /// Half of the CPUs (rounded down) for the load, the rest for the servers; shared
    /// when there is only one.
    pub(crate) fn auto(allowed: &[usize]) -> Self {
        if allowed.len() < 2 {
            return Self::Shared;
        }
        let (load, server) = allowed.split_at(allowed.len() / 2);
        Self::Split {
            server: server.to_vec(),
            load: load.to_vec(),
        }
    }

    /// Moves the calling thread onto the load's CPUs: the threads and children it
    /// starts from now on run there.
    pub(crate) fn enter_load(&self) -> Result<()> {
        match self {
            Self::Shared => Ok(()),
            Self::Split { load, .. } => pin_this_thread(load),
        }
    }

    /// Runs `start` (which starts a server) on the servers' CPUs, then moves back.
    pub(crate) fn on_server_cpus<T>(&self, start: impl FnOnce() -> T) -> Result<T> {
        match self {
            Self::Shared => Ok(start()),
            Self::Split { server, load } => {
                pin_this_thread(server)?;
                let started = start();
                pin_this_thread(load)?;
                Ok(started)
            }
        }
    }

    /// For the report: `servers on CPU 1, load on CPU 0`.
    pub(crate) fn describe(&self) -> String {
        match self {
            Self::Shared => "servers and load share every CPU".to_owned(),
            Self::Split { server, load } => {
                format!(
                    "servers on CPU {}, load on CPU {}",
                    join(server),
                    join(load)
                )
            }
        }
    }
}

/// The CPUs the calling thread may run on: at start, those of the whole process.
pub(crate) fn allowed() -> Result<Vec<usize>> {
    let set = nix::sched::sched_getaffinity(Pid::from_raw(0))
        .context("cannot read this process's CPU affinity")?;
    Ok((0..CpuSet::count())
        .filter(|&cpu| set.is_set(cpu).unwrap_or(false))
        .collect())
}

fn pin_this_thread(cpus: &[usize]) -> Result<()> {
    let mut set = CpuSet::new();
    for &cpu in cpus {
        set.set(cpu)
            .with_context(|| format!("CPU {cpu} is beyond what an affinity mask holds"))?;
    }
    // Pid 0: the calling thread.
    nix::sched::sched_setaffinity(Pid::from_raw(0), &set).with_context(|| {
        format!(
            "cannot run on CPU {}; `nproc` and `taskset -p $$` tell which CPUs this \
             process may use (--cpus shared turns the split off)",
            join(cpus)
        )
    })
}

fn cpu_list(text: &str) -> Result<Vec<usize>> {
    let mut cpus = Vec::new();
    for part in text.split(',') {
        let bad = || anyhow!("`{part}` is not a CPU number or a range such as 0-3");
        let (first, last) = match part.split_once('-') {
            Some((first, last)) => (first, last),
            None => (part, part),
        };
        let (first, last): (usize, usize) = (
            first.trim().parse().map_err(|_| bad())?,
            last.trim().parse().map_err(|_| bad())?,
        );
        if first > last {
            return Err(bad());
        }
        cpus.extend(first..=last);
    }
    cpus.sort_unstable();
    cpus.dedup();
    Ok(cpus)
}

fn join(cpus: &[usize]) -> String {
    cpus.iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_gives_the_load_the_lower_half_and_the_servers_the_rest() {
        assert_eq!(Placement::auto(&[3]), Placement::Shared);
        assert_eq!(
            Placement::auto(&[0, 1]),
            Placement::Split {
                server: vec![1],
                load: vec![0]
            }
        );
        assert_eq!(
            Placement::auto(&[0, 2, 4, 5, 6]),
            Placement::Split {
                server: vec![4, 5, 6],
                load: vec![0, 2]
            }
        );
    }

    #[test]
    fn cpus_option_reads_lists_and_ranges_and_refuses_overlaps() {
        assert_eq!(
            Placement::parse("4-5,7/0-1").expect("valid"),
            Placement::Split {
                server: vec![4, 5, 7],
                load: vec![0, 1]
            }
        );
        assert_eq!(
            Placement::parse("shared").expect("valid"),
            Placement::Shared
        );
        let overlap = Placement::parse("0-2/2").expect_err("overlap").to_string();
        assert!(overlap.contains("CPU 2 is on both sides"), "{overlap}");
        for bad in ["1", "a/0", "3-1/0", "1/"] {
            assert!(Placement::parse(bad).is_err(), "`{bad}` was accepted");
        }
    }

    /// A server started through `on_server_cpus` runs on the servers' CPUs, and the
    /// thread that started it is back on the load's.
    #[test]
    fn a_started_server_runs_on_the_server_cpus_and_the_driver_on_the_load_cpus() {
        let cpus = allowed().expect("affinity");
        let (server, load) = match cpus.as_slice() {
            [only] => (vec![*only], vec![*only]),
            [first, .., last] => (vec![*last], vec![*first]),
            [] => panic!("no CPU allowed"),
        };
        // Run on a thread of its own: the test harness's threads keep their affinity.
        let placement = Placement::Split {
            server: server.clone(),
            load: load.clone(),
        };
        let (child, after) = std::thread::spawn(move || {
            placement.enter_load().expect("load cpus");
            let child = placement
                .on_server_cpus(|| {
                    std::process::Command::new("grep")
                        .args(["Cpus_allowed_list", "/proc/self/status"])
                        .output()
                })
                .expect("pinned")
                .expect("grep runs");
            (
                String::from_utf8_lossy(&child.stdout).into_owned(),
                allowed(),
            )
        })
        .join()
        .expect("thread");
        assert_eq!(
            child.split_whitespace().last(),
            Some(join(&server).as_str()),
            "{child}"
        );
        assert_eq!(after.expect("affinity"), load);
    }
}
