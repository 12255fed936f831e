//! Templates: RFC 6570 URI templates of resource templates, minijinja prompt messages.

use std::collections::BTreeSet;

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

/// Jinja's literals, operators and statement words, and the names minijinja provides:
/// none of them is an argument's value in a template.
const JINJA_WORDS: &str = "and or not in is if else elif endif true false none True False None \
     loop self super caller varargs kwargs range dict namespace lipsum cycler joiner debug recursive";

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String, usize),
    Punct(char),
    Other,
}

/// Tokens of a jinja expression; `base` is the position of `text` in the message.
fn tokenize(text: &[char], base: usize) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&c) = text.get(i) {
        if c.is_alphabetic() || c == '_' {
            let start = i;
            while text
                .get(i)
                .is_some_and(|c| c.is_alphanumeric() || *c == '_')
            {
                i += 1;
            }
            out.push(Tok::Ident(
                text.iter().skip(start).take(i - start).collect(),
                base + start,
            ));
        } else if c.is_ascii_digit() {
            while text
                .get(i)
                .is_some_and(|c| c.is_alphanumeric() || *c == '.' || *c == '_')
            {
                i += 1;
            }
            out.push(Tok::Other);
        } else if c == '"' || c == '\'' {
            i += 1;
            while let Some(&d) = text.get(i) {
                i += 1;
                if d == '\\' {
                    i += 1;
                } else if d == c {
                    break;
                }
            }
            out.push(Tok::Other);
        } else if c.is_whitespace() {
            i += 1;
        } else {
            out.push(Tok::Punct(c));
            i += 1;
        }
    }
    out
}

/// What the scan of one message found.
#[derive(Debug, Default)]
pub(super) struct JinjaScan {
    /// Top-level names the template reads: (name, position).
    pub(super) used: Vec<(String, usize)>,
    /// Names the template itself binds (`for x in`, `set x =`, macro parameters).
    pub(super) locals: BTreeSet<String>,
    pub(super) errors: Vec<TextError>,
    /// Problems that may be intended (a literal `}}`), reported as warnings.
    pub(super) warnings: Vec<TextError>,
}

/// The names an expression reads: not attributes (`.x`), filters (`| x`), tests
/// (`is x`) or keyword arguments (`x=`).
fn expression_names(tokens: &[Tok], scan: &mut JinjaScan) {
    for (i, tok) in tokens.iter().enumerate() {
        let Tok::Ident(name, at) = tok else { continue };
        let prev = i.checked_sub(1).and_then(|j| tokens.get(j));
        let prev2 = i.checked_sub(2).and_then(|j| tokens.get(j));
        let next = tokens.get(i + 1);
        let next2 = tokens.get(i + 2);
        let is_word = |t: Option<&Tok>, w: &str| matches!(t, Some(Tok::Ident(n, _)) if n == w);
        let attribute = prev == Some(&Tok::Punct('.'));
        let filter = prev == Some(&Tok::Punct('|'));
        let test = is_word(prev, "is") || (is_word(prev, "not") && is_word(prev2, "is"));
        let keyword_arg = next == Some(&Tok::Punct('=')) && next2 != Some(&Tok::Punct('='));
        let reserved = JINJA_WORDS.split_whitespace().any(|word| word == name);
        if attribute || filter || test || keyword_arg || reserved {
            continue;
        }
        scan.used.push((name.clone(), *at));
    }
}

/// A `{% ... %}` statement.
fn statement(tokens: &[Tok], scan: &mut JinjaScan) {
    let mut rest = tokens
        .iter()
        .skip_while(|t| matches!(t, Tok::Punct('-' | '+')));
    let Some(Tok::Ident(keyword, _)) = rest.next() else {
        return;
    };
    let rest: Vec<Tok> = rest.cloned().collect();
    match keyword.as_str() {
        "for" => {
            let split = rest
                .iter()
                .position(|t| matches!(t, Tok::Ident(n, _) if n == "in"));
            let (targets, iterable) = rest.split_at(split.unwrap_or(0));
            for t in targets {
                if let Tok::Ident(n, _) = t {
                    scan.locals.insert(n.clone());
                }
            }
            expression_names(iterable.get(1..).unwrap_or_default(), scan);
        }
        "set" | "with" => {
            // `set x = expr`, `set a, b = expr`, `with x = expr, y = expr`
            let mut assigned = BTreeSet::new();
            for (i, t) in rest.iter().enumerate() {
                if let Tok::Ident(n, _) = t
                    && rest
                        .get(i + 1)
                        .is_some_and(|t| matches!(t, Tok::Punct('=' | ',')))
                    && rest.get(i + 2) != Some(&Tok::Punct('='))
                    && !rest.iter().take(i).any(|t| matches!(t, Tok::Punct('=')))
                {
                    assigned.insert(n.clone());
                } else if let Tok::Ident(n, _) = t
                    && rest.len() == 1
                {
                    assigned.insert(n.clone()); // block set: `{% set x %}...{% endset %}`
                }
            }
            let value: Vec<Tok> = rest
                .iter()
                .filter(|t| !matches!(t, Tok::Ident(n, _) if assigned.contains(n)))
                .cloned()
                .collect();
            scan.locals.extend(assigned);
            expression_names(&value, scan);
        }
        "macro" | "call" => {
            for t in &rest {
                if let Tok::Ident(n, _) = t {
                    scan.locals.insert(n.clone());
                }
            }
        }
        "filter" | "import" | "from" | "include" | "extends" | "block" | "endblock"
        | "autoescape" => {}
        "if" | "elif" => expression_names(&rest, scan),
        _ => {}
    }
}

