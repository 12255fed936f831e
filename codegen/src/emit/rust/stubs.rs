//! `src/handlers.rs` for `mcpgen new --from SPEC`: one stub per `Handler` method, named
//! as the generated trait names them, each answering "not implemented yet" until written.

use heck::{ToSnakeCase, ToUpperCamelCase};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::tokens::{field_ident, type_ident};
use crate::model::{Spec, ToolUpstream, Upstream};

/// The declared error case every tool of an imported spec has, which its stub returns.
pub const NOT_IMPLEMENTED: &str = "not_implemented";

/// The text of a `handlers.rs` whose every method is a stub.
pub fn handler_stubs(spec: &Spec) -> String {
    let mut methods = Vec::new();
    let mut requests = Vec::new();
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
        if let (Some(_), Some(request)) = (&spec.upstream, &tool.upstream) {
            methods.push(proxied(name, tool.output.is_some(), request, &mut requests));
            continue;
        }
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
    let state = match &spec.upstream {
        Some(upstream) => proxy_state(upstream, &requests),
        None => quote! {
            /// The server's state: connection pools, API clients, caches.
            #[derive(Debug, Default)]
            pub struct Handlers {}
        },
    };
    file(&state, &methods)
}

/// A tool that forwards its call to the upstream API and maps its failures to the
/// tool's declared errors.
fn proxied(
    name: &str,
    has_output: bool,
    request: &ToolUpstream,
    requests: &mut Vec<TokenStream>,
) -> TokenStream {
    let camel = name.to_upper_camel_case();
    let method = field_ident(name);
    let input = type_ident(&format!("{camel}Input"));
    let error = type_ident(&format!("{camel}Error"));
    let constant = format_ident!("{}", name.to_snake_case().to_uppercase());
    let verb = request.method.value.to_uppercase();
    let path = &request.path.value;
    let args = request.args.iter().map(|(arg, place)| {
        let (at, wire) = place
            .value
            .split_once(':')
            .unwrap_or((place.value.as_str(), arg.value.as_str()));
        let place = match at {
            "path" => quote! { proxy::Place::Path },
            "query" => quote! { proxy::Place::Query },
            "header" => quote! { proxy::Place::Header },
            "body_all" => quote! { proxy::Place::BodyAll },
            _ => quote! { proxy::Place::Body },
        };
        let arg = &arg.value;
        quote! { (#arg, #place, #wire) }
    });
    requests.push(quote! {
        const #constant: proxy::Request = proxy::Request { method: #verb, path: #path, args: &[#(#args),*] };
    });
    let (output, ok) = if has_output {
        let ident = type_ident(&format!("{camel}Output"));
        (
            quote! { generated::#ident },
            quote! { Ok(serde_json::from_value(body)?) },
        )
    } else {
        (
            quote! { ToolOutput },
            quote! { Ok(ToolOutput::text(body.to_string())) },
        )
    };
    quote! {
        async fn #method(&self, _ctx: ToolContext, input: generated::#input) -> Result<#output, generated::#error> {
            use generated::#error as E;
            match self.upstream.call(&#constant, &input).await {
                Ok(body) => #ok,
                Err(proxy::Failure::InvalidArguments(detail)) => Err(E::UpstreamInvalidArguments { detail }),
                Err(proxy::Failure::Unauthorized(detail)) => Err(E::UpstreamUnauthorized { detail }),
                Err(proxy::Failure::NotFound(detail)) => Err(E::UpstreamNotFound { detail }),
                Err(proxy::Failure::RateLimited(retry_after_ms)) => Err(E::UpstreamRateLimited { retry_after_ms }),
                Err(proxy::Failure::Unavailable(detail)) => Err(E::UpstreamUnavailable { detail }),
            }
        }
    }
}

/// `Handlers` holding the upstream API, read from the environment when the server starts.
fn proxy_state(upstream: &Upstream, requests: &[TokenStream]) -> TokenStream {
    let env = &upstream.base_url_env.value;
    let default = match &upstream.base_url {
        Some(url) => {
            let url = &url.value;
            quote! { Some(#url) }
        }
        None => quote! { None },
    };
    let timeout = upstream.timeout_ms.as_ref().map_or(10_000, |t| t.value);
    let credentials = upstream.credentials.iter().map(|c| {
        let opt = |v: &Option<crate::source::Sp<String>>| match v {
            Some(v) => {
                let v = &v.value;
                quote! { Some(#v) }
            }
            None => quote! { None },
        };
        let (header, query) = (opt(&c.header), opt(&c.query));
        let prefix = c.prefix.as_ref().map_or("", |p| p.value.as_str());
        let env = &c.env.value;
        quote! { proxy::Credential { header: #header, query: #query, prefix: #prefix, env: #env } }
    });
    quote! {
        use crate::proxy;

        /// The API's credentials, each from its environment variable.
        static CREDENTIALS: &[proxy::Credential] = &[#(#credentials),*];

        #(#requests)*

        /// The server's state: the upstream API it forwards its tools to.
        #[derive(Debug)]
        pub struct Handlers {
            upstream: proxy::Upstream,
        }

        impl Default for Handlers {
            fn default() -> Self {
                Self { upstream: proxy::Upstream::from_env(#env, #default, CREDENTIALS, #timeout) }
            }
        }
    }
}

fn file(state: &TokenStream, methods: &[TokenStream]) -> String {
    let tokens = quote! {
        #[allow(unused_imports)]
        use mcpgen_runtime::{PromptError, PromptOutput, ResourceError, ResourceOutput, ToolContext, ToolOutput};

        use crate::generated::{self, Handler};

        #state

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
