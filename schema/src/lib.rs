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
//!
//! Besides the keywords mcpgen writes itself, a schema declared as written (a spec's
//! `input_schema`) may use the applicators of 2020-12: `allOf`, `anyOf`, `oneOf`,
//! `not`, `if`/`then`/`else`, and references within the schema (`$ref` to `#`, to a
//! JSON pointer such as `#/$defs/address`, or to an `$anchor`). Remote references and
//! the dynamic and unevaluated keywords are refused.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
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

/// Arrays longer than this are checked for duplicates through a hash set.
const PAIRWISE_UNIQUE_MAX: usize = 32;

/// A schema compiled once, when the server is built.
pub struct CompiledSchema {
    root: Node,
    /// The schemas `$ref`s point to, each compiled once; a node refers to one by index.
    targets: Vec<Node>,
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
    /// `$ref`: an index into [`CompiledSchema::targets`].
    reference: Option<usize>,
    all_of: Vec<Node>,
    any_of: Vec<Node>,
    one_of: Vec<Node>,
    not: Option<Box<Node>>,
    condition: Option<Box<Condition>>,
    /// `"type": "integer"`: whole floats such as `3.0` are handed on as `3`.
    integer: bool,
    /// Whether preparing a value of this schema changes anything (a default below, or
    /// an integer position), so that [`CompiledSchema::prepare`] can skip the rest.
    prepares: bool,
}

/// `if`, with its `then` and `else` (either may be missing).
#[derive(Debug)]
struct Condition {
    test: Node,
    then: Option<Node>,
    otherwise: Option<Node>,
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
        Self::compile_at(schema).map_err(|(pointer, what)| {
            let at = if pointer.is_empty() {
                "the root"
            } else {
                &pointer
            };
            format!("it is not a valid JSON Schema (at {at}: {what})")
        })
    }

    /// [`compile`](Self::compile), with the error as a JSON pointer into `schema` and
    /// the reason, so that a caller holding the schema's source (`mcpgen check`) can
    /// point at the line.
    pub fn compile_at(schema: &Value) -> Result<Self, (String, String)> {
        let mut compiler = Compiler::new(schema).map_err(CompileError::located)?;
        let root = compiler.node(schema).map_err(CompileError::located)?;
        // Every definition compiles, referred to or not: a schema is never advertised
        // with a part the server could not enforce.
        for pointer in std::mem::take(&mut compiler.definitions) {
            compiler
                .reference_pointer(pointer)
                .map_err(CompileError::located)?;
        }
        let targets: Vec<Node> = compiler
            .targets
            .into_iter()
            .map(|t| t.unwrap_or_default())
            .collect();
        if let Some(looping) = first_loop(&targets) {
            return Err((
                compiler.pointers[looping].clone(),
                "the schema refers back to itself here without descending into a property \
                 or an item (through `$ref`, `allOf`, `anyOf`, `oneOf`, `not` or \
                 `if`/`then`/`else`), so no value could ever be checked against it"
                    .to_owned(),
            ));
        }
        Ok(Self { root, targets })
    }

    /// Every violation of the schema by `instance`, in a stable order (by path, then
    /// message). Allocates nothing when there is none.
    pub fn violations(&self, instance: &Value) -> Vec<Violation> {
        let mut out = Vec::new();
        check(&self.targets, &self.root, instance, &Path::Root, &mut out);
        out.sort_by(|a, b| a.path.cmp(&b.path).then(a.message.cmp(&b.message)));
        out.dedup();
        out
    }

    /// Whether `instance` is valid.
    pub fn is_valid(&self, instance: &Value) -> bool {
        holds(&self.targets, &self.root, instance)
    }

    /// Fills in the `default` of every property the caller left out, at every level the
    /// schema describes (nested objects, array items, the schemas `$ref` points to;
    /// not the subschemas of `allOf`, `anyOf`, `oneOf` or `if`: a default filled in
    /// from one of them could break another, or the object's `additionalProperties`), and
    /// writes whole numbers such as `3.0` at `integer` positions as integers, so
    /// handlers see the values the schema advertises in the form their types expect.
    /// Runs after validation; defaults are checked by `mcpgen check`.
    pub fn prepare(&self, instance: &mut Value) {
        prepare(&self.targets, &self.root, instance);
    }
}

/// Why a schema does not compile, and where: the path is collected on the way out,
/// innermost segment first, so compiling a valid schema builds no paths.
#[derive(Debug)]
struct CompileError {
    path: Vec<String>,
    what: String,
    /// The path is complete (an error inside a `$ref`'s target is reported where the
    /// target is, not where it is referred to).
    located: bool,
}