/// Finds `needle` in `chars` from `from`.
fn find(chars: &[char], needle: &str, from: usize) -> Option<usize> {
    let n: Vec<char> = needle.chars().collect();
    (from..chars.len()).find(|&i| chars.get(i..i + n.len()) == Some(&n[..]))
}

/// Scans a prompt message for the names it reads and for unbalanced delimiters.
pub(super) fn scan_jinja(text: &str) -> JinjaScan {
    let chars: Vec<char> = text.chars().collect();
    let mut scan = JinjaScan::default();
    let mut i = 0;
    while i < chars.len() {
        let pair: String = chars.iter().skip(i).take(2).collect();
        match pair.as_str() {
            "{#" => match find(&chars, "#}", i + 2) {
                Some(end) => i = end + 2,
                None => {
                    scan.errors.push(text_error(
                        i,
                        2,
                        "the comment `{#` is not closed",
                        "unclosed comment",
                        "close it with `#}`",
                    ));
                    break;
                }
            },
            "{{" | "{%" => {
                let close = if pair == "{{" { "}}" } else { "%}" };
                let Some(end) = find(&chars, close, i + 2) else {
                    scan.errors.push(text_error(
                        i,
                        2,
                        format!("`{pair}` is not closed"),
                        &format!("no `{close}` after this"),
                        &format!("close it with `{close}`: `{pair} name {close}`"),
                    ));
                    break;
                };
                let inner = chars.get(i + 2..end).unwrap_or_default();
                let tokens = tokenize(inner, i + 2);
                if pair == "{{" {
                    if let Some(nested) = find(inner, "{{", 0) {
                        scan.errors.push(text_error(
                            i + 2 + nested,
                            2,
                            "`{{` inside `{{ ... }}`",
                            "nested",
                            "close the first expression with `}}` before opening another",
                        ));
                    }
                    expression_names(&tokens, &mut scan);
                    i = end + 2;
                } else {
                    let is_raw = tokens
                        .iter()
                        .find(|t| !matches!(t, Tok::Punct('-' | '+')))
                        .is_some_and(|t| matches!(t, Tok::Ident(n, _) if n == "raw"));
                    if is_raw {
                        // Everything up to `{% endraw %}` is text.
                        let Some(after) = end_of_raw(&chars, end + 2) else {
                            scan.errors.push(text_error(
                                i,
                                2,
                                "`{% raw %}` is not closed",
                                "no `{% endraw %}`",
                                "end the raw text with `{% endraw %}`",
                            ));
                            return scan;
                        };
                        i = after;
                    } else {
                        statement(&tokens, &mut scan);
                        i = end + 2;
                    }
                }
            }
            "}}" => {
                scan.warnings.push(text_error(
                    i,
                    2,
                    "`}}` without an opening `{{`",
                    "unmatched `}}`",
                    "if this was meant as a placeholder, write `{{ name }}`; if it is literal text, write `{{ '}}' }}` to make that clear",
                ));
                i += 2;
            }
            _ => i += 1,
        }
    }
    scan
}

/// Where raw text from `at` ends: just after its `{% endraw %}`; `None` without one.
fn end_of_raw(chars: &[char], mut at: usize) -> Option<usize> {
    loop {
        let open = find(chars, "{%", at)?;
        let Some(close) = find(chars, "%}", open + 2) else {
            at = chars.len();
            continue;
        };
        let body: String = chars
            .get(open + 2..close)
            .unwrap_or_default()
            .iter()
            .collect();
        if body.trim_matches(|c: char| c.is_whitespace() || c == '-' || c == '+') == "endraw" {
            return Some(close + 2);
        }
        at = close + 2;
    }
}

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

    #[test]
    fn jinja_names() {
        let scan = scan_jinja(
            "Hi {{ user.name | upper }} {% for x in items %}{{ x }}{{ loop.index }}{% endfor %}{# {{ c }} #}{{ f(k=v) }}{% if a is not defined %}{% endif %}{% raw %}{{ raw }}{% endraw %}",
        );
        let used: Vec<&str> = scan.used.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(used, ["user", "items", "x", "f", "v", "a"]);
        assert!(scan.locals.contains("x"));
        assert!(scan.errors.is_empty());
        assert!(!scan_jinja("{{ a ").errors.is_empty());
        assert!(!scan_jinja("{% if a ").errors.is_empty());
        assert!(!scan_jinja("a }}").warnings.is_empty());
        let set = scan_jinja("{% set greeting = 'Hi ' ~ name %}{{ greeting }}");
        assert_eq!(
            set.used.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
            ["name", "greeting"]
        );
        assert!(set.locals.contains("greeting"));
    }
}
