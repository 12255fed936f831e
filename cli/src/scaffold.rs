//! `mcpgen new NAME`: a server crate that builds, tests and serves at once.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use mcpgen_codegen::env::env_prefix;

use crate::display_path;
use crate::generate::{load_spec, write_file};
use crate::outputs::outputs;

/// `mcpgen new` arguments.
#[derive(Debug, clap::Args)]
pub(crate) struct NewArgs {
    /// The server's name: lowercase letters, digits, `_` and `-` (also the crate and binary name).
    name: String,
    /// Where to create the crate (default: `./NAME`).
    #[arg(long)]
    path: Option<PathBuf>,
    /// Path of the mcpgen-runtime crate the server depends on (default: the runtime of
    /// this mcpgen's source tree, or `$MCPGEN_RUNTIME_PATH`).
    #[arg(long, env = "MCPGEN_RUNTIME_PATH")]
    runtime_path: Option<PathBuf>,
    /// Scaffold around this spec (imported or hand-written) instead of the weather
    /// example: it is copied to `specs/NAME.yaml` under the new name, and
    /// `src/handlers.rs` gets a stub per handler that answers "not implemented yet".
    #[arg(long, value_name = "SPEC")]
    from: Option<PathBuf>,
}

const CARGO_TOML: &str = include_str!("../../templates/new/Cargo.toml.j2");
const MAIN_RS: &str = include_str!("../../templates/new/main.rs.j2");
const README: &str = include_str!("../../templates/new/README.md.j2");
const HANDLERS_RS: &str = include_str!("../../templates/new/handlers.rs");
const GITIGNORE: &str = include_str!("../../templates/new/gitignore");
const PROXY_RS: &str = include_str!("../../templates/new/proxy.rs");
/// The starter spec is the weather example, renamed: one tool with a declared error, a
/// static resource, a resource template and a prompt.
const STARTER_SPEC: &str = include_str!("../../specs/weather.yaml");

pub(crate) fn run(args: &NewArgs) -> ExitCode {
    match scaffold(args) {
        Ok(dir) => {
            let shown = display_path(&dir);
            println!(
                "created {shown}\n\nnext:\n  cd {shown}\n  cargo run -- serve --stdio      # or: cargo run -- serve --http 127.0.0.1:8080\n  cargo test\n\nEdit specs/{name}.yaml, then run `mcpgen generate`; implement new handler methods in src/handlers.rs.",
                name = args.name
            );
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
    }
}

pub(crate) fn valid_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
        && name.len() <= 64
}

fn scaffold(args: &NewArgs) -> Result<PathBuf, String> {
    let name = &args.name;
    if !valid_name(name) {
        return Err(format!(
            "`{name}` is not a server name; use lowercase letters, digits, `_` and `-`, starting with a letter (it becomes the crate and binary name), such as `weather`"
        ));
    }
    let dir = args.path.clone().unwrap_or_else(|| PathBuf::from(name));
    if dir.exists() {
        return Err(format!(
            "{} already exists; mcpgen new never overwrites anything: pick another name or `--path`",
            display_path(&dir)
        ));
    }
    let runtime = runtime_dependency(args.runtime_path.as_deref())?;
    let dir_abs = std::env::current_dir()
        .map(|cwd| cwd.join(&dir))
        .unwrap_or_else(|_| dir.clone());
    let (spec_text, proxy) = match &args.from {
        Some(from) => spec_from(from, name)?,
        None => (starter_spec(name), false),
    };
    let mut files = crate_files(name, &runtime, &dir_abs, proxy)?;
    let spec_name = format!("specs/{name}.yaml");
    let spec_path = dir.join(&spec_name);
    write_file(&spec_path, &spec_text)?;
    let loaded = load_spec(&spec_path, &spec_name).map_err(|f| f.message)?;
    if args.from.is_some() {
        let stubs = mcpgen_codegen::emit::rust::handler_stubs(&loaded.spec);
        for (rel, contents) in &mut files {
            if *rel == "src/handlers.rs" {
                *contents = stubs.clone();
            }
        }
    }
    for (rel, contents) in &files {
        write_file(&dir.join(rel), contents)?;
    }
    if args.from.is_some() {
        // The stubs are laid out by prettyplease; rustfmt (from the pinned toolchain,
        // when it is there) gives them the layout `cargo fmt` keeps.
        let _ = std::process::Command::new("rustfmt")
            .args(["--edition", "2024"])
            .arg(dir.join("src/handlers.rs"))
            .stderr(std::process::Stdio::null())
            .status();
    }
    // The starter spec's first line points editors at the schema written next to it.
    for output in outputs(&loaded, &spec_path, &spec_name, &dir) {
        write_file(&output.path, &output.contents)?;
    }
    Ok(dir)
}

