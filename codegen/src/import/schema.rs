//! A JSON Schema, as a server advertises it, in the spec language's own types: the
//! parameters of a tool, the fields of an output, the named types of `$defs`. What the
//! language cannot say is refused with the JSON pointer and the reason, so the caller
//! writes that schema out instead and lists it in the report.

use heck::ToUpperCamelCase;
use serde_json::{Map, Value};

use super::yaml_out::{Entry, Node, Origin};

/// What the spec language cannot say, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unsupported {
    /// A JSON pointer into the schema.
    pub pointer: String,
    /// What is there, in a few words (`a union (anyOf)`).
    pub what: String,
}

/// Keywords that only annotate, which the spec language has no place for and which
/// change nothing that is accepted: dropped.
const IGNORED: &[&str] = &[
    "$schema",
    "$id",
    "$comment",
    "deprecated",
    "readOnly",
    "writeOnly",
    // Definitions are read where a `$ref` points at them.
    "$defs",
    "definitions",
];

/// The conversion of one schema (a tool's input or output), collecting named types.
pub(crate) struct Lowering<'a> {
    root: &'a Value,
    /// The pointer of `root` within the tool (`""`, or `/outputSchema`).
    base: String,
    /// Named types made from `$defs`, in the order first used: (spec name, definition).
    pub(crate) types: &'a mut Vec<(String, Node)>,
    /// `$defs` being converted, to refuse recursive types.
    visiting: Vec<String>,
    /// Objects without `additionalProperties`, which the spec closes (a stricter schema).
    pub(crate) closed: Vec<String>,
    /// For `lint`: what the language cannot say is approximated (a nullable value as its
    /// type, anything else as an object) instead of refused, so that the checks still
    /// see every property's name and description.
    pub(crate) lenient: bool,
}

type Lowered = Result<Vec<Entry>, Unsupported>;

impl<'a> Lowering<'a> {
    pub(crate) fn new(root: &'a Value, base: &str, types: &'a mut Vec<(String, Node)>) -> Self {
        Self {
            root,
            base: base.to_owned(),
            types,
            visiting: Vec::new(),
            closed: Vec::new(),
            lenient: false,
        }
    }

    /// The fields of an object schema (`params` of a tool, or an `output` type).
    pub(crate) fn fields(&mut self, schema: &Value, at: &Origin) -> Lowered {
        let obj = as_object(schema, at)?;
        let ty = obj.get("type").and_then(Value::as_str);
        if ty.is_some_and(|t| t != "object") || (ty.is_none() && !obj.contains_key("properties")) {
            return Err(unsupported(at, "a value that is not an object"));
        }
        match obj.get("additionalProperties") {
            None => self.closed.push(at.pointer.clone()),
            Some(Value::Bool(false)) => {}
            Some(_) if self.lenient => {}
            Some(_) => return Err(unsupported(at, "an object open to other properties")),
        }
        let required: Vec<&str> = obj
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        for key in obj.keys() {
            let known = matches!(
                key.as_str(),
                "type"
                    | "properties"
                    | "required"
                    | "additionalProperties"
                    | "$defs"
                    | "definitions"
                    | "title"
                    | "description"
            );
            if !known && !IGNORED.contains(&key.as_str()) && !self.lenient {
                return Err(unsupported(
                    &at.child(key),
                    &format!("`{key}` on an object"),
                ));
            }
        }
        let mut entries = Vec::new();
        let properties = obj.get("properties").and_then(Value::as_object);
        for (name, prop) in properties.into_iter().flatten() {
            let here = at.child("properties").child(name);
            let mut ty = self.value(prop, &here)?;
            if !required.contains(&name.as_str()) && !has_key(&ty, "default") {
                ty.push(Entry::new("optional", Node::Scalar(Value::Bool(true))));
            }
            entries.push(Entry::new(name, Node::Map(ty)).at(here));
        }
        Ok(entries)
    }

    /// One value's type, as the entries of a spec type mapping.
    pub(crate) fn value(&mut self, schema: &Value, at: &Origin) -> Lowered {
        match self.exact(schema, at) {
            Err(_) if self.lenient => self.approximate(schema, at),
            lowered => lowered,
        }
    }

