//! The files `mcpgen new` and `mcpgen generate` write from a spec, and how a file on
//! disk is told to be mcpgen's (and so may be rewritten).

use std::path::{Path, PathBuf};

use mcpgen_codegen::emit::{self, GENERATED_MARKER};
use mcpgen_codegen::spec_schema::spec_schema_json;
use serde_json::Value;

use crate::generate::Loaded;

/// The JSON Schema of the spec language next to a spec, where a scaffolded spec's first
/// line points editors (`# yaml-language-server: $schema=mcpgen.schema.json`).
pub(crate) const SCHEMA_FILE: &str = "mcpgen.schema.json";

/// What a file is, which says how to recognise one that mcpgen wrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// The generated Rust module: its first line is [`GENERATED_MARKER`].
    Module,
    /// The JSON Schema `mcpgen schema` prints: JSON cannot hold the marker, so its
    /// `title` tells it apart.
    SpecSchema,
}

impl Kind {
    /// Whether `text`, the file on disk, is one mcpgen wrote (of any version).
    pub(crate) fn is_mcpgens(self, text: &str) -> bool {
        match self {
            Kind::Module => text.starts_with(GENERATED_MARKER),
            Kind::SpecSchema => {
                let title = schema_title(text);
                title.is_some() && title == schema_title(&spec_schema_json())
            }
        }
    }

    /// Why a file is not mcpgen's, for the error that refuses to overwrite it.
    pub(crate) fn why_not_mcpgens(self) -> String {
        match self {
            Kind::Module => format!("it does not start with `{GENERATED_MARKER}`"),
            Kind::SpecSchema => format!(
                "it is not the JSON Schema `mcpgen schema` prints: its `title` is not {:?}",
                schema_title(&spec_schema_json()).unwrap_or_default()
            ),
        }
    }
}

fn schema_title(text: &str) -> Option<String> {
    let schema: Value = serde_json::from_str(text).ok()?;
    schema.get("title")?.as_str().map(str::to_owned)
}

/// One file to write: where, and what.
#[derive(Debug)]
pub(crate) struct Output {
    /// Where it goes: under the crate root, or next to the spec.
    pub(crate) path: PathBuf,
    pub(crate) contents: String,
    pub(crate) kind: Kind,
}

/// The files of a checked spec read from `spec_path` and shown as `shown_as`: the
/// generated module under `root`, and [`SCHEMA_FILE`] next to the spec when the spec
/// points an editor at it or it is already there.
pub(crate) fn outputs(
    loaded: &Loaded,
    spec_path: &Path,
    shown_as: &str,
    root: &Path,
) -> Vec<Output> {
    let mut files: Vec<Output> = emit::generate(&loaded.spec, shown_as)
        .into_iter()
        .map(|file| Output {
            path: root.join(file.path),
            contents: file.contents,
            kind: Kind::Module,
        })
        .collect();
    let schema = spec_path
        .parent()
        .unwrap_or(Path::new(""))
        .join(SCHEMA_FILE);
    if names_schema_file(&loaded.text) || schema.exists() {
        files.push(Output {
            path: schema,
            contents: spec_schema_json(),
            kind: Kind::SpecSchema,
        });
    }
    files
}

/// Whether the spec's editor modeline, among the comments it starts with, points at
/// [`SCHEMA_FILE`] next to it (a spec may point at a schema elsewhere instead).
fn names_schema_file(spec: &str) -> bool {
    spec.lines()
        .take_while(|line| line.trim().is_empty() || line.trim_start().starts_with('#'))
        .filter_map(|line| line.split_once("yaml-language-server:"))
        .filter_map(|(_, setting)| setting.trim().strip_prefix("$schema="))
        .any(|target| target.trim().trim_start_matches("./") == SCHEMA_FILE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_modeline_names_the_schema_next_to_the_spec() {
        for named in [
            "# yaml-language-server: $schema=mcpgen.schema.json\nmcpgen: 1\n",
            "\n# A server.\n#   yaml-language-server:  $schema=./mcpgen.schema.json \n",
        ] {
            assert!(names_schema_file(named), "{named:?}");
        }
        for elsewhere in [
            "# yaml-language-server: $schema=../../specs/mcpgen.schema.json\n",
            "# yaml-language-server: $schema=other.json\n",
            "mcpgen: 1\n# yaml-language-server: $schema=mcpgen.schema.json\n",
            "mcpgen: 1\n",
        ] {
            assert!(!names_schema_file(elsewhere), "{elsewhere:?}");
        }
    }

    #[test]
    fn only_mcpgens_schema_is_mcpgens() {
        assert!(Kind::SpecSchema.is_mcpgens(&spec_schema_json()));
        // An older mcpgen's schema has the same title: it is refreshed.
        assert!(Kind::SpecSchema.is_mcpgens(r#"{"title": "mcpgen spec", "type": "object"}"#));
        for other in [r#"{"title": "my spec"}"#, "{}", "not json", ""] {
            assert!(!Kind::SpecSchema.is_mcpgens(other), "{other:?}");
        }
        assert!(
            Kind::SpecSchema
                .why_not_mcpgens()
                .contains(r#"its `title` is not "mcpgen spec""#)
        );
        assert!(Kind::Module.is_mcpgens("// @generated by mcpgen from x.yaml\n"));
        assert!(!Kind::Module.is_mcpgens("// my own code\n"));
    }
}
