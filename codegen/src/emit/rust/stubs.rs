//! `src/handlers.rs` for `mcpgen new --from SPEC`: one stub per `Handler` method, named
//! as the generated trait names them, each answering "not implemented yet" until written.

use heck::{ToSnakeCase, ToUpperCamelCase};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::tokens::{field_ident, type_ident};
use crate::model::Spec;

/// The declared error case every tool of an imported spec has, which its stub returns.
pub const NOT_IMPLEMENTED: &str = "not_implemented";

/// The text of a `handlers.rs` whose every method is a stub.
pub fn handler_stubs(spec: &Spec) -> String {
    let mut methods = Vec::new();
    for (name, tool) in spec.tools.iter() {
        let name = name.value.as_str();
        let camel = name.to_upper_camel_case();
        let method = field_ident(name);
        let input = type_ident(&format!("{camel}Input"));
        let error = type_ident(&format!("{camel}Error"));
        let output = if tool.output.is_some() {
            let ident = type_ident(&format!("{camel}Output"));
            quote! { generated::#ident }
        } else {
            quote! { ToolOutput }
        };
        let body = if tool.errors.get(NOT_IMPLEMENTED).is_some() {
            let variant = type_ident(NOT_IMPLEMENTED);
            quote! { Err(generated::#error::#variant) }
        } else {
            let message = format!("the tool `{name}` is not implemented yet (src/handlers.rs)");
            quote! { Err(generated::#error::Unexpected(NotImplemented(#message).into())) }
        };
        methods.push(quote! {
            async fn #method(&self, _ctx: ToolContext, _input: generated::#input) -> Result<#output, generated::#error> {
                #body
            }
        });
    }
    for (name, resource) in spec.resources.iter() {
        if resource.text.is_some() || resource.file.is_some() {
            continue;
        }
        let method = format_ident!("read_{}", name.value.to_snake_case());
        let message = format!(
            "the resource `{}` is not implemented yet (src/handlers.rs)",
            resource.uri.value
        );
        methods.push(quote! {
            async fn #method(&self, _ctx: ToolContext) -> Result<ResourceOutput, ResourceError> {
                Err(ResourceError::NotFound(#message.to_owned()))
            }
        });
    }
    for (name, template) in spec.resource_templates.iter() {
        let method = format_ident!("read_{}", name.value.to_snake_case());
        let params = type_ident(&format!("{}Params", name.value.to_upper_camel_case()));
        let message = format!(
            "the resource template `{}` is not implemented yet (src/handlers.rs)",
            template.uri_template.value
        );
        methods.push(quote! {
            async fn #method(&self, _ctx: ToolContext, _params: generated::#params) -> Result<ResourceOutput, ResourceError> {
                Err(ResourceError::NotFound(#message.to_owned()))
            }
        });
    }
    for (name, prompt) in spec.prompts.iter() {
        if !prompt.handler.as_ref().is_some_and(|h| h.value) {
            continue;
        }
        let method = format_ident!("prompt_{}", name.value.to_snake_case());
        let args = type_ident(&format!("{}Args", name.value.to_upper_camel_case()));
        let message = format!(
            "the prompt `{}` is not implemented yet (src/handlers.rs)",
            name.value
        );
        methods.push(quote! {
            async fn #method(&self, _ctx: ToolContext, _args: generated::#args) -> Result<PromptOutput, PromptError> {
                Err(PromptError::InvalidArguments(#message.to_owned()))
            }
        });
    }
    file(&methods)
}

fn file(methods: &[TokenStream]) -> String {
    let tokens = quote! {
        #[allow(unused_imports)]
        use mcpgen_runtime::{PromptError, PromptOutput, ResourceError, ResourceOutput, ToolContext, ToolOutput};

        use crate::generated::{self, Handler};

        /// The server's state: connection pools, API clients, caches.
        #[derive(Debug, Default)]
        pub struct Handlers {}

        /// What a stub reports until its handler is written.
        #[derive(Debug)]
        #[allow(dead_code)]
        struct NotImplemented(&'static str);

        impl std::fmt::Display for NotImplemented {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.0)
            }
        }

        impl std::error::Error for NotImplemented {}

        impl Handler for Handlers {
            #(#methods)*
        }
    };
    let head = "//! What the server does. `mcpgen new --from` wrote a stub for every method of\n\
                //! `generated::Handler`, answering \"not implemented yet\"; replace each with the\n\
                //! real implementation. This file is yours: `mcpgen generate` never touches it.\n\n";
    match syn::parse2::<syn::File>(tokens) {
        Ok(file) => format!("{head}{}", prettyplease::unparse(&file)),
        Err(e) => format!("{head}// internal error: the stubs do not parse ({e})\n"),
    }
}
