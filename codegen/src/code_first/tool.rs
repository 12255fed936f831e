//! `#[mcp_tool]` on an `async fn` and `#[mcp_tools]` on an `impl` block.

use std::collections::{BTreeMap, BTreeSet};

use heck::ToUpperCamelCase as _;
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt as _;
use syn::parse::Parser as _;
use syn::spanned::Spanned as _;
use syn::{
    Attribute, FnArg, Ident, ImplItem, ItemFn, ItemImpl, Pat, ReceiverKind, ReturnType, Signature,
    Type, Visibility,
};

use super::args::{self, Arg, ArgValue};
use super::report::Report;
use super::types::{self, External, Lowered};
use super::{SpanTable, default_runtime};
use crate::diag::{Code, Diagnostics};
use crate::emit::rust::{RuntimePaths, tool_def};
use crate::model::{
    Annotations, CircuitBreakerSpec, ErrorCase, IdempotencySpec, LargeResponse, NamedMap, Spec,
    TaskSupport, Tool,
};
use crate::source::Sp;

/// The keys of `#[mcp_tool(...)]`.
const TOOL_KEYS: &[&str] = &[
    "name",
    "title",
    "read_only",
    "destructive",
    "idempotent",
    "open_world",
    "rate_limit",
    "timeout_ms",
    "max_response_bytes",
    "rate_limit_per_agent",
    "max_concurrent_calls",
    "on_large_response",
    "circuit_breaker",
    "idempotency",
    "disabled",
    "task",
    "scopes",
    "anonymous",
    "errors",
    "allow",
    "crate",
];

/// The keys of one error written `code(...)` in `errors(...)`.
const ERROR_KEYS: &[&str] = &["message", "retryable"];

/// The keys of `circuit_breaker(...)`, as in a spec's `circuit_breaker:`.
const CIRCUIT_BREAKER_KEYS: &[&str] = &[
    "enabled",
    "failures",
    "window_ms",
    "cooldown_ms",
    "successes",
];

/// The keys of `idempotency(...)`, as in a spec's `idempotency:`.
const IDEMPOTENCY_KEYS: &[&str] = &["key", "window_ms"];

/// The argument `#[mcp_tools]` leaves in the `#[mcp_tool]` attributes it has expanded.
const IN_IMPL_BLOCK: &str = "__mcpgen_in_impl_block";

/// Where `allow(..)` goes, for the notes of the checks.
const ALLOW_IN: &str = "`#[mcp_tool(...)]`";

