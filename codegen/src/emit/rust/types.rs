//! Rust types for the spec's schemas: the named `types:`, and the enums and structs that
//! the inline schemas of parameters, outputs and error fields become.

use heck::ToUpperCamelCase;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::Emitter;
use super::tokens::{doc, field_ident, type_ident};
use crate::model::{Kind, Schema};

impl<'a> Emitter<'a> {
    pub(super) fn named_types(&mut self) {
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

    /// The Rust type of a value of `schema`; inline enums and objects become items named `hint`.
    pub(super) fn rust_type(&mut self, schema: &'a Schema, hint: &str) -> TokenStream {
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
    pub(super) fn fields(
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

    pub(super) fn struct_item(&mut self, schema: &'a Schema, name: &str) {
        let fields = schema.fields.as_ref().map(|f| &f.0[..]).unwrap_or_default();
        let docs = doc(self.types.description(schema));
        self.struct_from_fields(name, docs, fields);
    }

    pub(super) fn struct_from_fields(
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
}
