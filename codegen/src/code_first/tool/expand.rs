//! What a lowered tool expands to: the struct its arguments deserialize into, the
//! handler closure that calls the function, the enum of its declared errors, and the
//! compile-time check that a Rust-declared output is an object.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned as _;
use syn::{Ident, Visibility};

use super::lower::LoweredTool;
use super::signature::{CallArg, Output};

impl LoweredTool {
    pub(super) fn args_struct(&self, name: &Ident) -> TokenStream {
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
    pub(super) fn handler(
        &self,
        func: &TokenStream,
        args: &Ident,
        this: Option<&Ident>,
    ) -> TokenStream {
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
    pub(super) fn output_assert(&self) -> TokenStream {
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
    pub(super) fn error_enum(&self, vis: &Visibility) -> TokenStream {
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
