//! `#[derive(ToolSchema)]`: a Rust struct or enum as a named type of the model.

use std::collections::BTreeSet;

use heck::{
    ToKebabCase as _, ToLowerCamelCase as _, ToShoutyKebabCase as _, ToShoutySnakeCase as _,
    ToSnakeCase as _, ToUpperCamelCase as _,
};
use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::ext::IdentExt as _;
use syn::parse::Parser as _;
use syn::spanned::Spanned as _;
use syn::{Attribute, Data, DataEnum, DeriveInput, Fields, FieldsNamed};

use super::args::{self, Arg};
use super::report::Report;
use super::tool::doc_text;
use super::types::{self, External};
use super::{SpanTable, default_runtime};
use crate::diag::Diagnostics;
use crate::emit::json_schema::{Types, enum_note};
use crate::emit::rust::{RuntimePaths, schema_expr};
use crate::model::{EnumValue, NamedMap, Schema, Spec, TypeDef};
use crate::source::Sp;

/// The keys of `#[schema(...)]` on the type itself.
const TYPE_KEYS: &[&str] = &["title", "allow", "crate"];

/// Serde attributes that change the JSON shape in ways the schema does not follow.
const SHAPE_CHANGING: &[&str] = &[
    "tag",
    "content",
    "untagged",
    "transparent",
    "flatten",
    "skip",
    "skip_deserializing",
    "skip_serializing",
    "from",
    "try_from",
    "into",
    "remote",
    "other",
    "alias",
];

