//! A small validator of JSON values against the model's schemas, for defaults and examples.
//!
//! It mirrors what the generated server accepts: the type, enum membership, ranges,
//! lengths, patterns, formats, array items and closed objects. References to named types
//! are followed; what cannot be resolved is accepted here (other checks report it).

use serde_json::Value;

use super::types::{Base, base, compile, resolve};
use super::{MAX_DEPTH, tick_list};
use crate::model::{Schema, Spec, StringFormat};

/// Checks `value` against `schema`. The error says what is wrong and where inside the value.
pub(super) fn validate(spec: &Spec, schema: &Schema, value: &Value) -> Result<(), String> {
    let mut path = String::new();
    check(spec, schema, value, &mut path, 0).map_err(|e| {
        if path.is_empty() {
            e
        } else {
            format!("at `{path}`: {e}")
        }
    })
}

fn show(value: &Value) -> String {
    let text = value.to_string();
    let mut out: String = text.chars().take(40).collect();
    if text.chars().count() > 40 {
        out.push('…');
    }
    format!("`{out}`")
}

fn show_str(s: &str) -> String {
    show(&Value::String(s.to_owned()))
}

fn count(n: u64, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

fn found(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a number",
        Value::Number(_) => "an integer",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

fn expected(want: Base, value: &Value) -> String {
    format!(
        "expected {}, found {} {}",
        want.article(),
        found(value),
        show(value)
    )
}

fn check(
    spec: &Spec,
    schema: &Schema,
    value: &Value,
    path: &mut String,
    depth: usize,
) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Ok(());
    }
    let Some(target) = resolve(spec, schema) else {
        return Ok(());
    };
    let Some(kind) = base(spec, schema) else {
        return Ok(());
    };
    match kind {
        Base::Enum => {
            let Value::String(s) = value else {
                return Err(expected(Base::String, value));
            };
            let values = target
                .enum_values
                .as_ref()
                .map(|v| &v.value[..])
                .unwrap_or_default();
            if !values.iter().any(|v| v.value.value == *s) {
                return Err(format!(
                    "{} is not one of {}",
                    show(value),
                    tick_list(values.iter().map(|v| v.value.value.as_str()))
                ));
            }
            string_constraints(target, s)
        }
        Base::String => {
            let Value::String(s) = value else {
                return Err(expected(Base::String, value));
            };
            string_constraints(target, s)
        }
        Base::Integer => {
            let n = match value {
                Value::Number(n) => n.as_f64().unwrap_or(f64::NAN),
                _ => return Err(expected(Base::Integer, value)),
            };
            if n.fract() != 0.0 {
                return Err(format!("{} is not a whole number", show(value)));
            }
            range(target, n, value)
        }
        Base::Number => match value {
            Value::Number(n) => range(target, n.as_f64().unwrap_or(f64::NAN), value),
            _ => Err(expected(Base::Number, value)),
        },
        Base::Boolean => match value {
            Value::Bool(_) => Ok(()),
            _ => Err(expected(Base::Boolean, value)),
        },
        Base::Array => {
            let Value::Array(items) = value else {
                return Err(expected(Base::Array, value));
            };
            check_array(spec, target, items, path, depth)
        }
        Base::Object => {
            let Value::Object(map) = value else {
                return Err(expected(Base::Object, value));
            };
            check_object(spec, target, map, path, depth)
        }
    }
}

/// The length, uniqueness and items of an array.
fn check_array(
    spec: &Spec,
    target: &Schema,
    items: &[Value],
    path: &mut String,
    depth: usize,
) -> Result<(), String> {
    let n = items.len() as u64;
    if let Some(min) = &target.min_items
        && n < min.value
    {
        return Err(format!(
            "{} is fewer than `min_items` {}",
            count(n, "item"),
            min.value
        ));
    }
    if let Some(max) = &target.max_items
        && n > max.value
    {
        return Err(format!(
            "{} is more than `max_items` {}",
            count(n, "item"),
            max.value
        ));
    }
    if target.unique_items.as_ref().is_some_and(|u| u.value) {
        for (i, item) in items.iter().enumerate() {
            if items.iter().take(i).any(|earlier| earlier == item) {
                return Err(format!(
                    "{} appears twice, but `unique_items` is true",
                    show(item)
                ));
            }
        }
    }
    if let Some(item_schema) = &target.items {
        for (i, item) in items.iter().enumerate() {
            let len = path.len();
            path.push_str(&format!("[{i}]"));
            check(spec, item_schema, item, path, depth + 1)?;
            path.truncate(len);
        }
    }
    Ok(())
}

