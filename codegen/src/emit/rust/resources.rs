//! Resources and resource templates: their content or `Handler` method, and their
//! registration.

use heck::{ToSnakeCase, ToUpperCamelCase};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::Emitter;
use super::tokens::{compact, doc, opt_string, type_ident};
use crate::model::{Resource, ResourceTemplate};

/// Whether a MIME type is text, so a `file:` resource is embedded as a string.
fn is_text_mime(mime: Option<&str>) -> bool {
    let Some(mime) = mime else { return true };
    let mime = mime.split(';').next().unwrap_or_default().trim();
    mime.starts_with("text/")
        || mime.ends_with("+json")
        || mime.ends_with("+xml")
        || matches!(
            mime,
            "application/json"
                | "application/xml"
                | "application/sql"
                | "application/yaml"
                | "application/javascript"
                | "application/toml"
        )
}

impl<'a> Emitter<'a> {
    pub(super) fn resource(
        &mut self,
        name: &str,
        resource: &'a Resource,
        methods: &mut Vec<TokenStream>,
    ) -> TokenStream {
        let uri = &resource.uri.value;
        let title = opt_string(resource.title.as_ref().map(|t| t.value.as_str()));
        let description = opt_string(resource.description.as_ref().map(|t| t.value.as_str()));
        let mime = resource.mime_type.as_ref().map(|t| t.value.as_str());
        let mime_tokens = opt_string(mime);
        let content = if let Some(text) = &resource.text {
            let text = &text.value;
            quote! { ::mcpgen_runtime::ResourceContent::Text(::std::borrow::Cow::Borrowed(#text)) }
        } else if let Some(file) = &resource.file {
            let file = format!("/{}", file.value.trim_start_matches("./"));
            if is_text_mime(mime) {
                quote! { ::mcpgen_runtime::ResourceContent::Text(::std::borrow::Cow::Borrowed(include_str!(concat!(env!("CARGO_MANIFEST_DIR"), #file)))) }
            } else {
                quote! { ::mcpgen_runtime::ResourceContent::Blob(::std::borrow::Cow::Borrowed(include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), #file)))) }
            }
        } else {
            let method = format_ident!("read_{}", name.to_snake_case());
            let docs = doc(resource.description.as_ref().map(|d| d.value.as_str()));
            methods.push(quote! {
                #docs
                fn #method(
                    &self,
                    ctx: ::mcpgen_runtime::ToolContext,
                ) -> impl ::core::future::Future<Output = ::core::result::Result<::mcpgen_runtime::ResourceOutput, ::mcpgen_runtime::ResourceError>> + Send;
            });
            quote! {
                {
                    let handler = ::std::sync::Arc::clone(&handler);
                    ::mcpgen_runtime::ResourceContent::handler(move |ctx| {
                        let handler = ::std::sync::Arc::clone(&handler);
                        async move { handler.#method(ctx).await }
                    })
                }
            }
        };
        let access = crate::emit::auth::access(&resource.scopes, resource.anonymous.as_ref());
        quote! {
            let builder = builder.resource(::mcpgen_runtime::ResourceDef {
                uri: ::std::string::String::from(#uri),
                name: ::std::string::String::from(#name),
                title: #title,
                description: #description,
                mime_type: #mime_tokens,
                content: #content,
                #access
                ..::core::default::Default::default()
            });
        }
    }

    /// The typed variables and the trait method of a resource template; returns its
    /// registration.
    pub(super) fn resource_template(
        &mut self,
        name: &str,
        template: &'a ResourceTemplate,
        methods: &mut Vec<TokenStream>,
    ) -> TokenStream {
        let params_name = format!("{}Params", name.to_upper_camel_case());
        let params = type_ident(&params_name);
        self.struct_from_fields(
            &params_name,
            doc(Some(&format!(
                "Variables of the resource template `{}`.",
                template.uri_template.value
            ))),
            &template.params.0,
        );
        let method = format_ident!("read_{}", name.to_snake_case());
        let docs = doc(template.description.as_ref().map(|d| d.value.as_str()));
        methods.push(quote! {
            #docs
            fn #method(
                &self,
                ctx: ::mcpgen_runtime::ToolContext,
                params: #params,
            ) -> impl ::core::future::Future<Output = ::core::result::Result<::mcpgen_runtime::ResourceOutput, ::mcpgen_runtime::ResourceError>> + Send;
        });
        let uri_template = &template.uri_template.value;
        let title = opt_string(template.title.as_ref().map(|t| t.value.as_str()));
        let description = opt_string(template.description.as_ref().map(|t| t.value.as_str()));
        let mime = opt_string(template.mime_type.as_ref().map(|t| t.value.as_str()));
        let params_schema = compact(
            &self
                .types
                .params_schema(template.params.iter().map(|(n, s)| (n.value.as_str(), s))),
        );
        let access = crate::emit::auth::access(&template.scopes, template.anonymous.as_ref());
        quote! {
            let builder = {
                let handler = ::std::sync::Arc::clone(&handler);
                builder.resource_template(
                    ::mcpgen_runtime::ResourceTemplateDef {
                        uri_template: ::std::string::String::from(#uri_template),
                        name: ::std::string::String::from(#name),
                        title: #title,
                        description: #description,
                        mime_type: #mime,
                        params_schema: schema(#params_schema),
                        #access
                        ..::core::default::Default::default()
                    },
                    move |ctx, vars| {
                        let handler = ::std::sync::Arc::clone(&handler);
                        async move {
                            let params: #params = ::mcpgen_runtime::__private::serde_json::from_value(
                                ::mcpgen_runtime::__private::serde_json::Value::Object(vars),
                            )
                            .map_err(|e| ::mcpgen_runtime::ResourceError::Unexpected(e.into()))?;
                            handler.#method(ctx, params).await
                        }
                    },
                )
            };
        }
    }
}
