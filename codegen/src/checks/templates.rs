//! Templates: RFC 6570 URI templates of resource templates, minijinja prompt messages
//! (read by the scanner in `jinja`).

mod jinja;

use std::collections::BTreeSet;

use self::jinja::scan_jinja;
use super::types::walk_entries;
use super::validate::has_scheme;
use super::{Cx, descriptions, names, sub_span, tick, tick_list};
use crate::diag::{Code, Diagnostic, Severity, did_you_mean};
use crate::model::{Name, Prompt};
use crate::source::Sp;

/// A variable of a URI template, with its position (in characters) in the template.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct UriVar {
    pub(super) name: String,
    pub(super) at: usize,
    pub(super) len: usize,
}

/// A problem in a template text, at a position in characters.
#[derive(Debug)]
pub(super) struct TextError {
    pub(super) at: usize,
    pub(super) len: usize,
    pub(super) message: String,
    pub(super) label: String,
    pub(super) help: String,
}

fn text_error(
    at: usize,
    len: usize,
    message: impl Into<String>,
    label: &str,
    help: &str,
) -> TextError {
    TextError {
        at,
        len,
        message: message.into(),
        label: label.to_owned(),
        help: help.to_owned(),
    }
}

const VAR_HELP: &str = "variable names use letters, digits, `_`, `.` (not first or last, not twice in a row) and `%XX`; a name may end with `*` (explode) or `:N` (prefix of N characters, 1 to 9999)";

/// Parses an RFC 6570 URI template (levels 1 to 4): the variables, and every error.
pub(super) fn parse_uri_template(s: &str) -> (Vec<UriVar>, Vec<TextError>) {
    let chars: Vec<char> = s.chars().collect();
    let (mut vars, mut errors) = (Vec::new(), Vec::new());
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        match c {
            '{' => {
                let end = chars
                    .iter()
                    .skip(i + 1)
                    .position(|c| matches!(c, '{' | '}'));
                let Some(len) = end.filter(|&n| chars.get(i + 1 + n) == Some(&'}')) else {
                    errors.push(text_error(
                        i,
                        1,
                        "`{` is not closed",
                        "unclosed `{`",
                        "close the expression with `}`: `{name}`",
                    ));
                    i += 1;
                    continue;
                };
                expression(&chars, i + 1, len, &mut vars, &mut errors);
                i += len + 2;
            }
            '}' => {
                errors.push(text_error(
                    i,
                    1,
                    "`}` without an opening `{`",
                    "unmatched `}`",
                    "remove it, or open the expression with `{`",
                ));
                i += 1;
            }
            ' ' | '"' | '\'' | '<' | '>' | '\\' | '^' | '`' | '|' => {
                errors.push(text_error(
                    i,
                    1,
                    format!("`{c}` is not allowed in a URI"),
                    "not allowed here",
                    "percent-encode it (a space is `%20`) or remove it",
                ));
                i += 1;
            }
            c if c.is_control() => {
                errors.push(text_error(
                    i,
                    1,
                    "a control character is not allowed in a URI",
                    "control character",
                    "remove it",
                ));
                i += 1;
            }
            _ => i += 1,
        }
    }
    (vars, errors)
}

/// One `{...}` expression whose content is `chars[start..start + len]`.
fn expression(
    chars: &[char],
    start: usize,
    len: usize,
    vars: &mut Vec<UriVar>,
    errors: &mut Vec<TextError>,
) {
    let body: Vec<char> = chars.iter().skip(start).take(len).copied().collect();
    let Some(&first) = body.first() else {
        errors.push(text_error(
            start - 1,
            2,
            "empty expression `{}`",
            "no variable",
            "put a variable name between the braces: `{name}`",
        ));
        return;
    };
    let mut offset = 0;
    if matches!(first, '+' | '#' | '.' | '/' | ';' | '?' | '&') {
        offset = 1;
    } else if matches!(first, '=' | ',' | '!' | '@' | '|') {
        errors.push(text_error(
            start,
            1,
            format!("`{first}` is an operator RFC 6570 reserves for future use"),
            "reserved operator",
            "use one of the operators `+`, `#`, `.`, `/`, `;`, `?`, `&`, or none: `{name}`",
        ));
        return;
    }
    let mut at = start + offset;
    let rest: String = body.iter().skip(offset).collect();
    for spec in rest.split(',') {
        let spec_len = spec.chars().count();
        if let Err((message, label)) = varspec(spec) {
            errors.push(text_error(at, spec_len.max(1), message, label, VAR_HELP));
        } else {
            let name = spec.split([':', '*']).next().unwrap_or_default();
            vars.push(UriVar {
                name: name.to_owned(),
                at,
                len: name.chars().count(),
            });
        }
        at += spec_len + 1;
    }
}