/// `#[mcp_tool(...)]` on a free `async fn`: the function, a zero-sized type of the same
/// name implementing `CodeTool`, and the declared errors' enum.
pub fn mcp_tool(attr: TokenStream, item: TokenStream) -> TokenStream {
    // A method of an `#[mcp_tools]` block, already expanded by the block's attribute,
    // which keeps this attribute (so that importing `mcp_tool` is not unused).
    if attr.to_string() == IN_IMPL_BLOCK {
        return item;
    }
    let mut report = Report::default();
    let mut func: ItemFn = match syn::parse2(item.clone()) {
        Ok(f) => f,
        Err(_) => {
            report.error(
                Span::call_site(),
                "`#[mcp_tool]` goes on an `async fn`",
                "put it on a free `async fn`, or on a method of an `impl` block marked `#[mcp_tools]`",
            );
            return item.into_iter().chain(report.into_tokens()).collect();
        }
    };
    let args = parse_args(attr, &mut report);
    let lowered = lower(&args, &func.attrs, &func.sig, None, &mut report);
    strip_param_attrs(&mut func.sig);
    if func.sig.receiver().is_some() {
        // A method outside `#[mcp_tools]` (reported): the method alone, nothing around it.
        let report = report.into_tokens();
        return quote! { #func #report };
    }
    let ident = &func.sig.ident;
    let vis = &func.vis;
    let krate = lowered
        .as_ref()
        .map_or_else(default_runtime, |l| l.krate.clone());
    let marker_doc = format!(
        " The MCP tool declared by [`{ident}()`]: register it with `ServerBuilder::add_tool::<{ident}>()`."
    );
    let body = match lowered.as_ref().filter(|_| !report.has_errors()) {
        Some(tool) => {
            let def = &tool.def;
            let args_struct = tool.args_struct(&format_ident!("Args"));
            let handler = tool.handler(&quote! { #ident }, &format_ident!("Args"), None);
            let asserts = tool.output_assert();
            quote! {
                #args_struct
                impl #krate::CodeTool for #ident {
                    #[allow(clippy::needless_update)]
                    fn def() -> #krate::ToolDef {
                        #def
                    }
                    fn register(builder: #krate::ServerBuilder) -> #krate::ServerBuilder {
                        builder.typed_tool::<Args, _, _>(<Self as #krate::CodeTool>::def(), #handler)
                    }
                }
                #asserts
            }
        }
        // The tool cannot be built: a placeholder keeps `add_tool::<name>()` compiling, so
        // the errors above are all the user sees.
        None => quote! {
            impl #krate::CodeTool for #ident {
                fn def() -> #krate::ToolDef {
                    ::core::unreachable!()
                }
                fn register(builder: #krate::ServerBuilder) -> #krate::ServerBuilder {
                    builder
                }
            }
        },
    };
    let errors = lowered.as_ref().map(|l| l.error_enum(vis));
    let report = report.into_tokens();
    quote! {
        #func
        #errors
        #[doc = #marker_doc]
        #[allow(non_camel_case_types)]
        #vis struct #ident {}
        const _: () = {
            #body
        };
        #report
    }
}

