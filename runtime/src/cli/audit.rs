//! `audit tail`, `audit query` and `audit stats`: the audit trail in the server's
//! store, read while the server runs (they share the file) or while it is down.

use std::{
    collections::BTreeMap,
    io::{self, Write},
    time::Duration,
};

use clap::{Args, Subcommand};
use serde_json::json;

use super::{Defaults, token::StoreArgs};
use crate::store::{
    Store,
    audit::{AuditFilter, AuditRow},
};

/// `audit`: the trail and where it is kept.
#[derive(Debug, Clone, PartialEq, Eq, Args)]
pub(super) struct Audit {
    #[command(flatten)]
    store: StoreArgs,
    #[command(subcommand)]
    command: AuditCommand,
}

#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
enum AuditCommand {
    /// The last requests, oldest first; with --follow, then each new one as it is written.
    Tail(Tail),
    /// The requests that match every filter given, oldest first.
    Query(Query),
    /// Per tool (and per other method): calls, error rate, refusals by kind, p50/p99 latency.
    Stats(Stats),
}

#[derive(Debug, Clone, PartialEq, Eq, Args)]
struct Tail {
    /// Keep printing new requests until interrupted.
    #[arg(long, short = 'f')]
    follow: bool,
    /// How many of the last requests to print first.
    #[arg(short = 'n', long = "lines", value_name = "N", default_value_t = 20)]
    lines: u32,
    /// One JSON object per line, for scripts.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Args)]
struct Query {
    /// Only calls of this tool (or reads of this resource URI, gets of this prompt).
    #[arg(long, value_name = "NAME")]
    tool: Option<String>,
    /// Only this outcome: ok, tool_error, invalid_arguments, rate_limited, forbidden, ...
    #[arg(long, value_name = "OUTCOME")]
    outcome: Option<String>,
    /// Only requests of this subject (who the credential named).
    #[arg(long, value_name = "SUBJECT")]
    subject: Option<String>,
    /// Only requests of the last DURATION, such as 1h, 30m or 7d.
    #[arg(long, value_name = "DURATION", value_parser = super::token::parse_duration)]
    since: Option<Duration>,
    /// At most N requests: the most recent ones.
    #[arg(long, value_name = "N", default_value_t = 100)]
    limit: u32,
    /// One JSON array, for scripts.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Args)]
struct Stats {
    /// Over the last DURATION, such as 1h, 30m or 7d.
    #[arg(long, value_name = "DURATION", value_parser = super::token::parse_duration, default_value = "1h")]
    since: Duration,
    /// One JSON array, for scripts.
    #[arg(long)]
    json: bool,
}

/// The help shown after `audit --help`.
pub(super) fn examples(name: &str) -> String {
    format!(
        "Examples:\n  \
         {name} audit tail --follow\n  \
         {name} audit query --tool create_issue --outcome tool_error --since 1h\n  \
         {name} audit query --subject ci-bot --since 1d --json\n  \
         {name} audit stats --since 1h\n\n\
         Outcomes: ok, tool_error, invalid_arguments, not_found, rate_limited, overloaded, circuit_open, timeout, response_too_large, disabled, internal_error, protocol_error, unauthenticated, forbidden, cancelled, input_required, task_created."
    )
}

/// Runs an `audit` command; rows go to `out`.
pub(super) fn run(audit: Audit, defaults: &Defaults, out: &mut dyn Write) -> Result<(), String> {
    let store = super::token::open_store(&audit.store, defaults)?;
    let read = |filter: &AuditFilter| store.audit_rows(filter).map_err(|e| e.to_string());
    let written = match audit.command {
        AuditCommand::Tail(tail) => return follow(&store, &tail, out),
        AuditCommand::Query(query) => {
            let rows = read(&AuditFilter {
                target: query.tool,
                outcome: query.outcome,
                subject: query.subject,
                since_us: query.since.map(since_us),
                after_id: None,
                limit: Some(query.limit),
            })?;
            if query.json {
                let rows: Vec<_> = rows.iter().map(row_json).collect();
                serde_json::to_string_pretty(&rows)
                    .map_err(io::Error::other)
                    .and_then(|text| writeln!(out, "{text}"))
            } else {
                rows.iter()
                    .try_for_each(|row| writeln!(out, "{}", line(row)))
            }
        }
        AuditCommand::Stats(stats) => {
            let rows = read(&AuditFilter {
                since_us: Some(since_us(stats.since)),
                ..AuditFilter::default()
            })?;
            print_stats(&tally(&rows), stats.json, out)
        }
    };
    written.map_err(|e| format!("cannot write the output: {e}"))
}

/// `audit tail`: the last rows, then (with `--follow`) new ones every half second.
fn follow(store: &Store, tail: &Tail, out: &mut dyn Write) -> Result<(), String> {
    let mut filter = AuditFilter {
        limit: Some(tail.lines),
        ..AuditFilter::default()
    };
    loop {
        let rows = store.audit_rows(&filter).map_err(|e| e.to_string())?;
        for row in &rows {
            let text = if tail.json {
                row_json(row).to_string()
            } else {
                line(row)
            };
            writeln!(out, "{text}").map_err(|e| format!("cannot write the output: {e}"))?;
        }
        out.flush()
            .map_err(|e| format!("cannot write the output: {e}"))?;
        if !tail.follow {
            return Ok(());
        }
        if let Some(last) = rows.last() {
            filter.after_id = Some(last.id);
        } else if filter.after_id.is_none() {
            filter.after_id = Some(0);
        }
        filter.limit = None;
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// Now minus `duration`, in microseconds since the epoch.
fn since_us(duration: Duration) -> i64 {
    let now = crate::store::unix_now().saturating_mul(1_000_000);
    now.saturating_sub(i64::try_from(duration.as_micros()).unwrap_or(i64::MAX))
}

/// A row's time as RFC 3339 with milliseconds.
fn time(at_us: i64) -> String {
    chrono::DateTime::from_timestamp_micros(at_us).map_or_else(
        || format!("{at_us} (microseconds)"),
        |t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    )
}

/// One row as a line of `audit tail` and `audit query`.
fn line(row: &AuditRow) -> String {
    let mut text = format!(
        "{} {:<17} {} {}",
        time(row.at_us),
        row.outcome,
        row.method.as_deref().unwrap_or("-"),
        row.target.as_deref().unwrap_or("-"),
    );
    let who = row
        .subject
        .as_deref()
        .or(row.agent.as_deref())
        .unwrap_or("-");
    text.push_str(&format!(" by={who}"));
    if let Some(client) = &row.client_name {
        let version = row.client_version.as_deref().unwrap_or("?");
        text.push_str(&format!(" client={client}/{version}"));
    }
    text.push_str(&format!(
        " kind={} {} {:.1}ms",
        row.client_kind,
        row.transport,
        row.latency_us as f64 / 1000.0
    ));
    if let Some(status) = row.http_status {
        text.push_str(&format!(" status={status}"));
    }
    if let Some(code) = row.error_code {
        text.push_str(&format!(" error_code={code}"));
    }
    if let Some(arguments) = &row.arguments {
        text.push_str(&format!(" args={arguments}"));
    }
    if let Some(detail) = &row.detail {
        text.push_str(&format!(" detail={detail:?}"));
    }
    text
}

/// One row as JSON: every column, the time also as RFC 3339, the arguments as JSON.
fn row_json(row: &AuditRow) -> serde_json::Value {
    let mut value = serde_json::to_value(row).unwrap_or_default();
    value["time"] = json!(time(row.at_us));
    if let Some(arguments) = &row.arguments {
        value["arguments"] = serde_json::from_str(arguments).unwrap_or(json!(arguments));
    }
    value
}

/// Outcomes that are a refusal before the handler ran, not an error of the call.
const REFUSALS: &[&str] = &[
    "rate_limited",
    "overloaded",
    "circuit_open",
    "unauthenticated",
    "forbidden",
];
/// Outcomes that are not errors.
const FINE: &[&str] = &["ok", "cancelled", "input_required", "task_created"];

/// The requests to one tool (or one other method) over the window.
#[derive(Debug, Default)]
struct Tally {
    calls: u64,
    errors: u64,
    refusals: BTreeMap<String, u64>,
    latencies_us: Vec<i64>,
}

/// Rows tallied by method and target.
fn tally(rows: &[AuditRow]) -> BTreeMap<(String, String), Tally> {
    let mut tallies: BTreeMap<(String, String), Tally> = BTreeMap::new();
    for row in rows {
        let key = (
            row.method.clone().unwrap_or_else(|| "-".into()),
            row.target.clone().unwrap_or_else(|| "-".into()),
        );
        let tally = tallies.entry(key).or_default();
        tally.calls += 1;
        let outcome = row.outcome.as_str();
        if REFUSALS.contains(&outcome) {
            *tally.refusals.entry(row.outcome.clone()).or_default() += 1;
        } else if !FINE.contains(&outcome) {
            tally.errors += 1;
        }
        tally.latencies_us.push(row.latency_us);
    }
    for tally in tallies.values_mut() {
        tally.latencies_us.sort_unstable();
    }
    tallies
}

/// The `p`-th percentile (nearest rank) of sorted latencies, in milliseconds.
fn percentile(sorted: &[i64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1] as f64 / 1000.0
}

fn print_stats(
    tallies: &BTreeMap<(String, String), Tally>,
    json: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    let rows: Vec<serde_json::Value> = tallies
        .iter()
        .map(|((method, target), t)| {
            json!({
                "method": method,
                "target": target,
                "calls": t.calls,
                "errors": t.errors,
                "error_rate": t.errors as f64 / t.calls as f64,
                "refusals": t.refusals,
                "p50_ms": percentile(&t.latencies_us, 50.0),
                "p99_ms": percentile(&t.latencies_us, 99.0),
            })
        })
        .collect();
    if json {
        let text = serde_json::to_string_pretty(&rows).map_err(io::Error::other)?;
        return writeln!(out, "{text}");
    }
    let mut table = vec![
        [
            "METHOD",
            "TARGET",
            "CALLS",
            "ERRORS",
            "ERROR RATE",
            "REFUSALS",
            "P50 MS",
            "P99 MS",
        ]
        .map(str::to_owned),
    ];
    for ((method, target), t) in tallies {
        let refusals: Vec<String> = t.refusals.iter().map(|(k, n)| format!("{k}:{n}")).collect();
        table.push([
            method.clone(),
            target.clone(),
            t.calls.to_string(),
            t.errors.to_string(),
            format!("{:.1}%", 100.0 * t.errors as f64 / t.calls as f64),
            if refusals.is_empty() {
                "-".to_owned()
            } else {
                refusals.join(",")
            },
            format!("{:.1}", percentile(&t.latencies_us, 50.0)),
            format!("{:.1}", percentile(&t.latencies_us, 99.0)),
        ]);
    }
    super::token::write_table(out, &table)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(target: &str, outcome: &str, latency_us: i64) -> AuditRow {
        AuditRow {
            method: Some("tools/call".into()),
            target: Some(target.into()),
            outcome: outcome.into(),
            latency_us,
            ..AuditRow::default()
        }
    }

    #[test]
    fn stats_count_errors_and_refusals_apart_and_take_percentiles() {
        let mut rows: Vec<AuditRow> = (1..=97).map(|i| row("a", "ok", i * 1000)).collect();
        rows.push(row("a", "tool_error", 98_000));
        rows.push(row("a", "internal_error", 99_000));
        rows.push(row("a", "rate_limited", 100_000));
        rows.push(row("b", "forbidden", 5));
        let tallies = tally(&rows);
        let a = &tallies[&("tools/call".to_owned(), "a".to_owned())];
        assert_eq!((a.calls, a.errors), (100, 2));
        assert_eq!(a.refusals["rate_limited"], 1);
        assert_eq!(percentile(&a.latencies_us, 50.0), 50.0);
        assert_eq!(percentile(&a.latencies_us, 99.0), 99.0);
        let b = &tallies[&("tools/call".to_owned(), "b".to_owned())];
        assert_eq!((b.calls, b.errors), (1, 0));
        let mut out = Vec::new();
        print_stats(&tallies, true, &mut out).expect("written");
        let stats: serde_json::Value = serde_json::from_slice(&out).expect("JSON");
        assert_eq!(stats[0]["error_rate"], 0.02);
        assert_eq!(stats[1]["refusals"]["forbidden"], 1);
    }

    #[test]
    fn a_line_names_the_request_and_never_lacks_a_column() {
        let mut r = row("create_issue", "tool_error", 1500);
        r.subject = Some("alice".into());
        r.client_kind = "mcp_http".into();
        r.transport = "http".into();
        r.http_status = Some(200);
        let text = line(&r);
        for part in [
            "tool_error",
            "tools/call create_issue",
            "by=alice",
            "kind=mcp_http",
            "1.5ms",
            "status=200",
        ] {
            assert!(text.contains(part), "{part} missing from {text}");
        }
    }
}
