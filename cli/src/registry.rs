//! `mcpgen registry`: the `server.json` the official MCP Registry publishes
//! (`mcp-publisher publish`), from the spec. The registry takes npm, PyPI, NuGet, OCI
//! images and MCPB bundles, not crates: a Rust server is listed as an OCI image
//! (`--image`), a remote endpoint (`--remote`, or the spec's public URL), or both.

use std::path::PathBuf;
use std::process::ExitCode;

use mcpgen_codegen::checks::{REGISTRY_DESCRIPTION_CHARS, is_registry_name};
use mcpgen_codegen::model::{AuthMode, Spec};
use serde_json::{Value, json};

use crate::display_path;
use crate::generate::{Failure, load_spec, single_spec, write_file};

/// The schema `server.json` is written for.
pub(crate) const SERVER_SCHEMA: &str =
    "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json";

/// `mcpgen registry` arguments.
#[derive(Debug, clap::Args)]
pub(crate) struct RegistryArgs {
    /// The spec. Default: the one `specs/*.yaml` of the current directory.
    #[arg(long)]
    spec: Option<PathBuf>,
    /// The server's OCI image, with a tag or digest (`ghcr.io/alice/weather:0.1.0`),
    /// whose entrypoint is the server's binary: listed as a package run with
    /// `serve --stdio`.
    #[arg(long, value_name = "REF")]
    image: Option<String>,
    /// The URL of a deployed endpoint (`https://mcp.example.com/mcp`): listed as a
    /// remote. Default: `transports.http.public_url`, when it holds no `${VAR}`.
    #[arg(long, value_name = "URL")]
    remote: Option<String>,
    /// Where to write; `-` for standard output.
    #[arg(long, short, default_value = "server.json")]
    output: PathBuf,
}

pub(crate) fn run(args: &RegistryArgs) -> ExitCode {
    match registry(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {}", failure.message);
            ExitCode::from(failure.status)
        }
    }
}

fn registry(args: &RegistryArgs) -> Result<(), Failure> {
    let spec_path = match &args.spec {
        Some(spec) => spec.clone(),
        None => single_spec(std::path::Path::new(""))?,
    };
    let loaded = load_spec(&spec_path, &display_path(&spec_path))?;
    let document = server_json(&loaded.spec, args.image.as_deref(), args.remote.as_deref())
        .map_err(|message| Failure { status: 1, message })?;
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    if args.output.as_os_str() == "-" {
        print!("{text}");
        return Ok(());
    }
    write_file(&args.output, &text).map_err(|message| Failure { status: 1, message })?;
    eprintln!("wrote {}", display_path(&args.output));
    Ok(())
}

/// The `server.json` of `spec`, listed as `image` and/or `remote`.
pub(crate) fn server_json(
    spec: &Spec,
    image: Option<&str>,
    remote: Option<&str>,
) -> Result<Value, String> {
    let server = &spec.server;
    let Some(name) = &server.registry_name else {
        return Err(format!(
            "the spec has no `server.registry_name`; add the name the MCP Registry lists the server under, such as `registry_name: io.github.YOUR_USER/{}` under `server:`",
            server.name.value
        ));
    };
    if !is_registry_name(&name.value) {
        return Err(format!(
            "`server.registry_name` `{}` is not `namespace/name` (`mcpgen check` says more)",
            name.value
        ));
    }
    let Some(description) = server
        .description
        .as_ref()
        .filter(|d| !d.value.trim().is_empty())
    else {
        return Err("the registry needs a description: add `description:` under `server:` (one sentence of at most 100 characters)".to_owned());
    };
    let public_url = spec
        .transports
        .http
        .as_ref()
        .and_then(|h| h.public_url.as_ref())
        .map(|u| u.value.0.as_str())
        .filter(|u| !u.contains("${"));
    let remote = remote.or(public_url);
    if image.is_none() && remote.is_none() {
        return Err("say where clients get the server: `--image REF` (an OCI image whose entrypoint is the server) and/or `--remote URL` (a deployed endpoint; default `transports.http.public_url`)".to_owned());
    }
    let mut document = json!({
        "$schema": SERVER_SCHEMA,
        "name": name.value,
        "description": fit_description(&description.value),
        "version": server.version.value,
    });
    if let Some(title) = &server.title {
        document["title"] = json!(fit(&title.value, 100));
    }
    if let Some(url) = &server.website_url {
        document["websiteUrl"] = json!(url.value);
    }
    if let Some(url) = &server.repository {
        document["repository"] = repository(&url.value);
    }
    let mode = spec.auth.mode.as_ref().map_or(AuthMode::None, |m| m.value);
    if let Some(image) = image {
        document["packages"] = json!([package(spec, image, mode)]);
    }
    if let Some(url) = remote {
        let mut remote = json!({"type": "streamable-http", "url": url});
        if mode != AuthMode::None {
            remote["headers"] = json!([{
                "name": "Authorization",
                "description": "Bearer token: `Bearer <token>`",
                "isRequired": true,
                "isSecret": true,
            }]);
        }
        document["remotes"] = json!([remote]);
    }
    Ok(document)
}