/// `#[mcp_tools]` on an `impl` block: its methods marked `#[mcp_tool]` become the tools of
/// a `ToolSet`, served by one shared instance of the type.
pub fn mcp_tools(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut report = Report::default();
    let mut block: ItemImpl = match syn::parse2(item.clone()) {
        Ok(b) => b,
        Err(_) => {
            report.error(
                Span::call_site(),
                "`#[mcp_tools]` goes on an `impl` block",
                "put it on `impl MyServer { ... }` whose `async fn` methods carry `#[mcp_tool]`",
            );
            return item.into_iter().chain(report.into_tokens()).collect();
        }
    };
    if !attr.is_empty() {
        report.error(
            attr.span(),
            "`#[mcp_tools]` takes no arguments",
            "write `#[mcp_tools]`; options go on each `#[mcp_tool(...)]`",
        );
    }
    if let Some((path, _)) = &block.trait_ {
        report.error(
            path.span(),
            "`#[mcp_tools]` goes on an inherent `impl` block, not a trait impl",
            "move the tool methods into `impl MyServer { ... }`",
        );
    }
    if !block.generics.params.is_empty() {
        report.error(
            block.generics.span(),
            "`#[mcp_tools]` does not support generic `impl` blocks",
            "implement the tools for a concrete type",
        );
    }
    let self_ty = block.self_ty.clone();
    let mut tools = Vec::new();
    for item in &mut block.items {
        let ImplItem::Fn(method) = item else { continue };
        let Some(pos) = method.attrs.iter().position(is_tool_attr) else {
            continue;
        };
        let attr = method.attrs[pos].clone();
        let marker: TokenStream = IN_IMPL_BLOCK.parse().unwrap_or_default();
        let path = attr.path().clone();
        method.attrs[pos] = syn::parse_quote! { #[#path(#marker)] };
        let tokens = match &attr.meta {
            syn::Meta::Path(_) => TokenStream::new(),
            syn::Meta::List(list) => list.tokens.clone(),
            syn::Meta::NameValue(nv) => {
                report.error(
                    nv.span(),
                    "write `#[mcp_tool(...)]`, not `#[mcp_tool = ...]`",
                    "",
                );
                TokenStream::new()
            }
        };
        let args = parse_args(tokens, &mut report);
        let lowered = lower(
            &args,
            &method.attrs,
            &method.sig,
            Some(&self_ty),
            &mut report,
        );
        strip_param_attrs(&mut method.sig);
        if let Some(l) = lowered {
            tools.push((method.sig.ident.clone(), method.vis.clone(), l));
        }
    }
    let krate = tools
        .first()
        .map_or_else(default_runtime, |(_, _, l)| l.krate.clone());
    if tools
        .iter()
        .any(|(_, _, l)| l.krate.to_string() != krate.to_string())
    {
        report.error(
            block.self_ty.span(),
            "the tools of one `impl` block name different runtime crates",
            "give every `#[mcp_tool]` of the block the same `crate = ...`, or none",
        );
    }
    let errors: Vec<TokenStream> = tools.iter().map(|(_, vis, l)| l.error_enum(vis)).collect();
    let body = if report.has_errors() {
        quote! {
            impl #krate::ToolSet for #self_ty {
                fn defs() -> ::std::vec::Vec<#krate::ToolDef> {
                    ::core::unreachable!()
                }
                fn register(self: ::std::sync::Arc<Self>, builder: #krate::ServerBuilder) -> #krate::ServerBuilder {
                    builder
                }
            }
        }
    } else {
        let mut items = Vec::new();
        let mut defs = Vec::new();
        let mut registrations = Vec::new();
        for (ident, _, tool) in &tools {
            let args_ident = format_ident!("Args_{}", ident.unraw());
            let def_fn = format_ident!("def_{}", ident.unraw());
            let def = &tool.def;
            items.push(tool.args_struct(&args_ident));
            items.push(quote! {
                #[allow(clippy::needless_update)]
                fn #def_fn() -> #krate::ToolDef {
                    #def
                }
            });
            items.push(tool.output_assert());
            defs.push(quote! { #def_fn() });
            let this = format_ident!("this");
            let handler = tool.handler(&quote! { #ident }, &args_ident, Some(&this));
            registrations.push(quote! {
                let builder = {
                    let #this = ::std::sync::Arc::clone(&self);
                    builder.typed_tool::<#args_ident, _, _>(#def_fn(), #handler)
                };
            });
        }
        quote! {
            #(#items)*
            impl #krate::ToolSet for #self_ty {
                fn defs() -> ::std::vec::Vec<#krate::ToolDef> {
                    ::std::vec::Vec::from([#(#defs),*])
                }
                fn register(self: ::std::sync::Arc<Self>, builder: #krate::ServerBuilder) -> #krate::ServerBuilder {
                    #(#registrations)*
                    let _ = self;
                    builder
                }
            }
        }
    };
    let report = report.into_tokens();
    quote! {
        #block
        #(#errors)*
        #[allow(non_snake_case, non_camel_case_types)]
        const _: () = {
            #body
        };
        #report
    }
}

/// Whether an attribute is `#[mcp_tool]` (however the path is written).
fn is_tool_attr(attr: &Attribute) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|s| s.ident == "mcp_tool")
}

fn parse_args(tokens: TokenStream, report: &mut Report) -> Vec<Arg> {
    match args::parse.parse2(tokens) {
        Ok(args) => args,
        Err(e) => {
            report.syn(e);
            Vec::new()
        }
    }
}

/// A tool function lowered into the model, with what the expansion needs.
struct LoweredTool {
    /// The runtime path (`crate = ...`).
    krate: TokenStream,
    /// The `ToolDef` expression, from the shared emitter.
    def: TokenStream,
    /// The parameters, in order, as the call passes them.
    call: Vec<CallArg>,
    /// The typed parameters (the `Args` struct's fields).
    params: Vec<Param>,
    output: Output,
    /// The enum of the declared errors: its name and `(variant, code, message)` each.
    errors: Option<(Ident, Vec<DeclaredError>)>,
    /// `Some` for a method: whether it takes `&self`.
    receiver: bool,
    /// The `impl` block's type, for a method.
    self_ty: Option<Type>,
}

