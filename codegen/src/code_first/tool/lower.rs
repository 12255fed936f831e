//! One tool function into the model, checked by the spec's own checks, and declared
//! by the shared `tool_def`: the `LoweredTool` the expansion is written from.

use std::collections::{BTreeMap, BTreeSet};

use heck::ToUpperCamelCase as _;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::ext::IdentExt as _;
use syn::{Attribute, Ident, Signature, Type};

use super::attr::lower_attribute;
use super::signature::{CallArg, Output, Param, doc_text, lower_inputs, lower_output, shape_ok};
use crate::code_first::args::Arg;
use crate::code_first::report::Report;
use crate::code_first::types::External;
use crate::code_first::{SpanTable, default_runtime};
use crate::diag::{Code, Diagnostics};
use crate::emit::rust::{RuntimePaths, tool_def};
use crate::model::{Annotations, ErrorCase, NamedMap, Spec, Tool};
use crate::source::{Sp, Span};

/// Where `allow(..)` goes, for the notes of the checks.
const ALLOW_IN: &str = "`#[mcp_tool(...)]`";

/// A tool function lowered into the model, with what the expansion needs.
pub(super) struct LoweredTool {
    /// The runtime path (`crate = ...`).
    pub(super) krate: TokenStream,
    /// The `ToolDef` expression, from the shared emitter.
    pub(super) def: TokenStream,
    /// The parameters, in order, as the call passes them.
    pub(super) call: Vec<CallArg>,
    /// The typed parameters (the `Args` struct's fields).
    pub(super) params: Vec<Param>,
    pub(super) output: Output,
    /// The enum of the declared errors: its name and `(variant, code, message)` each.
    pub(super) errors: Option<(Ident, Vec<DeclaredError>)>,
    /// `Some` for a method: whether it takes `&self`.
    pub(super) receiver: bool,
    /// The `impl` block's type, for a method.
    pub(super) self_ty: Option<Type>,
}

/// A declared error's enum variant, code and message.
pub(super) type DeclaredError = (Ident, String, String);

/// Lowers one function into the model, runs the checks, and builds what the expansion
/// needs. `None` when the function's shape makes a tool impossible (reported).
pub(super) fn lower(
    args: &[Arg],
    attrs: &[Attribute],
    sig: &Signature,
    self_ty: Option<&Type>,
    report: &mut Report,
) -> Option<LoweredTool> {
    let mut spans = SpanTable::new(sig.ident.span());
    let mut external = External::new();
    let mut diags = Diagnostics::default();
    let fn_name = sig.ident.unraw().to_string();
    let mut tool = empty_tool(spans.mark(sig.ident.span()));
    let errors_before = report.error_count();
    let attr = lower_attribute(args, &mut tool, &mut spans, &mut diags, report);
    let tool_name = attr
        .name
        .unwrap_or_else(|| Sp::new(fn_name.clone(), tool.span));
    let krate = attr.krate.unwrap_or_else(default_runtime);

    // The annotations as the user meant them are unknown when their arguments are wrong:
    // the annotation checks would only pile on.
    let attribute_failed = report.error_count() > errors_before;
    let mut shape_ok = shape_ok(sig, &fn_name, report);
    let inputs = lower_inputs(sig, self_ty, &mut tool, &mut spans, &mut external, report);
    shape_ok &= inputs.shape_ok;
    let output = lower_output(sig, &fn_name, &mut tool, &mut spans, &mut external, report);

    if let Some(doc) = doc_text(attrs) {
        tool.description = Some(Sp::new(doc.0, spans.mark(doc.1)));
    }
    let errors = declared_errors(attr.errors, sig, &fn_name, &mut tool, &mut spans);

    let name = tool_name.value.clone();
    let spec = Spec {
        tools: NamedMap(vec![(tool_name, tool)]),
        ..Spec::default()
    };
    let external_names: BTreeSet<String> = external.keys().cloned().collect();
    crate::checks::run_code_first(&spec, &external_names, &mut diags);
    let diags = diags
        .into_sorted()
        .into_iter()
        // Types come from Rust: an unresolved one is an unsupported type, reported above.
        .filter(|d| d.code != Code::UnresolvedType)
        .filter(|d| !(attribute_failed && d.code == Code::Annotations))
        .collect();
    report.diagnostics(diags, &spans, ALLOW_IN);
    let (true, Some(output)) = (shape_ok, output) else {
        return None;
    };
    let tool = spec.tools.get(&name)?;
    let paths = RuntimePaths {
        root: krate.clone(),
        schema_fn: quote! { #krate::__private::schema },
    };
    let external: BTreeMap<String, TokenStream> = external;
    let def = tool_def(&spec, &name, tool, &paths, &external);
    Some(LoweredTool {
        krate,
        def,
        call: inputs.call,
        params: inputs.params,
        output,
        errors,
        receiver: inputs.receiver,
        self_ty: self_ty.cloned(),
    })
}

/// A tool with nothing declared yet.
fn empty_tool(span: Span) -> Tool {
    Tool {
        span,
        title: None,
        description: None,
        annotations: Annotations::default(),
        scopes: Vec::new(),
        anonymous: None,
        rate_limit: None,
        timeout_ms: None,
        max_response_bytes: None,
        rate_limit_per_agent: None,
        max_concurrent_calls: None,
        on_large_response: None,
        circuit_breaker: None,
        idempotency: None,
        disabled: None,
        task: None,
        task_start: None,
        params: NamedMap::default(),
        input_schema: None,
        output: None,
        errors: NamedMap::default(),
        client_capabilities: Vec::new(),
        allow: Vec::new(),
        audit: None,
        upstream: None,
    }
}

/// The declared errors into `tool`'s `errors`, and the enum the function returns them
/// with: its name and `(variant, code, message)` each.
fn declared_errors(
    cases: Vec<(Ident, ErrorCase)>,
    sig: &Signature,
    fn_name: &str,
    tool: &mut Tool,
    spans: &mut SpanTable,
) -> Option<(Ident, Vec<DeclaredError>)> {
    let mut enum_cases = Vec::new();
    for (code, case) in cases {
        let code_name = code.to_string();
        let variant = Ident::new(&code_name.to_upper_camel_case(), code.span());
        enum_cases.push((variant, code_name.clone(), case.message.value.clone()));
        let at = spans.mark(code.span());
        tool.errors.0.push((Sp::new(code_name, at), case));
    }
    (!enum_cases.is_empty()).then(|| {
        (
            format_ident!(
                "{}Error",
                fn_name.to_upper_camel_case(),
                span = sig.ident.span()
            ),
            enum_cases,
        )
    })
}

impl std::fmt::Debug for LoweredTool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoweredTool")
            .field("def", &self.def.to_string())
            .finish_non_exhaustive()
    }
}
