//! A value against a compiled schema: every violation, with the JSON pointer of the
//! part of the value it concerns.

use std::cmp::Ordering;
use std::fmt::Write as _;

use serde_json::{Map, Number, Value};

use crate::Violation;
use crate::equality::{compare, has_duplicates, json_equal};
use crate::messages::{escape_pointer, json_type, plural, render_value};
use crate::node::{Additional, Node, Types};

/// Where a value sits, as a chain on the stack: rendered only for a violation.
pub(crate) enum Path<'a> {
    Root,
    Key(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl Path<'_> {
    pub(crate) fn render(&self) -> String {
        let mut out = String::new();
        self.render_into(&mut out);
        out
    }

    fn render_into(&self, out: &mut String) {
        match self {
            Path::Root => {}
            Path::Key(parent, key) => {
                parent.render_into(out);
                out.push('/');
                out.push_str(&escape_pointer(key));
            }
            Path::Index(parent, index) => {
                parent.render_into(out);
                let _ = write!(out, "/{index}");
            }
        }
    }
}

/// Whether `value` satisfies `node`.
pub(crate) fn holds(targets: &[Node], node: &Node, value: &Value) -> bool {
    let mut out = Vec::new();
    check(targets, node, value, &Path::Root, &mut out);
    out.is_empty()
}

pub(crate) fn check(
    targets: &[Node],
    node: &Node,
    value: &Value,
    path: &Path<'_>,
    out: &mut Vec<Violation>,
) {
    if node.reference.is_some()
        || node.condition.is_some()
        || !node.all_of.is_empty()
        || !node.any_of.is_empty()
        || !node.one_of.is_empty()
        || node.not.is_some()
    {
        check_applicators(targets, node, value, path, out);
    }
    let mut report = |message: String| {
        out.push(Violation {
            path: path.render(),
            message,
        });
    };
    if node.never {
        report("no value is allowed here; remove it".to_owned());
        return;
    }
    let got = || render_value(value);
    if let Some(types) = node.types
        && !types.admits(value)
    {
        report(format!(
            "expected {}, got {} {}",
            types.expected(),
            json_type(value),
            got()
        ));
    }
    if let Some(options) = &node.enumeration
        && !options.iter().any(|o| json_equal(o, value))
    {
        let options: Vec<String> = options.iter().map(render_value).collect();
        report(format!(
            "expected one of {}, got {}",
            options.join(", "),
            got()
        ));
    }
    if let Some(constant) = &node.constant
        && !json_equal(constant, value)
    {
        report(format!(
            "expected {}, got {}",
            render_value(constant),
            got()
        ));
    }
    match value {
        Value::Number(n) => check_number(node, n, &mut report, &got),
        Value::String(s) => check_string(node, s, &mut report, &got),
        Value::Array(items) => {
            let count = items.len() as u64;
            if let Some(limit) = node.min_items
                && count < limit
            {
                report(format!(
                    "expected at least {limit} item{}, got {count}",
                    plural(limit)
                ));
            }
            if let Some(limit) = node.max_items
                && count > limit
            {
                report(format!(
                    "expected at most {limit} item{}, got {count}",
                    plural(limit)
                ));
            }
            if node.unique_items && has_duplicates(items) {
                report("expected unique items, got duplicates".to_owned());
            } else if node.unique_items
                && let Some(item) = node.items.as_deref().filter(|item| item.prepares)
            {
                // Items that differ only in fields left to their defaults become equal
                // once the defaults are filled in, which is what the handler receives.
                let mut prepared = items.clone();
                for value in &mut prepared {
                    crate::prepare::prepare(targets, item, value);
                }
                if has_duplicates(&prepared) {
                    report(
                        "expected unique items, got items that are equal once their defaults \
                         are filled in"
                            .to_owned(),
                    );
                }
            }
            if let Some(item) = &node.items {
                for (index, value) in items.iter().enumerate() {
                    check(targets, item, value, &Path::Index(path, index), out);
                }
            }
        }
        Value::Object(map) => check_object(targets, node, map, path, out),
        Value::Null | Value::Bool(_) => {}
    }
}

