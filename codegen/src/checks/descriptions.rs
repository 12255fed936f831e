//! Descriptions: present, saying more than the name, not overlong.

use super::types::resolve;
use super::{Cx, MAX_DEPTH, tick};
use crate::diag::{Code, Diagnostic};
use crate::model::{Kind, Name, Schema};
use crate::source::{Sp, Span};

fn is_blank(d: Option<&Sp<String>>) -> bool {
    d.is_none_or(|d| d.value.trim().is_empty())
}

fn what_to_write(what: &str) -> &'static str {
    match what {
        "tool" => "what the tool does, what it returns, and when to use it",
        "parameter" | "field" | "template parameter" => {
            "what the value means, with its unit or format and an example"
        }
        "type" => "what the type represents",
        "resource" | "resource template" => "what the resource holds and when to read it",
        "prompt" => "what the prompt is for and when to pick it",
        "argument" => "what to fill in, with an example",
        _ => "what it is for",
    }
}

/// `missing_description` on an item with its own `description:`.
pub(super) fn require(cx: &mut Cx<'_>, what: &str, name: &Name, description: Option<&Sp<String>>) {
    if !is_blank(description) {
        return;
    }
    let (message, label) = match description {
        Some(_) => (
            format!("{what} {} has an empty description", tick(&name.value)),
            "empty description",
        ),
        None => (
            format!("{what} {} has no description", tick(&name.value)),
            "no `description:`",
        ),
    };
    cx.emit(
        Diagnostic::new(Code::MissingDescription, name.span, message)
            .with_label(label)
            .with_help(format!(
                "add `description:` saying {}: the description is the only documentation the model reads",
                what_to_write(what)
            )),
    );
}

/// `missing_description` on a parameter or field, which may inherit the description of
/// the named type it refers to (`units: { type: Units }` with `Units` described).
pub(super) fn require_entry(cx: &mut Cx<'_>, what: &str, name: &Name, schema: &Schema) {
    if !is_blank(schema.description.as_ref()) {
        return;
    }
    if let Kind::Ref(_) = schema.kind() {
        let mut current = schema;
        for _ in 0..MAX_DEPTH {
            let Kind::Ref(type_name) = current.kind() else {
                break;
            };
            // An unknown type is reported as `unresolved_type`; do not pile on.
            let Some(def) = cx.spec.types.get(type_name) else {
                return;
            };
            if !is_blank(def.0.description.as_ref()) {
                return;
            }
            current = &def.0;
        }
        if resolve(cx.spec, schema).is_none() {
            return;
        }
    }
    require(cx, what, name, schema.description.as_ref());
}

/// `description_too_long` on one description.
pub(super) fn too_long(cx: &mut Cx<'_>, description: &Sp<String>) {
    let count = description.value.chars().count() as u64;
    let cap = cx.max_description;
    // A cap of 0 is reported once as `limit`, not on every description.
    if count <= cap || cap == 0 {
        return;
    }
    cx.emit(
        Diagnostic::new(
            Code::DescriptionTooLong,
            description.span,
            format!("this description is {count} characters long, over the cap of {cap}"),
        )
        .with_label(format!("{count} characters, cap {cap}"))
        .with_help(format!(
            "cut it to at most {cap} characters: say what it does and when to use it, and move background material into a resource; or raise `lints.max_description_chars`"
        )),
    );
}

/// The description of a schema and of its enum values.
pub(super) fn check_lengths(cx: &mut Cx<'_>, schema: &Schema) {
    if let Some(d) = &schema.description {
        too_long(cx, d);
    }
    for value in schema.enum_values.iter().flat_map(|v| v.value.iter()) {
        if let Some(d) = &value.description {
            too_long(cx, d);
        }
    }
}

/// Lowercase words, with a plural or third-person `s` dropped (`gets` -> `get`).
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| stem(&w.to_lowercase()))
        .collect()
}

/// A crude English stem: enough to see that "searches" restates `search`.
fn stem(w: &str) -> String {
    if let Some(base) = w.strip_suffix("ies")
        && base.chars().count() >= 2
    {
        return format!("{base}y");
    }
    if let Some(base) = w.strip_suffix("es")
        && ["ch", "sh", "x", "ss", "z"]
            .iter()
            .any(|e| base.ends_with(e))
    {
        return base.to_owned();
    }
    match w.strip_suffix('s') {
        Some(base) if base.chars().count() >= 3 && !base.ends_with('s') => base.to_owned(),
        _ => w.to_owned(),
    }
}

/// Words that carry no information in a description.
const FILLER: &[&str] = &[
    "the", "a", "an", "thi", "this", "tool", "function", "for", "of", "to", "and", "it",
];

/// Shortest useful tool description, in characters.
const MIN_TOOL_DESCRIPTION: usize = 20;

/// `vacuous_description`: a tool description that only restates the name, or is too short.
pub(super) fn vacuous(cx: &mut Cx<'_>, name: &Name, description: &Sp<String>, span: Span) {
    let text = description.value.trim();
    if text.is_empty() {
        return;
    }
    let name_words = words(&name.value.replace('_', " "));
    let desc_words = words(text);
    let informative = desc_words
        .iter()
        .filter(|w| !FILLER.contains(&w.as_str()))
        .count();
    let restates = informative == 0
        || !name_words.is_empty()
            && name_words.iter().all(|w| desc_words.contains(w))
            && informative <= name_words.len() + 2;
    let short = text.chars().count() < MIN_TOOL_DESCRIPTION;
    if !restates && !short {
        return;
    }
    let message = if restates {
        format!(
            "the description of tool {} only restates its name",
            tick(&name.value)
        )
    } else {
        format!(
            "the description of tool {} is {} characters long, too short to say what the tool does",
            tick(&name.value),
            text.chars().count()
        )
    };
    cx.emit(
        Diagnostic::new(Code::VacuousDescription, span, message)
            .with_label(if restates { "says nothing the name does not" } else { "too short" })
            .with_help(
                "say what the tool does, what it returns and when to use it (or not), for example: \"Returns the daily forecast for a city for up to 7 days. Use for questions about future weather.\"",
            ),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_stemmed() {
        assert_eq!(words("Gets the forecast."), ["get", "the", "forecast"]);
        assert_eq!(words("Lists issues"), ["list", "issue"]);
        assert_eq!(words("class"), ["class"]);
        assert_eq!(words("searches queries boxes"), ["search", "query", "box"]);
    }
}
