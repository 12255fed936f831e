//! JSON Schema validation with messages a model can act on: which field, what was
//! expected, what was received.
//!
//! The schemas a server advertises come from mcpgen itself (a spec, `#[mcp_tool]`,
//! `#[derive(ToolSchema)]`), and use a small, closed set of JSON Schema 2020-12 keywords.
//! [`CompiledSchema`] compiles exactly that set into a tree checked without allocating
//! on the valid path, and refuses any other keyword when the server is built, so a
//! schema is never advertised with a keyword the server would silently not enforce.
//! A general validator (the `jsonschema` crate, used by the tests as the reference)
//! compiles the 2020-12 meta-schema on first use: 1.5 ms and 3.7 MiB at every start,
//! more than the whole rest of the server's start-up.

use std::cmp::Ordering;
use std::collections::HashSet;
use std::fmt::Write as _;

use serde::Serialize;
use serde_json::{Map, Number, Value};

/// The keywords [`CompiledSchema`] enforces.
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

/// Arrays longer than this are checked for duplicates through a hash set.
const PAIRWISE_UNIQUE_MAX: usize = 32;

/// A schema compiled once, when the server is built.
pub struct CompiledSchema {
    root: Node,
}

impl std::fmt::Debug for CompiledSchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompiledSchema").finish_non_exhaustive()
    }
}

/// One violation: a JSON pointer into the instance and a sentence about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// Where, as a JSON pointer (`""` is the whole value).
    pub path: String,
    /// What was expected and what was received.
    pub message: String,
}

/// One compiled schema object. `None`/empty fields do not constrain.
#[derive(Debug, Default)]
struct Node {
    /// `false` as a schema: nothing is valid.
    never: bool,
    types: Option<Types>,
    enumeration: Option<Vec<Value>>,
    constant: Option<Value>,
    minimum: Option<Number>,
    maximum: Option<Number>,
    exclusive_minimum: Option<Number>,
    exclusive_maximum: Option<Number>,
    min_length: Option<u64>,
    max_length: Option<u64>,
    pattern: Option<(String, regex::Regex)>,
    items: Option<Box<Node>>,
    min_items: Option<u64>,
    max_items: Option<u64>,
    unique_items: bool,
    properties: Vec<Property>,
    /// Required property names, with their index in `properties` where they have one.
    required: Vec<(String, Option<usize>)>,
    additional: Additional,
    /// `"type": "integer"`: whole floats such as `3.0` are handed on as `3`.
    integer: bool,
    /// Whether preparing a value of this schema changes anything (a default below, or
    /// an integer position), so that [`CompiledSchema::prepare`] can skip the rest.
    prepares: bool,
}

#[derive(Debug)]
struct Property {
    name: String,
    node: Node,
    default: Option<Value>,
}

#[derive(Debug, Default)]
enum Additional {
    #[default]
    Any,
    Forbidden,
    Schema(Box<Node>),
}

/// The JSON types, as a bit set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Types(u8);

const TYPE_NAMES: [&str; 7] = [
    "null", "boolean", "integer", "number", "string", "array", "object",
];

impl Types {
    fn parse(name: &str) -> Option<Self> {
        TYPE_NAMES
            .iter()
            .position(|t| *t == name)
            .map(|i| Self(1 << i))
    }

    fn has(self, index: usize) -> bool {
        self.0 & (1 << index) != 0
    }

    /// Whether `value` has one of the types (indexes into [`TYPE_NAMES`]).
    fn admits(self, value: &Value) -> bool {
        match value {
            Value::Null => self.has(0),
            Value::Bool(_) => self.has(1),
            Value::Number(n) => self.has(3) || (self.has(2) && is_integer(n)),
            Value::String(_) => self.has(4),
            Value::Array(_) => self.has(5),
            Value::Object(_) => self.has(6),
        }
    }

