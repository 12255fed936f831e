//! The model to Rust tokens: types, the handler trait, and the registration function.
//!
//! The generated module is self-contained and reaches the runtime and serde only through
//! `::mcpgen_runtime` (and its `__private` re-exports), so the user's crate needs no
//! direct dependency on serde or serde_json for the generated code to compile.

use std::collections::{BTreeMap, BTreeSet};

use heck::{ToSnakeCase, ToUpperCamelCase};
use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::{format_ident, quote};
use serde_json::Value;

use super::json_schema::{EXTERNAL_TYPE_KEY, OUTPUT_WRAPPER_FIELD, Types};
use crate::model::{
    ClientCapability, EnvString, HttpTransport, Kind, Prompt, Resource, Role, Schema, Spec,
    TaskStart, TaskSupport, Tool,
};
use crate::source::Sp;

/// Rust keywords that cannot be plain identifiers (they become raw identifiers).
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "dyn", "else", "enum", "extern", "false",
    "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref",
    "return", "static", "struct", "trait", "true", "type", "unsafe", "use", "where", "while",
    "abstract", "become", "box", "do", "final", "gen", "macro", "override", "priv", "try",
    "typeof", "unsized", "virtual", "yield",
];

/// Identifiers that cannot be raw either.
const NOT_RAW: &[&str] = &["self", "Self", "super", "crate", "_"];

/// A field or method identifier for a snake_case spec name.
pub(crate) fn field_ident(name: &str) -> Ident {
    let snake = name.to_snake_case();
    let snake = if snake.is_empty() || snake.starts_with(|c: char| c.is_ascii_digit()) {
        format!("f_{snake}")
    } else {
        snake
    };
    if NOT_RAW.contains(&snake.as_str()) {
        format_ident!("{}_", snake)
    } else if KEYWORDS.contains(&snake.as_str()) {
        Ident::new_raw(&snake, Span::call_site())
    } else {
        format_ident!("{}", snake)
    }
}

/// A type or variant identifier.
pub(crate) fn type_ident(name: &str) -> Ident {
    let camel = name.to_upper_camel_case();
    let camel = if camel.is_empty() || camel.starts_with(|c: char| c.is_ascii_digit()) {
        format!("V{camel}")
    } else {
        camel
    };
    if NOT_RAW.contains(&camel.as_str()) || KEYWORDS.contains(&camel.as_str()) {
        format_ident!("{}_", camel)
    } else {
        format_ident!("{}", camel)
    }
}

