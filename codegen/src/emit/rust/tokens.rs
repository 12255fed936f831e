//! Small pieces of Rust syntax every emitter uses: identifiers for spec names, doc
//! attributes, `Option<String>` literals and JSON Schema literals.

use heck::{ToSnakeCase, ToUpperCamelCase};
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

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

pub(super) fn doc(text: Option<&str>) -> TokenStream {
    match text {
        Some(text) => {
            let lines = text.trim().lines().map(|l| format!(" {}", l.trim_end()));
            quote! { #(#[doc = #lines])* }
        }
        None => TokenStream::new(),
    }
}

pub(super) fn opt_string(value: Option<&str>) -> TokenStream {
    match value {
        Some(v) => quote! { ::core::option::Option::Some(::std::string::String::from(#v)) },
        None => quote! { ::core::option::Option::None },
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