    fn names(self) -> Vec<&'static str> {
        TYPE_NAMES
            .iter()
            .enumerate()
            .filter(|(i, _)| self.0 & (1 << i) != 0)
            .map(|(_, name)| *name)
            .collect()
    }

    /// "an integer", "a string", "one of the types string, null".
    fn expected(self) -> String {
        match self.names().as_slice() {
            [one] => with_article(one),
            many => format!("one of the types {}", many.join(", ")),
        }
    }
}

/// JSON Schema counts `3.0` as an integer.
fn is_integer(n: &Number) -> bool {
    n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
}

// ---------------------------------------------------------------------------------
// Compiling

impl CompiledSchema {
    /// Check that `schema` is a JSON Schema mcpgen can enforce, and compile it.
    pub fn compile(schema: &Value) -> Result<Self, String> {
        let root = compile_node(schema).map_err(|error| {
            let at = error.pointer();
            let at = if at.is_empty() { "the root" } else { &at };
            format!("it is not a valid JSON Schema (at {at}: {})", error.what)
        })?;
        Ok(Self { root })
    }

    /// Every violation of the schema by `instance`, in a stable order (by path, then
    /// message). Allocates nothing when there is none.
    pub fn violations(&self, instance: &Value) -> Vec<Violation> {
        let mut out = Vec::new();
        check(&self.root, instance, &Path::Root, &mut out);
        out.sort_by(|a, b| a.path.cmp(&b.path).then(a.message.cmp(&b.message)));
        out.dedup();
        out
    }

    /// Whether `instance` is valid.
    pub fn is_valid(&self, instance: &Value) -> bool {
        let mut out = Vec::new();
        check(&self.root, instance, &Path::Root, &mut out);
        out.is_empty()
    }

    /// Fills in the `default` of every property the caller left out, at every level the
    /// schema describes (nested objects, array items), and writes whole numbers such as
    /// `3.0` at `integer` positions as integers, so handlers see the values the schema
    /// advertises in the form their types expect. Runs after validation; defaults are
    /// checked by `mcpgen check`.
    pub fn prepare(&self, instance: &mut Value) {
        prepare(&self.root, instance);
    }
}

/// Why a schema does not compile, and where: the path is collected on the way out,
/// innermost segment first, so compiling a valid schema builds no paths.
#[derive(Debug)]
struct CompileError {
    path: Vec<String>,
    what: String,
}

impl CompileError {
    fn new(what: String) -> Self {
        Self {
            path: Vec::new(),
            what,
        }
    }

    fn within(mut self, segment: &str) -> Self {
        self.path.push(escape_pointer(segment));
        self
    }

    /// A JSON pointer into the schema.
    fn pointer(&self) -> String {
        self.path
            .iter()
            .rev()
            .fold(String::new(), |mut out, segment| {
                out.push('/');
                out.push_str(segment);
                out
            })
    }
}

fn compile_node(schema: &Value) -> Result<Node, CompileError> {
    let fail = |what: String| Err(CompileError::new(what));
    let object = match schema {
        Value::Bool(true) => return Ok(Node::default()),
        Value::Bool(false) => {
            return Ok(Node {
                never: true,
                ..Node::default()
            });
        }
        Value::Object(object) => object,
        other => {
            return fail(format!(
                "a schema is an object or a boolean, got {}",
                json_type(other)
            ));
        }
    };
    let mut node = Node::default();
    for (key, value) in object {
        compile_keyword(&mut node, key, value).map_err(|e| e.within(key))?;
    }
    for (name, index) in &mut node.required {
        *index = node.properties.iter().position(|p| p.name == *name);
    }
    node.integer = object.get("type").is_some_and(|t| t == "integer");
    node.prepares = node.integer
        || node
            .properties
            .iter()
            .any(|p| p.default.is_some() || p.node.prepares)
        || node.items.as_ref().is_some_and(|i| i.prepares);
    Ok(node)
}

