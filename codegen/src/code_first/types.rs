//! Rust types to model schemas, and `#[arg(...)]` / `#[schema(...)]` constraints.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::ToTokens as _;
use syn::spanned::Spanned as _;
use syn::{GenericArgument, PathArguments, Type};

use super::SpanTable;
use super::args::{self, Arg};
use super::report::Report;
use crate::model::{Schema, StringFormat};
use crate::source::Sp;

/// What a parameter or field may be, for the error on anything else.
pub(crate) const SUPPORTED: &str = "`String`, `bool`, the integers `i8`..`i64`, `u8`..`u64`, `isize`, `usize`, `f32`, `f64`, `Option<T>` (an optional value), `Vec<T>` (an array), or a type with `#[derive(ToolSchema)]` (a struct with named fields, or an enum of unit variants)";

/// The keys of `#[arg(...)]` and `#[schema(...)]`.
pub(crate) const CONSTRAINT_KEYS: &[&str] = &[
    "title",
    "default",
    "examples",
    "min_length",
    "max_length",
    "pattern",
    "format",
    "minimum",
    "maximum",
    "min_items",
    "max_items",
    "unique_items",
    "allow",
    "header",
    "pii",
];

/// A Rust type lowered into the model.
#[derive(Debug)]
pub(crate) struct Lowered {
    pub(crate) schema: Schema,
    /// `Option<T>`: the caller may leave the value out.
    pub(crate) optional: bool,
    /// The range of a Rust integer type, which the schema's bounds must stay within.
    pub(crate) int_range: Option<(i128, i128)>,
}

/// Rust-declared types met while lowering, by model name, with their Rust type tokens.
pub(crate) type External = BTreeMap<String, TokenStream>;

/// Lowers `ty`; unsupported types are reported (the schema is then left empty).
pub(crate) fn lower(
    ty: &Type,
    spans: &mut SpanTable,
    external: &mut External,
    report: &mut Report,
) -> Lowered {
    let span = spans.mark(ty.span());
    let mut schema = Schema::empty(span);
    let out = |schema, optional, int_range| Lowered {
        schema,
        optional,
        int_range,
    };
    let Some((name, inner)) = path_type(ty) else {
        unsupported(ty, report);
        return out(schema, false, None);
    };
    let builtin = |t: &str| Some(Sp::new(t.to_owned(), span));
    match (name.as_str(), inner) {
        ("Option", Some(inner)) => {
            let mut lowered = lower(inner, spans, external, report);
            if lowered.optional {
                report.error(
                    ty.span(),
                    "`Option<Option<T>>` cannot be told apart from `Option<T>` in JSON",
                    "use one `Option`",
                );
            }
            lowered.optional = true;
            return lowered;
        }
        ("Vec", Some(inner)) => {
            let items = lower(inner, spans, external, report);
            if items.optional {
                report.error(
                    inner.span(),
                    "array items cannot be optional",
                    "use `Vec<T>`, or `Option<Vec<T>>` for an optional array",
                );
            }
            schema.ty = builtin("array");
            schema.items = Some(Box::new(items.schema));
        }
        ("String", None) => schema.ty = builtin("string"),
        ("bool", None) => schema.ty = builtin("boolean"),
        ("f32" | "f64", None) => schema.ty = builtin("number"),
        (int, None) if int_range(int).is_some() => {
            schema.ty = builtin("integer");
            let range = int_range(int);
            if let Some((min, max)) = range {
                // i64 and wider are what the emitter assumes anyway (it writes the i64
                // range); narrower types carry their own range into the schema.
                if min > i128::from(i64::MIN) {
                    schema.minimum = Some(Sp::new(min as f64, span));
                }
                if max < i128::from(i64::MAX) {
                    schema.maximum = Some(Sp::new(max as f64, span));
                }
            }
            return out(schema, false, range);
        }
        (_, None) if is_plain_path(ty) => {
            let tokens = ty.to_token_stream();
            let model_name = tokens.to_string().replace(' ', "");
            external.insert(model_name.clone(), tokens);
            schema.ty = Some(Sp::new(model_name, span));
        }
        _ => unsupported(ty, report),
    }
    out(schema, false, None)
}

