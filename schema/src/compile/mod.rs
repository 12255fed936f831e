//! A schema document into its `Node` tree: the survey of its anchors and definitions,
//! the targets of its `$ref`s (each compiled once), the refusal of references that
//! loop without descending into the value, and where in the schema an error lies.

mod keywords;

use std::collections::HashMap;

use serde_json::Value;

use crate::messages::{escape_pointer, json_type};
use crate::node::{Condition, Node};

/// Compiles `schema`: its root node and the targets of its references, or the JSON
/// pointer into `schema` where it cannot be compiled and why.
pub(crate) fn compile(schema: &Value) -> Result<(Node, Vec<Node>), (String, String)> {
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
    Ok((root, targets))
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
