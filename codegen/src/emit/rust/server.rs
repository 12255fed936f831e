//! The module as a whole: its items in order, the `Handler` trait, `server()`,
//! `builder()`, `server_info()`, and the `DEFAULTS` constant the scaffolded `main.rs`
//! passes to the runtime's command line.

use proc_macro2::TokenStream;
use quote::quote;

use super::Emitter;
use super::tokens::opt_string;
use crate::model::{EnvString, HttpTransport, Spec};
use crate::source::Sp;

impl<'a> Emitter<'a> {
    /// Every item of the generated module, in order, in chunks of whole items (the
    /// inner attribute heads the first): a chunk is formatted on its own.
    pub(crate) fn module(mut self, spec_path: &str) -> Vec<TokenStream> {
        let spec = self.spec;
        self.named_types();
        let mut methods = Vec::new();
        let mut defs = Vec::new();
        let mut registrations = Vec::new();
        for (name, tool) in spec.tools.iter() {
            let (method, def, register) = self.tool(&name.value, tool);
            methods.push(method);
            defs.push(def);
            registrations.push(register);
        }
        for (name, resource) in spec.resources.iter() {
            registrations.push(self.resource(&name.value, resource, &mut methods));
        }
        for (name, template) in spec.resource_templates.iter() {
            registrations.push(self.resource_template(&name.value, template, &mut methods));
        }
        for (name, prompt) in spec.prompts.iter() {
            registrations.push(self.prompt(&name.value, prompt, &mut methods));
        }

        let constants = constants(spec);
        let mut chunks = vec![quote! {
            // A server uses only part of its declarations (named types a handler never
            // builds, the `tool_*` declarations): unused ones are not a mistake here.
            #![allow(dead_code)]

            #constants
        }];
        chunks.append(&mut self.items);
        chunks.push(handler_trait(spec_path, &methods));
        chunks.extend(defs);
        chunks.push(server_fns(spec, &registrations));
        chunks
    }
}

/// The `Handler` trait the user implements, with one method per tool, dynamic resource,
/// resource template and handler prompt.
fn handler_trait(spec_path: &str, methods: &[TokenStream]) -> TokenStream {
    let handler_doc = format!(
        " What the server does, one method per tool, per dynamic resource and per handler prompt.\n\n Implement it in your own file; `mcpgen generate` never touches that file. When\n {spec_path} gains a tool, this trait gains a method and the compiler names it."
    );
    quote! {
        #[doc = #handler_doc]
        pub trait Handler: Send + Sync + 'static {
            #(#methods)*
        }
    }
}

