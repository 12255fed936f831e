//! The table of a run: the median of the rounds for each figure, how the servers
//! compare, and every round's figures.

use crate::cli::Options;
use crate::measure::Sample;

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

pub(crate) fn report(options: &Options, samples: &[Vec<Sample>]) -> String {
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

/// What the servers ran with, how hard and how long they were driven, and how busy the
/// machine was.
/// A variable's value as the report shows it: a token's only by its first characters,
/// so that a results file never holds a working credential.
fn displayed(name: &str, value: &str) -> String {
    let secret = ["TOKEN", "SECRET", "KEY", "PASSWORD"]
        .iter()
        .any(|word| name.to_ascii_uppercase().contains(word));
    if secret {
        format!("{}…", value.chars().take(10).collect::<String>())
    } else {
        value.to_owned()
    }
}

pub(crate) fn settings(
    options: &Options,
    load_before: &str,
    load_after: &str,
    cpu_count: usize,
) -> String {
    let mut out = String::new();
    if !options.env.is_empty() {
        let env: Vec<String> = options
            .env
            .iter()
            .map(|(k, v)| format!("{k}={}", displayed(k, v)))
            .collect();
        out.push_str(&format!("\nServers ran with {}.\n", env.join(" ")));
    }
    out.push_str(&format!(
        "\nwrk: {} threads, {} keep-alive connections, {} s per run after {} s of warm-up; paced: {} requests a second over as many connections for {} s, open loop, after wrk; stdio: {} pipelined requests; start-up: median of {} starts.\n\
         Load average before: {load_before}; after: {load_after}; {cpu_count} CPUs: {}.\n",
        options.wrk_threads,
        options.connections,
        options.duration_s,
        options.warmup_s,
        options.paced_rate,
        options.paced_s,
        options.stdio_requests,
        options.startups,
        options.cpus.describe(),
    ));
    out
}

pub(crate) fn median(values: &mut [f64]) -> f64 {
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

#[cfg(test)]
mod tests {
    #[test]
    fn a_token_in_the_environment_is_shown_by_its_first_characters_only() {
        let token = "mcpgen_JKbqOsvtMFG2qWnmKsRWswiF1JpddhhNrkxNFfcdgxE0FszlY";
        assert_eq!(super::displayed("WEATHER_TOKEN", token), "mcpgen_JKb…");
        assert_eq!(
            super::displayed("MCPGEN_DATA_DIR", "/tmp/data"),
            "/tmp/data"
        );
    }
}