/// A declared error's enum variant, code and message.
type DeclaredError = (Ident, String, String);

#[derive(Clone, Copy)]
enum CallArg {
    /// The `ToolContext`, by reference or by value.
    Context { by_ref: bool },
    /// The `n`th typed parameter.
    Param(usize),
}

struct Param {
    ident: Ident,
    ty: Type,
    /// `Option<T>` without a default: absent is `None`.
    optional: bool,
}

/// What the function returns on success.
enum Output {
    /// `ToolOutput`: passed through, no output schema.
    Raw,
    /// A Rust-declared type: `structuredContent` as it is (asserted to be an object).
    Object(Box<Type>),
    /// A builtin type: wrapped as `{"result": value}`.
    Wrapped,
}

impl LoweredTool {
    fn args_struct(&self, name: &Ident) -> TokenStream {
        let krate = &self.krate;
        let serde_path = format!("{}::__private::serde", krate.to_string().replace(' ', ""));
        let fields = self.params.iter().map(|p| {
            let (ident, ty) = (&p.ident, &p.ty);
            let default = p.optional.then(|| quote! { #[serde(default)] });
            quote! { #default #ident: #ty }
        });
        quote! {
            #[derive(#krate::__private::serde::Deserialize)]
            #[serde(crate = #serde_path, deny_unknown_fields)]
            struct #name {
                #(#fields,)*
            }
        }
    }

    /// The handler closure registered with `typed_tool`: calls the function (or the
    /// method on `this`) and converts its result.
    fn handler(&self, func: &TokenStream, args: &Ident, this: Option<&Ident>) -> TokenStream {
        let krate = &self.krate;
        let call_args = self.call.iter().map(|a| match a {
            CallArg::Context { by_ref: true } => quote! { &ctx },
            CallArg::Context { by_ref: false } => quote! { ctx.clone() },
            CallArg::Param(i) => {
                let ident = &self.params[*i].ident;
                quote! { args.#ident }
            }
        });
        let call = match (this, &self.self_ty) {
            (Some(this), _) if self.receiver => quote! { #this.#func(#(#call_args),*) },
            (_, Some(ty)) => quote! { <#ty>::#func(#(#call_args),*) },
            _ => quote! { #func(#(#call_args),*) },
        };
        let into_output = match &self.output {
            Output::Raw => quote! { ::core::result::Result::Ok(output) },
            Output::Object(_) => quote! { #krate::ToolOutput::structured(output) },
            Output::Wrapped => quote! { #krate::__private::wrapped_output(output) },
        };
        let args_used = if self.params.is_empty() {
            quote! { let _ = args; }
        } else {
            TokenStream::new()
        };
        let body = quote! {
            #args_used
            let output = #call
                .await
                .map_err(::core::convert::Into::<#krate::ToolError>::into)?;
            #into_output
        };
        match this {
            Some(this) => quote! {
                move |ctx: #krate::ToolContext, args: #args| {
                    let #this = ::std::sync::Arc::clone(&#this);
                    async move {
                        let _ = &ctx;
                        #body
                    }
                }
            },
            None => quote! {
                |ctx: #krate::ToolContext, args: #args| async move {
                    let _ = &ctx;
                    #body
                }
            },
        }
    }

    /// A Rust-declared output type must be an object: checked when the crate compiles.
    fn output_assert(&self) -> TokenStream {
        let Output::Object(ty) = &self.output else {
            return TokenStream::new();
        };
        let krate = &self.krate;
        quote_spanned! {ty.span()=>
            const _: () = ::core::assert!(
                <#ty as #krate::ToolSchema>::IS_OBJECT,
                "the output of a tool must be a JSON object (MCP requires an object `structuredContent`): return a struct with `#[derive(ToolSchema)]`, or a builtin type, which is wrapped as {{\"result\": ...}}",
            );
        }
    }

    /// The enum of the declared errors (nothing when there are none).
    fn error_enum(&self, vis: &Visibility) -> TokenStream {
        let Some((ident, cases)) = &self.errors else {
            return TokenStream::new();
        };
        let krate = &self.krate;
        let docs = cases.iter().map(|(_, _, m)| format!(" {m}"));
        let variants: Vec<&Ident> = cases.iter().map(|(v, _, _)| v).collect();
        let codes = cases.iter().map(|(_, c, _)| c);
        let enum_doc = " The declared errors of the tool; `Unexpected` is a failure that is not the caller's fault (reported as a server error, detail logged).";
        quote! {
            #[doc = #enum_doc]
            #[derive(Debug)]
            #vis enum #ident {
                #(#[doc = #docs] #variants,)*
                /// A failure that is not the caller's fault (a bug or an outage). The caller
                /// gets a generic message; the detail is logged on the server.
                Unexpected(#krate::__private::anyhow::Error),
            }

            impl<E> ::core::convert::From<E> for #ident
            where
                E: ::std::error::Error + ::core::marker::Send + ::core::marker::Sync + 'static,
            {
                fn from(error: E) -> Self {
                    Self::Unexpected(error.into())
                }
            }

            impl ::core::convert::From<#ident> for #krate::ToolError {
                fn from(error: #ident) -> Self {
                    match error {
                        #(#ident::#variants => #krate::ToolError::declared(#codes),)*
                        #ident::Unexpected(error) => #krate::ToolError::Unexpected(error),
                    }
                }
            }
        }
    }
}

/// The text of `///` doc comments, and the span of the first.
pub(super) fn doc_text(attrs: &[Attribute]) -> Option<(String, Span)> {
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
fn strip_param_attrs(sig: &mut Signature) {
    for input in &mut sig.inputs {
        if let FnArg::Typed(p) = input {
            p.attrs
                .retain(|a| !a.path().is_ident("arg") && !a.path().is_ident("doc"));
        }
    }
}

/// Whether a type is `ToolContext` or `&ToolContext` (by its last path segment); `Some(by_ref)`.
fn context_type(ty: &Type) -> Option<bool> {
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
fn result_ok_type(ty: &Type) -> Option<&Type> {
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

/// Lowers one function into the model, runs the checks, and builds what the expansion
/// needs. `None` when the function's shape makes a tool impossible (reported).
fn lower(
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
    let mut tool = Tool {
        span: spans.mark(sig.ident.span()),
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
    };
    let mut tool_name = Sp::new(fn_name.clone(), tool.span);
    let mut krate = default_runtime();
    let mut error_cases = Vec::new();
    let mut shape_ok = true;
    let errors_before = report.error_count();

    for arg in args::known(args, TOOL_KEYS, "#[mcp_tool(...)]", report) {
        let at = spans.mark(arg.value_span());
        let key_at = spans.mark(arg.key.span());
        match arg.name().as_str() {
            "name" => {
                if let Some(n) = arg.string(report) {
                    tool_name = Sp::new(n, at);
                }
            }
            "title" => tool.title = arg.string(report).map(|t| Sp::new(t, at)),
            flag @ ("read_only" | "destructive" | "idempotent" | "open_world") => {
                let value = arg.bool(report).map(|v| Sp::new(v, key_at));
                let a = &mut tool.annotations;
                match flag {
                    "read_only" => a.read_only = value,
                    "destructive" => a.destructive = value,
                    "idempotent" => a.idempotent = value,
                    _ => a.open_world = value,
                }
            }
            key @ ("rate_limit" | "rate_limit_per_agent") => {
                if let Some(text) = arg.string(report) {
                    match crate::rate::parse(&text) {
                        Ok(rate) if key == "rate_limit" => {
                            tool.rate_limit = Some(Sp::new(rate, at));
                        }
                        Ok(rate) => tool.rate_limit_per_agent = Some(Sp::new(rate, at)),
                        Err(e) => diags.push(crate::rate::invalid(&text, &e, at)),
                    }
                }
            }
            "timeout_ms" => tool.timeout_ms = arg.u64(report).map(|v| Sp::new(v, at)),
            "max_response_bytes" => {
                tool.max_response_bytes = arg.u64(report).map(|v| Sp::new(v, at))
            }
            "max_concurrent_calls" => {
                tool.max_concurrent_calls = arg.u32(report).map(|v| Sp::new(v, at))
            }
            "on_large_response" => {
                tool.on_large_response =
                    arg.choice(report, &["error", "truncate"])
                        .map(|mode| match mode.as_str() {
                            "truncate" => Sp::new(LargeResponse::Truncate, at),
                            _ => Sp::new(LargeResponse::Error, at),
                        });
            }
            "circuit_breaker" => {
                tool.circuit_breaker = lower_circuit_breaker(arg, &mut spans, report);
            }
            "idempotency" => tool.idempotency = lower_idempotency(arg, &mut spans, report),
            "disabled" => tool.disabled = arg.bool(report).map(|v| Sp::new(v, at)),
            "anonymous" => tool.anonymous = arg.bool(report).map(|v| Sp::new(v, at)),
            "task" => {
                tool.task = arg
                    .choice(report, &["optional", "required"])
                    .map(|support| match support.as_str() {
                        "required" => Sp::new(TaskSupport::Required, at),
                        _ => Sp::new(TaskSupport::Optional, at),
                    });
            }
            "scopes" => {
                for (scope, span) in arg
                    .strings(report, "scopes(\"forecast:read\")")
                    .unwrap_or_default()
                {
                    let at = spans.mark(span);
                    tool.scopes.push(Sp::new(scope, at));
                }
            }
            "allow" => {
                for lint in arg.list(report, "allow(unit_suffix)").unwrap_or_default() {
                    let at = spans.mark(lint.key.span());
                    tool.allow.push(Sp::new(lint.name(), at));
                }
            }
            "errors" => {
                let example =
                    "errors(city_not_found = \"No city named {city}. Check the spelling.\")";
                for case in arg.list(report, example).unwrap_or_default() {
                    if let Some(lowered) = lower_error(&case, &mut spans, report) {
                        error_cases.push((case.key.unraw(), lowered));
                    }
                }
            }
            "crate" => {
                if let Some(path) = arg.path(report) {
                    krate = path;
                }
            }
            _ => {}
        }
    }

    // The annotations as the user meant them are unknown when their arguments are wrong:
    // the annotation checks would only pile on.
    let attribute_failed = report.error_count() > errors_before;

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

    let mut call = Vec::new();
    let mut params = Vec::new();
    let mut receiver = false;
    let mut context_seen = false;
    for input in &sig.inputs {
        let p = match input {
            FnArg::Receiver(r) => {
                if self_ty.is_none() {
                    report.error(r.span(), "`#[mcp_tool]` on a method needs `#[mcp_tools]` on its `impl` block", "add `#[mcp_tools]` above `impl ... {`; then register the block's tools with `ServerBuilder::add_tools(value)`");
                    shape_ok = false;
                } else if !matches!(r.kind, ReceiverKind::Reference(_, _, None)) {
                    report.error(
                        r.span(),
                        "a tool method takes `&self`: every call shares one instance",
                        "write `&self`, and keep mutable state behind a `Mutex` or in atomics",
                    );
                    shape_ok = false;
                }
                receiver = true;
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
                shape_ok = false;
            }
            context_seen = true;
            call.push(CallArg::Context { by_ref });
            continue;
        }
        let Pat::Ident(pat) = &*p.pat else {
            report.error(
                p.pat.span(),
                "a tool parameter needs a plain name: it is the argument's name in the schema",
                "write `name: Type`",
            );
            shape_ok = false;
            continue;
        };
        let ident = pat.ident.clone();
        let name = ident.unraw().to_string();
        let mut lowered: Lowered = types::lower(&p.ty, &mut spans, &mut external, report);
        for attr in &p.attrs {
            if attr.path().is_ident("arg") {
                match &attr.meta {
                    syn::Meta::List(list) => {
                        let list = parse_args(list.tokens.clone(), report);
                        types::constrain(&mut lowered, &list, "#[arg(...)]", &mut spans, report);
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
            report.error(p.ty.span(), format!("parameter `{name}` has a default, so it is never absent: `Option` is not needed"), "use the plain type; the runtime fills in the default before the call");
        }
        if lowered.optional && !has_default {
            lowered.schema.optional = Some(Sp::new(true, lowered.schema.span));
        }
        call.push(CallArg::Param(params.len()));
        params.push(Param {
            ident: ident.clone(),
            ty: (*p.ty).clone(),
            optional: lowered.optional && !has_default,
        });
        let name_at = spans.mark(ident.span());
        tool.params.0.push((Sp::new(name, name_at), lowered.schema));
    }

    let output = match &sig.output {
        ReturnType::Default => {
            report.error(sig.span(), format!("`{fn_name}` returns nothing; a tool function returns `Result<T, E>`"), "return `Result<T, E>`: `T` is the output (a `#[derive(ToolSchema)]` struct, a builtin type, or `ToolOutput`), `E` converts into `ToolError`");
            shape_ok = false;
            Output::Raw
        }
        ReturnType::Type(_, ty) => match result_ok_type(ty) {
            None => {
                report.error(ty.span(), "a tool function returns `Result<T, E>`", "return `Result<T, E>`: `T` is the output (a `#[derive(ToolSchema)]` struct, a builtin type, or `ToolOutput`), `E` converts into `ToolError`");
                shape_ok = false;
                Output::Raw
            }
            Some(ok) if context_type(ok).is_none() && is_last_segment(ok, "ToolOutput") => {
                Output::Raw
            }
            Some(ok) => {
                let lowered = types::lower(ok, &mut spans, &mut external, report);
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

    if let Some(doc) = doc_text(attrs) {
        tool.description = Some(Sp::new(doc.0, spans.mark(doc.1)));
    }
    let mut enum_cases = Vec::new();
    for (code, case) in error_cases {
        let code_name = code.to_string();
        let variant = Ident::new(&code_name.to_upper_camel_case(), code.span());
        enum_cases.push((variant, code_name.clone(), case.message.value.clone()));
        let at = spans.mark(code.span());
        tool.errors.0.push((Sp::new(code_name, at), case));
    }
    let errors = (!enum_cases.is_empty()).then(|| {
        (
            format_ident!(
                "{}Error",
                fn_name.to_upper_camel_case(),
                span = sig.ident.span()
            ),
            enum_cases,
        )
    });

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
    if !shape_ok {
        return None;
    }
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
        call,
        params,
        output,
        errors,
        receiver,
        self_ty: self_ty.cloned(),
    })
}

fn is_last_segment(ty: &Type, name: &str) -> bool {
    matches!(ty, Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == name))
}

/// `circuit_breaker(failures = 5, window_ms = 60_000, cooldown_ms = 30_000, successes = 2)`
/// or `circuit_breaker(enabled = false)`; keys left out take the server's breaker's values.
fn lower_circuit_breaker(
    arg: &Arg,
    spans: &mut SpanTable,
    report: &mut Report,
) -> Option<CircuitBreakerSpec> {
    if !matches!(arg.value, ArgValue::List(..)) {
        report.error(
            arg.value_span(),
            "`circuit_breaker` takes a list in parentheses",
            "write `circuit_breaker(failures = 5, window_ms = 60_000, cooldown_ms = 30_000, successes = 2)` (keys left out keep the server's values), or `circuit_breaker(enabled = false)` to turn it off",
        );
        return None;
    }
    let list = arg.list(report, "circuit_breaker(failures = 5)")?;
    let mut breaker = CircuitBreakerSpec {
        span: spans.mark(arg.value_span()),
        ..CircuitBreakerSpec::default()
    };
    for arg in args::known(&list, CIRCUIT_BREAKER_KEYS, "circuit_breaker(...)", report) {
        let at = spans.mark(arg.value_span());
        match arg.name().as_str() {
            "enabled" => breaker.enabled = arg.bool(report).map(|v| Sp::new(v, at)),
            "failures" => breaker.failures = arg.u32(report).map(|v| Sp::new(v, at)),
            "successes" => breaker.successes = arg.u32(report).map(|v| Sp::new(v, at)),
            "window_ms" => breaker.window_ms = arg.u64(report).map(|v| Sp::new(v, at)),
            _ => breaker.cooldown_ms = arg.u64(report).map(|v| Sp::new(v, at)),
        }
    }
    Some(breaker)
}

/// `idempotency(key = "request_id", window_ms = 3_600_000)`: `key` names the `String`
/// parameter that carries the key.
fn lower_idempotency(
    arg: &Arg,
    spans: &mut SpanTable,
    report: &mut Report,
) -> Option<IdempotencySpec> {
    let list = arg.list(report, "idempotency(key = \"request_id\")")?;
    let span = spans.mark(arg.value_span());
    let mut key = None;
    let mut window_ms = None;
    for arg in args::known(&list, IDEMPOTENCY_KEYS, "idempotency(...)", report) {
        let at = spans.mark(arg.value_span());
        if arg.name() == "key" {
            key = arg
                .string_as(report, "key = \"request_id\"")
                .map(|k| Sp::new(k, at));
        } else {
            window_ms = arg.u64(report).map(|w| Sp::new(w, at));
        }
    }
    let Some(key) = key else {
        if !list.iter().any(|a| a.name() == "key") {
            report.error(
                arg.key.span(),
                "`idempotency` has no `key`",
                "write `idempotency(key = \"request_id\")`, naming the `String` parameter that carries the key",
            );
        }
        return None;
    };
    Some(IdempotencySpec {
        span,
        key,
        window_ms,
    })
}

/// One entry of `errors(...)`: `code = "message"` or `code(message = "...", retryable)`.
fn lower_error(case: &Arg, spans: &mut SpanTable, report: &mut Report) -> Option<ErrorCase> {
    let at = spans.mark(case.value_span());
    match &case.value {
        ArgValue::Eq(_) => case.string(report).map(|m| ErrorCase {
            message: Sp::new(m, at),
            fields: NamedMap::default(),
            retryable: None,
        }),
        ArgValue::List(..) => {
            let list = case.list(report, "code(message = \"...\", retryable)")?;
            let mut message = None;
            let mut retryable = None;
            for arg in args::known(&list, ERROR_KEYS, "errors(code(...))", report) {
                let at = spans.mark(arg.value_span());
                if arg.name() == "message" {
                    message = arg.string(report).map(|m| Sp::new(m, at));
                } else {
                    retryable = arg.bool(report).map(|r| Sp::new(r, at));
                }
            }
            let Some(message) = message else {
                report.error(
                    case.key.span(),
                    format!("error `{}` has no message", case.name()),
                    "add `message = \"what went wrong and what to check first\"`",
                );
                return None;
            };
            Some(ErrorCase {
                message,
                fields: NamedMap::default(),
                retryable,
            })
        }
        ArgValue::Flag => {
            report.error(
                case.key.span(),
                format!("error `{}` has no message", case.name()),
                format!(
                    "write `{} = \"what went wrong and what to check first\"`",
                    case.name()
                ),
            );
            None
        }
    }
}

impl std::fmt::Debug for LoweredTool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoweredTool")
            .field("def", &self.def.to_string())
            .finish_non_exhaustive()
    }
}
