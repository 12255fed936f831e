//! A tool function's signature into the model: its typed parameters with their
//! `#[arg(...)]` constraints and doc comments, the `ToolContext`, and the result type.

use proc_macro2::Span;
use syn::ext::IdentExt as _;
use syn::spanned::Spanned as _;
use syn::{
    Attribute, FnArg, Ident, Pat, PatType, Receiver, ReceiverKind, ReturnType, Signature, Type,
};

use super::attr::parse_args;
use crate::code_first::SpanTable;
use crate::code_first::report::Report;
use crate::code_first::types::{self, External, Lowered};
use crate::model::{Schema, Tool};
use crate::source::Sp;

/// The text of `///` doc comments, and the span of the first.
pub(in crate::code_first) fn doc_text(attrs: &[Attribute]) -> Option<(String, Span)> {
    let mut lines = Vec::new();
    let mut span = None;
    for attr in attrs {
        if !attr.path().is_ident("doc") {
            continue;
        }
        if let syn::Meta::NameValue(nv) = &attr.meta
            && let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) = &nv.value
        {
            span.get_or_insert(attr.span());
            let text = s.value();
            lines.push(
                text.strip_prefix(' ')
                    .unwrap_or(&text)
                    .trim_end()
                    .to_owned(),
            );
        }
    }
    Some((lines.join("\n").trim().to_owned(), span?))
}

/// Removes `#[arg(...)]` and doc comments from parameters (the compiler rejects both there).
pub(super) fn strip_param_attrs(sig: &mut Signature) {
    for input in &mut sig.inputs {
        if let FnArg::Typed(p) = input {
            p.attrs
                .retain(|a| !a.path().is_ident("arg") && !a.path().is_ident("doc"));
        }
    }
}

/// Whether a type is `ToolContext` or `&ToolContext` (by its last path segment); `Some(by_ref)`.
pub(super) fn context_type(ty: &Type) -> Option<bool> {
    let (by_ref, inner) = match ty {
        Type::Reference(r) if r.mutability.is_none() => (true, &*r.elem),
        other => (false, other),
    };
    match inner {
        Type::Path(p)
            if p.path
                .segments
                .last()
                .is_some_and(|s| s.ident == "ToolContext") =>
        {
            Some(by_ref)
        }
        _ => None,
    }
}

/// `Result<T, E>`: `T`.
pub(super) fn result_ok_type(ty: &Type) -> Option<&Type> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "Result" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(a) = &last.arguments else {
        return None;
    };
    match a.args.first()? {
        syn::GenericArgument::Type(t) => Some(t),
        _ => None,
    }
}

pub(super) fn is_last_segment(ty: &Type, name: &str) -> bool {
    matches!(ty, Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == name))
}

/// How the call passes each parameter.
#[derive(Clone, Copy)]
pub(super) enum CallArg {
    /// The `ToolContext`, by reference or by value.
    Context { by_ref: bool },
    /// The `n`th typed parameter.
    Param(usize),
}

/// A typed parameter: a field of the `Args` struct.
pub(super) struct Param {
    pub(super) ident: Ident,
    pub(super) ty: Type,
    /// `Option<T>` without a default: absent is `None`.
    pub(super) optional: bool,
}

/// What the function returns on success.
pub(super) enum Output {
    /// `ToolOutput`: passed through, no output schema.
    Raw,
    /// A Rust-declared type: `structuredContent` as it is (asserted to be an object).
    Object(Box<Type>),
    /// A builtin type: wrapped as `{"result": value}`.
    Wrapped,
}

/// The inputs of a tool function, as the call passes them.
pub(super) struct Inputs {
    /// Every parameter but the receiver, in order.
    pub(super) call: Vec<CallArg>,
    /// The typed parameters (the `Args` struct's fields).
    pub(super) params: Vec<Param>,
    /// Whether it takes `&self`.
    pub(super) receiver: bool,
    /// No input makes a tool impossible.
    pub(super) shape_ok: bool,
}

/// Reports what makes a function no tool at all, whatever its parameters: not `async`,
/// generic, variadic. `false` if any.
pub(super) fn shape_ok(sig: &Signature, fn_name: &str, report: &mut Report) -> bool {
    let mut shape_ok = true;
    if sig.asyncness.is_none() {
        report.error(
            sig.fn_token.span(),
            format!("`#[mcp_tool]` needs an `async fn`; `{fn_name}` is not async"),
            format!("write `async fn {fn_name}(...)`"),
        );
        shape_ok = false;
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        report.error(
            sig.generics.span(),
            "a tool function cannot be generic: its parameters must have one fixed schema",
            "use concrete types",
        );
        shape_ok = false;
    }
    if let Some(v) = &sig.variadic {
        report.error(v.span(), "a tool function cannot be variadic", "");
        shape_ok = false;
    }
    shape_ok
}

/// Lowers the parameters of `sig`: the typed ones become `tool`'s `params`.
pub(super) fn lower_inputs(
    sig: &Signature,
    self_ty: Option<&Type>,
    tool: &mut Tool,
    spans: &mut SpanTable,
    external: &mut External,
    report: &mut Report,
) -> Inputs {
    let mut inputs = Inputs {
        call: Vec::new(),
        params: Vec::new(),
        receiver: false,
        shape_ok: true,
    };
    let mut context_seen = false;
    for input in &sig.inputs {
        let p = match input {
            FnArg::Receiver(r) => {
                inputs.shape_ok &= receiver_ok(r, self_ty, report);
                inputs.receiver = true;
                continue;
            }
            FnArg::Typed(p) => p,
        };
        if let Some(by_ref) = context_type(&p.ty) {
            if context_seen {
                report.error(
                    p.ty.span(),
                    "a tool function takes the `ToolContext` once",
                    "remove this parameter",
                );
                inputs.shape_ok = false;
            }
            context_seen = true;
            inputs.call.push(CallArg::Context { by_ref });
            continue;
        }
        let Some((param, name, schema)) = lower_param(p, spans, external, report) else {
            inputs.shape_ok = false;
            continue;
        };
        inputs.call.push(CallArg::Param(inputs.params.len()));
        inputs.params.push(param);
        tool.params.0.push((name, schema));
    }
    inputs
}

