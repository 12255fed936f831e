//! `header:`: tool arguments mirrored into `Mcp-Param-*` HTTP headers (SEP-2243, the
//! 2026-07-28 revision). A client drops a tool whose `x-mcp-header` declarations break the
//! revision's rules, so every rule is checked here, before a client ever sees the tool.

use super::types::{Base, base, resolve};
use super::{Cx, MAX_DEPTH, tick};
use crate::diag::{Code, Diagnostic};
use crate::model::{Name, Schema, Tool};
use crate::source::Sp;

/// The largest integer a JavaScript client holds exactly (2^53 - 1): an integer mirrored
/// into a header must stay within ± this, and its schema says so.
pub const MAX_SAFE_INTEGER: i64 = 9_007_199_254_740_991;

/// Words of a parameter name that say it holds a secret.
const SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "passphrase",
    "secret",
    "token",
    "credential",
    "credentials",
    "apikey",
    "cookie",
    "authorization",
    "ssn",
];

/// The `header:` declarations of one tool: on its parameters and, at any depth, the fields
/// of their inline objects (the path a client follows through `properties`).
pub(super) fn check_tool<'a>(cx: &mut Cx<'a>, tool: &'a Tool) {
    let mut seen: Vec<(String, &'a Sp<String>, String)> = Vec::new();
    for (name, schema) in tool.params.iter() {
        visit(cx, &mut seen, &name.value, name, schema, 0);
    }
}

fn visit<'a>(
    cx: &mut Cx<'a>,
    seen: &mut Vec<(String, &'a Sp<String>, String)>,
    path: &str,
    name: &'a Name,
    schema: &'a Schema,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    cx.in_schema(schema, |cx| {
        if let Some(header) = &schema.header {
            check_one(cx, seen, path, name, schema, header);
        }
        if let Some(fields) = &schema.fields {
            for (field, inner) in fields.iter() {
                let path = format!("{path}.{}", field.value);
                visit(cx, seen, &path, field, inner, depth + 1);
            }
        }
    });
}

fn check_one<'a>(
    cx: &mut Cx<'a>,
    seen: &mut Vec<(String, &'a Sp<String>, String)>,
    path: &str,
    name: &Name,
    schema: &'a Schema,
    header: &'a Sp<String>,
) {
    let value = header.value.as_str();
    let what = format!("parameter {}", tick(path));
    const PREFIX: &str = "mcp-param-";
    if let Some(suffix) = value
        .get(..PREFIX.len())
        .filter(|p| p.eq_ignore_ascii_case(PREFIX))
        .and_then(|_| value.get(PREFIX.len()..))
    {
        cx.emit(
            Diagnostic::new(
                Code::McpHeader,
                header.span,
                format!("the header of {what} repeats the `Mcp-Param-` prefix, which clients add"),
            )
            .with_label("the prefix is added by the client")
            .with_help(format!(
                "name the header `{suffix}` without the prefix; clients send it as `Mcp-Param-{suffix}`"
            )),
        );
        return;
    }
    let bad = value.chars().find(|c| !is_tchar(*c));
    if value.is_empty() || bad.is_some() {
        let found = match bad {
            Some(c) => format!("{c:?} is not allowed in one"),
            None => "it is empty".to_owned(),
        };
        let fixed: String = value
            .chars()
            .map(|c| if is_tchar(c) { c } else { '-' })
            .collect();
        let fixed = fixed.trim_matches('-');
        let help = if fixed.is_empty() {
            "use letters, digits and `-`, such as `Region`".to_owned()
        } else {
            format!("use letters, digits and `-`, such as `{fixed}`")
        };
        cx.emit(
            Diagnostic::new(
                Code::McpHeader,
                header.span,
                format!("the header of {what} is not an HTTP header name: {found}"),
            )
            .with_label("not an HTTP token (RFC 9110)")
            .with_help(help),
        );
        return;
    }
    let lower = value.to_ascii_lowercase();
    if let Some((_, first, owner)) = seen.iter().find(|(l, _, _)| *l == lower) {
        cx.emit(
            Diagnostic::new(
                Code::McpHeader,
                header.span,
                format!(
                    "{what} and parameter {} both mirror into `Mcp-Param-{}` (header names ignore case)",
                    tick(owner),
                    first.value
                ),
            )
            .with_label("declared twice in this tool")
            .with_help("give each parameter its own header name, or mirror only one of them"),
        );
    } else {
        seen.push((lower, header, path.to_owned()));
    }
    check_type(cx, &what, schema, header);
    if schema.pii.as_ref().is_some_and(|p| p.value) {
        cx.emit(
            Diagnostic::new(
                Code::McpHeader,
                header.span,
                format!("{what} is marked `pii: true`, and its header would show it to every proxy and load balancer on the way"),
            )
            .with_label("mirrored into an HTTP header")
            .with_help("personal data stays in the body: remove `header:` from this parameter, or its `pii: true` if the value is not personal"),
        );
    }
    let secret = name
        .value
        .split('_')
        .any(|w| SECRET_WORDS.contains(&w.to_ascii_lowercase().as_str()))
        || name.value.to_ascii_lowercase().contains("api_key");
    if secret {
        cx.emit(
            Diagnostic::new(
                Code::SensitiveHeader,
                header.span,
                format!("{what} looks like a secret, and its header shows it to every proxy on the way"),
            )
            .with_label("mirrored into an HTTP header")
            .with_help(
                "keep secrets in the body only: do not mirror it; if the value is not secret, allow `sensitive_header` on the parameter",
            ),
        );
    }
}