impl CompileError {
    fn new(what: String) -> Self {
        Self {
            path: Vec::new(),
            what,
            located: false,
        }
    }

    /// An error at `pointer` (a JSON pointer into the root schema, escaped).
    fn at(pointer: &str, what: String) -> Self {
        let mut path: Vec<String> = pointer.split('/').skip(1).map(str::to_owned).collect();
        path.reverse();
        Self {
            path,
            what,
            located: true,
        }
    }

    fn within(mut self, segment: &str) -> Self {
        if !self.located {
            self.path.push(escape_pointer(segment).into_owned());
        }
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

    fn located(self) -> (String, String) {
        (self.pointer(), self.what)
    }
}

/// Compiles one schema document: its nodes, and once each, the targets of its `$ref`s.
struct Compiler<'s> {
    root: &'s Value,
    /// Targets by index; `None` while one is being compiled (a reference to itself).
    targets: Vec<Option<Node>>,
    /// The JSON pointer of each target, for messages.
    pointers: Vec<String>,
    by_pointer: HashMap<String, usize>,
    /// `$anchor` name → JSON pointer of its schema.
    anchors: HashMap<String, String>,
    /// The JSON pointer of every entry under a `$defs`.
    definitions: Vec<String>,
}

impl<'s> Compiler<'s> {
    fn new(root: &'s Value) -> Result<Self, CompileError> {
        let mut compiler = Self {
            root,
            targets: Vec::new(),
            pointers: Vec::new(),
            by_pointer: HashMap::new(),
            anchors: HashMap::new(),
            definitions: Vec::new(),
        };
        compiler.survey(root, &mut String::new())?;
        Ok(compiler)
    }