/// Whether a receiver can take a tool call: `&self`, in an `#[mcp_tools]` block.
fn receiver_ok(r: &Receiver, self_ty: Option<&Type>, report: &mut Report) -> bool {
    let mut ok = true;
    if self_ty.is_none() {
        report.error(r.span(), "`#[mcp_tool]` on a method needs `#[mcp_tools]` on its `impl` block", "add `#[mcp_tools]` above `impl ... {`; then register the block's tools with `ServerBuilder::add_tools(value)`");
        ok = false;
    } else if !matches!(r.kind, ReceiverKind::Reference(_, _, None)) {
        report.error(
            r.span(),
            "a tool method takes `&self`: every call shares one instance",
            "write `&self`, and keep mutable state behind a `Mutex` or in atomics",
        );
        ok = false;
    }
    ok
}

/// One typed parameter: the `Args` field, and its name and schema in the model. `None`
/// when the pattern is not a plain name (reported).
fn lower_param(
    p: &PatType,
    spans: &mut SpanTable,
    external: &mut External,
    report: &mut Report,
) -> Option<(Param, Sp<String>, Schema)> {
    let Pat::Ident(pat) = &*p.pat else {
        report.error(
            p.pat.span(),
            "a tool parameter needs a plain name: it is the argument's name in the schema",
            "write `name: Type`",
        );
        return None;
    };
    let ident = pat.ident.clone();
    let name = ident.unraw().to_string();
    let mut lowered: Lowered = types::lower(&p.ty, spans, external, report);
    for attr in &p.attrs {
        if attr.path().is_ident("arg") {
            match &attr.meta {
                syn::Meta::List(list) => {
                    let list = parse_args(list.tokens.clone(), report);
                    types::constrain(&mut lowered, &list, "#[arg(...)]", spans, report);
                }
                other => report.error(
                    other.span(),
                    "write `#[arg(key = value, ...)]`",
                    format!(
                        "the keys of `#[arg(...)]` are: {}",
                        types::CONSTRAINT_KEYS.join(", ")
                    ),
                ),
            }
        } else if !attr.path().is_ident("doc") {
            report.error(
                attr.span(),
                "a tool parameter takes only doc comments and `#[arg(...)]`",
                "remove this attribute",
            );
        }
    }
    if let Some((text, span)) = doc_text(&p.attrs) {
        lowered.schema.description = Some(Sp::new(text, spans.mark(span)));
    }
    let has_default = lowered.schema.default.is_some();
    if lowered.optional && has_default {
        report.error(
            p.ty.span(),
            format!(
                "parameter `{name}` has a default, so it is never absent: `Option` is not needed"
            ),
            "use the plain type; the runtime fills in the default before the call",
        );
    }
    if lowered.optional && !has_default {
        lowered.schema.optional = Some(Sp::new(true, lowered.schema.span));
    }
    let param = Param {
        ident: ident.clone(),
        ty: (*p.ty).clone(),
        optional: lowered.optional && !has_default,
    };
    let name_at = spans.mark(ident.span());
    Some((param, Sp::new(name, name_at), lowered.schema))
}

/// The function's result: what it returns on success, whose schema becomes `tool`'s
/// `output`. `None` when it returns no `Result` (reported).
pub(super) fn lower_output(
    sig: &Signature,
    fn_name: &str,
    tool: &mut Tool,
    spans: &mut SpanTable,
    external: &mut External,
    report: &mut Report,
) -> Option<Output> {
    let output = match &sig.output {
        ReturnType::Default => {
            report.error(sig.span(), format!("`{fn_name}` returns nothing; a tool function returns `Result<T, E>`"), "return `Result<T, E>`: `T` is the output (a `#[derive(ToolSchema)]` struct, a builtin type, or `ToolOutput`), `E` converts into `ToolError`");
            return None;
        }
        ReturnType::Type(_, ty) => match result_ok_type(ty) {
            None => {
                report.error(ty.span(), "a tool function returns `Result<T, E>`", "return `Result<T, E>`: `T` is the output (a `#[derive(ToolSchema)]` struct, a builtin type, or `ToolOutput`), `E` converts into `ToolError`");
                return None;
            }
            Some(ok) if context_type(ok).is_none() && is_last_segment(ok, "ToolOutput") => {
                Output::Raw
            }
            Some(ok) => {
                let lowered = types::lower(ok, spans, external, report);
                if lowered.optional {
                    report.error(
                        ok.span(),
                        "a tool's output cannot be optional",
                        "return the value, or an error when there is none",
                    );
                }
                let object = lowered
                    .schema
                    .ty
                    .as_ref()
                    .is_some_and(|t| external.contains_key(&t.value));
                tool.output = Some(lowered.schema);
                if object {
                    Output::Object(Box::new((*ok).clone()))
                } else {
                    Output::Wrapped
                }
            }
        },
    };
    Some(output)
}
