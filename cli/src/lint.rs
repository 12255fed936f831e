//! `mcpgen lint --server`: the checks of `mcpgen check`, on what a live server advertises.

use std::process::ExitCode;

use mcpgen_codegen::diag::Severity;
use mcpgen_codegen::import::Finding;

use crate::MessageFormat;
use crate::remote::{ServerArgs, read_listing};

#[derive(Debug, clap::Args)]
pub(crate) struct LintArgs {
    #[command(flatten)]
    server: ServerArgs,
    /// How to print findings: `human` or `json` (one object per line).
    #[arg(long, value_enum, default_value_t = MessageFormat::Human)]
    message_format: MessageFormat,
}

/// Exit status when the server could not be read (as `check` for an unreadable spec).
const EXIT_UNREADABLE: u8 = 2;

pub(crate) fn run(args: &LintArgs) -> ExitCode {
    let label = args.server.label();
    let listing = match read_listing(&args.server, false) {
        Ok(listing) => listing,
        Err(message) => {
            if label.is_empty() {
                eprintln!("error: {message}");
            } else {
                eprintln!("error: cannot read the server `{label}`: {message}");
            }
            return ExitCode::from(EXIT_UNREADABLE);
        }
    };
    let (findings, _) = mcpgen_codegen::import::lint(&listing);
    for finding in &findings {
        match args.message_format {
            MessageFormat::Human => eprintln!("{}", render(finding)),
            MessageFormat::Json => println!("{}", to_json(&label, finding)),
        }
    }
    let errors = findings.iter().filter(|f| is_error(f)).count();
    let notes = findings.iter().filter(|f| f.note).count();
    let warnings = findings.len() - errors - notes;
    if args.message_format == MessageFormat::Human {
        let what = format!(
            "{} tools, {} resources, {} resource templates, {} prompts",
            listing.tools.len(),
            listing.resources.len(),
            listing.templates.len(),
            listing.prompts.len()
        );
        eprintln!("{label}: {what}: {errors} errors, {warnings} warnings, {notes} notes");
    }
    ExitCode::from(u8::from(errors > 0))
}

fn is_error(f: &Finding) -> bool {
    !f.note && f.diagnostic.severity == Severity::Error
}

fn severity(f: &Finding) -> &'static str {
    if f.note {
        "note"
    } else if is_error(f) {
        "error"
    } else {
        "warning"
    }
}

/// `warning[mcpgen::unit_suffix]: tool search: /properties/timeout: ...`, then the help.
fn render(f: &Finding) -> String {
    let d = &f.diagnostic;
    let pointer = if f.origin.pointer.is_empty() {
        String::new()
    } else {
        format!(" {}", f.origin.pointer)
    };
    let mut out = format!(
        "{}[{}]: {} `{}`{pointer}: {}",
        severity(f),
        d.code,
        f.origin.kind.replace('_', " "),
        f.origin.name,
        d.message
    );
    if let Some(label) = &d.label {
        out += &format!("\n  = note: {label}");
    }
    if let Some(help) = &d.help {
        out += &format!("\n  = help: {help}");
    }
    if f.note {
        out += "\n  = note: a rule of mcpgen's generator, not a defect of this server";
    }
    out.push('\n');
    out
}

fn to_json(server: &str, f: &Finding) -> serde_json::Value {
    let d = &f.diagnostic;
    serde_json::json!({
        "server": server,
        "kind": f.origin.kind,
        "name": f.origin.name,
        "pointer": f.origin.pointer,
        "severity": severity(f),
        "code": d.code.to_string(),
        "message": d.message,
        "label": d.label,
        "help": d.help,
    })
}