/// Checks `varname [ ":" max-length / "*" ]`.
fn varspec(spec: &str) -> Result<(), (String, &'static str)> {
    if spec.is_empty() {
        return Err(("an empty variable name".to_owned(), "empty name"));
    }
    let (name, modifier) = match spec.find([':', '*']) {
        Some(p) => spec.split_at(p),
        None => (spec, ""),
    };
    if !modifier.is_empty() && modifier != "*" {
        let digits = modifier.strip_prefix(':').unwrap_or("x");
        let ok = (1..=4).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0');
        if !ok {
            return Err((
                format!("`{modifier}` is not a valid modifier of `{name}`"),
                "bad modifier",
            ));
        }
    }
    let bytes = name.as_bytes();
    let mut i = 0;
    let mut prev_dot = true; // no leading dot
    while let Some(&b) = bytes.get(i) {
        match b {
            b'%' => {
                let hex = |j: usize| bytes.get(j).is_some_and(u8::is_ascii_hexdigit);
                if !(hex(i + 1) && hex(i + 2)) {
                    return Err((
                        format!("`{name}` has a `%` that is not followed by two hex digits"),
                        "bad varname",
                    ));
                }
                i += 3;
                prev_dot = false;
                continue;
            }
            b'.' if prev_dot => {
                return Err((
                    format!("`{name}` is not a valid variable name"),
                    "bad varname",
                ));
            }
            b'.' => prev_dot = true,
            b if b.is_ascii_alphanumeric() || b == b'_' => prev_dot = false,
            _ => {
                return Err((
                    format!("`{name}` is not a valid variable name"),
                    "bad varname",
                ));
            }
        }
        i += 1;
    }
    if name.is_empty() || name.ends_with('.') {
        return Err((
            format!("`{name}` is not a valid variable name"),
            "bad varname",
        ));
    }
    Ok(())
}

/// Resource templates: names, descriptions, the URI template and its parameters.
pub(super) fn check_resource_templates(cx: &mut Cx<'_>) {
    let spec = cx.spec;
    let mut seen: Vec<&Sp<String>> = Vec::new();
    for (name, template) in spec.resource_templates.iter() {
        names::snake_name(cx, "resource template", name);
        descriptions::require(cx, "resource template", name, template.description.as_ref());
        if let Some(d) = &template.description {
            descriptions::too_long(cx, d);
        }
        let uri = &template.uri_template;
        let (vars, errors) = parse_uri_template(&uri.value);
        for e in errors {
            cx.emit(
                Diagnostic::new(
                    Code::UriTemplate,
                    sub_span(&cx.source, uri, e.at, e.len),
                    format!("the URI template of {}: {}", tick(&name.value), e.message),
                )
                .with_label(e.label)
                .with_help(e.help),
            );
        }
        if !uri.value.starts_with('{') && !has_scheme(&uri.value) {
            cx.emit(
                Diagnostic::new(
                    Code::UriTemplate,
                    uri.span,
                    format!("the URI template of {} has no scheme", tick(&name.value)),
                )
                .with_label("not an absolute URI")
                .with_help(format!(
                    "start it with a scheme, such as `{}://{}`",
                    spec.server.name.value.replace('_', "-"),
                    uri.value.trim_start_matches('/')
                )),
            );
        }
        let declared: Vec<&str> = template
            .params
            .iter()
            .map(|(n, _)| n.value.as_str())
            .collect();
        let mut reported = BTreeSet::new();
        for var in &vars {
            if !declared.contains(&var.name.as_str()) && reported.insert(var.name.as_str()) {
                let mut d = Diagnostic::new(
                    Code::UriTemplate,
                    sub_span(&cx.source, uri, var.at, var.len),
                    format!(
                        "the URI template of {} uses {}, which is not under its `params`",
                        tick(&name.value),
                        tick(&var.name)
                    ),
                );
                d = match did_you_mean(&var.name, declared.iter().copied()) {
                    Some(best) => d.with_label(format!("did you mean {}?", tick(best))),
                    None => d.with_label("not declared"),
                };
                cx.emit(d.with_help(format!(
                    "declare it: `params: {{ {}: {{ type: string, description: ... }} }}`; declared: {}",
                    var.name,
                    tick_list(declared.iter().copied())
                )));
            }
        }
        for (param, _) in template.params.iter() {
            if !vars.iter().any(|v| v.name == param.value) {
                cx.emit(
                    Diagnostic::new(
                        Code::UriTemplate,
                        param.span,
                        format!("parameter {} of resource template {} does not appear in its URI template", tick(&param.value), tick(&name.value)),
                    )
                    .with_label("not in the template")
                    .with_help(format!("use it in `uri_template` as `{{{}}}`, or remove it", param.value)),
                );
            }
        }
        walk_entries(cx, "template parameter", &template.params, 0);
        if let Some(first) = seen.iter().find(|s| s.value == uri.value) {
            cx.emit(
                Diagnostic::new(
                    Code::Duplicate,
                    uri.span,
                    format!("resource template {} repeats the URI template {}", tick(&name.value), tick(&uri.value)),
                )
                .with_label(if first.span.is_known() { format!("also on line {}", first.span.line) } else { "repeated".to_owned() })
                .with_help("clients could not tell the two apart: give each template its own URI, or merge them"),
            );
        } else {
            seen.push(uri);
        }
    }
}

