//! The checks that make a spec production-grade. Each reports under a stable [`Code`].
//!
//! [`run`] walks the model once, in declared order, and every check reports into the
//! same [`Diagnostics`]: nothing stops at the first problem. While walking, the walker
//! knows the enclosing tool and schema, so their `allow:` lists are applied at the
//! point of reporting; the spec-wide `lints:` levels are applied afterwards by
//! [`apply_lint_levels`].
//!
//! One submodule per family of rules:
//! - `names`: naming case, name length, action names, unit suffixes, enum suggestions;
//! - `descriptions`: missing, vacuous and overlong descriptions;
//! - `types`: type resolution, cycles, constraints, defaults (with `validate`);
//! - `tools`: annotations, error templates, scopes, rate limits, limits;
//! - `guardrails`: per-agent tool budgets, concurrency caps, circuit breakers,
//!   idempotency keys, truncation, flood protection, the Redis failure mode;
//! - `headers`: tool arguments mirrored into `Mcp-Param-*` HTTP headers;
//! - `http`: the HTTP transport's public URL, host allow list and environment references;
//! - `templates`: RFC 6570 URI templates and prompt templates;
//! - `server`: server info, secrets, environment references, lints, resources, duplicates.

mod auth;
mod descriptions;
mod guardrails;
mod headers;
mod http;
mod input_schema;
mod names;
mod server;
mod templates;
mod tools;
mod types;
mod validate;

use std::collections::BTreeSet;

use crate::diag::{Code, Diagnostic, Diagnostics, Severity};
use crate::model::{Schema, Spec};
use crate::source::{Sp, Span};

pub use guardrails::RESERVED_ERROR_CODES;
pub use headers::MAX_SAFE_INTEGER;
pub use server::{REGISTRY_DESCRIPTION_CHARS, is_registry_name};
pub use tools::explain_annotations;

/// The default of `lints.max_description_chars`.
pub const DEFAULT_MAX_DESCRIPTION_CHARS: u64 = 1024;

/// Deepest nesting of schemas the checks walk into. Specs are hand-written; anything
/// deeper is reported once and not walked further, so no input can exhaust the stack.
const MAX_DEPTH: usize = 32;

/// Runs every check on the model, collecting all diagnostics.
///
/// Without the source text, diagnostics inside multi-line strings point at the whole
/// string; [`run_with_source`] points at the offending part.
pub fn run(spec: &Spec, diags: &mut Diagnostics) {
    run_with_source(spec, "", diags);
}

/// Runs every check on the model read from `source`, collecting all diagnostics.
pub fn run_with_source(spec: &Spec, source: &str, diags: &mut Diagnostics) {
    let no_external = BTreeSet::new();
    let mut cx = Cx::new(spec, source, &no_external, diags);
    server::check_server(&mut cx);
    types::check_named_types(&mut cx);
    for (name, tool) in spec.tools.iter() {
        cx.with_allow(&tool.allow, |cx| tools::check_tool(cx, name, tool));
    }
    names::check_tool_collisions(&mut cx);
    headers::check_placement(&mut cx);
    server::check_resources(&mut cx);
    templates::check_resource_templates(&mut cx);
    templates::check_prompts(&mut cx);
    names::check_prompt_handler_collisions(&mut cx);
    tools::check_server_limits(&mut cx);
    guardrails::check_server(&mut cx);
    http::check_http(&mut cx);
    server::check_auth(&mut cx);
    auth::check_targets(&mut cx);
    server::check_store(&mut cx);
    server::check_telemetry(&mut cx);
    server::check_lints(&mut cx);
}

