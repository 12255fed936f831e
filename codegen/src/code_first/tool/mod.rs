//! `#[mcp_tool]` on an `async fn` and `#[mcp_tools]` on an `impl` block: what each
//! expands to around the user's code.
//!
//! A tool function goes through `attr` (the attribute's arguments) and `signature` (its
//! parameters and result) into the model, is checked and declared in `lower`, and
//! `expand` writes the code that serves it.

mod attr;
mod expand;
mod lower;
mod signature;

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::ext::IdentExt as _;
use syn::spanned::Spanned as _;
use syn::{Attribute, Ident, ImplItem, ImplItemFn, ItemFn, ItemImpl, Type, Visibility};

use self::attr::parse_args;
use self::lower::{LoweredTool, lower};
pub(super) use self::signature::doc_text;
use self::signature::strip_param_attrs;
use super::default_runtime;
use super::report::Report;

/// The argument `#[mcp_tools]` leaves in the `#[mcp_tool]` attributes it has expanded.
const IN_IMPL_BLOCK: &str = "__mcpgen_in_impl_block";

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
    check_block(&attr, &block, &mut report);
    let self_ty = block.self_ty.clone();
    let mut tools = Vec::new();
    for item in &mut block.items {
        let ImplItem::Fn(method) = item else { continue };
        let Some(pos) = method.attrs.iter().position(is_tool_attr) else {
            continue;
        };
        if let Some(l) = lower_method(method, pos, &self_ty, &mut report) {
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
        tool_set(&krate, &self_ty, &tools)
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

/// Reports what `#[mcp_tools]` cannot serve: arguments, a trait impl, a generic block.
fn check_block(attr: &TokenStream, block: &ItemImpl, report: &mut Report) {
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
}

/// Lowers a method marked `#[mcp_tool]` (its attribute at `pos`), and leaves the
/// attribute marked as expanded.
fn lower_method(
    method: &mut ImplItemFn,
    pos: usize,
    self_ty: &Type,
    report: &mut Report,
) -> Option<LoweredTool> {
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
    let args = parse_args(tokens, report);
    let lowered = lower(&args, &method.attrs, &method.sig, Some(self_ty), report);
    strip_param_attrs(&mut method.sig);
    lowered
}

/// The `ToolSet` impl of a block's tools, with each tool's argument struct and `ToolDef`.
fn tool_set(
    krate: &TokenStream,
    self_ty: &Type,
    tools: &[(Ident, Visibility, LoweredTool)],
) -> TokenStream {
    let mut items = Vec::new();
    let mut defs = Vec::new();
    let mut registrations = Vec::new();
    for (ident, _, tool) in tools {
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
}

/// Whether an attribute is `#[mcp_tool]` (however the path is written).
fn is_tool_attr(attr: &Attribute) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|s| s.ident == "mcp_tool")
}
