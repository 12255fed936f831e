//! `mcpgen check`.

use std::path::PathBuf;
use std::process::ExitCode;

use mcpgen_codegen::diag::Severity;
use mcpgen_codegen::model::{AuthMode, Spec, StdioAuth};
use mcpgen_codegen::source::Sp;

use crate::{CheckArgs, MessageFormat, display_path};

/// Exit status when a spec has errors.
const EXIT_ERRORS: u8 = 1;
/// Exit status when a spec could not be read or parsed.
const EXIT_UNREADABLE: u8 = 2;

pub(crate) fn run(args: &CheckArgs) -> ExitCode {
    let specs = if args.specs.is_empty() {
        match default_specs() {
            Ok(specs) => specs,
            Err(message) => {
                eprintln!("error: {message}");
                return ExitCode::from(EXIT_UNREADABLE);
            }
        }
    } else {
        args.specs.clone()
    };
    let mut worst = 0u8;
    for path in &specs {
        let name = display_path(path);
        let checked = match mcpgen_codegen::load_file(path, &name) {
            Ok(checked) => checked,
            Err(err) => {
                report_unreadable(args.message_format, &name, &err);
                worst = worst.max(EXIT_UNREADABLE);
                continue;
            }
        };
        for d in &checked.diagnostics {
            match args.message_format {
                MessageFormat::Human => eprintln!("{}", d.render(&checked.source)),
                MessageFormat::Json => println!("{}", d.to_json(&checked.source)),
            }
        }
        let errors = count(&checked.diagnostics, Severity::Error);
        let warnings = count(&checked.diagnostics, Severity::Warning);
        if args.message_format == MessageFormat::Human {
            eprintln!("{name}: {}", summary(errors, warnings));
        }
        if let (true, Some(spec)) = (args.explain, &checked.spec) {
            print!("{}", explain_spec(spec));
        }
        let status = if checked.has_structural_errors() {
            EXIT_UNREADABLE
        } else if errors > 0 {
            EXIT_ERRORS
        } else {
            0
        };
        worst = worst.max(status);
    }
    ExitCode::from(worst)
}

fn report_unreadable(format: MessageFormat, name: &str, err: &std::io::Error) {
    let help = match err.kind() {
        std::io::ErrorKind::NotFound => {
            "check the path; `mcpgen check` without arguments checks every specs/*.yaml"
        }
        std::io::ErrorKind::PermissionDenied => "the file is not readable by this user",
        _ => "make sure the spec is a UTF-8 YAML text file",
    };
    match format {
        MessageFormat::Human => {
            eprintln!(
                "{name}: error[mcpgen::syntax]: cannot read the spec: {err}\n  = help: {help}\n"
            );
        }
        MessageFormat::Json => println!(
            "{}",
            serde_json::json!({
                "file": name, "line": 0, "column": 0, "length": 0,
                "severity": "error", "code": "mcpgen::syntax",
                "message": format!("cannot read the spec: {err}"), "label": null, "help": help,
            })
        ),
    }
}

fn default_specs() -> Result<Vec<PathBuf>, String> {
    let dir = PathBuf::from("specs");
    let entries = std::fs::read_dir(&dir).map_err(|e| {
        format!("no spec given and no readable `specs/` directory here ({e}); pass a spec path: `mcpgen check path/to/spec.yaml`")
    })?;
    let mut specs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.extension()
                .is_some_and(|ext| ext == "yaml" || ext == "yml")
        })
        .collect();
    specs.sort();
    if specs.is_empty() {
        return Err(
            "`specs/` has no .yaml file; pass a spec path: `mcpgen check path/to/spec.yaml`"
                .to_owned(),
        );
    }
    Ok(specs)
}

fn count(diags: &[mcpgen_codegen::diag::Diagnostic], severity: Severity) -> usize {
    diags.iter().filter(|d| d.severity == severity).count()
}

fn summary(errors: usize, warnings: usize) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    match (errors, warnings) {
        (0, 0) => "ok".to_owned(),
        (e, 0) => plural(e, "error"),
        (0, w) => format!("ok, {}", plural(w, "warning")),
        (e, w) => format!("{}, {}", plural(e, "error"), plural(w, "warning")),
    }
}