    /// For `lint`: a nullable value as its type (optional), anything else the language
    /// cannot say as an object, which no name, unit or enum check applies to.
    fn approximate(&mut self, schema: &Value, at: &Origin) -> Lowered {
        let obj = schema.as_object().cloned().unwrap_or_default();
        let not_null = |s: &&Value| s.get("type").and_then(Value::as_str) != Some("null");
        let branches: Vec<&Value> = ["anyOf", "oneOf"]
            .iter()
            .filter_map(|k| obj.get(*k).and_then(Value::as_array))
            .flatten()
            .filter(not_null)
            .collect();
        let types: Vec<&Value> = obj
            .get("type")
            .and_then(Value::as_array)
            .map(|t| t.iter().filter(|t| t.as_str() != Some("null")).collect())
            .unwrap_or_default();
        let inner = match (branches.as_slice(), types.as_slice()) {
            ([one], _) => {
                let mut inner = (*one).clone();
                for key in ["description", "title", "default"] {
                    // A nullable value's `null` default is its own branch's, not the type's.
                    let v = obj.get(key).filter(|v| !v.is_null());
                    if let (Some(v), Some(target)) = (v, inner.as_object_mut()) {
                        target.entry(key).or_insert_with(|| v.clone());
                    }
                }
                Some(inner)
            }
            ([], [one]) => {
                let mut inner = obj.clone();
                inner.insert("type".to_owned(), (*one).clone());
                if inner.get("default").is_some_and(Value::is_null) {
                    inner.remove("default");
                }
                Some(Value::Object(inner))
            }
            _ => None,
        };
        if let Some(inner) = inner
            && let Ok(lowered) = self.exact(&inner, at)
        {
            return Ok(lowered);
        }
        let mut out = vec![Entry::new("type", Node::str("object"))];
        if let Some(d) = obj.get("description") {
            out.push(Entry::new("description", Node::from_json(d)));
        }
        Ok(out)
    }

    fn exact(&mut self, schema: &Value, at: &Origin) -> Lowered {
        let obj = as_object(schema, at)?;
        if let Some(reference) = obj.get("$ref") {
            return self.reference(obj, reference, at);
        }
        for key in ["anyOf", "oneOf", "allOf", "not", "if"] {
            if obj.contains_key(key) {
                return Err(unsupported(at, &format!("a union or condition (`{key}`)")));
            }
        }
        let ty = match obj.get("type") {
            Some(Value::String(t)) => t.as_str(),
            Some(_) => return Err(unsupported(at, "a type list (such as a nullable value)")),
            None if obj.get("enum").is_some() => "string",
            None if obj.contains_key("properties") => "object",
            None => return Err(unsupported(at, "a value of any type")),
        };
        let mut out = Vec::new();
        if ty != "object" || obj.contains_key("properties") {
            // An object with fields says its type by them.
            if ty != "object" {
                out.push(Entry::new("type", Node::str(ty)));
            }
        }
        for key in ["title", "description", "default", "examples"] {
            if let Some(v) = obj.get(key) {
                let v = if key == "examples" && !v.is_array() {
                    Value::Array(vec![v.clone()])
                } else {
                    v.clone()
                };
                out.push(Entry::new(key, Node::from_json(&v)));
            }
        }
        let skip = ["type", "title", "description", "default", "examples"];
        let rest = obj
            .iter()
            .filter(|(k, _)| !skip.contains(&k.as_str()) && !IGNORED.contains(&k.as_str()));
        match ty {
            "string" => string_keywords(rest, at, &mut out)?,
            "integer" | "number" => number_keywords(rest, at, ty == "integer", &mut out)?,
            "boolean" => {
                if let Some((k, _)) = rest.into_iter().next() {
                    return Err(unsupported(&at.child(k), &format!("`{k}` on a boolean")));
                }
            }
            "array" => self.array_keywords(obj, at, &mut out)?,
            "object" => {
                if !obj.contains_key("properties") {
                    return Err(unsupported(at, "an object of any shape"));
                }
                let fields = self.fields(schema, at)?;
                out.push(Entry::new("fields", Node::Map(fields)));
            }
            other => return Err(unsupported(at, &format!("type `{other}`"))),
        }
        Ok(out)
    }

    fn array_keywords(
        &mut self,
        obj: &Map<String, Value>,
        at: &Origin,
        out: &mut Vec<Entry>,
    ) -> Result<(), Unsupported> {
        let Some(items) = obj.get("items") else {
            return Err(unsupported(at, "an array of any items"));
        };
        let item = self.value(items, &at.child("items"))?;
        out.push(Entry::new("items", Node::Map(item)));
        for (key, spec_key) in [
            ("minItems", "min_items"),
            ("maxItems", "max_items"),
            ("uniqueItems", "unique_items"),
        ] {
            if let Some(v) = obj.get(key) {
                out.push(Entry::new(spec_key, Node::Scalar(v.clone())));
            }
        }
        let known = [
            "type",
            "title",
            "description",
            "default",
            "examples",
            "items",
            "minItems",
            "maxItems",
            "uniqueItems",
        ];
        if let Some(k) = obj
            .keys()
            .find(|k| !known.contains(&k.as_str()) && !IGNORED.contains(&k.as_str()))
        {
            return Err(unsupported(&at.child(k), &format!("`{k}` on an array")));
        }
        Ok(())
    }

