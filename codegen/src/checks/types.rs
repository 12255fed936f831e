//! Types: the walk over schemas, resolution of type names, cycles, constraints, defaults.

use std::collections::BTreeSet;

use serde_json::Value;

use super::{Cx, MAX_DEPTH, descriptions, names, server, tick, tick_list, validate};
use crate::diag::{Code, Diagnostic, Severity, did_you_mean};
use crate::model::{Kind, Name, NamedMap, Schema, Spec};

/// The builtin type names.
pub(super) const BUILTINS: &[&str] = &["string", "integer", "number", "boolean", "array", "object"];

/// What a schema is once references are followed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Base {
    String,
    Enum,
    Integer,
    Number,
    Boolean,
    Array,
    Object,
}

impl Base {
    /// "a string", "an integer", ... for messages.
    pub(super) fn article(self) -> &'static str {
        match self {
            Base::String => "a string",
            Base::Enum => "an enum",
            Base::Integer => "an integer",
            Base::Number => "a number",
            Base::Boolean => "a boolean",
            Base::Array => "an array",
            Base::Object => "an object",
        }
    }
    pub(super) fn is_stringy(self) -> bool {
        matches!(self, Base::String | Base::Enum)
    }
    pub(super) fn is_numeric(self) -> bool {
        matches!(self, Base::Integer | Base::Number)
    }
}

/// Follows type names to the schema that says what the value is. `None` when a name is
/// unknown, the names go round in a circle, or no type is given.
pub(super) fn resolve<'s>(spec: &'s Spec, schema: &'s Schema) -> Option<&'s Schema> {
    let mut current = schema;
    for _ in 0..MAX_DEPTH {
        match current.kind() {
            Kind::Ref(name) => current = &spec.types.get(name)?.0,
            Kind::Missing => return None,
            _ => return Some(current),
        }
    }
    None
}

/// The base type of a schema at this level (not following references).
fn local_base(schema: &Schema) -> Option<Base> {
    Some(match schema.kind() {
        Kind::String if schema.enum_values.is_some() => Base::Enum,
        Kind::String => Base::String,
        Kind::Enum => Base::Enum,
        Kind::Integer => Base::Integer,
        Kind::Number => Base::Number,
        Kind::Boolean => Base::Boolean,
        Kind::Array => Base::Array,
        Kind::Object => Base::Object,
        Kind::Ref(_) | Kind::Missing => return None,
    })
}

/// The base type of a schema, following references.
pub(super) fn base(spec: &Spec, schema: &Schema) -> Option<Base> {
    resolve(spec, schema).and_then(local_base)
}

/// A named entry (parameter, field, template parameter): the name's checks, then the schema.
pub(super) fn walk_entry<'a>(
    cx: &mut Cx<'a>,
    what: &'static str,
    name: &'a Name,
    schema: &'a Schema,
    depth: usize,
) {
    cx.in_schema(schema, |cx| {
        names::snake_name(cx, what, name);
        descriptions::require_entry(cx, what, name, schema);
        names::unit_suffix(cx, what, name, schema);
        names::enum_suggestion(cx, what, &name.value, name.span, schema);
        walk_schema(cx, schema, &format!("{what} {}", tick(&name.value)), depth);
    });
}

/// The named entries of an object (or parameters of a tool): each entry, then names that
/// collide once converted to snake_case.
pub(super) fn walk_entries<'a>(
    cx: &mut Cx<'a>,
    what: &'static str,
    entries: &'a NamedMap<Schema>,
    depth: usize,
) {
    for (name, schema) in entries.iter() {
        walk_entry(cx, what, name, schema, depth);
    }
    names::collisions(
        cx,
        what,
        entries.0.iter().map(|(n, _)| n),
        heck::ToSnakeCase::to_snake_case,
    );
}

/// Every check that looks at one schema, then its fields and items. `label` names it in
/// messages ("parameter `city`", "the items of field `days`").
pub(super) fn walk_schema<'a>(cx: &mut Cx<'a>, schema: &'a Schema, label: &str, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    descriptions::check_lengths(cx, schema);
    if let Some(list) = &schema.allow {
        server::unknown_lints(cx, list);
    }
    check_type_name(cx, schema, label);
    check_constraints(cx, schema, label);
    check_defaults(cx, schema, label);
    if let Some(fields) = &schema.fields {
        walk_entries(cx, "field", fields, depth + 1);
    }
    if let Some(items) = &schema.items {
        let label = format!("the items of {label}");
        cx.in_schema(items, |cx| walk_schema(cx, items, &label, depth + 1));
    }
}