/// The range of a Rust integer type (`isize` and `usize` as 64-bit).
fn int_range(name: &str) -> Option<(i128, i128)> {
    Some(match name {
        "i8" => (i8::MIN.into(), i8::MAX.into()),
        "i16" => (i16::MIN.into(), i16::MAX.into()),
        "i32" => (i32::MIN.into(), i32::MAX.into()),
        "i64" | "isize" => (i64::MIN.into(), i64::MAX.into()),
        "u8" => (0, u8::MAX.into()),
        "u16" => (0, u16::MAX.into()),
        "u32" => (0, u32::MAX.into()),
        "u64" | "usize" => (0, i128::from(i64::MAX)),
        _ => return None,
    })
}

/// The last segment of a path type and its one type argument, if it has one.
fn path_type(ty: &Type) -> Option<(String, Option<&Type>)> {
    let Type::Path(p) = ty else { return None };
    if p.qself.is_some() {
        return None;
    }
    let last = p.path.segments.last()?;
    let arg = match &last.arguments {
        PathArguments::None => None,
        PathArguments::AngleBracketed(a) if a.args.len() == 1 => match a.args.first() {
            Some(GenericArgument::Type(t)) => Some(t),
            _ => return None,
        },
        _ => return None,
    };
    Some((last.ident.to_string(), arg))
}

/// A path without generic arguments anywhere: `Units`, `crate::types::Units`.
fn is_plain_path(ty: &Type) -> bool {
    matches!(ty, Type::Path(p) if p.qself.is_none()
        && p.path.segments.iter().all(|s| matches!(s.arguments, PathArguments::None)))
}

fn unsupported(ty: &Type, report: &mut Report) {
    let written = written(ty);
    let hint = match path_type(ty).map(|(n, _)| n) {
        Some(n) if n == "HashMap" || n == "BTreeMap" => {
            " (a map has no fixed fields, so its schema cannot be closed: declare a struct with `#[derive(ToolSchema)]`)"
        }
        Some(n) if n == "Value" => {
            " (any JSON is not a strict schema: declare the shape with `#[derive(ToolSchema)]`)"
        }
        Some(n) if n == "str" || n == "Cow" => " (take an owned `String`)",
        _ => "",
    };
    report.error(
        ty.span(),
        format!("`#[mcp_tool]` cannot describe the type `{written}` in a JSON Schema{hint}"),
        format!("use {SUPPORTED}"),
    );
}

