//! Tools: each tool's input, output and error types, its `Handler` method, its `tool_*`
//! declaration and its registration; and [`tool_def`], the `ToolDef` literal that
//! `#[mcp_tool]` shares with the generated module.

use std::collections::{BTreeMap, BTreeSet};

use heck::{ToSnakeCase, ToUpperCamelCase};
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::Emitter;
use super::satisfies::{Access, conjunction};
use super::tokens::{compact, doc, field_ident, opt_string, type_ident};
use crate::emit::json_schema::{EXTERNAL_TYPE_KEY, OUTPUT_WRAPPER_FIELD, Types};
use crate::model::{ClientCapability, Kind, Schema, Spec, TaskStart, TaskSupport, Tool};

impl<'a> Emitter<'a> {
    /// Types of one tool; returns its trait method, its `tool_*` declaration and its
    /// registration statement.
    pub(super) fn tool(
        &mut self,
        name: &str,
        tool: &'a Tool,
    ) -> (TokenStream, TokenStream, TokenStream) {
        let camel = name.to_upper_camel_case();
        let method = field_ident(name);
        let input_name = format!("{camel}Input");
        let input = type_ident(&input_name);
        if tool.input_schema.is_some() {
            let docs = doc(Some(&format!(
                "Arguments of the tool `{name}`, as the JSON object its `input_schema` \
                 (written out in the spec) validated."
            )));
            self.items.push(quote! {
                #docs
                pub type #input = ::mcpgen_runtime::__private::serde_json::Map<
                    ::std::string::String,
                    ::mcpgen_runtime::__private::serde_json::Value,
                >;
            });
        } else {
            self.struct_from_fields(
                &input_name,
                doc(Some(&format!("Arguments of the tool `{name}`."))),
                &tool.params.0,
            );
        }
        let (output_ty, into_output) = self.tool_output(name, &camel, tool.output.as_ref());
        let error = self.error_enum(name, tool);
        let docs = doc(tool.description.as_ref().map(|d| d.value.as_str()));
        let method_decl = quote! {
            #docs
            fn #method(
                &self,
                ctx: ::mcpgen_runtime::ToolContext,
                input: #input,
            ) -> impl ::core::future::Future<Output = ::core::result::Result<#output_ty, #error>> + Send;
        };
        let def_fn = format_ident!("tool_{}", name.to_snake_case());
        let def = tool_def(
            self.spec,
            name,
            tool,
            &RuntimePaths::generated_module(),
            &BTreeMap::new(),
        );
        let def_item = quote! {
            #[doc = concat!("The declaration of the tool `", #name, "`.")]
            #[allow(clippy::needless_update)]
            pub fn #def_fn() -> ::mcpgen_runtime::ToolDef {
                #def
            }
        };
        let register = quote! {
            let builder = {
                let handler = ::std::sync::Arc::clone(&handler);
                builder.typed_tool::<#input, _, _>(#def_fn(), move |ctx, input| {
                    let handler = ::std::sync::Arc::clone(&handler);
                    async move {
                        let output = handler.#method(ctx, input).await.map_err(::mcpgen_runtime::ToolError::from)?;
                        #into_output
                    }
                })
            };
        };
        (method_decl, def_item, register)
    }

    /// The Rust type of a tool's result, and the statements that turn the handler's
    /// `output` into the `ToolOutput` the runtime sends.
    fn tool_output(
        &mut self,
        name: &str,
        camel: &str,
        output: Option<&'a Schema>,
    ) -> (TokenStream, TokenStream) {
        match output {
            Some(output) => {
                let output_name = format!("{camel}Output");
                let ty = if output.kind() == Kind::Object {
                    self.struct_item(output, &output_name);
                    let ident = type_ident(&output_name);
                    quote! { #ident }
                } else {
                    let inner = self.rust_type(output, &output_name);
                    let ident = type_ident(&output_name);
                    let docs = doc(Some(&format!("Result of the tool `{name}`.")));
                    self.items.push(quote! { #docs pub type #ident = #inner; });
                    quote! { #ident }
                };
                let value = if self.types.is_object(output) {
                    quote! { output }
                } else {
                    quote! {
                        ::mcpgen_runtime::__private::serde_json::json!({ #OUTPUT_WRAPPER_FIELD: output })
                    }
                };
                // The output's own checks, so the runtime need not walk its JSON
                // (`mcpgen_runtime::__private::SatisfiesSchema`).
                let into = match self.satisfies(output, &Access::place(quote! { output }), 0) {
                    Some(checks) => {
                        let checks = conjunction(checks);
                        quote! {
                            let satisfied = #checks;
                            ::mcpgen_runtime::ToolOutput::structured_prechecked(#value, satisfied)
                        }
                    }
                    None => quote! { ::mcpgen_runtime::ToolOutput::structured(#value) },
                };
                (ty, into)
            }
            None => (
                quote! { ::mcpgen_runtime::ToolOutput },
                quote! { ::core::result::Result::Ok(output) },
            ),
        }
    }

    fn error_enum(&mut self, name: &str, tool: &'a Tool) -> Ident {
        let camel = name.to_upper_camel_case();
        let ident = type_ident(&format!("{camel}Error"));
        let mut variants = Vec::new();
        let mut arms = Vec::new();
        for (case, error) in tool.errors.iter() {
            let variant = type_ident(&case.value);
            let message = &error.message.value;
            let docs = doc(Some(message));
            let code = &case.value;
            let field_hint = format!("{camel}{}", case.value.to_upper_camel_case());
            let fields = self.fields(&field_hint, &error.fields.0, false);
            if error.fields.is_empty() {
                variants.push(quote! { #docs #variant });
                arms.push(
                    quote! { #ident::#variant => ::mcpgen_runtime::ToolError::declared(#code) },
                );
            } else {
                let names: Vec<Ident> = error
                    .fields
                    .iter()
                    .map(|(n, _)| field_ident(&n.value))
                    .collect();
                let wires: Vec<&str> = error.fields.iter().map(|(n, _)| n.value.as_str()).collect();
                variants.push(quote! { #docs #variant { #(#fields,)* } });
                arms.push(quote! {
                    #ident::#variant { #(#names),* } => ::mcpgen_runtime::ToolError::declared(#code)
                        #(.with(#wires, ::mcpgen_runtime::__private::serde_json::to_value(#names).unwrap_or_default()))*
                });
            }
        }
        let docs = doc(Some(&format!(
            "Errors of the tool `{name}`. Declared cases render their message template; `Unexpected` is reported as a server bug."
        )));
        self.items.push(quote! {
            #docs
            #[derive(Debug)]
            pub enum #ident {
                #(#variants,)*
                /// A failure that is not the caller's fault (a bug or an outage). The caller
                /// gets a generic message; the detail is logged on the server.
                Unexpected(::mcpgen_runtime::__private::anyhow::Error),
            }

            impl<E> ::core::convert::From<E> for #ident
            where
                E: ::std::error::Error + Send + Sync + 'static,
            {
                fn from(error: E) -> Self {
                    Self::Unexpected(error.into())
                }
            }

            impl ::core::convert::From<#ident> for ::mcpgen_runtime::ToolError {
                fn from(error: #ident) -> Self {
                    match error {
                        #(#arms,)*
                        #ident::Unexpected(error) => ::mcpgen_runtime::ToolError::Unexpected(error),
                    }
                }
            }
        });
        ident
    }
}

/// How emitted code reaches the runtime.
#[derive(Clone, Debug)]
pub struct RuntimePaths {
    /// The runtime crate: `::mcpgen_runtime`, or the `crate = path` of `#[mcp_tool]`.
    pub root: TokenStream,
    /// A function `fn(&str) -> serde_json::Value` that parses a schema literal.
    pub schema_fn: TokenStream,
}

impl RuntimePaths {
    /// The paths of the generated module: `::mcpgen_runtime`, and the module's own `schema`.
    pub fn generated_module() -> Self {
        Self {
            root: quote! { ::mcpgen_runtime },
            schema_fn: quote! { schema },
        }
    }
}

/// The `ToolDef` expression of one tool: the one place where a tool's declaration (schema
/// literals, annotations with MCP defaults filled in, declared errors, time limit,
/// response cap, scopes, ...) is built from the model, for both front ends: the generated
/// module of a spec and `#[mcp_tool]`. Fields it does not set come from
/// `ToolDef::default()`, so the literal stays valid when `ToolDef` gains fields; while
/// it sets every field, clippy calls that update needless, so the function that returns
/// it carries `#[allow(clippy::needless_update)]`.
///
/// `spec` holds the named types and server-wide limits in scope; `external` maps the
/// names of types declared in Rust code (see [`EXTERNAL_TYPE_KEY`]) to their Rust types.
pub fn tool_def(
    spec: &Spec,
    name: &str,
    tool: &Tool,
    paths: &RuntimePaths,
    external: &BTreeMap<String, TokenStream>,
) -> TokenStream {
    let rt = &paths.root;
    let external_names: BTreeSet<String> = external.keys().cloned().collect();
    let types = Types::with_external(spec, &external_names);
    let title = opt_string(tool.title.as_ref().map(|t| t.value.as_str()));
    let description = tool.description.as_ref().map_or("", |d| d.value.as_str());
    let input_schema = match &tool.input_schema {
        Some(raw) => schema_expr(&raw.value, paths, external),
        None => schema_expr(
            &types.params_schema(tool.params.iter().map(|(n, s)| (n.value.as_str(), s))),
            paths,
            external,
        ),
    };
    let output_schema = match &tool.output {
        Some(output) => {
            let schema = schema_expr(&types.output_schema(output), paths, external);
            quote! { ::core::option::Option::Some(#schema) }
        }
        None => quote! { ::core::option::Option::None },
    };
    let a = &tool.annotations;
    let (read_only, destructive, idempotent, open_world) = (
        a.read_only(),
        a.destructive(),
        a.idempotent(),
        a.open_world(),
    );
    let errors = tool.errors.iter().map(|(code, e)| {
        let code = &code.value;
        let message = &e.message.value;
        let retryable = e.retryable.as_ref().is_some_and(|r| r.value);
        quote! {
            #rt::ErrorDef {
                code: ::std::string::String::from(#code),
                message_template: ::std::string::String::from(#message),
                retryable: #retryable,
            }
        }
    });
    let (timeout, max_response) = call_limits(spec, tool);
    let access = crate::emit::auth::access(&tool.scopes, tool.anonymous.as_ref());
    let client_capabilities = tool.client_capabilities.iter().map(|c| match c.value {
        ClientCapability::Sampling => quote! { #rt::ClientCapability::Sampling },
        ClientCapability::Elicitation => quote! { #rt::ClientCapability::Elicitation },
        ClientCapability::Roots => quote! { #rt::ClientCapability::Roots },
    });
    let guard = crate::emit::guardrails::tool_guard(spec, tool, rt);
    let task = task_fields(tool, rt);
    let audit = crate::emit::audit::tool_audit(spec, tool, rt);
    quote! {
        #rt::ToolDef {
            name: ::std::string::String::from(#name),
            title: #title,
            description: ::std::string::String::from(#description),
            input_schema: #input_schema,
            output_schema: #output_schema,
            annotations: #rt::Annotations {
                read_only: #read_only,
                destructive: #destructive,
                idempotent: #idempotent,
                open_world: #open_world,
            },
            errors: ::std::vec::Vec::from([#(#errors),*]),
            timeout: #timeout,
            max_response_bytes: #max_response,
            #access
            client_capabilities: ::std::vec::Vec::from([#(#client_capabilities),*]),
            guard: #guard,
            #task
            #audit
            ..::core::default::Default::default()
        }
    }
}

/// The time limit and response cap of a `ToolDef`: the tool's own, or the server-wide
/// cap from `limits`.
fn call_limits(spec: &Spec, tool: &Tool) -> (TokenStream, TokenStream) {
    let timeout = match &tool.timeout_ms {
        Some(ms) => {
            let ms = proc_macro2::Literal::u64_unsuffixed(ms.value);
            quote! { ::core::option::Option::Some(::core::time::Duration::from_millis(#ms)) }
        }
        None => quote! { ::core::option::Option::None },
    };
    let max_response = match tool
        .max_response_bytes
        .as_ref()
        .or(spec.limits.max_response_bytes.as_ref())
    {
        Some(bytes) => {
            let bytes = proc_macro2::Literal::u64_unsuffixed(bytes.value);
            quote! { ::core::option::Option::Some(#bytes) }
        }
        None => quote! { ::core::option::Option::None },
    };
    (timeout, max_response)
}

/// The task fields of a `ToolDef`, written only when declared, so that tools without
/// tasks read as before.
fn task_fields(tool: &Tool, rt: &TokenStream) -> TokenStream {
    let task = tool.task.as_ref().map(|support| {
        let support = match support.value {
            TaskSupport::Optional => quote! { #rt::TaskSupport::Optional },
            TaskSupport::Required => quote! { #rt::TaskSupport::Required },
        };
        quote! { task: #support, }
    });
    let task_start = tool.task_start.as_ref().map(|start| {
        let start = match start.value {
            TaskStart::AtOnce => quote! { #rt::TaskStart::AtOnce },
            TaskStart::ByHandler => quote! { #rt::TaskStart::ByHandler },
        };
        quote! { task_start: #start, }
    });
    quote! { #task #task_start }
}

/// A schema value: the literal, with the schemas of Rust-declared types spliced in when
/// it refers to any.
pub fn schema_expr(
    json: &serde_json::Value,
    paths: &RuntimePaths,
    external: &BTreeMap<String, TokenStream>,
) -> TokenStream {
    let (rt, schema_fn) = (&paths.root, &paths.schema_fn);
    let literal = compact(json);
    let mut used = BTreeSet::new();
    external_refs(json, &mut used);
    if used.is_empty() {
        return quote! { #schema_fn(#literal) };
    }
    let entries = used.iter().filter_map(|name| {
        let ty = external.get(*name)?;
        Some(quote! {
            (#name, <#ty as #rt::ToolSchema>::tool_schema as fn() -> #rt::__private::serde_json::Value, <#ty as #rt::ToolSchema>::DESCRIPTION_NOTE)
        })
    });
    quote! { #rt::__private::splice_types(#schema_fn(#literal), &[#(#entries),*]) }
}

/// The names of the Rust-declared types a schema refers to.
fn external_refs<'j>(json: &'j serde_json::Value, out: &mut BTreeSet<&'j str>) {
    match json {
        serde_json::Value::Object(map) => {
            if let Some(serde_json::Value::String(name)) = map.get(EXTERNAL_TYPE_KEY) {
                out.insert(name);
            }
            map.values().for_each(|v| external_refs(v, out));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| external_refs(v, out)),
        _ => {}
    }
}