/// `unresolved_type`: a type name that is neither a builtin nor under `types:`; no type at all.
fn check_type_name(cx: &mut Cx<'_>, schema: &Schema, label: &str) {
    match (schema.kind(), &schema.ty) {
        (Kind::Ref(name), Some(ty))
            if cx.spec.types.get(name).is_none() && !cx.external.contains(name) =>
        {
            let declared: Vec<&str> = cx.spec.types.iter().map(|(n, _)| n.value.as_str()).collect();
            let lower = name.to_ascii_lowercase();
            let best = BUILTINS
                .iter()
                .copied()
                .find(|b| *b == lower)
                .or_else(|| did_you_mean(name, BUILTINS.iter().copied().chain(declared.iter().copied())));
            let mut d = Diagnostic::new(
                Code::UnresolvedType,
                ty.span,
                format!("the type {} of {label} is not declared", tick(name)),
            );
            d = match best {
                Some(best) => d
                    .with_label(format!("did you mean {}?", tick(best)))
                    .with_help(format!("write `type: {best}`, or declare {} under `types:`", tick(name))),
                None => d.with_help(format!(
                    "use a builtin type (string, integer, number, boolean, array, object) or a type declared under `types:` ({}), or declare {} under `types:`",
                    tick_list(declared.iter().copied()),
                    tick(name)
                )),
            };
            cx.emit(d);
        }
        (Kind::Missing, _) => cx.emit(
            Diagnostic::new(Code::UnresolvedType, schema.span, format!("the type of {label} is not given"))
                .with_label("no `type:` here")
                .with_help("add `type:` with string, integer, number, boolean, array, object, or a name under `types:`"),
        ),
        _ => {}
    }
}

/// `type_cycle`: named types that contain themselves.
pub(super) fn check_cycles(cx: &mut Cx<'_>) {
    let types = &cx.spec.types;
    let refs: Vec<BTreeSet<usize>> = types
        .iter()
        .map(|(_, def)| {
            let mut out = BTreeSet::new();
            collect_refs(types, &def.0, &mut out, 0);
            out
        })
        .collect();
    let mut reported = BTreeSet::new();
    for start in 0..refs.len() {
        if reported.contains(&start) {
            continue;
        }
        let Some(path) = shortest_cycle(&refs, start) else {
            continue;
        };
        reported.extend(path.iter().copied());
        let names: Vec<&str> = path
            .iter()
            .chain(std::iter::once(&start))
            .filter_map(|i| types.0.get(*i).map(|(n, _)| n.value.as_str()))
            .collect();
        let Some((name, _)) = types.0.get(start) else {
            continue;
        };
        let cycle = names.join(" -> ");
        let message = if path.len() == 1 {
            format!("type {} contains itself: {cycle}", tick(&name.value))
        } else {
            format!("types refer to each other in a cycle: {cycle}")
        };
        cx.emit(
            Diagnostic::new(Code::TypeCycle, name.span, message)
                .with_label("this type contains itself")
                .with_help(
                    "tool schemas are inlined because several MCP clients do not resolve `$ref`, so a type cannot contain itself; refer to the nested item by its id (a `string` field such as `parent_id`) instead of nesting it",
                ),
        );
    }
}

/// Indices of the named types `schema` refers to, at any depth.
fn collect_refs(
    types: &NamedMap<crate::model::TypeDef>,
    schema: &Schema,
    out: &mut BTreeSet<usize>,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    if let Kind::Ref(name) = schema.kind()
        && let Some(i) = types.0.iter().position(|(n, _)| n.value == name)
    {
        out.insert(i);
    }
    if let Some(fields) = &schema.fields {
        for (_, f) in fields.iter() {
            collect_refs(types, f, out, depth + 1);
        }
    }
    if let Some(items) = &schema.items {
        collect_refs(types, items, out, depth + 1);
    }
}

