//! Problems of one item, as compile errors and warnings on the user's tokens.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};

use super::SpanTable;
use crate::diag::{Code, Diagnostic, Severity};

/// Every problem of one item, collected so that all are reported in one build.
#[derive(Debug, Default)]
pub(crate) struct Report {
    errors: Vec<syn::Error>,
    warnings: Vec<(Span, String)>,
}

impl Report {
    /// A misuse of the attribute: what is wrong, then how to fix it.
    pub(crate) fn error(&mut self, span: Span, message: impl AsRef<str>, help: impl AsRef<str>) {
        let help = help.as_ref();
        let text = if help.is_empty() {
            message.as_ref().to_owned()
        } else {
            format!("{}\n  help: {help}", message.as_ref())
        };
        self.errors.push(syn::Error::new(span, text));
    }

    /// A syntax error from syn, as it is.
    pub(crate) fn syn(&mut self, error: syn::Error) {
        self.errors.push(error);
    }

    /// Whether any error was reported (warnings do not count).
    pub(crate) fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// How many errors were reported so far.
    pub(crate) fn error_count(&self) -> usize {
        self.errors.len()
    }

    /// The diagnostics of the checks, in source order, on the tokens their spans stand for.
    /// `allow_in` says where `allow(..)` goes (`` `#[mcp_tool(...)]` ``).
    pub(crate) fn diagnostics(
        &mut self,
        mut diags: Vec<Diagnostic>,
        spans: &SpanTable,
        allow_in: &str,
    ) {
        diags.sort_by_key(|d| (d.span.offset, d.code));
        diags.dedup();
        for d in diags {
            let span = spans.token_span(d.span);
            let text = render(&d, allow_in);
            match d.severity {
                Severity::Error => self.errors.push(syn::Error::new(span, text)),
                Severity::Warning => self.warnings.push((span, text)),
            }
        }
    }