/// The OCI package: run with `serve --stdio`; the token in `{NAME}_TOKEN` when auth is on.
fn package(spec: &Spec, image: &str, mode: AuthMode) -> Value {
    let mut package = json!({
        "registryType": "oci",
        "identifier": image,
        "transport": {"type": "stdio"},
        "packageArguments": [
            {"type": "positional", "value": "serve"},
            {"type": "positional", "value": "--stdio"},
        ],
    });
    if mode != AuthMode::None {
        let variable = format!(
            "{}_TOKEN",
            spec.server
                .name
                .value
                .to_ascii_uppercase()
                .replace('-', "_")
        );
        package["environmentVariables"] = json!([{
            "name": variable,
            "description": "A bearer token the server accepts (`token create` prints one)",
            "isRequired": true,
            "isSecret": true,
        }]);
    }
    package
}

/// A repository object: the URL and, for a known host, its `source`.
fn repository(url: &str) -> Value {
    let source = ["github", "gitlab", "bitbucket"]
        .into_iter()
        .find(|host| url.contains(&format!("{host}.")))
        .unwrap_or("git");
    json!({"url": url, "source": source})
}

/// The description within the registry's limit; a longer one is cut and said so.
fn fit_description(description: &str) -> String {
    let fitted = fit(description.trim(), REGISTRY_DESCRIPTION_CHARS);
    if fitted != description.trim() {
        eprintln!(
            "warning: the description has {} characters, over the MCP Registry's {REGISTRY_DESCRIPTION_CHARS}; server.json has it cut to `{fitted}` (shorten `server.description` to choose the words)",
            description.trim().chars().count()
        );
    }
    fitted
}

/// `text` cut to at most `limit` characters, at a word boundary, ending in `…`.
fn fit(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_owned();
    }
    let head: String = text.chars().take(limit - 1).collect();
    let cut = match head.rfind(char::is_whitespace) {
        Some(at) if at > limit / 2 => &head[..at],
        _ => head.as_str(),
    };
    format!(
        "{}…",
        cut.trim_end_matches(|c: char| c.is_whitespace() || c == ',' || c == ';')
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_texts_are_cut_at_a_word_within_the_limit() {
        let long = "Forecasts for cities of the world, ".repeat(5);
        let cut = fit(&long, 100);
        assert!(cut.chars().count() <= 100, "{cut}");
        // Whole words: the text goes on with a space where the cut is.
        let kept = cut.strip_suffix('…').expect("marked as cut");
        assert!(
            long.starts_with(kept) && long[kept.len()..].starts_with(' '),
            "{cut}"
        );
        assert_eq!(fit("Short.", 100), "Short.");
        let word = "x".repeat(150);
        assert_eq!(fit(&word, 100).chars().count(), 100);
    }
}