/// The crate's own files (besides the spec and what it generates), by path.
fn crate_files(
    name: &str,
    runtime_dependency: &str,
    crate_dir: &Path,
    proxy: bool,
) -> Result<Vec<(&'static str, String)>, String> {
    let mut env = minijinja::Environment::new();
    if let Ok(syntax) = minijinja::syntax::SyntaxConfig::builder()
        .keep_trailing_newline(true)
        .build()
    {
        env.set_syntax(syntax);
    }
    let ctx = minijinja::context! {
        name => name,
        runtime_dependency => runtime_dependency,
        crate_dir => crate_dir.display().to_string(),
        token_var => format!("{}_TOKEN", env_prefix(name)),
        proxy => proxy,
    };
    let render = |template: &str| -> Result<String, String> {
        env.render_str(template, &ctx)
            .map_err(|e| format!("internal error: a scaffold template does not render: {e}"))
    };
    let mut files = vec![
        ("Cargo.toml", render(CARGO_TOML)?),
        ("README.md", render(README)?),
        (".gitignore", GITIGNORE.to_owned()),
        ("src/main.rs", render(MAIN_RS)?),
        ("src/handlers.rs", HANDLERS_RS.to_owned()),
    ];
    if proxy {
        files.push(("src/proxy.rs", PROXY_RS.to_owned()));
    }
    Ok(files)
}

/// An existing spec's text, with `server.name` set to the new name. A spec with errors is
/// refused here, before anything is written.
fn spec_from(path: &Path, name: &str) -> Result<(String, bool), String> {
    let shown = display_path(path);
    let checked = mcpgen_codegen::load_file(path, &shown).map_err(|e| {
        format!("cannot read the spec {shown}: {e}; check the path given to `--from`")
    })?;
    if checked.has_errors() {
        return Err(format!(
            "{shown} has errors; `mcpgen check {shown}` lists them: fix them, then scaffold again"
        ));
    }
    let spec = checked
        .spec
        .ok_or_else(|| format!("{shown} could not be read"))?;
    let proxy = spec.upstream.is_some();
    let at = spec.server.name.span;
    let mut lines: Vec<&str> = checked.source.text.split_inclusive('\n').collect();
    let renamed;
    if let Some(line) = at.line.checked_sub(1).and_then(|i| lines.get_mut(i)) {
        let start: usize = line
            .chars()
            .take(at.column.saturating_sub(1))
            .map(char::len_utf8)
            .sum();
        let end: usize = line
            .chars()
            .take(at.column.saturating_sub(1) + at.len)
            .map(char::len_utf8)
            .sum();
        renamed = format!("{}{name}{}", &line[..start], &line[end..]);
        *line = &renamed;
    }
    Ok((lines.concat(), proxy))
}

/// The weather example under the new server's name, with its own environment prefix.
fn starter_spec(name: &str) -> String {
    STARTER_SPEC
        .replacen("  name: weather\n", &format!("  name: {name}\n"), 1)
        .replace("${WEATHER_BIND", &format!("${{{}_BIND", env_prefix(name)))
}

fn runtime_dependency(explicit: Option<&Path>) -> Result<String, String> {
    let path = match explicit {
        Some(path) => path.to_path_buf(),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../runtime"),
    };
    let path = path.canonicalize().map_err(|e| {
        format!(
            "the mcpgen-runtime crate is not at {} ({e}); pass `--runtime-path` or set MCPGEN_RUNTIME_PATH to the `runtime/` directory of the mcpgen source tree",
            path.display()
        )
    })?;
    // TOML basic strings: escape backslashes and quotes.
    let escaped = path
        .display()
        .to_string()
        .replace('\\', "\\\\")
        .replace('"', "\\\"");
    Ok(format!("path = \"{escaped}\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(valid_name("weather"));
        assert!(valid_name("my-server_2"));
        assert!(!valid_name("Weather"));
        assert!(!valid_name("2fast"));
        assert!(!valid_name("a/b"));
        assert!(!valid_name(""));
    }

    #[test]
    fn starter_spec_is_renamed() {
        let spec = starter_spec("my-server");
        assert!(spec.contains("  name: my-server\n"));
        assert!(spec.contains("${MY_SERVER_BIND:-"));
    }

    #[test]
    fn the_readme_shows_how_a_client_passes_its_token() {
        let files = crate_files(
            "my-server",
            "mcpgen-runtime = \"0.1\"",
            Path::new("/srv/my-server"),
            false,
        )
        .expect("the templates render");
        let readme = &files
            .iter()
            .find(|(path, _)| *path == "README.md")
            .expect("a README")
            .1;
        assert!(
            readme.contains(r#""env": { "MY_SERVER_TOKEN": "mcpgen_…" }"#),
            "{readme}"
        );
        assert!(
            readme.contains(r#""headers": { "Authorization": "Bearer mcpgen_…" }"#),
            "{readme}"
        );
        assert!(
            readme.contains("my-server token create --subject alice"),
            "{readme}"
        );
    }
}
