//! The keywords mcpgen enforces, and what each may say: every other keyword is refused
//! when the schema compiles, so none is advertised and silently not enforced.

use serde_json::Value;

use super::{CompileError, Compiler};
use crate::node::{Additional, Node, Property, TYPE_NAMES, Types};

/// The keywords [`CompiledSchema`](crate::CompiledSchema) enforces.
const ASSERTIONS: &[&str] = &[
    "type",
    "enum",
    "const",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "items",
    "minItems",
    "maxItems",
    "uniqueItems",
    "properties",
    "required",
    "additionalProperties",
    "allOf",
    "anyOf",
    "oneOf",
    "not",
    "if",
    "then",
    "else",
    "$ref",
    "$defs",
    "$anchor",
];

/// Keywords that only annotate (2020-12 treats `format` as an annotation by default).
const ANNOTATIONS: &[&str] = &[
    "title",
    "description",
    "default",
    "examples",
    "format",
    "deprecated",
    "readOnly",
    "writeOnly",
    "$comment",
    // The HTTP header a 2026-07-28 client mirrors the argument into (SEP-2243); rmcp's
    // Streamable HTTP transport checks the header against the argument.
    "x-mcp-header",
];

/// The only dialect: MCP's default, which mcpgen emits without a `$schema`.
const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

impl Compiler<'_> {
    /// Compiles one keyword of a schema object into `node`.
    pub(super) fn keyword(
        &mut self,
        node: &mut Node,
        key: &str,
        value: &Value,
    ) -> Result<(), CompileError> {
        let fail = |what: String| Err(CompileError::new(what));
        let count = |value: &Value| {
            value.as_u64().ok_or_else(|| {
                CompileError::new(format!("expected a non-negative integer, got {value}"))
            })
        };
        let number = |value: &Value| match value {
            Value::Number(n) => Ok(n.clone()),
            other => Err(CompileError::new(format!("expected a number, got {other}"))),
        };
        match key {
            "type" => node.types = Some(types(value)?),
            "enum" => match value {
                Value::Array(values) => node.enumeration = Some(values.clone()),
                other => return fail(format!("expected a list of values, got {other}")),
            },
            "const" => node.constant = Some(value.clone()),
            "minimum" => node.minimum = Some(number(value)?),
            "maximum" => node.maximum = Some(number(value)?),
            "exclusiveMinimum" => node.exclusive_minimum = Some(number(value)?),
            "exclusiveMaximum" => node.exclusive_maximum = Some(number(value)?),
            "minLength" => node.min_length = Some(count(value)?),
            "maxLength" => node.max_length = Some(count(value)?),
            "minItems" => node.min_items = Some(count(value)?),
            "maxItems" => node.max_items = Some(count(value)?),
            "pattern" => {
                let Some(pattern) = value.as_str() else {
                    return fail(format!("expected a regular expression, got {value}"));
                };
                node.pattern = Some((pattern.to_owned(), compile_pattern(pattern)?));
            }
            "uniqueItems" => match value {
                Value::Bool(b) => node.unique_items = *b,
                other => return fail(format!("expected true or false, got {other}")),
            },
            "items" => node.items = Some(Box::new(self.node(value)?)),
            "properties" => node.properties = self.properties(value)?,
            "required" => node.required = required(value)?,
            "additionalProperties" => {
                node.additional = match value {
                    Value::Bool(true) => Additional::Any,
                    Value::Bool(false) => Additional::Forbidden,
                    schema => Additional::Schema(Box::new(self.node(schema)?)),
                }
            }
            "allOf" => node.all_of = self.nodes(value)?,
            "anyOf" => node.any_of = self.nodes(value)?,
            "oneOf" => node.one_of = self.nodes(value)?,
            "not" => node.not = Some(Box::new(self.node(value)?)),
            // Compiled with their `if` (`then` and `else` alone have no effect).
            "if" | "then" | "else" => {}
            "$ref" => match value.as_str() {
                Some(target) => node.reference = Some(self.reference(target)?),
                None => {
                    return fail(format!(
                        "expected a reference such as \"#/$defs/NAME\", got {value}"
                    ));
                }
            },
            // Compiled through the references (and checked once each, in `compile`).
            "$defs" => {
                if !value.is_object() {
                    return fail(format!("expected an object of named schemas, got {value}"));
                }
            }
            "$anchor" => check_anchor(value)?,
            "$schema" if value == DIALECT => {}
            "$schema" => {
                return fail(format!(
                    "the dialect {value} is not supported; MCP tool schemas use JSON Schema \
                     2020-12 ({DIALECT:?}, or no `$schema`)"
                ));
            }
            key if ANNOTATIONS.contains(&key) => {}
            key => {
                return fail(format!(
                    "the keyword `{key}` is not supported: mcpgen enforces what it advertises, \
                     and enforces these keywords: {}. Rewrite this part with them",
                    ASSERTIONS.join(", ")
                ));
            }
        }
        Ok(())
    }

    /// `properties`: each property's schema, and its `default`.
    fn properties(&mut self, value: &Value) -> Result<Vec<Property>, CompileError> {
        let Value::Object(properties) = value else {
            return Err(CompileError::new(format!(
                "expected an object of schemas, got {value}"
            )));
        };
        let mut compiled = Vec::with_capacity(properties.len());
        for (name, schema) in properties {
            let node = self.node(schema).map_err(|e| e.within(name))?;
            compiled.push(Property {
                name: name.clone(),
                node,
                default: schema.get("default").cloned(),
            });
        }
        Ok(compiled)
    }
}

/// `type`: one type name or a list of them.
fn types(value: &Value) -> Result<Types, CompileError> {
    let names: Vec<&Value> = match value {
        Value::Array(names) if !names.is_empty() => names.iter().collect(),
        Value::String(_) => vec![value],
        other => {
            return Err(CompileError::new(format!(
                "expected a type name or a list of them, got {other}"
            )));
        }
    };
    let mut types = Types(0);
    for name in names {
        match name.as_str().and_then(Types::parse) {
            Some(t) => types.0 |= t.0,
            None => {
                return Err(CompileError::new(format!(
                    "{name} is not a JSON type (one of {})",
                    TYPE_NAMES.join(", ")
                )));
            }
        }
    }
    Ok(types)
}

/// `required`: the property names, not yet matched to `properties`.
fn required(value: &Value) -> Result<Vec<(String, Option<usize>)>, CompileError> {
    let names = value.as_array().and_then(|names| {
        names
            .iter()
            .map(|n| n.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
    });
    match names {
        Some(names) => Ok(names.into_iter().map(|n| (n, None)).collect()),
        None => Err(CompileError::new(format!(
            "expected a list of property names, got {value}"
        ))),
    }
}

/// `$anchor`: a plain name (a letter or `_`, then letters, digits, `-`, `_` or `.`).
fn check_anchor(value: &Value) -> Result<(), CompileError> {
    let valid = value.as_str().is_some_and(|name| {
        let mut chars = name.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    });
    if !valid {
        return Err(CompileError::new(format!(
            "expected an anchor name (a letter or `_`, then letters, digits, `-`, \
             `_` or `.`), got {value}"
        )));
    }
    Ok(())
}

fn compile_pattern(pattern: &str) -> Result<regex::Regex, CompileError> {
    // The same crate and limits as `mcpgen check`, which reports patterns it cannot
    // compile (look-around, backreferences) at their line in the spec.
    regex::RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| CompileError::new(format!("the pattern does not compile: {e}")))
}