// ---- prompts ----

/// Prompts: names, descriptions, arguments, and the messages as templates.
pub(super) fn check_prompts(cx: &mut Cx<'_>) {
    let spec = cx.spec;
    for (name, prompt) in spec.prompts.iter() {
        prompt_names(cx, name, prompt);
        handler_or_messages(cx, name, prompt);
        let used = message_templates(cx, name, prompt);
        unused_required_arguments(cx, name, prompt, &used);
    }
}

/// The names and descriptions of a prompt and of its arguments.
fn prompt_names<'a>(cx: &mut Cx<'a>, name: &'a Name, prompt: &'a Prompt) {
    names::snake_name(cx, "prompt", name);
    descriptions::require(cx, "prompt", name, prompt.description.as_ref());
    if let Some(d) = &prompt.description {
        descriptions::too_long(cx, d);
    }
    for (arg, argument) in prompt.arguments.iter() {
        super::server::unknown_lints(cx, &argument.allow);
        cx.with_allow(&argument.allow, |cx| {
            names::snake_name(cx, "argument", arg);
            descriptions::require(cx, "argument", arg, argument.description.as_ref());
        });
        if let Some(d) = &argument.description {
            descriptions::too_long(cx, d);
        }
    }
    names::collisions(
        cx,
        "argument",
        prompt.arguments.0.iter().map(|(n, _)| n),
        heck::ToSnakeCase::to_snake_case,
    );
}

/// A prompt has messages, or a handler that builds them, not both.
fn handler_or_messages<'a>(cx: &mut Cx<'a>, name: &'a Name, prompt: &'a Prompt) {
    match (&prompt.handler, prompt.messages.first()) {
        (Some(handler), Some(_)) if handler.value => cx.emit(
            Diagnostic::new(
                Code::PromptTemplate,
                handler.span,
                format!(
                    "prompt {} has both `handler: true` and `messages`; the handler builds the messages, so these would never be sent",
                    tick(&name.value)
                ),
            )
            .with_label("the handler builds the messages")
            .with_help("remove `messages:` and build them in the handler method, or remove `handler: true` to send these templates without code"),
        ),
        (_, None) if !prompt.has_handler() => cx.emit(
            Diagnostic::new(Code::PromptTemplate, name.span, format!("prompt {} has no messages", tick(&name.value)))
                .with_label("no `messages:`")
                .with_help("add `messages: [{ role: user, text: \"...\" }]` (the text may use the arguments as `{{ name }}`), or `handler: true` to build the messages in code"),
        ),
        _ => {}
    }
}