/// Runs the checks of what a code-first front end declares (`#[mcp_tool]`,
/// `#[derive(ToolSchema)]`): the named types and the tools of `spec`, exactly as for a
/// spec, except what depends on the server the tools end up in, which the macro cannot
/// see (whether authentication is on for `scopes`). References to the `external` type
/// names (declared in Rust, and checked where they are declared) are not unresolved.
pub fn run_code_first(spec: &Spec, external: &BTreeSet<String>, diags: &mut Diagnostics) {
    let mut cx = Cx::new(spec, "", external, diags);
    cx.code_first = true;
    types::check_named_types(&mut cx);
    for (name, tool) in spec.tools.iter() {
        cx.with_allow(&tool.allow, |cx| tools::check_tool(cx, name, tool));
    }
    names::check_tool_collisions(&mut cx);
    headers::check_placement(&mut cx);
}

/// Applies `lints.allow`, `lints.warn`, `lints.deny` and per-item `allow` lists.
///
/// Per-item `allow` lists are applied by [`run`] as it walks; this applies the
/// spec-wide levels. Structural codes (a spec that could not be read) are never changed.
pub fn apply_lint_levels(spec: &Spec, diagnostics: &mut Vec<Diagnostic>) {
    let named = |list: &[crate::source::Sp<String>], code: Code| {
        list.iter().any(|n| Code::from_name(&n.value) == Some(code))
    };
    diagnostics.retain(|d| d.code.is_structural() || !named(&spec.lints.allow, d.code));
    for d in diagnostics.iter_mut().filter(|d| !d.code.is_structural()) {
        if named(&spec.lints.warn, d.code) {
            d.severity = Severity::Warning;
        }
        if named(&spec.lints.deny, d.code) {
            d.severity = Severity::Error;
        }
    }
}

/// The walk's state: the spec, the sink, and the `allow:` lists of the enclosing items.
struct Cx<'a> {
    spec: &'a Spec,
    diags: &'a mut Diagnostics,
    /// The spec text as characters (spans count characters), to check sub-spans against.
    source: Vec<char>,
    allow: Vec<&'a [Sp<String>]>,
    max_description: u64,
    /// Type names declared in Rust code (see [`run_code_first`]).
    external: &'a BTreeSet<String>,
    /// Checking what `#[mcp_tool]` declares rather than a whole spec.
    code_first: bool,
}

impl<'a> Cx<'a> {
    fn new(
        spec: &'a Spec,
        source: &str,
        external: &'a BTreeSet<String>,
        diags: &'a mut Diagnostics,
    ) -> Self {
        Self {
            spec,
            diags,
            source: source.chars().collect(),
            allow: Vec::new(),
            max_description: spec
                .lints
                .max_description_chars
                .as_ref()
                .map_or(DEFAULT_MAX_DESCRIPTION_CHARS, |m| m.value),
            external,
            code_first: false,
        }
    }

    /// Whether an enclosing `allow:` list turns `code` off here.
    fn allowed(&self, code: Code) -> bool {
        !code.is_structural()
            && self
                .allow
                .iter()
                .any(|list| list.iter().any(|n| Code::from_name(&n.value) == Some(code)))
    }

    /// Reports a diagnostic unless an enclosing `allow:` turns its code off.
    fn emit(&mut self, d: Diagnostic) {
        if !self.allowed(d.code) {
            self.diags.push(d);
        }
    }

    /// Runs `f` with `list` added to the enclosing `allow:` lists.
    fn with_allow<R>(&mut self, list: &'a [Sp<String>], f: impl FnOnce(&mut Self) -> R) -> R {
        self.allow.push(list);
        let r = f(self);
        self.allow.pop();
        r
    }

    /// Runs `f` inside a schema: its `allow:` list applies.
    fn in_schema<R>(&mut self, schema: &'a Schema, f: impl FnOnce(&mut Self) -> R) -> R {
        match &schema.allow {
            Some(list) => self.with_allow(list, f),
            None => f(self),
        }
    }
}