/// `server_info()`, `server()`, `builder()` (which runs every registration) and the
/// module's `schema()` helper.
fn server_fns(spec: &Spec, registrations: &[TokenStream]) -> TokenStream {
    let info = server_info(spec);
    let default_timeout = proc_macro2::Literal::u64_unsuffixed(
        spec.limits
            .default_timeout_ms
            .as_ref()
            .map_or(30_000, |t| t.value),
    );
    let guardrails = crate::emit::guardrails::server_guardrails(spec);
    let auth = crate::emit::auth::server_auth(spec);
    let audit = crate::emit::audit::server_audit(spec);
    let discovery = discovery(spec);
    quote! {
        /// Who the server is, from the spec's `server:` section.
        pub fn server_info() -> ::mcpgen_runtime::ServerInfo {
            #info
        }

        /// The server with every tool, resource, template and prompt of the spec,
        /// served by `handler`.
        ///
        /// # Errors
        /// A [`::mcpgen_runtime::BuildError`] if a declaration is inconsistent (a bug in
        /// mcpgen: the spec checks should have caught it).
        pub fn server<H: Handler>(handler: H) -> ::core::result::Result<::mcpgen_runtime::Server, ::mcpgen_runtime::BuildError> {
            builder(handler).build()
        }

        /// The builder of [`server`], before `build()`: add code-first tools
        /// (`#[mcp_tool]`) to it to serve them next to the spec's.
        pub fn builder<H: Handler>(handler: H) -> ::mcpgen_runtime::ServerBuilder {
            let handler = ::std::sync::Arc::new(handler);
            let builder = ::mcpgen_runtime::Server::builder(server_info())
                .default_tool_timeout(::core::time::Duration::from_millis(#default_timeout))
                .guardrails(#guardrails)
                #auth
                #audit
                #discovery;
            #(#registrations)*
            let _ = &handler;
            builder
        }

        /// A JSON Schema literal of this file (checked when the server is built).
        fn schema(json: &str) -> ::mcpgen_runtime::__private::serde_json::Value {
            ::mcpgen_runtime::__private::serde_json::from_str(json).unwrap_or_default()
        }
    }
}

/// The builder calls for what only the server card and the registry read
/// (`server.registry_name`, `server.repository`); nothing when the spec has neither.
fn discovery(spec: &Spec) -> TokenStream {
    let s = &spec.server;
    let name = s.registry_name.as_ref().map(|n| n.value.as_str());
    let repository = s.repository.as_ref().map(|r| r.value.as_str());
    let name = name.map(|n| quote! { .registry_name(#n) });
    let repository = repository.map(|r| quote! { .repository(#r) });
    quote! { #name #repository }
}

fn server_info(spec: &Spec) -> TokenStream {
    let s = &spec.server;
    let name = &s.name.value;
    let version = &s.version.value;
    let title = opt_string(s.title.as_ref().map(|t| t.value.as_str()));
    let description = opt_string(s.description.as_ref().map(|t| t.value.as_str()));
    let instructions = opt_string(s.instructions.as_ref().map(|t| t.value.as_str()));
    let website = opt_string(s.website_url.as_ref().map(|t| t.value.as_str()));
    quote! {
        ::mcpgen_runtime::ServerInfo {
            name: ::std::string::String::from(#name),
            version: ::std::string::String::from(#version),
            title: #title,
            description: #description,
            instructions: #instructions,
            website_url: #website,
        }
    }
}

/// What the spec says about the server and its deployment, as the constant the scaffolded
/// `main.rs` passes to the runtime's command line. `${VAR}` references stay as written:
/// they are resolved when the server starts.
fn constants(spec: &Spec) -> TokenStream {
    let http = spec.transports.http.as_ref();
    fn env(value: Option<&Sp<EnvString>>) -> Option<&str> {
        value.map(|v| v.value.0.as_str())
    }
    let env_list = |pick: fn(&HttpTransport) -> &Vec<Sp<EnvString>>| {
        http.map(|h| {
            pick(h)
                .iter()
                .map(|v| v.value.0.as_str())
                .collect::<Vec<_>>()
        })
        .unwrap_or_default()
    };
    let bind = env(http.and_then(|h| h.bind.as_ref())).unwrap_or("127.0.0.1:8080");
    let path = http
        .and_then(|h| h.path.as_ref())
        .map_or("/mcp", |p| p.value.as_str());
    let public_url = match env(http.and_then(|h| h.public_url.as_ref())) {
        Some(url) => quote! { ::core::option::Option::Some(#url) },
        None => quote! { ::core::option::Option::None },
    };
    let hosts = env_list(|h| &h.allowed_hosts);
    let origins = env_list(|h| &h.allowed_origins);
    let hops = http
        .and_then(|h| h.trusted_proxy_hops.as_ref())
        .map_or(0, |h| h.value);
    let max_request = spec
        .limits
        .max_request_bytes
        .as_ref()
        .map_or(1_048_576, |v| v.value);
    let max_request = proc_macro2::Literal::u64_unsuffixed(max_request);
    let hops = proc_macro2::Literal::u32_unsuffixed(hops);
    let name = spec.server.name.value.as_str();
    let version = spec.server.version.value.as_str();
    let scopes = spec.auth.scopes.iter().map(|(name, _)| name.value.as_str());
    let data_dir = match env(spec.store.data_dir.as_ref()) {
        Some(dir) => quote! { ::core::option::Option::Some(#dir) },
        None => quote! { ::core::option::Option::None },
    };
    let otlp_endpoint = match env(spec.telemetry.otlp_endpoint.as_ref()) {
        Some(url) => quote! { ::core::option::Option::Some(#url) },
        None => quote! { ::core::option::Option::None },
    };
    quote! {
        /// The server's name and version, its HTTP settings, its scopes, its data
        /// directory and its trace collector, from the spec's `server`,
        /// `transports.http`, `limits`, `auth`, `store` and `telemetry`; `${VAR}`
        /// references are resolved when the server starts.
        pub const DEFAULTS: ::mcpgen_runtime::cli::Defaults = ::mcpgen_runtime::cli::Defaults {
            name: #name,
            version: #version,
            http: ::mcpgen_runtime::cli::HttpDefaults {
                bind: #bind,
                path: #path,
                public_url: #public_url,
                allowed_hosts: &[#(#hosts),*],
                allowed_origins: &[#(#origins),*],
                trusted_proxy_hops: #hops,
                max_request_bytes: #max_request,
            },
            scopes: &[#(#scopes),*],
            data_dir: #data_dir,
            otlp_endpoint: #otlp_endpoint,
        };
    }
}
