//! `token create`, `token list` and `token revoke`: the managed bearer tokens in the
//! server's store, run while the server runs (they share the file) or while it is down.

use std::{
    io::{self, Write},
    path::PathBuf,
    time::Duration,
};

use clap::{Args, Subcommand};
use serde_json::json;

use super::Defaults;
use crate::store::{self, ManagedToken, Store, rfc3339};

/// Where the store is, for `serve` and `token`.
#[derive(Debug, Clone, PartialEq, Eq, Args)]
pub(super) struct StoreArgs {
    /// The directory of the server's store (managed tokens, audit trail). Default: the spec's
    /// store.data_dir, else $XDG_DATA_HOME/NAME or ~/.local/share/NAME.
    #[arg(long, value_name = "DIR", env = store::DATA_DIR_ENV, global = true)]
    pub(super) data_dir: Option<PathBuf>,
}

/// `token`: the tokens and where they are kept.
#[derive(Debug, Clone, PartialEq, Eq, Args)]
pub(super) struct Token {
    #[command(flatten)]
    store: StoreArgs,
    #[command(subcommand)]
    command: TokenCommand,
}

#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
enum TokenCommand {
    /// Create a token; it is printed once, on standard output, and never again.
    Create(Create),
    /// List the tokens (never the tokens themselves): id, prefix, subject, scopes,
    /// status, times, note.
    List(List),
    /// Revoke a token: running servers refuse it from its next request.
    Revoke(Revoke),
}

#[derive(Debug, Clone, PartialEq, Eq, Args)]
struct Create {
    /// Who the token is for: shown in logs and records, such as ci-bot or alice.
    #[arg(long, value_name = "NAME")]
    subject: String,
    /// The scopes it grants, comma-separated; each must be declared in the spec's
    /// auth.scopes.
    #[arg(long, value_name = "SCOPES", value_delimiter = ',')]
    scopes: Vec<String>,
    /// How long it works, such as 30d, 12h, 90m or 1d12h (s, m, h, d, w); without it,
    /// until revoked.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    expires_in: Option<Duration>,
    /// What the token is for, shown by `token list`.
    #[arg(long, value_name = "TEXT")]
    note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Args)]