fn compile_keyword(node: &mut Node, key: &str, value: &Value) -> Result<(), CompileError> {
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
        "type" => {
            let names: Vec<&Value> = match value {
                Value::Array(names) if !names.is_empty() => names.iter().collect(),
                Value::String(_) => vec![value],
                other => {
                    return fail(format!(
                        "expected a type name or a list of them, got {other}"
                    ));
                }
            };
            let mut types = Types(0);
            for name in names {
                match name.as_str().and_then(Types::parse) {
                    Some(t) => types.0 |= t.0,
                    None => {
                        return fail(format!(
                            "{name} is not a JSON type (one of {})",
                            TYPE_NAMES.join(", ")
                        ));
                    }
                }
            }
            node.types = Some(types);
        }
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
            // The same crate and limits as `mcpgen check`, which reports patterns it
            // cannot compile (look-around, backreferences) at their line in the spec.
            let regex = regex::RegexBuilder::new(pattern)
                .size_limit(1 << 20)
                .build()
                .map_err(|e| CompileError::new(format!("the pattern does not compile: {e}")))?;
            node.pattern = Some((pattern.to_owned(), regex));
        }
        "uniqueItems" => match value {
            Value::Bool(b) => node.unique_items = *b,
            other => return fail(format!("expected true or false, got {other}")),
        },
        "items" => node.items = Some(Box::new(compile_node(value)?)),
        "properties" => {
            let Value::Object(properties) = value else {
                return fail(format!("expected an object of schemas, got {value}"));
            };
            for (name, schema) in properties {
                let compiled = compile_node(schema).map_err(|e| e.within(name))?;
                node.properties.push(Property {
                    name: name.clone(),
                    node: compiled,
                    default: schema.get("default").cloned(),
                });
            }
        }
        "required" => {
            let names = value.as_array().and_then(|names| {
                names
                    .iter()
                    .map(|n| n.as_str().map(str::to_owned))
                    .collect::<Option<Vec<_>>>()
            });
            match names {
                Some(names) => node.required = names.into_iter().map(|n| (n, None)).collect(),
                None => return fail(format!("expected a list of property names, got {value}")),
            }
        }
        "additionalProperties" => {
            node.additional = match value {
                Value::Bool(true) => Additional::Any,
                Value::Bool(false) => Additional::Forbidden,
                schema => Additional::Schema(Box::new(compile_node(schema)?)),
            }
        }
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
                "the keyword `{key}` is not supported: mcpgen enforces what it advertises, and \
                 enforces these keywords: {}. Tool schemas come from a spec or \
                 `#[derive(ToolSchema)]`, which only write those",
                ASSERTIONS.join(", ")
            ));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------
// Checking

/// Where a value sits, as a chain on the stack: rendered only for a violation.
enum Path<'a> {
    Root,
    Key(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl Path<'_> {
    fn render(&self) -> String {
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

fn check(node: &Node, value: &Value, path: &Path<'_>, out: &mut Vec<Violation>) {
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
            }
            if let Some(item) = &node.items {
                for (index, value) in items.iter().enumerate() {
                    check(item, value, &Path::Index(path, index), out);
                }
            }
        }
        Value::Object(map) => check_object(node, map, path, out),
        Value::Null | Value::Bool(_) => {}
    }
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
    if let Some((pattern, regex)) = &node.pattern
        && !regex.is_match(s)
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
struct Seen(u64);

impl Seen {
    fn mark(&mut self, index: usize) {
        if index < TRACKED_PROPERTIES {
            self.0 |= 1 << index;
        }
    }

    fn has(&self, index: usize, name: &str, map: &Map<String, Value>) -> bool {
        if index < TRACKED_PROPERTIES {
            self.0 & (1 << index) != 0
        } else {
            map.contains_key(name)
        }
    }
}