/// `$ref`, `allOf`, `anyOf`, `oneOf`, `not` and `if`/`then`/`else`: the schemas that
/// apply to the same value.
fn check_applicators(
    targets: &[Node],
    node: &Node,
    value: &Value,
    path: &Path<'_>,
    out: &mut Vec<Violation>,
) {
    if let Some(target) = node.reference {
        check(targets, &targets[target], value, path, out);
    }
    for branch in &node.all_of {
        check(targets, branch, value, path, out);
    }
    if !node.any_of.is_empty() {
        let mut failures = Vec::new();
        let any = node.any_of.iter().any(|branch| {
            let mut found = Vec::new();
            check(targets, branch, value, path, &mut found);
            let held = found.is_empty();
            failures.push(found);
            held
        });
        if !any {
            out.push(Violation {
                message: format!(
                    "expected a value that satisfies at least one of {} alternatives (`anyOf`), but it satisfies none: {}",
                    node.any_of.len(),
                    alternatives(&path.render(), &failures)
                ),
                path: path.render(),
            });
        }
    }
    if !node.one_of.is_empty() {
        let mut failures = Vec::new();
        let mut held = Vec::new();
        for (index, branch) in node.one_of.iter().enumerate() {
            let mut found = Vec::new();
            check(targets, branch, value, path, &mut found);
            if found.is_empty() {
                held.push((index + 1).to_string());
            }
            failures.push(found);
        }
        let count = node.one_of.len();
        match held.len() {
            1 => {}
            0 => out.push(Violation {
                message: format!(
                    "expected a value that satisfies exactly one of {count} alternatives (`oneOf`), but it satisfies none: {}",
                    alternatives(&path.render(), &failures)
                ),
                path: path.render(),
            }),
            _ => out.push(Violation {
                message: format!(
                    "expected a value that satisfies exactly one of {count} alternatives (`oneOf`), but it satisfies alternatives {}; make it fit only one",
                    held.join(" and ")
                ),
                path: path.render(),
            }),
        }
    }
    if let Some(not) = &node.not
        && holds(targets, not, value)
    {
        out.push(Violation {
            message: format!(
                "expected a value that does not satisfy the schema under `not`, got {}",
                render_value(value)
            ),
            path: path.render(),
        });
    }
    if let Some(condition) = &node.condition {
        let matches = holds(targets, &condition.test, value);
        let (branch, why) = if matches {
            (&condition.then, "the value satisfies the `if` schema")
        } else {
            (
                &condition.otherwise,
                "the value does not satisfy the `if` schema",
            )
        };
        if let Some(branch) = branch {
            let before = out.len();
            check(targets, branch, value, path, out);
            for violation in &mut out[before..] {
                let _ = write!(violation.message, " (this applies because {why})");
            }
        }
    }
}

/// The violations of each alternative, numbered: "(1) /phone: is required but
/// missing; (2) ...".
fn alternatives(here: &str, failures: &[Vec<Violation>]) -> String {
    let mut out = String::new();
    for (index, found) in failures.iter().enumerate() {
        if index > 0 {
            out.push_str("; ");
        }
        let _ = write!(out, "({}) ", index + 1);
        for (at, violation) in found.iter().enumerate() {
            if at > 0 {
                out.push_str(", ");
            }
            if violation.path != here {
                let _ = write!(out, "{}: ", violation.path);
            }
            out.push_str(&violation.message);
        }
    }
    out
}

