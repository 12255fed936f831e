//! `mcpgen`: scaffold, generate and check MCP servers from a YAML spec.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use mcpgen_codegen::diag::{Code, Severity};

mod check;
mod generate;
mod import;
mod lint;
mod outputs;
mod registry;
mod remote;
mod scaffold;

/// Turn a YAML spec into a production-ready MCP server crate.
#[derive(Debug, Parser)]
#[command(name = "mcpgen", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Scaffold a new server crate that builds and serves at once.
    New(scaffold::NewArgs),
    /// Regenerate `src/generated/` and the spec's `mcpgen.schema.json` from the spec;
    /// never touches any other file.
    Generate(generate::GenerateArgs),
    /// Lint specs and report every problem with `file:line:col`.
    ///
    /// Exit status: 0 when there is no error (warnings allowed), 1 when a spec has errors,
    /// 2 when a spec could not be read or parsed.
    Check(CheckArgs),
    /// Run the checks of `check` on a live MCP server: `lint --server -- CMD ARGS...`
    /// (stdio) or `lint --server-url URL` (Streamable HTTP), each finding against the
    /// tool and JSON pointer it concerns.
    ///
    /// Exit status: 0 when there is no error (warnings and notes allowed), 1 when there
    /// are errors, 2 when the server could not be started, reached or read.
    Lint(lint::LintArgs),
    /// Write a spec reproducing what a live MCP server advertises (`import --server -- CMD
    /// ARGS...` or `import --server-url URL`), and report what it could not reproduce.
    Import(import::ImportArgs),
    /// Explain a check: what it is for and how to satisfy it. Without a code, list them all.
    Explain {
        /// A check's code, such as `unit_suffix` or `mcpgen::unit_suffix`.
        code: Option<String>,
    },
    /// Print the JSON Schema of the spec language (for editors and YAML language servers).
    Schema,
    /// Write the `server.json` that lists the server in the official MCP Registry: an
    /// OCI image (`--image`) and/or a remote endpoint (`--remote`).
    Registry(registry::RegistryArgs),
}

#[derive(Debug, clap::Args)]
struct CheckArgs {
    /// Spec files. Default: every `specs/*.yaml` of the current directory.
    specs: Vec<PathBuf>,
    /// How to print diagnostics: `human` (compiler style) or `json` (one object per line).
    #[arg(long, value_enum, default_value_t = MessageFormat::Human)]
    message_format: MessageFormat,
    /// Also print what each tool's effective annotations and limits are, with the MCP
    /// defaults filled in.
    #[arg(long)]
    explain: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum MessageFormat {
    Human,
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::New(args) => scaffold::run(&args),
        Command::Generate(args) => generate::run(&args),
        Command::Check(args) => check::run(&args),
        Command::Lint(args) => lint::run(&args),
        Command::Import(args) => import::run(&args),
        Command::Explain { code } => explain(code.as_deref()),
        Command::Registry(args) => registry::run(&args),
        Command::Schema => {
            print!("{}", mcpgen_codegen::spec_schema::spec_schema_json());
            ExitCode::SUCCESS
        }
    }
}

fn explain(code: Option<&str>) -> ExitCode {
    match code {
        None => {
            for code in Code::ALL {
                let first = code.explanation().lines().next().unwrap_or_default();
                let level = match code.default_severity() {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                };
                println!("{code:<32} {level:<8} {first}");
            }
            ExitCode::SUCCESS
        }
        Some(name) => match Code::from_name(name) {
            Some(code) => {
                println!("{code} ({} by default)\n", code.default_severity());
                print!("{}", code.explanation());
                ExitCode::SUCCESS
            }
            None => {
                let names = Code::ALL.iter().map(|c| c.name());
                match mcpgen_codegen::diag::did_you_mean(name, names) {
                    Some(best) => {
                        eprintln!("error: no check named `{name}`; did you mean `{best}`?")
                    }
                    None => {
                        eprintln!("error: no check named `{name}`; `mcpgen explain` lists them all")
                    }
                }
                ExitCode::from(2)
            }
        },
    }
}

/// The path as the user would type it: relative to the current directory when inside it.
fn display_path(path: &Path) -> String {
    let cwd = std::env::current_dir().ok();
    let shown = cwd
        .as_deref()
        .and_then(|cwd| path.strip_prefix(cwd).ok())
        .unwrap_or(path);
    if shown.as_os_str().is_empty() {
        // The current directory itself: say so rather than print nothing.
        return ".".to_owned();
    }
    shown.display().to_string()
}