    /// Finds the anchors and definitions, walking only where schemas sit (not into
    /// `const`, `enum` or `default` values).
    fn survey(&mut self, schema: &Value, pointer: &mut String) -> Result<(), CompileError> {
        let Value::Object(object) = schema else {
            return Ok(());
        };
        for (key, value) in object {
            match (key.as_str(), value) {
                ("$anchor", Value::String(name)) => {
                    if let Some(first) = self.anchors.insert(name.clone(), pointer.clone()) {
                        return Err(CompileError::at(
                            &format!("{pointer}/$anchor"),
                            format!(
                                "the anchor {name:?} is also declared at {}; anchors name one \
                                 schema each",
                                if first.is_empty() { "the root" } else { &first }
                            ),
                        ));
                    }
                }
                ("$defs", Value::Object(entries)) => {
                    for (name, entry) in entries {
                        self.definitions
                            .push(format!("{pointer}/$defs/{}", escape_pointer(name)));
                        self.survey_at(pointer, &["$defs", name], entry)?;
                    }
                }
                ("properties", Value::Object(entries)) => {
                    for (name, entry) in entries {
                        self.survey_at(pointer, &["properties", name], entry)?;
                    }
                }
                ("allOf" | "anyOf" | "oneOf", Value::Array(entries)) => {
                    for (index, entry) in entries.iter().enumerate() {
                        self.survey_at(pointer, &[key, &index.to_string()], entry)?;
                    }
                }
                ("items" | "additionalProperties" | "not" | "if" | "then" | "else", entry) => {
                    self.survey_at(pointer, &[key], entry)?;
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn survey_at(
        &mut self,
        pointer: &mut String,
        segments: &[&str],
        schema: &Value,
    ) -> Result<(), CompileError> {
        let before = pointer.len();
        for segment in segments {
            pointer.push('/');
            pointer.push_str(&escape_pointer(segment));
        }
        let result = self.survey(schema, pointer);
        pointer.truncate(before);
        result
    }

    /// The index of the schema a `$ref` names, compiled on first use.
    fn reference(&mut self, target: &str) -> Result<usize, CompileError> {
        let Some(fragment) = target.strip_prefix('#') else {
            return Err(CompileError::new(format!(
                "the reference {target:?} points outside this schema; only references \
                 within it are supported (\"#\", \"#/$defs/NAME\", or \"#ANCHOR\" for an \
                 `$anchor`): move what it points to under `$defs`"
            )));
        };
        let fragment = percent_decode(fragment);
        let pointer = if fragment.is_empty() || fragment.starts_with('/') {
            fragment
        } else if let Some(pointer) = self.anchors.get(&fragment) {
            pointer.clone()
        } else {
            let mut known: Vec<&str> = self.anchors.keys().map(String::as_str).collect();
            known.sort_unstable();
            return Err(CompileError::new(format!(
                "the reference {target:?} names no `$anchor` of this schema ({})",
                if known.is_empty() {
                    "it declares none".to_owned()
                } else {
                    format!("anchors: {}", known.join(", "))
                }
            )));
        };
        if self.root.pointer(&pointer).is_none() {
            let mut known: Vec<String> = self
                .definitions
                .iter()
                .chain(self.pointers.iter())
                .map(|p| format!("#{p}"))
                .collect();
            known.sort_unstable();
            known.dedup();
            return Err(CompileError::new(format!(
                "the reference {target:?} points to nothing in this schema{}",
                if known.is_empty() {
                    "; declare the schema under `$defs` and refer to it as \"#/$defs/NAME\""
                        .to_owned()
                } else {
                    format!(" (definitions: {})", known.join(", "))
                }
            )));
        }
        self.reference_pointer(pointer)
    }

    fn reference_pointer(&mut self, pointer: String) -> Result<usize, CompileError> {
        if let Some(&index) = self.by_pointer.get(&pointer) {
            return Ok(index);
        }
        let Some(schema) = self.root.pointer(&pointer) else {
            return Err(CompileError::at(
                &pointer,
                "points to nothing in this schema".to_owned(),
            ));
        };
        let index = self.targets.len();
        self.targets.push(None);
        self.pointers.push(pointer.clone());
        self.by_pointer.insert(pointer.clone(), index);
        let node = self.node(schema).map_err(|e| {
            if e.located {
                e
            } else {
                let inner = e.pointer();
                CompileError::at(&format!("{pointer}{inner}"), e.what)
            }
        })?;
        self.targets[index] = Some(node);
        Ok(index)
    }

    fn node(&mut self, schema: &Value) -> Result<Node, CompileError> {
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
        let mut condition = None;
        for (key, value) in object {
            if key == "if" {
                condition = Some(value);
            }
            self.keyword(&mut node, key, value)
                .map_err(|e| e.within(key))?;
        }
        if let Some(test) = condition {
            let branch = |this: &mut Self, key: &str| match object.get(key) {
                Some(schema) => this.node(schema).map(Some).map_err(|e| e.within(key)),
                None => Ok(None),
            };
            node.condition = Some(Box::new(Condition {
                test: self.node(test).map_err(|e| e.within("if"))?,
                then: branch(self, "then")?,
                otherwise: branch(self, "else")?,
            }));
        }
        for (name, index) in &mut node.required {
            *index = node.properties.iter().position(|p| p.name == *name);
        }
        node.integer = object.get("type").is_some_and(|t| t == "integer");
        node.prepares = node.integer
            || node.reference.is_some()
            || node
                .properties
                .iter()
                .any(|p| p.default.is_some() || p.node.prepares)
            || node.items.as_ref().is_some_and(|i| i.prepares);
        Ok(node)
    }

    fn nodes(&mut self, value: &Value) -> Result<Vec<Node>, CompileError> {
        match value {
            Value::Array(schemas) if !schemas.is_empty() => schemas
                .iter()
                .enumerate()
                .map(|(index, schema)| self.node(schema).map_err(|e| e.within(&index.to_string())))
                .collect(),
            other => Err(CompileError::new(format!(
                "expected a non-empty list of schemas, got {other}"
            ))),
        }
    }

    fn keyword(&mut self, node: &mut Node, key: &str, value: &Value) -> Result<(), CompileError> {
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
                node.pattern = Some((pattern.to_owned(), compile_pattern(pattern)?));
            }
            "uniqueItems" => match value {
                Value::Bool(b) => node.unique_items = *b,
                other => return fail(format!("expected true or false, got {other}")),
            },
            "items" => node.items = Some(Box::new(self.node(value)?)),
            "properties" => {
                let Value::Object(properties) = value else {
                    return fail(format!("expected an object of schemas, got {value}"));
                };
                for (name, schema) in properties {
                    let compiled = self.node(schema).map_err(|e| e.within(name))?;
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
                    Some(names) => {
                        node.required = names.into_iter().map(|n| (n, None)).collect();
                    }
                    None => {
                        return fail(format!("expected a list of property names, got {value}"));
                    }
                }
            }
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
            "$anchor" => {
                let valid = value.as_str().is_some_and(|name| {
                    let mut chars = name.chars();
                    chars
                        .next()
                        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                        && chars.all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
                });
                if !valid {
                    return fail(format!(
                        "expected an anchor name (a letter or `_`, then letters, digits, `-`, \
                         `_` or `.`), got {value}"
                    ));
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
                    "the keyword `{key}` is not supported: mcpgen enforces what it advertises, \
                     and enforces these keywords: {}. Rewrite this part with them",
                    ASSERTIONS.join(", ")
                ));
            }
        }
        Ok(())
    }
}

/// `%XX` escapes of a URI fragment, decoded (JSON pointer escapes stay for
/// [`Value::pointer`]).
fn percent_decode(fragment: &str) -> String {
    let bytes = fragment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(&h), Some(&l)) = (bytes.get(i + 1), bytes.get(i + 2))
            && let (Some(h), Some(l)) = (hex(h), hex(l))
        {
            #[allow(clippy::cast_possible_truncation)]
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The schemas that apply to the same value as `node` does (not to a property or an
/// item of it): the targets of its references, through the in-place applicators.
fn in_place(node: &Node, out: &mut Vec<usize>) {
    out.extend(node.reference);
    let branches = node.all_of.iter().chain(&node.any_of).chain(&node.one_of);
    let condition = node.condition.iter().flat_map(|c| {
        std::iter::once(&c.test)
            .chain(c.then.as_ref())
            .chain(c.otherwise.as_ref())
    });
    for branch in branches.chain(node.not.as_deref()).chain(condition) {
        in_place(branch, out);
    }
}

/// A target that applies to the same value again and again, without end.
fn first_loop(targets: &[Node]) -> Option<usize> {
    let next: Vec<Vec<usize>> = targets
        .iter()
        .map(|t| {
            let mut out = Vec::new();
            in_place(t, &mut out);
            out
        })
        .collect();
    // Depth-first, with 0 unseen, 1 on the path, 2 done.
    let mut state = vec![0u8; targets.len()];
    fn visit(at: usize, next: &[Vec<usize>], state: &mut [u8]) -> Option<usize> {
        state[at] = 1;
        for &to in &next[at] {
            match state[to] {
                1 => return Some(to),
                0 => {
                    if let Some(found) = visit(to, next, state) {
                        return Some(found);
                    }
                }
                _ => {}
            }
        }
        state[at] = 2;
        None
    }
    (0..targets.len()).find_map(|start| {
        if state[start] == 0 {
            visit(start, &next, &mut state)
        } else {
            None
        }
    })
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

/// Whether `value` satisfies `node`.
fn holds(targets: &[Node], node: &Node, value: &Value) -> bool {
    let mut out = Vec::new();
    check(targets, node, value, &Path::Root, &mut out);
    out.is_empty()
}

fn check(targets: &[Node], node: &Node, value: &Value, path: &Path<'_>, out: &mut Vec<Violation>) {
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

fn compile_pattern(pattern: &str) -> Result<regex::Regex, CompileError> {
    // The same crate and limits as `mcpgen check`, which reports patterns it cannot
    // compile (look-around, backreferences) at their line in the spec.
    regex::RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| CompileError::new(format!("the pattern does not compile: {e}")))
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
fn property_index(node: &Node, at: usize, name: &str) -> Option<usize> {
    match node.properties.get(at) {
        Some(guess) if guess.name == name => Some(at),
        _ => node.properties.iter().position(|p| p.name == name),
    }
}

fn prepare(targets: &[Node], node: &Node, value: &mut Value) {
    if !node.prepares {
        return;
    }
    if let Some(target) = node.reference {
        prepare(targets, &targets[target], value);
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
                    prepare(targets, &node.properties[index].node, value);
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
                    prepare(targets, item, value);
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

/// A name as a JSON pointer segment (`~` as `~0`, `/` as `~1`); most need no escape
/// and are not copied.
pub fn escape_pointer(name: &str) -> std::borrow::Cow<'_, str> {
    if name.contains(['~', '/']) {
        name.replace('~', "~0").replace('/', "~1").into()
    } else {
        name.into()
    }
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

    /// Each violation as `path: message`.
    fn lines(violations: &[Violation]) -> Vec<String> {
        violations
            .iter()
            .map(|v| format!("{}: {}", v.path, v.message))
            .collect()
    }

    #[test]
    fn messages_name_field_expectation_and_value() {
        let v = schema().violations(&json!({
            "days": 20, "units": "kelvin", "at": {"lat": 1, "x": 2}, "zzz": true
        }));
        let text = lines(&v);
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
        let text = lines(&v);
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