fn check_object(node: &Node, map: &Map<String, Value>, path: &Path<'_>, out: &mut Vec<Violation>) {
    let mut seen = Seen::default();
    for (at, (name, value)) in map.iter().enumerate() {
        let here = Path::Key(path, name);
        match property_index(node, at, name) {
            Some(index) => {
                seen.mark(index);
                check(&node.properties[index].node, value, &here, out);
            }
            None => match &node.additional {
                Additional::Any => {}
                Additional::Schema(schema) => check(schema, value, &here, out),
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
fn property_index(node: &Node, at: usize, name: &str) -> Option<usize> {
    match node.properties.get(at) {
        Some(guess) if guess.name == name => Some(at),
        _ => node.properties.iter().position(|p| p.name == name),
    }
}

fn prepare(node: &Node, value: &mut Value) {
    if !node.prepares {
        return;
    }
    if node.integer {
        // JSON Schema counts `3.0` as an integer; typed handlers want `3`.
        if value.is_f64()
            && let Some(whole) = value
                .as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
        {
            #[allow(clippy::cast_possible_truncation)]
            let whole = whole as i64;
            *value = Value::from(whole);
        }
        return;
    }
    match value {
        Value::Object(map) => {
            // One pass over what was sent (no lookups by name), then the defaults of
            // the properties it left out.
            let mut seen = Seen::default();
            for (at, (name, value)) in map.iter_mut().enumerate() {
                if let Some(index) = property_index(node, at, name) {
                    seen.mark(index);
                    prepare(&node.properties[index].node, value);
                }
            }
            for (index, property) in node.properties.iter().enumerate() {
                let Some(default) = &property.default else {
                    continue;
                };
                if !seen.has(index, &property.name, map) {
                    map.insert(property.name.clone(), default.clone());
                }
            }
        }
        Value::Array(items) => {
            if let Some(item) = &node.items {
                for value in items {
                    prepare(item, value);
                }
            }
        }
        _ => {}
    }
}

// ---------------------------------------------------------------------------------
// JSON values as JSON Schema compares them: numbers by value (`1` equals `1.0`)

/// Exact comparison of two JSON numbers, whatever their representation.
fn compare(a: &Number, b: &Number) -> Option<Ordering> {
    fn int(n: &Number) -> Option<i128> {
        n.as_i64()
            .map(i128::from)
            .or_else(|| n.as_u64().map(i128::from))
    }
    /// A float that is a whole number in i128's range, as that integer.
    fn whole(f: f64) -> Option<i128> {
        // 2^126: well inside i128, and every float this large is whole.
        const LIMIT: f64 = 8.507_059_173_023_462e37;
        #[allow(clippy::cast_possible_truncation)]
        (f.fract() == 0.0 && f.abs() < LIMIT).then_some(f as i128)
    }
    match (int(a), int(b)) {
        (Some(x), Some(y)) => Some(x.cmp(&y)),
        (Some(x), None) => {
            let y = b.as_f64()?;
            match whole(y) {
                Some(y) => Some(x.cmp(&y)),
                // `y` has a fraction (so |y| < 2^53) or is beyond i128: comparing as
                // floats keeps the order even where `x` rounds.
                #[allow(clippy::cast_precision_loss)]
                None => (x as f64).partial_cmp(&y),
            }
        }
        (None, Some(_)) => compare(b, a).map(Ordering::reverse),
        (None, None) => a.as_f64()?.partial_cmp(&b.as_f64()?),
    }
}

/// Equality as JSON Schema defines it for `enum`, `const` and `uniqueItems`.
fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => compare(x, y) == Some(Ordering::Equal),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_equal(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(key, a)| y.get(key).is_some_and(|b| json_equal(a, b)))
        }
        _ => a == b,
    }
}

fn has_duplicates(items: &[Value]) -> bool {
    if items.len() <= PAIRWISE_UNIQUE_MAX {
        return items
            .iter()
            .enumerate()
            .any(|(i, a)| items[i + 1..].iter().any(|b| json_equal(a, b)));
    }
    // Long arrays: one canonical text per item (numbers by value, keys sorted), so a
    // large argument costs a linear pass, not a quadratic one.
    let mut seen = HashSet::with_capacity(items.len());
    items.iter().any(|item| {
        let mut text = String::new();
        canonical(item, &mut text);
        !seen.insert(text)
    })
}

fn canonical(value: &Value, out: &mut String) {
    match value {
        Value::Number(n) => match n.as_f64() {
            Some(f) if !n.is_i64() && !n.is_u64() && f.fract() == 0.0 && f.abs() < 1e30 => {
                #[allow(clippy::cast_possible_truncation)]
                let _ = write!(out, "{}", f as i128);
            }
            _ => {
                let _ = write!(out, "{n}");
            }
        },
        Value::Array(items) => {
            out.push('[');
            for item in items {
                canonical(item, out);
                out.push(',');
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for key in keys {
                let _ = write!(out, "{key:?}:");
                canonical(&map[key], out);
                out.push(',');
            }
            out.push('}');
        }
        other => {
            let _ = write!(out, "{other}");
        }
    }
}

// ---------------------------------------------------------------------------------
// Rendering

fn escape_pointer(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn with_article(type_name: &str) -> String {
    match type_name {
        "integer" | "object" | "array" => format!("an {type_name}"),
        "null" => "null".to_owned(),
        other => format!("a {other}"),
    }
}

#[doc(hidden)]
pub fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A value as JSON, shortened so a long argument cannot flood the message.
#[doc(hidden)]
pub fn render_value(value: &Value) -> String {
    const MAX: usize = 60;
    let text = value.to_string();
    if text.chars().count() <= MAX {
        text
    } else {
        let cut: String = text.chars().take(MAX).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn schema() -> CompiledSchema {
        CompiledSchema::compile(&json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["city"],
            "properties": {
                "city": {"type": "string", "minLength": 1, "maxLength": 5},
                "days": {"type": "integer", "minimum": 1, "maximum": 14},
                "units": {"type": "string", "enum": ["metric", "imperial"]},
                "at": {
                    "type": "object",
                    "additionalProperties": false,
                    "properties": {"lat": {"type": "number"}, "lon": {"type": "number"}}
                }
            }
        }))
        .expect("schema compiles")
    }

    #[test]
    fn messages_name_field_expectation_and_value() {
        let v = schema().violations(&json!({
            "days": 20, "units": "kelvin", "at": {"lat": 1, "x": 2}, "zzz": true
        }));
        let text: Vec<String> = v
            .iter()
            .map(|v| format!("{}: {}", v.path, v.message))
            .collect();
        assert_eq!(
            text,
            vec![
                "/at/x: is not an allowed property; remove it (allowed properties: lat, lon)",
                "/city: is required but missing",
                "/days: expected an integer <= 14, got 20",
                "/units: expected one of \"metric\", \"imperial\", got \"kelvin\"",
                "/zzz: is not an allowed property; remove it (allowed properties: city, days, units, at)",
            ]
        );
    }

    #[test]
    fn type_and_length() {
        let v = schema().violations(&json!({"city": "", "days": "3"}));
        let text: Vec<String> = v
            .iter()
            .map(|v| format!("{}: {}", v.path, v.message))
            .collect();
        assert_eq!(
            text,
            vec![
                "/city: expected a string of at least 1 character, got \"\" (0 characters)",
                "/days: expected an integer, got string \"3\"",
            ]
        );
    }

    #[test]
    fn invalid_schema_is_reported() {
        let err = CompiledSchema::compile(&json!({"type": "objekt"})).expect_err("invalid");
        assert!(err.contains("not a valid JSON Schema"), "{err}");
    }
}

#[cfg(test)]
mod default_tests {
    use super::*;
    use serde_json::json;

    fn compile(schema: &Value) -> CompiledSchema {
        CompiledSchema::compile(schema).expect("schema compiles")
    }

    #[test]
    fn fills_missing_properties_at_every_level() {
        let schema = json!({
            "type": "object",
            "properties": {
                "days": {"type": "integer", "default": 3},
                "units": {"type": "string", "default": "metric"},
                "filters": {"type": "array", "items": {
                    "type": "object",
                    "properties": {"op": {"type": "string", "default": "eq"}}
                }}
            }
        });
        let mut value = json!({"units": "imperial", "filters": [{}, {"op": "ne"}]});
        let mut whole = json!(3.0);
        compile(&json!({"type": "integer"})).prepare(&mut whole);
        assert!(whole.is_i64());
        compile(&schema).prepare(&mut value);
        assert_eq!(
            value,
            json!({"units": "imperial", "filters": [{"op": "eq"}, {"op": "ne"}], "days": 3})
        );
    }
}