/// `#[derive(ToolSchema)]`: implements `ToolSchema` with the type's strict schema, after the
/// spec checks for a named type.
pub fn derive_tool_schema(item: TokenStream) -> TokenStream {
    let mut report = Report::default();
    let input: DeriveInput = match syn::parse2(item) {
        Ok(i) => i,
        Err(e) => return e.to_compile_error(),
    };
    let ident = &input.ident;
    let type_name = ident.unraw().to_string();
    let mut spans = SpanTable::new(ident.span());
    let mut external = External::new();
    let name_at = spans.mark(ident.span());
    let mut schema = Schema::empty(name_at);
    let krate = lower_type_args(&input.attrs, &mut schema, &mut spans, &mut report);
    if let Some((text, span)) = doc_text(&input.attrs) {
        schema.description = Some(Sp::new(text, spans.mark(span)));
    }
    let rename_all = serde_rename_all(&input.attrs, &mut report);
    if !input.generics.params.is_empty() {
        report.error(
            input.generics.span(),
            "`#[derive(ToolSchema)]` does not support generic types: a schema is fixed",
            "derive it on a concrete type",
        );
    }
    let Some(is_object) = lower_data(
        &input.data,
        &mut schema,
        name_at,
        rename_all.as_deref(),
        &mut spans,
        &mut external,
        &mut report,
    ) else {
        return report.into_tokens();
    };
    // The type refers to itself: a named type of this spec, so `type_cycle` reports it.
    external.remove(&type_name);
    external.remove("Self");

    let note = schema
        .enum_values
        .as_ref()
        .and_then(|v| enum_note(&v.value));
    let spec = Spec {
        types: NamedMap(vec![(Sp::new(type_name.clone(), name_at), TypeDef(schema))]),
        ..Spec::default()
    };
    let external_names: BTreeSet<String> = external.keys().cloned().collect();
    let mut diags = Diagnostics::default();
    crate::checks::run_code_first(&spec, &external_names, &mut diags);
    report.diagnostics(diags.into_sorted(), &spans, "`#[schema(...)]` on the type");
    if report.has_errors() {
        return report.into_tokens();
    }
    let types = Types::with_external(&spec, &external_names);
    let use_site = Schema::named(Sp::new(type_name, name_at));
    let paths = RuntimePaths {
        root: krate.clone(),
        schema_fn: quote! { #krate::__private::schema },
    };
    let schema = schema_expr(&types.value_schema(&use_site), &paths, &external);
    let note = match note {
        Some(n) => quote! { ::core::option::Option::Some(#n) },
        None => quote! { ::core::option::Option::None },
    };
    let warnings = report.into_tokens();
    quote! {
        impl #krate::ToolSchema for #ident {
            const IS_OBJECT: bool = #is_object;
            const DESCRIPTION_NOTE: ::core::option::Option<&'static str> = #note;
            fn tool_schema() -> #krate::__private::serde_json::Value {
                #schema
            }
        }
        #warnings
    }
}

/// The enum's values or the struct's fields into `schema`; whether the type is an
/// object. `None` when it cannot have a schema (reported).
fn lower_data(
    data: &Data,
    schema: &mut Schema,
    name_at: crate::source::Span,
    rename_all: Option<&str>,
    spans: &mut SpanTable,
    external: &mut External,
    report: &mut Report,
) -> Option<bool> {
    let is_object = match data {
        Data::Enum(data) => {
            let values = enum_values(data, rename_all, spans, report);
            schema.enum_values = Some(Sp::new(values, name_at));
            false
        }
        Data::Struct(data) => {
            let Fields::Named(named) = &data.fields else {
                report.error(
                    data.fields.span(),
                    "a `ToolSchema` struct has named fields: they are the object's properties",
                    "write `struct Name { field: Type, ... }`",
                );
                return None;
            };
            let fields = struct_fields(named, rename_all, spans, external, report);
            schema.fields = Some(fields);
            true
        }
        Data::Union(u) => {
            report.error(
                u.union_token.span(),
                "`#[derive(ToolSchema)]` does not support unions",
                "use a struct or an enum",
            );
            return None;
        }
    };
    Some(is_object)
}

/// `#[schema(title = "...", allow(...), crate = path)]` on the type into `schema`;
/// returns the runtime path.
fn lower_type_args(
    attrs: &[Attribute],
    schema: &mut Schema,
    spans: &mut SpanTable,
    report: &mut Report,
) -> TokenStream {
    let mut krate = default_runtime();
    let own = own_args(attrs, report);
    for arg in args::known(&own, TYPE_KEYS, "#[schema(...)]", report) {
        let at = spans.mark(arg.value_span());
        match arg.name().as_str() {
            "title" => schema.title = arg.string(report).map(|t| Sp::new(t, at)),
            "allow" => {
                schema.allow = Some(
                    arg.list(report, "allow(enum_suggestion)")
                        .unwrap_or_default()
                        .iter()
                        .map(|a| Sp::new(a.name(), spans.mark(a.key.span())))
                        .collect(),
                );
            }
            _ => {
                if let Some(path) = arg.path(report) {
                    krate = path;
                }
            }
        }
    }
    krate
}

/// An enum's unit variants as the enum's values, each with its wire name and doc comment.
fn enum_values(
    data: &DataEnum,
    rename_all: Option<&str>,
    spans: &mut SpanTable,
    report: &mut Report,
) -> Vec<EnumValue> {
    let mut values = Vec::new();
    for variant in &data.variants {
        if !matches!(variant.fields, Fields::Unit) {
            report.error(
                variant.fields.span(),
                format!(
                    "variant `{}` carries data; a `ToolSchema` enum is a closed set of strings",
                    variant.ident
                ),
                "use unit variants only, or a struct with an enum field for the kind",
            );
            continue;
        }
        let wire = serde_rename(&variant.attrs, report)
            .unwrap_or_else(|| apply_rename(&variant.ident.unraw().to_string(), rename_all));
        let description = doc_text(&variant.attrs).map(|(t, s)| Sp::new(t, spans.mark(s)));
        values.push(EnumValue {
            value: Sp::new(wire, spans.mark(variant.ident.span())),
            description,
        });
    }
    values
}

/// A struct's named fields as the object's fields, each with its wire name, type,
/// `#[schema(...)]` constraints and doc comment.
fn struct_fields(
    named: &FieldsNamed,
    rename_all: Option<&str>,
    spans: &mut SpanTable,
    external: &mut External,
    report: &mut Report,
) -> NamedMap<Schema> {
    let mut fields = NamedMap::default();
    for field in &named.named {
        let Some(field_ident) = &field.ident else {
            continue;
        };
        let wire = serde_rename(&field.attrs, report)
            .unwrap_or_else(|| apply_rename(&field_ident.unraw().to_string(), rename_all));
        let mut lowered = types::lower(&field.ty, spans, external, report);
        for attr in field.attrs.iter().filter(|a| a.path().is_ident("schema")) {
            match &attr.meta {
                syn::Meta::List(list) => match args::parse.parse2(list.tokens.clone()) {
                    Ok(list) => {
                        types::constrain(&mut lowered, &list, "#[schema(...)]", spans, report)
                    }
                    Err(e) => report.syn(e),
                },
                other => report.error(other.span(), "write `#[schema(key = value, ...)]`", ""),
            }
        }
        if let Some((text, span)) = doc_text(&field.attrs) {
            lowered.schema.description = Some(Sp::new(text, spans.mark(span)));
        }
        if lowered.optional {
            lowered.schema.optional = Some(Sp::new(true, lowered.schema.span));
        }
        fields.0.push((
            Sp::new(wire, spans.mark(field_ident.span())),
            lowered.schema,
        ));
    }
    fields
}

/// The arguments of every `#[schema(...)]` on the type.
fn own_args(attrs: &[Attribute], report: &mut Report) -> Vec<Arg> {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("schema"))
        .filter_map(|a| match &a.meta {
            syn::Meta::List(list) => match args::parse.parse2(list.tokens.clone()) {
                Ok(args) => Some(args),
                Err(e) => {
                    report.syn(e);
                    None
                }
            },
            other => {
                report.error(other.span(), "write `#[schema(key = value, ...)]`", "");
                None
            }
        })
        .flatten()
        .collect()
}