/// Only primitive values are mirrored, and integers only within JavaScript's exact range.
fn check_type(cx: &mut Cx<'_>, what: &str, schema: &Schema, header: &Sp<String>) {
    let spec = cx.spec;
    let Some(kind) = base(spec, schema) else {
        return;
    };
    let problem = match kind {
        Base::String | Base::Enum | Base::Boolean => return,
        Base::Integer => {
            let body = resolve(spec, schema);
            let bound = |f: fn(&Schema) -> Option<f64>| f(schema).or_else(|| body.and_then(f));
            let min = bound(|s| s.minimum.as_ref().map(|m| m.value));
            let max = bound(|s| s.maximum.as_ref().map(|m| m.value));
            #[allow(clippy::cast_precision_loss)]
            let limit = MAX_SAFE_INTEGER as f64;
            if min.is_none_or(|m| m >= -limit) && max.is_none_or(|m| m <= limit) {
                return;
            }
            format!(
                "{what} is mirrored into a header, but its range reaches beyond ±{MAX_SAFE_INTEGER} (2^53 - 1), where JavaScript clients lose digits"
            )
        }
        Base::Number => format!(
            "{what} is a number, which the 2026-07-28 revision does not mirror into headers (`1.0` and `1` would differ)"
        ),
        Base::Array | Base::Object => format!(
            "{what} is {}, and only a string, an enum, a boolean or an integer is mirrored into a header",
            kind.article()
        ),
    };
    let help = match kind {
        Base::Integer => format!(
            "narrow `minimum`/`maximum` to within ±{MAX_SAFE_INTEGER}; without them mcpgen advertises that range"
        ),
        Base::Number => "make it an `integer` or a `string`, or do not mirror it".to_owned(),
        _ => "mirror one of its primitive fields instead (the fields of an inline object may have a header), or do not mirror it".to_owned(),
    };
    cx.emit(
        Diagnostic::new(Code::McpHeader, header.span, problem)
            .with_label("cannot be mirrored")
            .with_help(help),
    );
}

/// `header:` anywhere but on a tool's parameters and their inline objects' fields: named
/// types (inlined wherever they are used), outputs, error fields, array items, template
/// variables.
pub(super) fn check_placement(cx: &mut Cx<'_>) {
    let spec = cx.spec;
    let mut misplaced: Vec<(&Sp<String>, &'static str)> = Vec::new();
    let mut walk = |schema, place, on_chain| collect(schema, place, on_chain, &mut misplaced, 0);
    for (_, def) in spec.types.iter() {
        walk(&def.0, "a named type", false);
    }
    for (_, tool) in spec.tools.iter() {
        for (_, schema) in tool.params.iter() {
            walk(schema, "a tool's parameters", true);
        }
        if let Some(output) = &tool.output {
            walk(output, "a tool's output", false);
        }
        for (_, case) in tool.errors.iter() {
            for (_, schema) in case.fields.iter() {
                walk(schema, "an error's fields", false);
            }
        }
    }
    for (_, template) in spec.resource_templates.iter() {
        for (_, schema) in template.params.iter() {
            walk(schema, "a URI template's variables", false);
        }
    }
    for (header, place) in misplaced {
        let help = match place {
            "a named type" => {
                "named types are copied into every schema that uses them; write `header:` where the tool parameter uses the type (`region: { type: Region, header: Region }`)"
            }
            _ => {
                "do not give it a header; only tool parameters (and the fields of their inline objects) reach an HTTP request"
            }
        };
        cx.emit(
            Diagnostic::new(
                Code::McpHeader,
                header.span,
                format!("a header (`Mcp-Param-*`) only applies to tool parameters, not to {place}"),
            )
            .with_label("not a tool parameter")
            .with_help(help),
        );
    }
}

/// Every `header:` under `schema` that a client does not reach from a tool's input
/// through `properties` alone. `on_chain`: `schema` is a tool parameter or a field of
/// one's inline object; array items never are.
fn collect<'s>(
    schema: &'s Schema,
    place: &'static str,
    on_chain: bool,
    out: &mut Vec<(&'s Sp<String>, &'static str)>,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    if let Some(header) = &schema.header
        && !on_chain
    {
        out.push((header, place));
    }
    if let Some(fields) = &schema.fields {
        for (_, inner) in fields.iter() {
            collect(inner, place, on_chain, out, depth + 1);
        }
    }
    if let Some(items) = &schema.items {
        let place = if on_chain { "array items" } else { place };
        collect(items, place, false, out, depth + 1);
    }
}

/// RFC 9110 §5.6.2 `tchar`.
fn is_tchar(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}