/// The shortest path `start -> ... -> start`, as the nodes from `start` on (without the
/// final `start`), by breadth-first search.
fn shortest_cycle(edges: &[BTreeSet<usize>], start: usize) -> Option<Vec<usize>> {
    let mut parent: Vec<Option<usize>> = vec![None; edges.len()];
    let mut seen = vec![false; edges.len()];
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        for &next in edges.get(node)? {
            if next == start {
                let mut path = vec![node];
                let mut at = node;
                while let Some(p) = parent.get(at).copied().flatten() {
                    path.push(p);
                    at = p;
                }
                path.reverse();
                return Some(path);
            }
            if !seen.get(next).copied().unwrap_or(true) {
                if let Some(s) = seen.get_mut(next) {
                    *s = true;
                }
                if let Some(p) = parent.get_mut(next) {
                    *p = Some(node);
                }
                queue.push_back(next);
            }
        }
    }
    None
}

/// `invalid_constraint`: constraints that do not apply to the type, or cannot hold.
fn check_constraints(cx: &mut Cx<'_>, schema: &Schema, label: &str) {
    let spec = cx.spec;
    let base = base(spec, schema);
    let mut out = Vec::new();
    if let Some(base) = base {
        misplaced_constraints(schema, base, label, &mut out);
        contradicting_type(schema, base, label, &mut out);
    }
    missing_container_parts(schema, label, &mut out);
    impossible_bounds(schema, label, &mut out);
    invalid_pattern(schema, label, &mut out);
    invalid_enum(schema, label, &mut out);
    for d in out {
        cx.emit(d);
    }
}

/// Constraints for another type than the schema's: a length on a number, a minimum on
/// a string, items on an object, ...
fn misplaced_constraints(schema: &Schema, base: Base, label: &str, out: &mut Vec<Diagnostic>) {
    let misplaced = |key: &str, span, wants: &str, fix: &str| {
        Diagnostic::new(
            Code::InvalidConstraint,
            span,
            format!(
                "`{key}` applies to {wants}, but {label} is {}",
                base.article()
            ),
        )
        .with_label(format!("not for {}", base.article()))
        .with_help(fix.to_owned())
    };
    if !base.is_stringy() {
        let fix = "remove it, or change the type to `string`";
        if let Some(v) = &schema.min_length {
            out.push(misplaced("min_length", v.span, "strings", fix));
        }
        if let Some(v) = &schema.max_length {
            out.push(misplaced("max_length", v.span, "strings", fix));
        }
        if let Some(v) = &schema.pattern {
            out.push(misplaced("pattern", v.span, "strings", fix));
        }
        if let Some(v) = &schema.format {
            out.push(misplaced("format", v.span, "strings", fix));
        }
    }
    if !base.is_numeric() {
        let fix = if base.is_stringy() {
            "for a length use `min_length`/`max_length`; otherwise remove it"
        } else if base == Base::Array {
            "for a number of items use `min_items`/`max_items`; otherwise remove it"
        } else {
            "remove it, or change the type to `integer` or `number`"
        };
        if let Some(v) = &schema.minimum {
            out.push(misplaced("minimum", v.span, "numbers", fix));
        }
        if let Some(v) = &schema.maximum {
            out.push(misplaced("maximum", v.span, "numbers", fix));
        }
    }
    if base != Base::Array {
        let fix = "remove it, or change the type to `array`";
        if let Some(v) = &schema.items {
            out.push(misplaced("items", v.span, "arrays", fix));
        }
        if let Some(v) = &schema.min_items {
            out.push(misplaced("min_items", v.span, "arrays", fix));
        }
        if let Some(v) = &schema.max_items {
            out.push(misplaced("max_items", v.span, "arrays", fix));
        }
        if let Some(v) = &schema.unique_items {
            out.push(misplaced("unique_items", v.span, "arrays", fix));
        }
    }
    if base != Base::Object
        && let Some(fields) = &schema.fields
    {
        let span = fields.0.first().map_or(schema.span, |(n, _)| n.span);
        out.push(misplaced(
            "fields",
            span,
            "objects",
            "remove the fields, or change the type to `object`",
        ));
    }
}