struct List {
    /// One JSON array, for scripts.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Args)]
struct Revoke {
    /// The token's id (`tok_...`), as `token list` shows it.
    #[arg(value_name = "ID")]
    id: String,
}

/// The help shown after `token --help`.
pub(super) fn examples(name: &str) -> String {
    format!(
        "Examples:\n  \
         {name} token create --subject ci-bot --scopes read,write --expires-in 30d\n  \
         {name} token list\n  \
         {name} token revoke tok_1a2B3c4D\n\n\
         The store is shared with the running server: a revoked token is refused from its next request."
    )
}

/// Runs a `token` command. The token of `create` alone goes to `out`, so that
/// `TOKEN=$(NAME token create ...)` captures it; everything else goes to `err`.
pub(super) fn run(
    token: Token,
    defaults: &Defaults,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), String> {
    if let TokenCommand::Create(create) = &token.command {
        // Before the store is opened, so a typo creates no directory.
        check_scopes(&create.scopes, defaults.scopes)?;
    }
    let store = open_store(&token.store, defaults)?;
    let written = match token.command {
        TokenCommand::Create(create) => {
            let (row, secret) = store
                .create_token(
                    &create.subject,
                    &create.scopes,
                    create.expires_in,
                    create.note.as_deref(),
                )
                .map_err(|e| e.to_string())?;
            print_created(&row, secret.expose(), defaults.name, out, err)
        }
        TokenCommand::List(list) => {
            let rows = store.list_tokens().map_err(|e| e.to_string())?;
            if list.json {
                print_json(&rows, out)
            } else if rows.is_empty() {
                writeln!(
                    err,
                    "no tokens in {}; create one with `{} token create --subject NAME --scopes ...`",
                    store.file().display(),
                    defaults.name
                )
            } else {
                print_table(&rows, out)
            }
        }
        TokenCommand::Revoke(revoke) => {
            // Revoking is idempotent: a token revoked before keeps its first time.
            let row = store.revoke_token(&revoke.id).map_err(|e| e.to_string())?;
            writeln!(
                out,
                "revoked {} ({}) at {}: servers using {} refuse it from its next request",
                row.id,
                row.subject,
                row.revoked_at.map_or_else(String::new, rfc3339),
                store.file().display()
            )
        }
    };
    written.map_err(|e| format!("cannot write the output: {e}"))
}

/// The store the flags, the environment or the spec point at.
pub(super) fn open_store(args: &StoreArgs, defaults: &Defaults) -> Result<Store, String> {
    let dir = store::resolve_data_dir(args.data_dir.as_deref(), defaults.data_dir, defaults.name)
        .map_err(|e| e.to_string())?;
    Store::open(&dir).map_err(|e| e.to_string())
}

fn check_scopes(asked: &[String], declared: &[&str]) -> Result<(), String> {
    let Some(unknown) = asked.iter().find(|s| !declared.contains(&s.as_str())) else {
        return Ok(());
    };
    Err(if declared.is_empty() {
        format!(
            "the spec declares no scopes (`auth.scopes`), so a token cannot carry `{unknown}`; leave out `--scopes`, or declare the scope in the spec and run `mcpgen generate`"
        )
    } else {
        format!(
            "the spec declares no scope `{unknown}`; the declared scopes (`auth.scopes`) are: {}",
            declared.join(", ")
        )
    })
}

fn print_created(
    row: &ManagedToken,
    secret: &str,
    name: &str,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<()> {
    let scopes = match row.scopes.as_slice() {
        [] => "no scopes".to_owned(),
        scopes => format!("scopes {}", scopes.join(", ")),
    };
    let expires = row.expires_at.map_or_else(
        || "never expires".to_owned(),
        |at| format!("expires {}", rfc3339(at)),
    );
    let env_var = crate::auth::token::env_var(name);
    writeln!(
        err,
        "created {} for {} ({scopes}; {expires}):",
        row.id, row.subject
    )?;
    err.flush()?;
    writeln!(out, "{secret}")?;
    out.flush()?;
    writeln!(
        err,
        "This is the only time the token is shown: keep it in a secret store now.\n\
         Over HTTP, send it in a header:  Authorization: Bearer <token>\n\
         Over stdio, give it to the server in its environment:  {env_var}=<token>\n  \
         (in .mcp.json: \"env\": {{ \"{env_var}\": \"<token>\" }})\n\
         Revoke it with:  {name} token revoke {}",
        row.id
    )
}

fn print_json(rows: &[ManagedToken], out: &mut dyn Write) -> io::Result<()> {
    let now = store::unix_now();
    let rows: Vec<_> = rows.iter().map(|row| row_json(row, now)).collect();
    let text = serde_json::to_string_pretty(&rows).map_err(io::Error::other)?;
    writeln!(out, "{text}")
}

/// The head of `token list`.
const COLUMNS: [&str; 10] = [
    "ID",
    "PREFIX",
    "SUBJECT",
    "SCOPES",
    "STATUS",
    "CREATED",
    "EXPIRES",
    "LAST USED",
    "REVOKED",
    "NOTE",
];

fn print_table(rows: &[ManagedToken], out: &mut dyn Write) -> io::Result<()> {
    let now = store::unix_now();
    let time = |at: Option<i64>, none: &str| at.map_or_else(|| none.to_owned(), rfc3339);
    let mut table = vec![COLUMNS.map(str::to_owned)];
    table.extend(rows.iter().map(|row| {
        [
            row.id.clone(),
            format!("mcpgen_{}...", row.prefix),
            row.subject.clone(),
            if row.scopes.is_empty() {
                "-".to_owned()
            } else {
                row.scopes.join(",")
            },
            status(row, now).to_owned(),
            rfc3339(row.created_at),
            time(row.expires_at, "never"),
            time(row.last_used_at, "never"),
            time(row.revoked_at, "-"),
            row.note.clone().unwrap_or_else(|| "-".to_owned()),
        ]
    }));
    write_table(out, &table)
}

fn status(row: &ManagedToken, now: i64) -> &'static str {
    if row.revoked_at.is_some() {
        "revoked"
    } else if row.is_expired_at(now) {
        "expired"
    } else {
        "active"
    }
}

fn row_json(row: &ManagedToken, now: i64) -> serde_json::Value {
    json!({
        "id": row.id,
        "prefix": format!("mcpgen_{}", row.prefix),
        "subject": row.subject,
        "scopes": row.scopes,
        "note": row.note,
        "status": status(row, now),
        "created_at": rfc3339(row.created_at),
        "expires_at": row.expires_at.map(rfc3339),
        "last_used_at": row.last_used_at.map(rfc3339),
        "revoked_at": row.revoked_at.map(rfc3339),
    })
}

/// Columns padded to their widest cell, two spaces apart.
pub(super) fn write_table<const N: usize>(
    out: &mut dyn Write,
    table: &[[String; N]],
) -> io::Result<()> {
    let widths: Vec<usize> = (0..N)
        .map(|c| {
            table
                .iter()
                .map(|row| row[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in table {
        let mut line = String::new();
        for (cell, width) in row.iter().zip(&widths) {
            line.push_str(&format!("{cell:<width$}  "));
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

/// `30d`, `12h`, `90m`, `45s`, `2w`, or several, such as `1d12h`.
pub(super) fn parse_duration(text: &str) -> Result<Duration, String> {
    let help = "write a number and a unit, such as 30d, 12h, 90m or 1d12h (units s, m, h, d, w)";
    let mut total: u64 = 0;
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err(format!("the duration is empty; {help}"));
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let (number, tail) = rest.split_at(digits);
        let unit = tail.chars().next();
        let seconds = match unit {
            Some('s') => 1,
            Some('m') => 60,
            Some('h') => 3600,
            Some('d') => 86_400,
            Some('w') => 604_800,
            _ => return Err(format!("`{text}` is not a duration; {help}")),
        };
        let number: u64 = number
            .parse()
            .map_err(|_| format!("`{text}` is not a duration; {help}"))?;
        total = number
            .checked_mul(seconds)
            .and_then(|s| total.checked_add(s))
            .ok_or_else(|| format!("`{text}` is longer than this server can count; {help}"))?;
        rest = &tail[1..];
    }
    Ok(Duration::from_secs(total))
}

#[cfg(test)]
#[path = "token_tests.rs"]
mod tests;