/// The fields of a closed object: none unknown, none required missing, each valid.
fn check_object(
    spec: &Spec,
    target: &Schema,
    map: &serde_json::Map<String, Value>,
    path: &mut String,
    depth: usize,
) -> Result<(), String> {
    let Some(fields) = &target.fields else {
        return Ok(());
    };
    for key in map.keys() {
        if fields.get(key).is_none() {
            return Err(format!(
                "unknown field `{key}`; the fields are {}",
                tick_list(fields.iter().map(|(n, _)| n.value.as_str()))
            ));
        }
    }
    for (name, field) in fields.iter() {
        match map.get(&name.value) {
            None if !field.is_optional() => {
                return Err(format!("the required field `{}` is missing", name.value));
            }
            None => {}
            Some(v) => {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(&name.value);
                check(spec, field, v, path, depth + 1)?;
                path.truncate(len);
            }
        }
    }
    Ok(())
}

fn range(schema: &Schema, n: f64, value: &Value) -> Result<(), String> {
    if let Some(min) = &schema.minimum
        && n < min.value
    {
        return Err(format!("{} is below `minimum` {}", show(value), min.value));
    }
    if let Some(max) = &schema.maximum
        && n > max.value
    {
        return Err(format!("{} is above `maximum` {}", show(value), max.value));
    }
    Ok(())
}

fn string_constraints(schema: &Schema, s: &str) -> Result<(), String> {
    let len = s.chars().count() as u64;
    if let Some(min) = &schema.min_length
        && len < min.value
    {
        return Err(format!(
            "{} is {}, shorter than `min_length` {}",
            show_str(s),
            count(len, "character"),
            min.value
        ));
    }
    if let Some(max) = &schema.max_length
        && len > max.value
    {
        return Err(format!(
            "{} is {}, longer than `max_length` {}",
            show_str(s),
            count(len, "character"),
            max.value
        ));
    }
    if let Some(pattern) = &schema.pattern
        && let Ok(re) = compile(&format!("^(?:{})$", pattern.value))
        && !re.is_match(s)
    {
        return Err(format!(
            "{} does not match the pattern `{}`",
            show_str(s),
            pattern.value
        ));
    }
    if let Some(format) = &schema.format
        && !matches_format(&format.value, s)
    {
        return Err(format!(
            "{} is not a valid `{}`",
            show_str(s),
            format.value.as_str()
        ));
    }
    Ok(())
}

fn digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

fn is_date(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    matches!(parts.as_slice(), [y, m, d] if digits(y, 4) && digits(m, 2) && digits(d, 2))
}

fn is_time(s: &str) -> bool {
    // HH:MM:SS with optional fraction and offset; the shape only.
    let hms: String = s.chars().take(8).collect();
    let parts: Vec<&str> = hms.split(':').collect();
    matches!(parts.as_slice(), [h, m, sec] if digits(h, 2) && digits(m, 2) && digits(sec, 2))
}

/// A shape check of the formats the runtime validates; strict enough to catch a default
/// written in the wrong format.
fn matches_format(format: &StringFormat, s: &str) -> bool {
    match format {
        StringFormat::Date => is_date(s),
        StringFormat::Time => is_time(s),
        StringFormat::DateTime => match s.split_once(['T', 't', ' ']) {
            Some((date, time)) => is_date(date) && is_time(time),
            None => false,
        },
        StringFormat::Duration => s.starts_with('P') && s.len() > 1,
        StringFormat::Email => s
            .split_once('@')
            .is_some_and(|(a, b)| !a.is_empty() && b.contains('.')),
        StringFormat::Uri => has_scheme(s),
        StringFormat::Uuid => {
            let parts: Vec<&str> = s.split('-').collect();
            parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
                && parts
                    .iter()
                    .all(|p| p.bytes().all(|b| b.is_ascii_hexdigit()))
        }
        StringFormat::Hostname => {
            !s.is_empty()
                && s.len() <= 253
                && s.split('.').all(|l| {
                    !l.is_empty()
                        && l.len() <= 63
                        && !l.starts_with('-')
                        && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                })
        }
        StringFormat::Ipv4 => s.parse::<std::net::Ipv4Addr>().is_ok(),
        StringFormat::Ipv6 => s.parse::<std::net::Ipv6Addr>().is_ok(),
        StringFormat::Other(_) => true,
    }
}

/// Whether `s` starts with a URI scheme and `:` (RFC 3986 `scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`).
pub(super) fn has_scheme(s: &str) -> bool {
    let Some((scheme, _)) = s.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}
