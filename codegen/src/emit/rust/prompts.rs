//! Prompts: the `PromptDef` of each, and the typed arguments and `Handler` method of a
//! `handler: true` prompt.

use heck::{ToSnakeCase, ToUpperCamelCase};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::Emitter;
use super::tokens::{doc, field_ident, opt_string, type_ident};
use crate::model::{Prompt, Role};

impl<'a> Emitter<'a> {
    /// The registration of a prompt: its messages as written in the spec, or, for a
    /// `handler: true` prompt, its typed arguments and trait method.
    pub(super) fn prompt(
        &mut self,
        name: &str,
        prompt: &'a Prompt,
        methods: &mut Vec<TokenStream>,
    ) -> TokenStream {
        if prompt.has_handler() {
            self.handler_prompt(name, prompt, methods)
        } else {
            let def = prompt_def(name, prompt);
            quote! { let builder = builder.checked_prompt(#def); }
        }
    }

    /// The typed arguments and the trait method of a `handler: true` prompt; returns
    /// its registration.
    fn handler_prompt(
        &mut self,
        name: &str,
        prompt: &'a Prompt,
        methods: &mut Vec<TokenStream>,
    ) -> TokenStream {
        let args_name = format!("{}Args", name.to_upper_camel_case());
        let args = type_ident(&args_name);
        let fields = prompt.arguments.iter().map(|(arg, a)| {
            let ident = field_ident(&arg.value);
            let wire = &arg.value;
            let rename = if ident.to_string().trim_start_matches("r#") == wire.as_str() {
                TokenStream::new()
            } else {
                quote! { #[serde(rename = #wire)] }
            };
            let docs = doc(a.description.as_ref().map(|d| d.value.as_str()));
            if a.required.as_ref().is_some_and(|r| r.value) {
                quote! { #docs #rename pub #ident: ::std::string::String }
            } else {
                quote! {
                    #docs
                    #rename
                    #[serde(default, skip_serializing_if = "::core::option::Option::is_none")]
                    pub #ident: ::core::option::Option<::std::string::String>
                }
            }
        });
        let args_doc = doc(Some(&format!(
            "Arguments of the prompt `{name}` (prompt arguments are strings; optional ones may be left out)."
        )));
        self.items.push(quote! {
            #args_doc
            #[derive(Debug, Clone, PartialEq, ::mcpgen_runtime::__private::serde::Serialize, ::mcpgen_runtime::__private::serde::Deserialize)]
            #[serde(crate = "::mcpgen_runtime::__private::serde", deny_unknown_fields)]
            pub struct #args {
                #(#fields,)*
            }
        });
        let method = format_ident!("prompt_{}", name.to_snake_case());
        let docs = doc(prompt.description.as_ref().map(|d| d.value.as_str()));
        methods.push(quote! {
            #docs
            fn #method(
                &self,
                ctx: ::mcpgen_runtime::ToolContext,
                args: #args,
            ) -> impl ::core::future::Future<Output = ::core::result::Result<::mcpgen_runtime::PromptOutput, ::mcpgen_runtime::PromptError>> + Send;
        });
        let def = prompt_def(name, prompt);
        quote! {
            let builder = {
                let handler = ::std::sync::Arc::clone(&handler);
                builder.typed_prompt::<#args, _, _>(#def, move |ctx, args| {
                    let handler = ::std::sync::Arc::clone(&handler);
                    async move { handler.#method(ctx, args).await }
                })
            };
        }
    }
}

/// The `PromptDef` of a prompt (with no messages for a handler prompt).
fn prompt_def(name: &str, prompt: &crate::model::Prompt) -> TokenStream {
    let title = opt_string(prompt.title.as_ref().map(|t| t.value.as_str()));
    let description = opt_string(prompt.description.as_ref().map(|t| t.value.as_str()));
    let arguments = prompt.arguments.iter().map(|(arg, a)| {
        let arg = &arg.value;
        let title = opt_string(a.title.as_ref().map(|t| t.value.as_str()));
        let description = opt_string(a.description.as_ref().map(|t| t.value.as_str()));
        let required = a.required.as_ref().is_some_and(|r| r.value);
        quote! {
            ::mcpgen_runtime::PromptArg {
                name: ::std::string::String::from(#arg),
                title: #title,
                description: #description,
                required: #required,
            }
        }
    });
    let messages = prompt.messages.iter().map(|m| {
        let role = match m.role.value {
            Role::User => quote! { ::mcpgen_runtime::Role::User },
            Role::Assistant => quote! { ::mcpgen_runtime::Role::Assistant },
        };
        let content = if let Some(image) = &m.image {
            let file = format!("/{}", image.file.value.trim_start_matches("./"));
            let mime = &image.mime_type.value;
            quote! {
                ::mcpgen_runtime::PromptContent::Image {
                    data: ::std::borrow::Cow::Borrowed(include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), #file))),
                    mime_type: ::std::string::String::from(#mime),
                }
            }
        } else if let Some(resource) = &m.resource {
            let uri = &resource.uri.value;
            let mime = opt_string(resource.mime_type.as_ref().map(|t| t.value.as_str()));
            let text = &resource.text.value;
            quote! {
                ::mcpgen_runtime::PromptContent::Resource {
                    uri: ::std::string::String::from(#uri),
                    mime_type: #mime,
                    text: ::std::string::String::from(#text),
                }
            }
        } else {
            let text = m.text.as_ref().map_or("", |t| t.value.as_str());
            quote! { ::mcpgen_runtime::PromptContent::Text(::std::string::String::from(#text)) }
        };
        quote! { (#role, #content) }
    });
    let access = crate::emit::auth::access(&prompt.scopes, prompt.anonymous.as_ref());
    quote! {
        ::mcpgen_runtime::PromptDef {
            name: ::std::string::String::from(#name),
            title: #title,
            description: #description,
            arguments: ::std::vec::Vec::from([#(#arguments),*]),
            messages: ::std::vec::Vec::from([#(#messages),*]),
            #access
            ..::core::default::Default::default()
        }
    }
}
