//! mcpgen's pure core: a spec is read into a model, checked, and turned into Rust.
//!
//! The stages, one module each: [`yaml`] (text to a spanned tree), [`lower`] (tree to
//! [`model`]), [`checks`] (every rule, all diagnostics at once), and the emitters. Only
//! [`load_file`] touches the file system, to read the spec it is given.
#![deny(missing_docs)]

pub mod checks;
pub mod code_first;
pub mod diag;
pub mod emit;
pub mod env;
pub mod import;
pub mod lower;
pub mod model;
pub mod rate;
pub mod source;
pub mod spec_schema;
pub mod yaml;

use diag::{Diagnostic, Diagnostics, Severity};
use model::Spec;
use source::SourceFile;

/// A spec read and checked: the model (as much as could be read) and every diagnostic.
#[derive(Debug)]
pub struct Checked {
    /// The source, for rendering diagnostics.
    pub source: SourceFile,
    /// The model; `None` when the text is not YAML or not a mapping.
    pub spec: Option<Spec>,
    /// Every diagnostic, in source order.
    pub diagnostics: Vec<Diagnostic>,
}

impl Checked {
    /// Whether the spec could not be read into a model: YAML syntax, unknown keys,
    /// wrong value types (`mcpgen check` exits 2).
    pub fn has_structural_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error && d.code.is_structural())
    }

    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }
}

/// Reads, lowers and checks spec text. Never panics, whatever the text.
pub fn check_source(source: SourceFile) -> Checked {
    let mut diags = Diagnostics::default();
    let spec = match yaml::parse(&source.text) {
        Ok(root) => {
            let spec = lower::lower(&root, &mut diags);
            checks::run_with_source(&spec, &source.text, &mut diags);
            Some(spec)
        }
        Err(d) => {
            diags.push(d);
            None
        }
    };
    let mut diagnostics = diags.into_sorted();
    if let Some(spec) = &spec {
        checks::apply_lint_levels(spec, &mut diagnostics);
    }
    Checked {
        source,
        spec,
        diagnostics,
    }
}

/// Reads a spec file and checks it. `display_name` is how diagnostics name the file.
pub fn load_file(path: &std::path::Path, display_name: &str) -> std::io::Result<Checked> {
    let bytes = std::fs::read(path)?;
    let text = String::from_utf8(bytes).map_err(|e| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "the file is not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        )
    })?;
    Ok(check_source(SourceFile::new(display_name, text)))
}