/// The span of `len` characters starting at character `at` of a string value, when the
/// value's source text can be mapped character for character; else the whole value.
///
/// Candidates: a single-line plain scalar, a single-line quoted scalar (no escapes), and a
/// literal block (`|`) with uniform indentation. When the source text is known, the
/// candidate is checked against it, so a folded or escaped scalar never gets a wrong
/// position; without it, only the single-line forms are trusted.
fn sub_span(source: &[char], value: &Sp<String>, at: usize, len: usize) -> Span {
    let base = value.span;
    if !base.is_known() {
        return base;
    }
    let text: Vec<char> = value.value.chars().collect();
    let Some(wanted) = text.get(at..at + len) else {
        return base;
    };
    let verified = |span: Span| {
        source.is_empty() || source.get(span.offset..span.offset + len) == Some(wanted)
    };
    let body = value.value.strip_suffix('\n').unwrap_or(&value.value);
    if !body.contains('\n') {
        let col = at;
        let plain = Span {
            offset: base.offset + at,
            len,
            line: base.line,
            column: base.column + col,
        };
        if base.len == text.len() && verified(plain) {
            return plain;
        }
        let quoted = Span {
            offset: base.offset + 1 + at,
            len,
            line: base.line,
            column: base.column + 1 + col,
        };
        if base.len == text.len() + 2
            && !value.value.contains(['\\', '"', '\''])
            && verified(quoted)
        {
            return quoted;
        }
        return base;
    }
    if source.is_empty() {
        return base;
    }
    // A literal block: the span starts at the first content character, and every
    // non-empty line after the first is indented by `column - 1` in the source.
    let indent = base.column.saturating_sub(1);
    let (mut line, mut col, mut offset) = (0usize, 0usize, base.offset);
    for (i, c) in text.iter().take(at).enumerate() {
        offset += 1;
        if *c == '\n' {
            line += 1;
            col = 0;
            if text.get(i + 1).is_some_and(|n| *n != '\n') {
                offset += indent;
            }
        } else {
            col += 1;
        }
    }
    let block = Span {
        offset,
        len,
        line: base.line + line,
        column: base.column + col,
    };
    if verified(block) { block } else { base }
}

/// `name` in backticks.
fn tick(name: &str) -> String {
    format!("`{name}`")
}

/// A list of names in backticks: "`a`, `b`, `c`" (or "none").
fn tick_list<'s>(names: impl IntoIterator<Item = &'s str>) -> String {
    let all: Vec<String> = names.into_iter().map(tick).collect();
    if all.is_empty() {
        "none".to_owned()
    } else {
        all.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_span_maps_plain_quoted_and_literal_scalars() {
        let sub_span = |v: &Sp<String>, at, len| sub_span(&[], v, at, len);
        let base = |offset, len, line, column| Span {
            offset,
            len,
            line,
            column,
        };
        let plain = Sp::new("a{b}".to_owned(), base(10, 4, 2, 5));
        assert_eq!(sub_span(&plain, 1, 3), base(11, 3, 2, 6));
        let quoted = Sp::new("a{b}".to_owned(), base(10, 6, 2, 5));
        assert_eq!(sub_span(&quoted, 1, 3), base(12, 3, 2, 7));
        let source = "a: |\n  ab\n\n  cd {{ x }}\nb: 1\n";
        let root = crate::yaml::parse(source).unwrap();
        let crate::yaml::Node::Map(entries) = &root.value else {
            panic!("a map")
        };
        let crate::yaml::Node::Str(text) = &entries[0].1.value else {
            panic!("a string")
        };
        let block = Sp::new(text.clone(), entries[0].1.span);
        let chars: Vec<char> = source.chars().collect();
        let span = super::sub_span(&chars, &block, 7, 7);
        assert_eq!((span.line, span.column, span.len), (4, 6, 7));
        assert_eq!(sub_span(&block, 7, 7), block.span, "not without the source");
        let escaped = Sp::new("a\"b".to_owned(), base(10, 6, 2, 5));
        assert_eq!(sub_span(&escaped, 1, 1), escaped.span);
    }
}