/// What the type contradicts: enum values (strings) with another type, a fractional
/// bound on an integer.
fn contradicting_type(schema: &Schema, base: Base, label: &str, out: &mut Vec<Diagnostic>) {
    if let (Some(values), Some(ty)) = (&schema.enum_values, &schema.ty)
        && !base.is_stringy()
    {
        out.push(
            Diagnostic::new(
                Code::InvalidConstraint,
                values.span,
                format!("enum values are strings, but {label} is {}", base.article()),
            )
            .with_label(format!("`type: {}` says otherwise", ty.value))
            .with_help(
                "remove the `type:` line (an enum is a closed set of strings), or remove the enum",
            ),
        );
    }
    if base == Base::Integer {
        for (key, v) in [("minimum", &schema.minimum), ("maximum", &schema.maximum)] {
            if let Some(v) = v
                && v.value.fract() != 0.0
            {
                out.push(
                    Diagnostic::new(
                        Code::InvalidConstraint,
                        v.span,
                        format!(
                            "`{key}` of {label} is {}, but the type is `integer`",
                            v.value
                        ),
                    )
                    .with_label("not a whole number")
                    .with_help(format!(
                        "write a whole number such as `{}`, or make the type `number`",
                        if key == "minimum" {
                            v.value.ceil()
                        } else {
                            v.value.floor()
                        }
                    )),
                );
            }
        }
    }
}

/// Absent parts of containers: an array's `items`, an object's `fields`.
fn missing_container_parts(schema: &Schema, label: &str, out: &mut Vec<Diagnostic>) {
    if schema.ty.as_ref().is_some_and(|t| t.value == "array") && schema.items.is_none() {
        out.push(
            Diagnostic::new(
                Code::InvalidConstraint,
                type_span(schema),
                format!("{label} is an array without `items`"),
            )
            .with_label("the item type is not given")
            .with_help("add `items:` with the type of one item, such as `items: string`"),
        );
    }
    if schema.ty.as_ref().is_some_and(|t| t.value == "object") && schema.fields.is_none() {
        out.push(
            Diagnostic::new(Code::InvalidConstraint, type_span(schema), format!("{label} is an object without `fields`"))
                .with_label("objects are closed: their fields are declared")
                .with_help("add `fields:` with each field and its type (`fields: {}` for an empty object); an object that accepts any key is not supported"),
        );
    }
}

/// Bounds that cannot hold: a minimum above the maximum.
fn impossible_bounds(schema: &Schema, label: &str, out: &mut Vec<Diagnostic>) {
    let pairs_u = [
        (
            "min_length",
            &schema.min_length,
            "max_length",
            &schema.max_length,
        ),
        (
            "min_items",
            &schema.min_items,
            "max_items",
            &schema.max_items,
        ),
    ];
    for (lo_key, lo, hi_key, hi) in pairs_u {
        if let (Some(lo), Some(hi)) = (lo, hi)
            && lo.value > hi.value
        {
            out.push(min_above_max(
                label,
                lo_key,
                &lo.value.to_string(),
                lo.span,
                hi_key,
                &hi.value.to_string(),
            ));
        }
    }
    if let (Some(lo), Some(hi)) = (&schema.minimum, &schema.maximum)
        && lo.value > hi.value
    {
        out.push(min_above_max(
            label,
            "minimum",
            &lo.value.to_string(),
            lo.span,
            "maximum",
            &hi.value.to_string(),
        ));
    }
}

/// A `pattern` that does not compile.
fn invalid_pattern(schema: &Schema, label: &str, out: &mut Vec<Diagnostic>) {
    if let Some(pattern) = &schema.pattern
        && let Err(e) = compile(&pattern.value)
    {
        out.push(
            Diagnostic::new(
                Code::InvalidConstraint,
                pattern.span,
                format!("the `pattern` of {label} is not a valid regular expression"),
            )
            .with_label(first_line(&e))
            .with_help("fix the expression; patterns use JSON Schema (ECMA-262) syntax, checked here with Rust's `regex` crate, so avoid look-around and backreferences"),
        );
    }
}