    /// The errors as `compile_error!`s and the warnings as deprecation notes (the only
    /// warning a stable proc macro can raise), placed on the user's tokens.
    pub(crate) fn into_tokens(self) -> TokenStream {
        let errors = self.errors.into_iter().map(|e| e.to_compile_error());
        let warnings = self
            .warnings
            .into_iter()
            .enumerate()
            .map(|(i, (span, text))| {
                let name = format_ident!("mcpgen_check_{}", i);
                let use_name = format_ident!("mcpgen_check_{}", i, span = span);
                quote_spanned! {span=>
                    const _: () = {
                        #[deprecated(note = #text)]
                        #[allow(non_camel_case_types)]
                        struct #name;
                        let _ = #use_name;
                    };
                }
            });
        quote! { #(#errors)* #(#warnings)* }
    }
}

/// One diagnostic as a compile error's text: the message, the label, the help for
/// code-first use, and how to allow the check here.
fn render(d: &Diagnostic, allow_in: &str) -> String {
    let mut text = format!("{} [{}]", d.message, d.code);
    if let Some(label) = &d.label {
        text.push_str(&format!("\n  = {}", code_first_words(label)));
    }
    if let Some(help) = code_first_help(d) {
        text.push_str(&format!("\n  help: {help}"));
    }
    if !d.code.is_structural() {
        text.push_str(&format!(
            "\n  note: to accept it here, add `allow({})` to {allow_in}",
            d.code.name()
        ));
    }
    text
}

/// The help of a check, in the words of the attribute rather than of the YAML spec.
fn code_first_help(d: &Diagnostic) -> Option<String> {
    let help = d.help.as_deref()?;
    Some(match d.code {
        Code::MissingDescription => {
            "add a doc comment (`/// ...`): for a tool, what it does, what it returns and when to use it; for a parameter or field, what the value means, with its unit or format and an example. It is the only documentation the model reads".to_owned()
        }
        Code::ErrorTemplate => {
            let fields = regex::Regex::new(r", declare `[^`]*` under the error's `fields:`")
                .map(|re| re.replace(help, "").into_owned())
                .unwrap_or_else(|_| help.to_owned());
            fields.replace(" (parameters, then the error's `fields`)", " (the parameters)")
        }
        Code::Idempotency if help.starts_with("declare it under `params`") => {
            let re = regex::Regex::new(r"^declare it under `params`, such as `(\w+): \{[^`]*\}`")
                .ok()?;
            re.replace(help, "add a parameter `$1: Option<String>` whose doc comment says it is a unique id for this request, to send again when retrying")
                .into_owned()
        }
        Code::EnumSuggestion => {
            "declare the allowed values as an enum of unit variants with `#[derive(ToolSchema)]` (a doc comment on each), so the model sees them and the server rejects anything else".to_owned()
        }
        _ => code_first_words(help),
    })
}

/// Spec syntax in a check's text, rewritten as attribute syntax.
fn code_first_words(text: &str) -> String {
    const REWRITES: &[(&str, &str)] = &[
        (
            "add `annotations: { idempotent: true }`",
            "add `idempotent` to the attribute",
        ),
        ("else `idempotent: false`", "else `idempotent = false`"),
        ("add `read_only: true`", "add `read_only`"),
        (
            "add `rate_limit: 10/min` (or whatever suits) to the tool, or a default for every tool under `rate_limits: { per_tool: ... }`",
            "add `rate_limit = \"10/min\"` (or whatever suits) to the attribute",
        ),
        (
            "say `annotations: { destructive: false }`",
            "add `destructive = false`",
        ),
        (
            "remove `destructive: true`, or set `read_only: false` if the tool writes",
            "remove `destructive`, or `read_only` if the tool writes",
        ),
        ("remove `idempotent: true`", "remove `idempotent`"),
        ("contradicts `read_only: true`", "contradicts `read_only`"),
        ("implied by `read_only: true`", "implied by `read_only`"),
        ("`timeout_ms: 30000`", "`timeout_ms = 30_000`"),
        (
            "`max_response_bytes: 1048576`",
            "`max_response_bytes = 1_048_576`",
        ),
        ("no `description:`", "no doc comment"),
        (
            "disable the tool with `disabled: true`",
            "disable the tool with `disabled`",
        ),
        (
            "turn the breaker off with `enabled: false`",
            "turn the breaker off with `circuit_breaker(enabled = false)`",
        ),
        (
            "add `max_response_bytes` to the tool (or to `limits`), or remove `on_large_response`",
            "add `max_response_bytes = 1_048_576` (or whatever suits) to the attribute, or remove `on_large_response`",
        ),
        (
            "remove `idempotency`, or set `annotations.idempotent: false` if repeating a call does have an effect",
            "remove `idempotency(...)`, or, if repeating a call does have an effect, mark the tool `idempotent = false` and not `read_only`",
        ),
        ("must be `type: string`", "must be a `String`"),
        ("`window_ms: 60000`", "`window_ms = 60_000`"),
        ("`cooldown_ms: 60000`", "`cooldown_ms = 60_000`"),
        (
            "or change the type to `string`",
            "or make the parameter a `String`",
        ),
    ];
    let mut out = text.to_owned();
    for (from, to) in REWRITES {
        out = out.replace(from, to);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span as ModelSpan;

    #[test]
    fn renders_message_code_label_help_and_allow() {
        let d = Diagnostic::new(
            Code::UnitSuffix,
            ModelSpan::synthetic(1),
            "parameter `timeout` is a duration but its name has no unit",
        )
        .with_label("name it `timeout_ms` or `timeout_s`")
        .with_help("end the name with a unit");
        assert_eq!(
            render(&d, "`#[mcp_tool(...)]`"),
            "parameter `timeout` is a duration but its name has no unit [mcpgen::unit_suffix]\n  = name it `timeout_ms` or `timeout_s`\n  help: end the name with a unit\n  note: to accept it here, add `allow(unit_suffix)` to `#[mcp_tool(...)]`"
        );
    }

    #[test]
    fn spec_syntax_becomes_attribute_syntax() {
        let help = "a write tool states whether it is idempotent: add `annotations: { idempotent: true }` if calling it twice has the effect of calling it once, else `idempotent: false`; if the tool only reads, add `read_only: true`";
        assert_eq!(
            code_first_words(help),
            "a write tool states whether it is idempotent: add `idempotent` to the attribute if calling it twice has the effect of calling it once, else `idempotent = false`; if the tool only reads, add `read_only`"
        );
    }
}