/// Applies `#[arg(...)]` (or `#[schema(...)]`) arguments to a lowered type: constraints go
/// on the value (the items' type for `Vec<T>` constraints on items are not supported).
pub(crate) fn constrain(
    lowered: &mut Lowered,
    list: &[Arg],
    within: &str,
    spans: &mut SpanTable,
    report: &mut Report,
) {
    let schema = &mut lowered.schema;
    for arg in args::known(list, CONSTRAINT_KEYS, within, report) {
        let at = spans.mark(arg.value_span());
        match arg.name().as_str() {
            "title" => schema.title = arg.string(report).map(|v| Sp::new(v, at)),
            "default" => schema.default = arg.json(report).map(|v| Sp::new(v, at)),
            "examples" => {
                if let Some(values) = examples(arg, spans, report) {
                    schema.examples = Some(values);
                }
            }
            "min_length" => schema.min_length = arg.u64(report).map(|v| Sp::new(v, at)),
            "max_length" => schema.max_length = arg.u64(report).map(|v| Sp::new(v, at)),
            "min_items" => schema.min_items = arg.u64(report).map(|v| Sp::new(v, at)),
            "max_items" => schema.max_items = arg.u64(report).map(|v| Sp::new(v, at)),
            "unique_items" => schema.unique_items = arg.bool(report).map(|v| Sp::new(v, at)),
            "pattern" => schema.pattern = arg.string(report).map(|v| Sp::new(v, at)),
            "header" => schema.header = arg.string(report).map(|v| Sp::new(v, at)),
            // The paths of PII fields are found when the tool's definition is emitted,
            // and a type's fields are spliced in only when the server is built.
            "pii" if within != "#[arg(...)]" => report.error(
                arg.span(),
                "`pii` goes on a tool's parameter (`#[arg(pii)]`), not on a field of a `#[derive(ToolSchema)]` type",
                "mark the parameter that takes the type `#[arg(pii)]`: its whole value is then kept out of the audit trail and error messages",
            ),
            "pii" => schema.pii = arg.bool(report).map(|v| Sp::new(v, at)),
            "format" => {
                if let Some(format) = string_format(arg, report) {
                    schema.format = Some(Sp::new(format, at));
                }
            }
            key @ ("minimum" | "maximum") => {
                let Some(value) = arg.number(report) else {
                    continue;
                };
                if let Some((min, max)) = lowered.int_range
                    && (value < min as f64 || value > max as f64)
                {
                    report.error(
                        arg.value_span(),
                        format!("`{key} = {value}` is outside the range of the parameter's Rust type ({min} to {max})"),
                        "use a bound the type can hold, or a wider integer type",
                    );
                    continue;
                }
                let bound = Some(Sp::new(value, at));
                if key == "minimum" {
                    schema.minimum = bound;
                } else {
                    schema.maximum = bound;
                }
            }
            "allow" => {
                let names = arg.list(report, "allow(unit_suffix)").unwrap_or_default();
                schema.allow = Some(
                    names
                        .iter()
                        .map(|a| Sp::new(a.name(), spans.mark(a.key.span())))
                        .collect(),
                );
            }
            _ => {}
        }
    }
    if schema.ty.as_ref().is_some_and(|t| !is_builtin(&t.value))
        && let Some(arg) = list.iter().find(|a| {
            !matches!(
                a.name().as_str(),
                "default" | "examples" | "title" | "allow"
            )
        })
    {
        report.error(
            arg.key.span(),
            format!("`{}` does not apply to a type with `#[derive(ToolSchema)]`", arg.name()),
            "put the constraint on the type's own fields with `#[schema(...)]`, or use a builtin type here",
        );
    }
}

/// `examples(...)`: literal values, each at its own span. `None` when it is no list or
/// does not parse (reported).
fn examples(
    arg: &Arg,
    spans: &mut SpanTable,
    report: &mut Report,
) -> Option<Vec<Sp<serde_json::Value>>> {
    let args::ArgValue::List(tokens, _) = &arg.value else {
        report.error(
            arg.value_span(),
            "`examples` takes a list",
            "write `examples(\"Zurich\", \"Oslo\")`",
        );
        return None;
    };
    let parser = syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated;
    let list = match syn::parse::Parser::parse2(parser, tokens.clone()) {
        Ok(list) => list,
        Err(e) => {
            report.syn(e);
            return None;
        }
    };
    let mut values = Vec::new();
    for e in &list {
        match args::json(e) {
            Some(v) => values.push(Sp::new(v, spans.mark(e.span()))),
            None => report.error(
                e.span(),
                "an example must be a literal",
                "write a string, number, boolean, or an array of them",
            ),
        }
    }
    Some(values)
}

/// `format = "..."`: one of the formats mcpgen validates (others are reported).
fn string_format(arg: &Arg, report: &mut Report) -> Option<StringFormat> {
    let text = arg.string(report)?;
    match StringFormat::ALL.iter().find(|(n, _)| *n == text) {
        Some((_, f)) => Some(f.clone()),
        None => {
            report.error(
                arg.value_span(),
                format!("`{text}` is not a format mcpgen validates"),
                format!(
                    "use one of {}",
                    StringFormat::ALL
                        .iter()
                        .map(|(n, _)| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
            None
        }
    }
}

/// Whether a model type name is a JSON Schema builtin rather than a Rust-declared type.
fn is_builtin(name: &str) -> bool {
    matches!(
        name,
        "string" | "integer" | "number" | "boolean" | "array" | "object"
    )
}

/// A type as the user wrote it, without the spaces token printing adds.
fn written(ty: &Type) -> String {
    let mut out = ty.to_token_stream().to_string();
    for (from, to) in [
        (" < ", "<"),
        (" <", "<"),
        ("< ", "<"),
        (" >", ">"),
        (" ,", ","),
        ("& ", "&"),
        (" :: ", "::"),
        (":: ", "::"),
    ] {
        out = out.replace(from, to);
    }
    out
}