fn doc(text: Option<&str>) -> TokenStream {
    match text {
        Some(text) => {
            let lines = text.trim().lines().map(|l| format!(" {}", l.trim_end()));
            quote! { #(#[doc = #lines])* }
        }
        None => TokenStream::new(),
    }
}

fn opt_string(value: Option<&str>) -> TokenStream {
    match value {
        Some(v) => quote! { ::core::option::Option::Some(::std::string::String::from(#v)) },
        None => quote! { ::core::option::Option::None },
    }
}

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

/// How a check reaches the value it checks.
struct Access {
    tokens: TokenStream,
    /// `tokens` is a reference (`item0`), not a place (`self.days`).
    is_ref: bool,
}

impl Access {
    fn place(tokens: TokenStream) -> Self {
        Self {
            tokens,
            is_ref: false,
        }
    }

    fn by_ref(tokens: TokenStream) -> Self {
        Self {
            tokens,
            is_ref: true,
        }
    }

    /// An expression of type `&T`.
    fn by_ref_tokens(&self) -> TokenStream {
        let tokens = &self.tokens;
        if self.is_ref {
            quote! { #tokens }
        } else {
            quote! { &#tokens }
        }
    }

    /// An expression of type `T`, for `Copy` values.
    fn copied_tokens(&self) -> TokenStream {
        let tokens = &self.tokens;
        if self.is_ref {
            quote! { *#tokens }
        } else {
            quote! { #tokens }
        }
    }
}

/// `a && b && c`, or `true`.
fn conjunction(checks: Vec<TokenStream>) -> TokenStream {
    if checks.is_empty() {
        return quote! { true };
    }
    quote! { #(#checks)&&* }
}

/// Keyword `key` of a JSON Schema, read with `read`: `Some(None)` when it is absent,
/// `None` when it is there but `read` cannot read it.
fn keyword<T>(
    json: &serde_json::Map<String, Value>,
    key: &str,
    read: fn(&Value) -> Option<T>,
) -> Option<Option<T>> {
    json.get(key).map(|v| read(v).ok_or(())).transpose().ok()
}

/// The `minimum` and `maximum` arguments of a range check, as `Option` expressions.
fn range_args<T>(
    min: Option<T>,
    max: Option<T>,
    literal: fn(T) -> Literal,
) -> (TokenStream, TokenStream) {
    let arg = |bound: Option<T>| match bound.map(literal) {
        Some(b) => quote! { ::core::option::Option::Some(#b) },
        None => quote! { ::core::option::Option::None },
    };
    (arg(min), arg(max))
}

/// Emits the Rust items of the generated module.
pub(crate) struct Emitter<'a> {
    spec: &'a Spec,
    types: Types<'a>,
    /// Type items, in emission order.
    items: Vec<TokenStream>,
}

impl<'a> Emitter<'a> {
    pub(crate) fn new(spec: &'a Spec) -> Self {
        Self {
            spec,
            types: Types::new(spec),
            items: Vec::new(),
        }
    }

    /// The Rust type of a value of `schema`; inline enums and objects become items named `hint`.
    fn rust_type(&mut self, schema: &'a Schema, hint: &str) -> TokenStream {
        match schema.kind() {
            Kind::String if schema.enum_values.is_none() => quote! { ::std::string::String },
            Kind::String | Kind::Enum => {
                self.enum_item(schema, hint);
                let ident = type_ident(hint);
                quote! { #ident }
            }
            Kind::Integer => quote! { i64 },
            Kind::Number => quote! { f64 },
            Kind::Boolean => quote! { bool },
            Kind::Array => {
                let item = match schema.items.as_deref() {
                    Some(items) => self.rust_type(items, &format!("{hint}Item")),
                    None => quote! { ::mcpgen_runtime::__private::serde_json::Value },
                };
                quote! { ::std::vec::Vec<#item> }
            }
            Kind::Object => {
                self.struct_item(schema, hint);
                let ident = type_ident(hint);
                quote! { #ident }
            }
            Kind::Ref(name) => {
                let ident = type_ident(name);
                quote! { #ident }
            }
            Kind::Missing => quote! { ::mcpgen_runtime::__private::serde_json::Value },
        }
    }

    fn enum_item(&mut self, schema: &'a Schema, name: &str) {
        let ident = type_ident(name);
        let docs = doc(self.types.description(schema));
        let values = schema
            .enum_values
            .as_ref()
            .map(|v| &v.value[..])
            .unwrap_or_default();
        let mut seen = std::collections::BTreeSet::new();
        let variants = values.iter().enumerate().map(|(i, v)| {
            let mut variant = type_ident(&v.value.value);
            if !seen.insert(variant.to_string()) {
                variant = format_ident!("{}{}", variant, i);
            }
            let value = &v.value.value;
            let docs = doc(v
                .description
                .as_ref()
                .map(|d| d.value.as_str())
                .or(Some(&format!("`{value}`"))));
            quote! {
                #docs
                #[serde(rename = #value)]
                #variant
            }
        });
        self.items.push(quote! {
            #docs
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ::mcpgen_runtime::__private::serde::Serialize, ::mcpgen_runtime::__private::serde::Deserialize)]
            #[serde(crate = "::mcpgen_runtime::__private::serde")]
            pub enum #ident {
                #(#variants,)*
            }
        });
    }

    /// Struct fields (`public`) or struct-variant fields of `fields`.
    fn fields(
        &mut self,
        parent: &str,
        fields: &'a [(crate::model::Name, Schema)],
        public: bool,
    ) -> Vec<TokenStream> {
        let vis = if public {
            quote! { pub }
        } else {
            TokenStream::new()
        };
        fields
            .iter()
            .map(|(name, field)| {
                let ident = field_ident(&name.value);
                let hint = format!("{parent}{}", name.value.to_upper_camel_case());
                let ty = self.rust_type(field, &hint);
                let docs = doc(self.types.description(field));
                let wire = &name.value;
                let rename = if ident.to_string().trim_start_matches("r#") == wire.as_str() {
                    TokenStream::new()
                } else {
                    quote! { #[serde(rename = #wire)] }
                };
                // A default is filled in by the runtime before the handler sees the value,
                // so such a field is a plain `T`; only truly optional fields are `Option<T>`.
                if field.is_optional() && field.default.is_none() {
                    quote! {
                        #docs
                        #rename
                        #[serde(default, skip_serializing_if = "::core::option::Option::is_none")]
                        #vis #ident: ::core::option::Option<#ty>
                    }
                } else {
                    quote! {
                        #docs
                        #rename
                        #vis #ident: #ty
                    }
                }
            })
            .collect()
    }

    fn struct_item(&mut self, schema: &'a Schema, name: &str) {
        let fields = schema.fields.as_ref().map(|f| &f.0[..]).unwrap_or_default();
        let docs = doc(self.types.description(schema));
        self.struct_from_fields(name, docs, fields);
    }

    fn struct_from_fields(
        &mut self,
        name: &str,
        docs: TokenStream,
        fields: &'a [(crate::model::Name, Schema)],
    ) {
        let ident = type_ident(name);
        let checks = self.struct_checks(fields);
        let fields = self.fields(name, fields, true);
        self.items.push(quote! {
            #docs
            #[derive(Debug, Clone, PartialEq, ::mcpgen_runtime::__private::serde::Serialize, ::mcpgen_runtime::__private::serde::Deserialize)]
            #[serde(crate = "::mcpgen_runtime::__private::serde", deny_unknown_fields)]
            pub struct #ident {
                #(#fields,)*
            }

            impl ::mcpgen_runtime::__private::SatisfiesSchema for #ident {
                fn satisfies_schema(&self) -> bool {
                    #checks
                }
            }
        });
    }

    /// The body of a struct's `satisfies_schema`: every field's checks, or `false`
    /// (the runtime validates the JSON) when one cannot be decided from the Rust value.
    fn struct_checks(&self, fields: &'a [(crate::model::Name, Schema)]) -> TokenStream {
        let mut checks = Vec::new();
        for (name, field) in fields {
            let ident = field_ident(&name.value);
            if field.is_optional() && field.default.is_none() {
                let Some(inner) = self.satisfies(field, &Access::by_ref(quote! { value }), 1)
                else {
                    return quote! { false };
                };
                if self.is_struct(field) {
                    checks.push(quote! {
                        self.#ident.as_ref().is_none_or(::mcpgen_runtime::__private::SatisfiesSchema::satisfies_schema)
                    });
                } else if !inner.is_empty() {
                    let inner = conjunction(inner);
                    checks.push(quote! { self.#ident.as_ref().is_none_or(|value| #inner) });
                }
            } else {
                match self.satisfies(field, &Access::place(quote! { self.#ident }), 1) {
                    Some(inner) => checks.extend(inner),
                    None => return quote! { false },
                }
            }
        }
        conjunction(checks)
    }

    /// Whether the Rust type of `schema` is an emitted struct, whose only check is its
    /// own `satisfies_schema` (passed as a function rather than wrapped in a closure).
    fn is_struct(&self, schema: &'a Schema) -> bool {
        self.types.external_name(schema).is_none()
            && self
                .types
                .resolve(schema)
                .is_some_and(|b| b.enum_values.is_none() && b.kind() == Kind::Object)
    }

    /// Checks, as Rust `bool` expressions on `value` (an expression of type `&T`, `T`
    /// the Rust type of `schema`), of what `schema`'s JSON Schema demands and the Rust
    /// type does not guarantee: all true only if the serialized value satisfies it.
    /// Read off the JSON Schema the server advertises and validates with, so the two
    /// cannot drift; `None` where the Rust value cannot decide (a `pattern`, a keyword
    /// this function does not know, a Rust-declared type).
    fn satisfies(
        &self,
        schema: &'a Schema,
        value: &Access,
        depth: usize,
    ) -> Option<Vec<TokenStream>> {
        let (by_ref, copied) = (value.by_ref_tokens(), value.copied_tokens());
        const KNOWN: &[&str] = &[
            "type",
            "title",
            "description",
            "default",
            "examples",
            // An annotation in 2020-12: the runtime does not validate it.
            "format",
            // The header a client mirrors the value into: checked by the HTTP transport.
            "x-mcp-header",
            "enum",
            "minLength",
            "maxLength",
            "minimum",
            "maximum",
            "items",
            "minItems",
            "maxItems",
            "uniqueItems",
            "properties",
            "required",
            "additionalProperties",
        ];
        if depth > 32 || self.types.external_name(schema).is_some() {
            return None;
        }
        let json = self.types.value_schema(schema);
        let json = json.as_object()?;
        if json.keys().any(|k| !KNOWN.contains(&k.as_str())) {
            return None;
        }
        let rt = quote! { ::mcpgen_runtime::__private };
        let Some(body) = self.types.resolve(schema) else {
            // No type: `serde_json::Value`, and a schema that accepts any value.
            return (schema.kind() == Kind::Missing && !json.contains_key("type")).then(Vec::new);
        };
        let mut checks = Vec::new();
        if body.enum_values.is_some() {
            // A Rust enum: it serializes to one of the values and nothing else.
            let constrained = ["minLength", "maxLength"]
                .iter()
                .any(|k| json.contains_key(*k));
            return (!constrained).then_some(checks);
        }
        match body.kind() {
            Kind::String => {
                let min = keyword(json, "minLength", Value::as_u64)?;
                let max = keyword(json, "maxLength", Value::as_u64)?;
                if min.is_some() || max.is_some() {
                    let (min, max) = range_args(min, max, Literal::u64_unsuffixed);
                    checks.push(quote! { #rt::length_within(#by_ref, #min, #max) });
                }
            }
            Kind::Integer => {
                // `i64`'s own range, which the schema advertises, needs no check.
                let min = keyword(json, "minimum", Value::as_i64)?.filter(|m| *m != i64::MIN);
                let max = keyword(json, "maximum", Value::as_i64)?.filter(|m| *m != i64::MAX);
                if min.is_some() || max.is_some() {
                    let (min, max) = range_args(min, max, Literal::i64_unsuffixed);
                    checks.push(quote! { #rt::integer_within(#copied, #min, #max) });
                }
            }
            Kind::Number => {
                // Always: the number must be finite.
                let min = keyword(json, "minimum", Value::as_f64)?;
                let max = keyword(json, "maximum", Value::as_f64)?;
                let (min, max) = range_args(min, max, Literal::f64_unsuffixed);
                checks.push(quote! { #rt::number_within(#copied, #min, #max) });
            }
            Kind::Boolean => {}
            Kind::Object => {
                checks.push(quote! { #rt::SatisfiesSchema::satisfies_schema(#by_ref) });
            }
            Kind::Array => {
                if schema.kind() != Kind::Array && schema.items.is_some() {
                    // Items at the use of a named array type: the Rust type is the
                    // named one's.
                    return None;
                }
                let min = keyword(json, "minItems", Value::as_u64)?;
                let max = keyword(json, "maxItems", Value::as_u64)?;
                if min.is_some() || max.is_some() {
                    let (min, max) = range_args(min, max, Literal::u64_unsuffixed);
                    checks.push(quote! { #rt::count_within(#by_ref, #min, #max) });
                }
                let items = schema.items.as_deref().or(body.items.as_deref());
                if let Some(items) = items {
                    let item = format_ident!("item{}", depth);
                    let inner =
                        self.satisfies(items, &Access::by_ref(quote! { #item }), depth + 1)?;
                    if self.is_struct(items) {
                        let receiver = &value.tokens;
                        checks.push(
                            quote! { #receiver.iter().all(#rt::SatisfiesSchema::satisfies_schema) },
                        );
                    } else if !inner.is_empty() {
                        let inner = conjunction(inner);
                        let receiver = &value.tokens;
                        checks.push(quote! { #receiver.iter().all(|#item| #inner) });
                    }
                }
                if json.get("uniqueItems") == Some(&Value::Bool(true)) {
                    // Rust equality is JSON equality only for scalars and enums.
                    let scalar = items.and_then(|i| self.types.resolve(i)).is_some_and(|i| {
                        i.enum_values.is_some()
                            || matches!(
                                i.kind(),
                                Kind::String | Kind::Integer | Kind::Number | Kind::Boolean
                            )
                    });
                    if !scalar {
                        return None;
                    }
                    checks.push(quote! { #rt::all_distinct(#by_ref) });
                }
            }
            Kind::Enum | Kind::Ref(_) | Kind::Missing => return None,
        }
        Some(checks)
    }

    fn named_types(&mut self) {
        for (name, def) in self.spec.types.iter() {
            let schema = &def.0;
            match schema.kind() {
                Kind::Enum | Kind::String if schema.enum_values.is_some() => {
                    self.enum_item(schema, &name.value)
                }
                Kind::Object => self.struct_item(schema, &name.value),
                _ => {
                    let ident = type_ident(&name.value);
                    let docs = doc(self.types.description(schema));
                    let ty = self.rust_type(schema, &format!("{}Value", name.value));
                    self.items.push(quote! {
                        #docs
                        pub type #ident = #ty;
                    });
                }
            }
        }
    }

    /// Types of one tool; returns the trait method and the registration statement.
    fn tool(&mut self, name: &str, tool: &'a Tool) -> (TokenStream, TokenStream, TokenStream) {
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
        let (output_ty, into_output) = match &tool.output {
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
        };
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
            let params_name = format!("{}Params", name.value.to_upper_camel_case());
            let params = type_ident(&params_name);
            self.struct_from_fields(
                &params_name,
                doc(Some(&format!(
                    "Variables of the resource template `{}`.",
                    template.uri_template.value
                ))),
                &template.params.0,
            );
            let method = format_ident!("read_{}", name.value.to_snake_case());
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
            let tname = &name.value;
            let title = opt_string(template.title.as_ref().map(|t| t.value.as_str()));
            let description = opt_string(template.description.as_ref().map(|t| t.value.as_str()));
            let mime = opt_string(template.mime_type.as_ref().map(|t| t.value.as_str()));
            let params_schema = compact(
                &self
                    .types
                    .params_schema(template.params.iter().map(|(n, s)| (n.value.as_str(), s))),
            );
            registrations.push(quote! {
                let builder = {
                    let handler = ::std::sync::Arc::clone(&handler);
                    builder.resource_template(
                        ::mcpgen_runtime::ResourceTemplateDef {
                            uri_template: ::std::string::String::from(#uri_template),
                            name: ::std::string::String::from(#tname),
                            title: #title,
                            description: #description,
                            mime_type: #mime,
                            params_schema: schema(#params_schema),
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
            });
        }
        for (name, prompt) in spec.prompts.iter() {
            registrations.push(if prompt.has_handler() {
                self.handler_prompt(&name.value, prompt, &mut methods)
            } else {
                let def = prompt_def(&name.value, prompt);
                quote! { let builder = builder.checked_prompt(#def); }
            });
        }

        let info = server_info(spec);
        let default_timeout = proc_macro2::Literal::u64_unsuffixed(
            spec.limits
                .default_timeout_ms
                .as_ref()
                .map_or(30_000, |t| t.value),
        );
        let constants = constants(spec);
        let guardrails = super::guardrails::server_guardrails(spec);
        let handler_doc = format!(
            " What the server does, one method per tool, per dynamic resource and per handler prompt.\n\n Implement it in your own file; `mcpgen generate` never touches that file. When\n {spec_path} gains a tool, this trait gains a method and the compiler names it."
        );
        let mut chunks = vec![quote! {
            // A server uses only part of its declarations (named types a handler never
            // builds, the `tool_*` declarations): unused ones are not a mistake here.
            #![allow(dead_code)]

            #constants
        }];
        chunks.append(&mut self.items);
        chunks.push(quote! {
            #[doc = #handler_doc]
            pub trait Handler: Send + Sync + 'static {
                #(#methods)*
            }
        });
        chunks.extend(defs);
        chunks.push(quote! {
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
                    .guardrails(#guardrails);
                #(#registrations)*
                let _ = &handler;
                builder
            }

            /// A JSON Schema literal of this file (checked when the server is built).
            fn schema(json: &str) -> ::mcpgen_runtime::__private::serde_json::Value {
                ::mcpgen_runtime::__private::serde_json::from_str(json).unwrap_or_default()
            }
        });
        chunks
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

    fn resource(
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
        quote! {
            let builder = builder.resource(::mcpgen_runtime::ResourceDef {
                uri: ::std::string::String::from(#uri),
                name: ::std::string::String::from(#name),
                title: #title,
                description: #description,
                mime_type: #mime_tokens,
                content: #content,
            });
        }
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
    let scopes = tool.scopes.iter().map(|s| s.value.as_str());
    let client_capabilities = tool.client_capabilities.iter().map(|c| match c.value {
        ClientCapability::Sampling => quote! { #rt::ClientCapability::Sampling },
        ClientCapability::Elicitation => quote! { #rt::ClientCapability::Elicitation },
        ClientCapability::Roots => quote! { #rt::ClientCapability::Roots },
    });
    let guard = super::guardrails::tool_guard(spec, tool, rt);
    // Written only when declared, so that tools without tasks read as before.
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
            scopes: ::std::vec::Vec::from([#(::std::string::String::from(#scopes)),*]),
            client_capabilities: ::std::vec::Vec::from([#(#client_capabilities),*]),
            guard: #guard,
            #task
            #task_start
            ..::core::default::Default::default()
        }
    }
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
    quote! {
        ::mcpgen_runtime::PromptDef {
            name: ::std::string::String::from(#name),
            title: #title,
            description: #description,
            arguments: ::std::vec::Vec::from([#(#arguments),*]),
            messages: ::std::vec::Vec::from([#(#messages),*]),
        }
    }
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
    quote! {
        /// The server's name and version, its HTTP settings, its scopes and its data
        /// directory, from the spec's `server`, `transports.http`, `limits`, `auth` and
        /// `store`; `${VAR}` references are resolved when the server starts.
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
        };
    }
}

/// A schema literal: pretty JSON, in the key order of the model, as a raw string so it
/// reads as JSON in the generated file.
pub(crate) fn compact(value: &serde_json::Value) -> TokenStream {
    let json = serde_json::to_string_pretty(value).unwrap_or_default();
    let mut hashes = String::from("#");
    while json.contains(&format!("\"{hashes}")) {
        hashes.push('#');
    }
    format!("r{hashes}\"{json}\"{hashes}")
        .parse()
        .unwrap_or_else(|_| quote! { #json })
}