/// Effective annotations and limits of every tool, with the MCP defaults filled in and
/// marked as such.
fn explain_spec(spec: &Spec) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let default_timeout = spec
        .limits
        .default_timeout_ms
        .as_ref()
        .map_or(30_000, |v| v.value);
    for (name, tool) in spec.tools.iter() {
        let _ = writeln!(out, "tool {name}");
        let a = &tool.annotations;
        let hint = |label: &str, set: Option<bool>, value: bool, note: &str| {
            let origin = if set.is_some() {
                "declared".to_owned()
            } else {
                note.to_owned()
            };
            format!("  {label:<16} {value:<5}  ({origin})\n")
        };
        out += &hint(
            "readOnlyHint",
            a.read_only.as_ref().map(|v| v.value),
            a.read_only(),
            "MCP default",
        );
        out += &hint(
            "destructiveHint",
            a.destructive.as_ref().map(|v| v.value),
            a.destructive(),
            if a.read_only() {
                "implied by readOnlyHint"
            } else {
                "MCP default"
            },
        );
        out += &hint(
            "idempotentHint",
            a.idempotent.as_ref().map(|v| v.value),
            a.idempotent(),
            if a.read_only() {
                "implied by readOnlyHint"
            } else {
                "MCP default"
            },
        );
        out += &hint(
            "openWorldHint",
            a.open_world.as_ref().map(|v| v.value),
            a.open_world(),
            "MCP default",
        );
        let rate = tool
            .rate_limit
            .as_ref()
            .map(|r| format!("{} (declared)", r.value))
            .or_else(|| {
                spec.rate_limits
                    .per_tool
                    .as_ref()
                    .map(|r| format!("{} (rate_limits.per_tool)", r.value))
            })
            .unwrap_or_else(|| "none".to_owned());
        let _ = writeln!(out, "  rate limit       {rate}");
        let timeout = tool
            .timeout_ms
            .as_ref()
            .map_or(format!("{default_timeout} ms (server default)"), |t| {
                format!("{} ms (declared)", t.value)
            });
        let _ = writeln!(out, "  timeout          {timeout}");
        let _ = writeln!(
            out,
            "  access           {}",
            access(spec, &tool.scopes, tool.anonymous.as_ref())
        );
        let _ = writeln!(out, "  audit arguments  {}", audit_arguments(spec, tool));
    }
    explain_access(spec, &mut out);
    explain_audit(spec, &mut out);
    out
}

/// What the audit trail keeps of a tool's arguments, and which are hashed.
fn audit_arguments(spec: &Spec, tool: &mcpgen_codegen::model::Tool) -> String {
    use mcpgen_codegen::model::AuditArguments;
    let own = tool.audit.as_ref().and_then(|a| a.arguments.as_ref());
    let (mode, origin) = match (own, &spec.audit.arguments) {
        (Some(mode), _) => (mode.value, "declared"),
        (None, Some(mode)) => (mode.value, "audit.arguments"),
        (None, None) => (AuditArguments::Summary, "default"),
    };
    if mode == AuditArguments::None {
        return format!("none ({origin})");
    }
    let pii = mcpgen_codegen::emit::audit::tool_pii(spec, tool);
    let hashed = if pii.is_empty() {
        String::new()
    } else {
        format!("; PII hashed: {}", pii.join(", "))
    };
    format!("summary ({origin}){hashed}")
}

/// Whether `serve` keeps the audit trail, and for how long.
fn explain_audit(spec: &Spec, out: &mut String) {
    use std::fmt::Write as _;
    let audit = &spec.audit;
    if audit.enabled.as_ref().is_some_and(|e| !e.value) {
        let _ = writeln!(out, "audit trail        off (audit.enabled: false)");
        return;
    }
    let origin = |set: bool| if set { "declared" } else { "default" };
    let days = audit.retain_days.as_ref().map_or(30, |d| d.value);
    let chars = audit.max_value_chars.as_ref().map_or(80, |c| c.value);
    let _ = writeln!(
        out,
        "audit trail        on: rows kept {days} days ({}), strings cut at {chars} characters ({})",
        origin(audit.retain_days.is_some()),
        origin(audit.max_value_chars.is_some())
    );
}

/// Who may use the resources, templates and prompts, and how stdio authenticates.
fn explain_access(spec: &Spec, out: &mut String) {
    use std::fmt::Write as _;
    for resource in spec.resources.iter().map(|(_, r)| r) {
        let access = access(spec, &resource.scopes, resource.anonymous.as_ref());
        let _ = writeln!(
            out,
            "resource {}\n  access           {access}",
            resource.uri.value
        );
    }
    for template in spec.resource_templates.iter().map(|(_, t)| t) {
        let access = access(spec, &template.scopes, template.anonymous.as_ref());
        let _ = writeln!(
            out,
            "resource template {}\n  access           {access}",
            template.uri_template.value
        );
    }
    for (name, prompt) in spec.prompts.iter() {
        let access = access(spec, &prompt.scopes, prompt.anonymous.as_ref());
        let _ = writeln!(out, "prompt {name}\n  access           {access}");
    }
    let auth = &spec.auth;
    if auth
        .mode
        .as_ref()
        .is_some_and(|m| m.value != AuthMode::None)
    {
        let discovery = if auth.public_discovery.as_ref().is_none_or(|p| p.value) {
            "public (auth.public_discovery)"
        } else {
            "needs a valid credential (auth.public_discovery: false)"
        };
        let stdio = match auth.stdio.as_ref().map(|s| s.value) {
            Some(StdioAuth::LocalUser) => {
                "trusted as the local user, with every declared scope (auth.stdio: local_user)"
            }
            _ => "a token in the {NAME}_TOKEN environment variable (auth.stdio: token)",
        };
        let _ = writeln!(
            out,
            "discovery          {discovery}\nstdio credential   {stdio}"
        );
    }
}

/// What one target asks of its callers.
fn access(spec: &Spec, scopes: &[Sp<String>], anonymous: Option<&Sp<bool>>) -> String {
    if spec
        .auth
        .mode
        .as_ref()
        .is_none_or(|m| m.value == AuthMode::None)
    {
        return "open to everyone (no auth)".to_owned();
    }
    if anonymous.is_some_and(|a| a.value) && scopes.is_empty() {
        return "public: no credential needed (anonymous: true)".to_owned();
    }
    if scopes.is_empty() {
        return "any valid credential".to_owned();
    }
    let scopes: Vec<&str> = scopes.iter().map(|s| s.value.as_str()).collect();
    format!("a credential with scopes {}", scopes.join(", "))
}