/// The serde arguments of an item: `(key, value string, span)`; shape-changing ones reported.
fn serde_args(attrs: &[Attribute], report: &mut Report) -> Vec<(String, Option<String>, Span)> {
    let mut out = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let syn::Meta::List(list) = &attr.meta else {
            continue;
        };
        let Ok(list) = args::parse.parse2(list.tokens.clone()) else {
            continue;
        };
        for arg in list {
            let name = arg.name();
            if SHAPE_CHANGING.contains(&name.as_str()) {
                report.error(
                    arg.key.span(),
                    format!("`#[serde({name})]` changes the JSON shape, which `#[derive(ToolSchema)]` does not follow"),
                    "remove it: a tool schema describes plain structs (named fields) and enums (unit variants)",
                );
                continue;
            }
            let value = match &arg.value {
                args::ArgValue::Eq(e) => match &**e {
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(s),
                        ..
                    }) => Some(s.value()),
                    _ => None,
                },
                _ => None,
            };
            out.push((name, value, arg.span()));
        }
    }
    out
}

fn serde_rename(attrs: &[Attribute], report: &mut Report) -> Option<String> {
    serde_args(attrs, report)
        .into_iter()
        .find(|(k, _, _)| k == "rename")
        .and_then(|(_, v, _)| v)
}

fn serde_rename_all(attrs: &[Attribute], report: &mut Report) -> Option<String> {
    let (_, value, span) = serde_args(attrs, report)
        .into_iter()
        .find(|(k, _, _)| k == "rename_all")?;
    let value = value?;
    if apply_rename_checked("x", &value).is_none() {
        report.error(span, format!("`rename_all = \"{value}\"` is not a case serde knows"), "use lowercase, UPPERCASE, PascalCase, camelCase, snake_case, SCREAMING_SNAKE_CASE, kebab-case or SCREAMING-KEBAB-CASE");
        return None;
    }
    Some(value)
}

fn apply_rename_checked(name: &str, rule: &str) -> Option<String> {
    Some(match rule {
        "lowercase" => name.to_lowercase(),
        "UPPERCASE" => name.to_uppercase(),
        "PascalCase" => name.to_upper_camel_case(),
        "camelCase" => name.to_lower_camel_case(),
        "snake_case" => name.to_snake_case(),
        "SCREAMING_SNAKE_CASE" => name.to_shouty_snake_case(),
        "kebab-case" => name.to_kebab_case(),
        "SCREAMING-KEBAB-CASE" => name.to_shouty_kebab_case(),
        _ => return None,
    })
}

/// The wire name serde gives a variant or a field under `rename_all`.
fn apply_rename(name: &str, rule: Option<&str>) -> String {
    rule.and_then(|r| apply_rename_checked(name, r))
        .unwrap_or_else(|| name.to_owned())
}