fn check_number(
    node: &Node,
    n: &Number,
    report: &mut impl FnMut(String),
    got: &impl Fn() -> String,
) {
    let word = || {
        if node.types == Types::parse("integer") {
            "an integer"
        } else {
            "a number"
        }
    };
    /// A bound, the orderings that fail it, and its sign in the message.
    type Bound<'n> = (&'n Option<Number>, fn(Ordering) -> bool, &'static str);
    let bounds: [Bound<'_>; 4] = [
        (&node.minimum, Ordering::is_lt, ">="),
        (&node.maximum, Ordering::is_gt, "<="),
        (&node.exclusive_minimum, Ordering::is_le, ">"),
        (&node.exclusive_maximum, Ordering::is_ge, "<"),
    ];
    for (limit, fails, sign) in bounds {
        let Some(limit) = limit else { continue };
        // Numbers that cannot be compared (never in JSON) fail rather than pass.
        if compare(n, limit).is_none_or(fails) {
            report(format!("expected {} {sign} {limit}, got {}", word(), got()));
        }
    }
}

fn check_string(node: &Node, s: &str, report: &mut impl FnMut(String), got: &impl Fn() -> String) {
    if node.min_length.is_some() || node.max_length.is_some() {
        let count = s.chars().count() as u64;
        if let Some(limit) = node.min_length
            && count < limit
        {
            report(format!(
                "expected a string of at least {limit} character{}, got {} ({count} characters)",
                plural(limit),
                got()
            ));
        }
        if let Some(limit) = node.max_length
            && count > limit
        {
            report(format!(
                "expected a string of at most {limit} character{}, got {} ({count} characters)",
                plural(limit),
                got()
            ));
        }
    }
    if let Some((pattern, compiled)) = &node.pattern
        && !compiled.is_match(s)
    {
        report(format!(
            "expected a string matching the pattern {pattern:?}, got {}",
            got()
        ));
    }
}

/// Objects with at most this many properties track which were seen in a bit set;
/// larger ones look required properties up by name.
const TRACKED_PROPERTIES: usize = 64;

/// Which declared properties an object has, found while walking it once: a bit per
/// property up to [`TRACKED_PROPERTIES`], a lookup by name beyond.
#[derive(Default)]
pub(crate) struct Seen(u64);

impl Seen {
    pub(crate) fn mark(&mut self, index: usize) {
        if index < TRACKED_PROPERTIES {
            self.0 |= 1 << index;
        }
    }

    pub(crate) fn has(&self, index: usize, name: &str, map: &Map<String, Value>) -> bool {
        if index < TRACKED_PROPERTIES {
            self.0 & (1 << index) != 0
        } else {
            map.contains_key(name)
        }
    }
}

fn check_object(
    targets: &[Node],
    node: &Node,
    map: &Map<String, Value>,
    path: &Path<'_>,
    out: &mut Vec<Violation>,
) {
    let mut seen = Seen::default();
    for (at, (name, value)) in map.iter().enumerate() {
        let here = Path::Key(path, name);
        match property_index(node, at, name) {
            Some(index) => {
                seen.mark(index);
                check(targets, &node.properties[index].node, value, &here, out);
            }
            None => match &node.additional {
                Additional::Any => {}
                Additional::Schema(schema) => check(targets, schema, value, &here, out),
                Additional::Forbidden => {
                    let allowed = if node.properties.is_empty() {
                        "this object takes no properties".to_owned()
                    } else {
                        let names: Vec<&str> =
                            node.properties.iter().map(|p| p.name.as_str()).collect();
                        format!("allowed properties: {}", names.join(", "))
                    };
                    out.push(Violation {
                        path: here.render(),
                        message: format!("is not an allowed property; remove it ({allowed})"),
                    });
                }
            },
        }
    }
    for (name, index) in &node.required {
        let present = match index {
            Some(index) => seen.has(*index, name, map),
            None => map.contains_key(name),
        };
        if !present {
            out.push(Violation {
                path: Path::Key(path, name).render(),
                message: "is required but missing".to_owned(),
            });
        }
    }
}

/// The index of property `name`, the `at`-th key of the object: objects usually list
/// their keys in the schema's order (typed outputs always do), so that position is
/// tried first.
pub(crate) fn property_index(node: &Node, at: usize, name: &str) -> Option<usize> {
    match node.properties.get(at) {
        Some(guess) if guess.name == name => Some(at),
        _ => node.properties.iter().position(|p| p.name == name),
    }
}