/// An enum with no values, or with a value twice.
fn invalid_enum(schema: &Schema, label: &str, out: &mut Vec<Diagnostic>) {
    if let Some(values) = &schema.enum_values {
        if values.value.is_empty() {
            out.push(
                Diagnostic::new(
                    Code::InvalidConstraint,
                    values.span,
                    format!("the enum of {label} has no values"),
                )
                .with_label("no value can be sent")
                .with_help("list the allowed values: `enum: [a, b]`"),
            );
        }
        let mut seen: Vec<&crate::source::Sp<String>> = Vec::new();
        for v in &values.value {
            if let Some(first) = seen.iter().find(|s| s.value == v.value.value) {
                out.push(
                    Diagnostic::new(
                        Code::InvalidConstraint,
                        v.value.span,
                        format!("the enum of {label} lists {} twice", tick(&v.value.value)),
                    )
                    .with_label(match first.span.is_known() {
                        true => format!("already listed on line {}", first.span.line),
                        false => "already listed".to_owned(),
                    })
                    .with_help("remove the second one"),
                );
            } else {
                seen.push(&v.value);
            }
        }
    }
}

fn min_above_max(
    label: &str,
    lo_key: &str,
    lo: &str,
    span: crate::source::Span,
    hi_key: &str,
    hi: &str,
) -> Diagnostic {
    Diagnostic::new(
        Code::InvalidConstraint,
        span,
        format!("`{lo_key}` of {label} is {lo}, above `{hi_key}` {hi}: no value can satisfy both"),
    )
    .with_label(format!("{lo_key} > {hi_key}"))
    .with_help(format!(
        "make `{lo_key}` at most `{hi_key}`; they may have been swapped"
    ))
}

fn type_span(schema: &Schema) -> crate::source::Span {
    schema.ty.as_ref().map_or(schema.span, |t| t.span)
}

fn first_line(s: &str) -> String {
    // The regex crate's errors span several lines with a caret picture; keep the gist.
    let gist = s
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with("error:"));
    match gist {
        Some(line) => line.trim().trim_start_matches("error:").trim().to_owned(),
        None => s.lines().next().unwrap_or_default().to_owned(),
    }
}

/// Compiles a pattern. JSON Schema patterns are ECMA-262 regular expressions; Rust's
/// `regex` crate is a close approximation (it lacks look-around and backreferences, which
/// we then report as errors: the runtime validates with the same crate).
pub(super) fn compile(pattern: &str) -> Result<regex::Regex, String> {
    regex::RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| e.to_string())
}

/// `invalid_default`: defaults and examples the type rejects; a redundant `optional`.
fn check_defaults(cx: &mut Cx<'_>, schema: &Schema, label: &str) {
    let spec = cx.spec;
    let mut out = Vec::new();
    let mut check = |what: String, value: &crate::source::Sp<Value>| {
        if let Err(e) = validate::validate(spec, schema, &value.value) {
            out.push(
                Diagnostic::new(
                    Code::InvalidDefault,
                    value.span,
                    format!("{what} of {label} does not fit its type: {e}"),
                )
                .with_label("rejected by the type")
                .with_help(format!("write a value that {label} accepts, or remove it")),
            );
        }
    };
    if let Some(default) = &schema.default {
        check("the default".to_owned(), default);
    }
    for (i, example) in schema.examples.iter().flatten().enumerate() {
        check(format!("example {}", i + 1), example);
    }
    if let (Some(optional), Some(_)) = (&schema.optional, &schema.default)
        && optional.value
    {
        let mut d = Diagnostic::new(
            Code::InvalidDefault,
            optional.span,
            format!("{label} has a default, so `optional: true` is redundant"),
        )
        .with_label("redundant")
        .with_help("remove `optional: true`: a field with a `default` may already be left out, and the handler receives the default");
        d.severity = Severity::Warning;
        out.push(d);
    }
    for d in out {
        cx.emit(d);
    }
}

/// Named types: PascalCase names, descriptions of object types, the walk, cycles.
pub(super) fn check_named_types(cx: &mut Cx<'_>) {
    let spec = cx.spec;
    for (name, def) in spec.types.iter() {
        let schema = &def.0;
        cx.in_schema(schema, |cx| {
            names::pascal_name(cx, name);
            if base(spec, schema) == Some(Base::Object) && schema.kind() == Kind::Object {
                descriptions::require(cx, "type", name, schema.description.as_ref());
            }
            names::enum_suggestion(cx, "type", &name.value, name.span, schema);
            walk_schema(cx, schema, &format!("type {}", tick(&name.value)), 0);
        });
    }
    names::collisions(cx, "type", spec.types.0.iter().map(|(n, _)| n), |n| {
        heck::ToUpperCamelCase::to_upper_camel_case(n)
    });
    check_cycles(cx);
}