/// The messages of a prompt as templates: their syntax, and the names they use that
/// are not arguments. Returns every name they use.
fn message_templates<'a>(cx: &mut Cx<'a>, name: &'a Name, prompt: &'a Prompt) -> BTreeSet<String> {
    let declared: Vec<&str> = prompt
        .arguments
        .iter()
        .map(|(n, _)| n.value.as_str())
        .collect();
    let mut used_anywhere = BTreeSet::new();
    for image in prompt.messages.iter().filter_map(|m| m.image.as_ref()) {
        super::server::check_file(cx, "prompt", name, &image.file);
    }
    for text in prompt.messages.iter().flat_map(|m| m.templates()) {
        let scan = scan_jinja(&text.value);
        for (list, warning) in [(&scan.errors, false), (&scan.warnings, true)] {
            for e in list {
                let mut d = Diagnostic::new(
                    Code::PromptTemplate,
                    sub_span(&cx.source, text, e.at, e.len),
                    format!("a message of prompt {}: {}", tick(&name.value), e.message),
                )
                .with_label(e.label.clone())
                .with_help(e.help.clone());
                if warning {
                    d.severity = Severity::Warning;
                }
                cx.emit(d);
            }
        }
        let mut reported = BTreeSet::new();
        for (used, at) in &scan.used {
            used_anywhere.insert(used.clone());
            if declared.contains(&used.as_str())
                || scan.locals.contains(used)
                || !reported.insert(used.clone())
            {
                continue;
            }
            let mut d = Diagnostic::new(
                Code::PromptTemplate,
                sub_span(&cx.source, text, *at, used.chars().count()),
                format!(
                    "a message of prompt {} uses {}, which is not an argument",
                    tick(&name.value),
                    tick(used)
                ),
            );
            d = match did_you_mean(used, declared.iter().copied()) {
                Some(best) => d.with_label(format!("did you mean {}?", tick(best))),
                None => d.with_label("not an argument"),
            };
            let help = if declared.is_empty() {
                format!(
                    "declare it under the prompt's `arguments:`: `arguments: {{ {used}: {{ description: ..., required: true }} }}`"
                )
            } else {
                format!(
                    "declare it under the prompt's `arguments:` (with a description), or use one of {}",
                    tick_list(declared.iter().copied())
                )
            };
            cx.emit(d.with_help(help));
        }
    }
    used_anywhere
}

/// Required arguments that no message uses.
fn unused_required_arguments<'a>(
    cx: &mut Cx<'a>,
    name: &'a Name,
    prompt: &'a Prompt,
    used_anywhere: &BTreeSet<String>,
) {
    for (arg, argument) in prompt.arguments.iter() {
        let required = argument.required.as_ref().is_some_and(|r| r.value);
        if required && !used_anywhere.contains(&arg.value) && !prompt.messages.is_empty() {
            cx.emit(
                Diagnostic::new(
                    Code::PromptTemplate,
                    arg.span,
                    format!(
                        "required argument {} of prompt {} is not used in any message",
                        tick(&arg.value),
                        tick(&name.value)
                    ),
                )
                .with_label("never used")
                .with_help(format!(
                    "use it in a message as `{{{{ {} }}}}`, or remove it",
                    arg.value
                )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(s: &str) -> Vec<String> {
        let (vars, errors) = parse_uri_template(s);
        assert!(errors.is_empty(), "{s}: {errors:?}");
        vars.into_iter().map(|v| v.name).collect()
    }

    #[test]
    fn uri_templates_of_every_level() {
        assert_eq!(names("weather://city/{city}/now"), ["city"]);
        assert_eq!(
            names("x://{+path}{#frag}{.ext}{/seg*}{;p}{?q,r:3}{&s}"),
            ["path", "frag", "ext", "seg", "p", "q", "r", "s"]
        );
        assert_eq!(names("x://{a.b}{a%20b}{_1}"), ["a.b", "a%20b", "_1"]);
        let vars = parse_uri_template("x://{a}/{bb}").0;
        assert_eq!((vars[1].at, vars[1].len), (9, 2));
    }

    #[test]
    fn uri_template_errors() {
        for bad in [
            "x://{a",
            "x://a}",
            "x://{}",
            "x://{=a}",
            "x://{a b}",
            "x://{a:0}",
            "x://{a:10000}",
            "x://{.a.}",
            "x://{a,}",
            "x://{a%2}",
            "x://a b",
            "x://{a{b}}",
        ] {
            assert!(!parse_uri_template(bad).1.is_empty(), "{bad}");
        }
    }
}
