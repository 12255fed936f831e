//! `mcpgen import`: a spec reproducing what a live MCP server advertises.

use std::path::PathBuf;
use std::process::ExitCode;

use mcpgen_codegen::import::Imported;
use mcpgen_codegen::import::openapi::{self, OpenApi, Selection};

use crate::display_path;
use crate::generate::write_file;
use crate::remote::{ServerArgs, read_listing};

#[derive(Debug, clap::Args)]
pub(crate) struct ImportArgs {
    #[command(flatten)]
    server: ServerArgs,
    /// Import an OpenAPI 3.0 or 3.1 document (YAML or JSON) instead of a server: one
    /// tool per operation.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["server", "server_url"])]
    openapi: Option<PathBuf>,
    /// With `--openapi`: take only these operations (repeatable): `tag:NAME`,
    /// `op:OPERATION_ID` or `path:/PREFIX`.
    #[arg(long, value_name = "RULE", requires = "openapi")]
    include: Vec<String>,
    /// With `--openapi`: leave these operations out (repeatable; same forms as `--include`).
    #[arg(long, value_name = "RULE", requires = "openapi")]
    exclude: Vec<String>,
    /// With `--openapi`: a spec whose tools forward their calls to the API (`upstream:`);
    /// `mcpgen new --from` then writes handlers that call it, instead of stubs.
    #[arg(long, requires = "openapi")]
    proxy: bool,
    /// The spec's `server.name` (also the file name): lowercase letters, digits, `_`
    /// and `-`. Default: the name the server gives itself.
    #[arg(long)]
    name: Option<String>,
    /// Where to write the spec. Default: `specs/NAME.yaml` under the current directory.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

pub(crate) fn run(args: &ImportArgs) -> ExitCode {
    match import(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err((status, message)) => {
            eprintln!("error: {message}");
            ExitCode::from(status)
        }
    }
}

fn import(args: &ImportArgs) -> Result<(), (u8, String)> {
    let (listing, api) = match &args.openapi {
        Some(path) => {
            let api = read_openapi(args, path)?;
            (api.listing.clone(), Some(api))
        }
        None => {
            let listing = read_listing(&args.server, true).map_err(|m| {
                (
                    2,
                    format!("cannot read the server `{}`: {m}", args.server.label()),
                )
            })?;
            (listing, None)
        }
    };
    let advertised = listing
        .server_info
        .get("name")
        .and_then(|n| n.as_str())
        .unwrap_or("imported");
    let name = match &args.name {
        Some(name) => name.clone(),
        None => crate_name(advertised),
    };
    if !crate::scaffold::valid_name(&name) {
        return Err((
            2,
            format!(
                "`{name}` is not a server name; pass `--name` with lowercase letters, digits, `_` and `-`, starting with a letter"
            ),
        ));
    }
    let path = args
        .output
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("specs/{name}.yaml")));
    if path.exists() {
        return Err((
            1,
            format!(
                "{} already exists; import never overwrites a spec: remove it or pass `-o FILE`",
                display_path(&path)
            ),
        ));
    }
    let mut imported = match &api {
        Some(api) if args.proxy => mcpgen_codegen::import::import_proxy(api, &name),
        _ => mcpgen_codegen::import::import(&listing, &name),
    };
    if let Some(api) = api {
        imported.notes.extend(api.notes);
    }
    write_file(&path, &imported.text).map_err(|m| (1, m))?;
    eprint!("{}", report(&display_path(&path), &listing, &imported));
    Ok(())
}

fn read_openapi(args: &ImportArgs, path: &std::path::Path) -> Result<OpenApi, (u8, String)> {
    let shown = display_path(path);
    let text = std::fs::read_to_string(path).map_err(|e| {
        (
            2,
            format!("cannot read {shown}: {e}; check the path given to `--openapi`"),
        )
    })?;
    for rule in args.include.iter().chain(&args.exclude) {
        if !matches!(rule.split_once(':'), Some(("tag" | "op" | "path", _))) {
            return Err((
                2,
                format!(
                    "`{rule}` is not a selection rule; write `tag:NAME`, `op:OPERATION_ID` or `path:/PREFIX`"
                ),
            ));
        }
    }
    let selection = Selection {
        include: args.include.clone(),
        exclude: args.exclude.clone(),
    };
    let api = openapi::read(&text, &selection).map_err(|m| (2, format!("{shown}: {m}")))?;
    if api.listing.tools.is_empty() {
        return Err((
            2,
            format!(
                "{shown}: no operation is selected; check `--include` and `--exclude` against its tags, operation ids and paths"
            ),
        ));
    }
    Ok(api)
}

/// The name a server gives itself, as a crate name (`Memory Server` → `memory-server`).
fn crate_name(advertised: &str) -> String {
    let mut name = String::new();
    for c in advertised.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            name.push(c);
        } else if !name.is_empty() && !name.ends_with('-') {
            name.push('-');
        }
    }
    let name = name.trim_end_matches('-').to_owned();
    if name.starts_with(|c: char| c.is_ascii_lowercase()) {
        name
    } else {
        format!("server-{name}")
    }
}

/// What was written, what it reproduces only approximately, and which checks the source
/// fails (kept as warnings under `lints.warn`).
fn report(path: &str, listing: &mcpgen_codegen::import::Listing, imported: &Imported) -> String {
    use std::fmt::Write as _;
    let mut out = format!(
        "wrote {path}: {} tools, {} resources, {} resource templates, {} prompts\n",
        listing.tools.len(),
        listing.resources.len(),
        listing.templates.len(),
        listing.prompts.len()
    );
    if !imported.notes.is_empty() {
        out += "\nwhere the spec differs from the server, or could not use the spec language's types:\n";
        // One line per kind of note, naming every place it applies to.
        let mut texts: Vec<&str> = imported.notes.iter().map(|n| n.text.as_str()).collect();
        texts.dedup();
        texts.sort_unstable();
        texts.dedup();
        for text in texts {
            let places: Vec<String> = imported
                .notes
                .iter()
                .filter(|n| n.text == text)
                .map(|n| format!("`{}`{}", n.origin.name, n.origin.pointer))
                .collect();
            let _ = writeln!(out, "  {text}: {}", places.join(", "));
        }
    }
    if !imported.warned.is_empty() {
        let names: Vec<&str> = imported.warned.iter().map(|c| c.name()).collect();
        let _ = writeln!(
            out,
            "\nchecks the server does not pass, kept as warnings (`lints.warn`) so the spec reproduces it: {}\n`mcpgen check {path}` lists each; fix them and remove them from `lints.warn` to adopt mcpgen's defaults.",
            names.join(", ")
        );
    }
    let _ = writeln!(
        out,
        "\nnext: `mcpgen new NAME --from {path}` scaffolds a server crate around it, with a stub per handler."
    );
    out
}

#[cfg(test)]
mod tests {
    use super::crate_name;

    #[test]
    fn crate_names_from_what_servers_call_themselves() {
        assert_eq!(crate_name("mcp-time"), "mcp-time");
        assert_eq!(crate_name("Memory Server"), "memory-server");
        assert_eq!(
            crate_name("example-servers/everything"),
            "example-servers-everything"
        );
        assert_eq!(crate_name("42"), "server-42");
    }
}