    /// `$ref` to a definition of the same document: a named type under `types:`.
    fn reference(&mut self, obj: &Map<String, Value>, reference: &Value, at: &Origin) -> Lowered {
        let target = reference.as_str().unwrap_or_default();
        let def = ["#/$defs/", "#/definitions/"]
            .iter()
            .find_map(|prefix| target.strip_prefix(prefix))
            .filter(|name| !name.contains('/'));
        let Some(def) = def else {
            return Err(unsupported(at, &format!("a reference to `{target}`")));
        };
        let container = if target.starts_with("#/$defs/") {
            "$defs"
        } else {
            "definitions"
        };
        let Some(schema) = self.root.get(container).and_then(|d| d.get(def)) else {
            return Err(unsupported(
                at,
                &format!("a reference to a missing `{target}`"),
            ));
        };
        if let Some(k) = obj.keys().find(|k| {
            !matches!(
                k.as_str(),
                "$ref" | "description" | "title" | "default" | "$defs" | "definitions"
            )
        }) {
            return Err(unsupported(&at.child(k), &format!("`{k}` next to `$ref`")));
        }
        let name = type_name(def);
        if self.visiting.contains(&name) {
            return Err(unsupported(at, "a recursive type"));
        }
        if !self.types.iter().any(|(n, _)| *n == name) {
            self.visiting.push(name.clone());
            let origin = Origin {
                pointer: format!("{}/{container}/{def}", self.base),
                ..at.clone()
            };
            let body = self.value(schema, &origin);
            self.visiting.pop();
            self.types.push((name.clone(), Node::Map(body?)));
        }
        let mut out = vec![Entry::new("type", Node::str(name))];
        for key in ["title", "description", "default"] {
            if let Some(v) = obj.get(key) {
                out.push(Entry::new(key, Node::from_json(v)));
            }
        }
        Ok(out)
    }
}

fn string_keywords<'v>(
    rest: impl IntoIterator<Item = (&'v String, &'v Value)>,
    at: &Origin,
    out: &mut Vec<Entry>,
) -> Result<(), Unsupported> {
    for (key, v) in rest {
        let spec_key = match key.as_str() {
            "minLength" => "min_length",
            "maxLength" => "max_length",
            "pattern" => "pattern",
            // Any format: one the spec language does not know is kept as an annotation.
            "format" => "format",
            "enum" | "const" => {
                let values = if key == "const" {
                    vec![v.clone()]
                } else {
                    v.as_array().cloned().unwrap_or_default()
                };
                if values.is_empty() || !values.iter().all(Value::is_string) {
                    return Err(unsupported(
                        &at.child(key),
                        "an enum of values that are not all strings",
                    ));
                }
                out.push(Entry::new(
                    "enum",
                    Node::Seq(values.iter().map(Node::from_json).collect()),
                ));
                continue;
            }
            _ => return Err(unsupported(&at.child(key), &format!("`{key}` on a string"))),
        };
        out.push(Entry::new(spec_key, Node::Scalar(v.clone())));
    }
    Ok(())
}

fn number_keywords<'v>(
    rest: impl IntoIterator<Item = (&'v String, &'v Value)>,
    at: &Origin,
    integer: bool,
    out: &mut Vec<Entry>,
) -> Result<(), Unsupported> {
    for (key, v) in rest {
        let bound = match (key.as_str(), v.as_i64()) {
            ("minimum", _) => ("minimum", v.clone()),
            ("maximum", _) => ("maximum", v.clone()),
            // An exclusive integer bound is the next integer, inclusive.
            ("exclusiveMinimum", Some(n)) if integer => ("minimum", Value::from(n + 1)),
            ("exclusiveMaximum", Some(n)) if integer => ("maximum", Value::from(n - 1)),
            _ => {
                return Err(unsupported(&at.child(key), &format!("`{key}` on a number")));
            }
        };
        out.push(Entry::new(bound.0, Node::Scalar(bound.1)));
    }
    Ok(())
}

fn as_object<'v>(schema: &'v Value, at: &Origin) -> Result<&'v Map<String, Value>, Unsupported> {
    match schema {
        Value::Object(obj) => Ok(obj),
        Value::Bool(true) => Err(unsupported(at, "a value of any type (`true`)")),
        _ => Err(unsupported(at, "a schema that is not an object")),
    }
}

fn has_key(entries: &[Entry], key: &str) -> bool {
    entries.iter().any(|e| e.key == key)
}

fn unsupported(at: &Origin, what: &str) -> Unsupported {
    Unsupported {
        pointer: at.pointer.clone(),
        what: what.to_owned(),
    }
}

/// A `$defs` name as a spec type name (PascalCase).
pub(crate) fn type_name(def: &str) -> String {
    let name = def.to_upper_camel_case();
    if name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        name
    } else {
        format!("T{name}")
    }
}
