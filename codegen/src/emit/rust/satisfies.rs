//! The `SatisfiesSchema` checks of generated types: what a value's JSON Schema demands
//! beyond what its Rust type guarantees, so the runtime need not walk the JSON of a
//! value whose checks pass.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};
use serde_json::Value;

use super::Emitter;
use super::tokens::field_ident;
use crate::model::{Kind, Schema};

/// How a check reaches the value it checks.
pub(super) struct Access {
    tokens: TokenStream,
    /// `tokens` is a reference (`item0`), not a place (`self.days`).
    is_ref: bool,
}

impl Access {
    pub(super) fn place(tokens: TokenStream) -> Self {
        Self {
            tokens,
            is_ref: false,
        }
    }

    pub(super) fn by_ref(tokens: TokenStream) -> Self {
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
pub(super) fn conjunction(checks: Vec<TokenStream>) -> TokenStream {
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

/// The keywords `Emitter::satisfies` can decide from a Rust value; any other makes it
/// leave the check to the runtime.
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

impl<'a> Emitter<'a> {
    /// The body of a struct's `satisfies_schema`: every field's checks, or `false`
    /// (the runtime validates the JSON) when one cannot be decided from the Rust value.
    pub(super) fn struct_checks(&self, fields: &'a [(crate::model::Name, Schema)]) -> TokenStream {
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
    pub(super) fn satisfies(
        &self,
        schema: &'a Schema,
        value: &Access,
        depth: usize,
    ) -> Option<Vec<TokenStream>> {
        let (by_ref, copied) = (value.by_ref_tokens(), value.copied_tokens());
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
            Kind::Array => checks.extend(self.array_checks(schema, body, json, value, depth)?),
            Kind::Enum | Kind::Ref(_) | Kind::Missing => return None,
        }
        Some(checks)
    }

    /// The checks of an array: its length, each item's checks, and distinct items.
    fn array_checks(
        &self,
        schema: &'a Schema,
        body: &'a Schema,
        json: &serde_json::Map<String, Value>,
        value: &Access,
        depth: usize,
    ) -> Option<Vec<TokenStream>> {
        let by_ref = value.by_ref_tokens();
        let rt = quote! { ::mcpgen_runtime::__private };
        let mut checks = Vec::new();
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
            let inner = self.satisfies(items, &Access::by_ref(quote! { #item }), depth + 1)?;
            if self.is_struct(items) {
                let receiver = &value.tokens;
                checks
                    .push(quote! { #receiver.iter().all(#rt::SatisfiesSchema::satisfies_schema) });
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
        Some(checks)
    }
}
