//! An OpenAPI document (3.0 or 3.1, YAML or JSON) as MCP tools: one per operation, its
//! path, query and header parameters and its JSON body merged into one closed argument
//! object, the 2xx JSON response as its output. The tools are then imported exactly as a
//! live server's are ([`super::import`]), so one conversion to the spec language serves
//! both.

use std::collections::BTreeSet;

use heck::ToSnakeCase;
use serde_json::{Map, Value, json};

use super::{Listing, Note, Origin};

/// Which operations become tools: `tag:NAME`, `op:OPERATION_ID` or `path:/PREFIX`.
/// Empty `include` takes every operation; `exclude` wins over `include`.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// Operations to take (any match).
    pub include: Vec<String>,
    /// Operations to leave out (any match).
    pub exclude: Vec<String>,
}

/// Where each argument of a tool goes in the HTTP request (for `--proxy`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operation {
    /// The tool's name.
    pub tool: String,
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path template, such as `/pet/{petId}`.
    pub path: String,
    /// (argument, `path` | `query` | `header` | `body`, name in the request); a `body`
    /// entry with an empty name is the whole body.
    pub arguments: Vec<(String, String, String)>,
}

/// An OpenAPI document read as a listing of tools, with notes on what was left out.
#[derive(Debug)]
pub struct OpenApi {
    /// The tools, as a server would list them.
    pub listing: Listing,
    /// Where each tool's arguments go.
    pub operations: Vec<Operation>,
    /// What could not be carried over.
    pub notes: Vec<Note>,
    /// The first `servers[].url`.
    pub base_url: Option<String>,
    /// The API's credentials (`components.securitySchemes`): (header or query, its
    /// name, what goes before the value, the scheme's name).
    pub credentials: Vec<Credential>,
}

/// One credential the API takes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credential {
    /// `header` or `query`.
    pub place: &'static str,
    /// The header or query parameter.
    pub name: String,
    /// Put before the value (`Bearer `).
    pub prefix: String,
    /// The scheme's name in the document.
    pub scheme: String,
}

/// What `components.securitySchemes` asks for, as headers and query parameters.
fn credentials(doc: &Value, notes: &mut Vec<Note>) -> Vec<Credential> {
    let schemes = doc
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object);
    let mut out: Vec<Credential> = Vec::new();
    for (scheme, s) in schemes.into_iter().flatten() {
        let s = resolve(doc, s);
        let kind = s.get("type").and_then(Value::as_str).unwrap_or_default();
        let http = s.get("scheme").and_then(Value::as_str).unwrap_or_default();
        let credential = match kind {
            "apiKey" => {
                let place = match s.get("in").and_then(Value::as_str) {
                    Some("header") => "header",
                    Some("query") => "query",
                    _ => {
                        let origin = Origin::new("server", scheme);
                        notes.push(Note {
                            origin,
                            text: "cookie credential left out: set it in the proxy's code"
                                .to_owned(),
                        });
                        continue;
                    }
                };
                let name = s.get("name").and_then(Value::as_str).unwrap_or(scheme);
                Credential {
                    place,
                    name: name.to_owned(),
                    prefix: String::new(),
                    scheme: scheme.clone(),
                }
            }
            "http" if !http.eq_ignore_ascii_case("bearer") => {
                let origin = Origin::new("server", scheme);
                notes.push(Note {
                    origin,
                    text: format!(
                        "HTTP `{http}` authentication left out: set it in the proxy's code"
                    ),
                });
                continue;
            }
            _ => Credential {
                place: "header",
                name: "Authorization".to_owned(),
                prefix: "Bearer ".to_owned(),
                scheme: scheme.clone(),
            },
        };
        if !out
            .iter()
            .any(|c| c.place == credential.place && c.name.eq_ignore_ascii_case(&credential.name))
        {
            out.push(credential);
        }
    }
    out
}

const METHODS: &[&str] = &["get", "put", "post", "delete", "patch", "head", "options"];

/// Reads `text` (YAML or JSON).
pub fn read(text: &str, selection: &Selection) -> Result<OpenApi, String> {
    let doc: Value = if text.trim_start().starts_with('{') {
        serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?
    } else {
        serde_saphyr::from_str(text).map_err(|e| format!("not valid YAML: {e}"))?
    };
    let version = doc
        .get("openapi")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !(version.starts_with("3.0") || version.starts_with("3.1")) {
        let was = doc.get("swagger").map_or_else(
            || format!("`openapi: {version}`"),
            |_| "Swagger 2.0".to_owned(),
        );
        return Err(format!(
            "this is {was}, and import reads OpenAPI 3.0 and 3.1; convert it first (for example with swagger2openapi)"
        ));
    }
    let mut out = OpenApi {
        listing: Listing::default(),
        operations: Vec::new(),
        notes: Vec::new(),
        base_url: doc
            .pointer("/servers/0/url")
            .and_then(Value::as_str)
            .map(str::to_owned),
        credentials: Vec::new(),
    };
    out.credentials = credentials(&doc, &mut out.notes);
    let info = doc.get("info").cloned().unwrap_or(Value::Null);
    out.listing.server_info = json!({
        "name": info.get("title").and_then(Value::as_str).unwrap_or("api"),
        "version": info.get("version").and_then(Value::as_str).unwrap_or("0.1.0"),
    });
    out.listing.instructions = info
        .get("description")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let mut used = BTreeSet::new();
    let paths = doc
        .get("paths")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (path, item) in &paths {
        let item = resolve(&doc, item);
        for method in METHODS {
            let Some(op) = item.get(*method) else {
                continue;
            };
            if !selected(selection, op, path) {
                continue;
            }
            let shared = item
                .get("parameters")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let name = unique(tool_name(op, method, path), &mut used);
            let (tool, operation) =
                operation(&doc, &name, method, path, op, &shared, &mut out.notes);
            out.listing.tools.push(tool);
            out.operations.push(operation);
        }
    }
    Ok(out)
}

fn selected(selection: &Selection, op: &Value, path: &str) -> bool {
    let matches = |rule: &String| match rule.split_once(':') {
        Some(("tag", tag)) => op
            .get("tags")
            .and_then(Value::as_array)
            .is_some_and(|tags| tags.iter().any(|t| t.as_str() == Some(tag))),
        Some(("op", id)) => op.get("operationId").and_then(Value::as_str) == Some(id),
        Some(("path", prefix)) => path.starts_with(prefix),
        _ => false,
    };
    (selection.include.is_empty() || selection.include.iter().any(matches))
        && !selection.exclude.iter().any(matches)
}

/// `operationId` in snake_case, else the method and the path (`GET /pets/{id}` →
/// `get_pets_by_id`).
fn tool_name(op: &Value, method: &str, path: &str) -> String {
    if let Some(id) = op.get("operationId").and_then(Value::as_str) {
        let name = id.to_snake_case();
        if !name.is_empty() {
            return name;
        }
    }
    let mut words = vec![method.to_owned()];
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(param) => words.push(format!("by_{}", param.to_snake_case())),
            None => words.push(segment.to_snake_case()),
        }
    }
    words.join("_")
}

fn unique(name: String, used: &mut BTreeSet<String>) -> String {
    let mut candidate = name.clone();
    let mut n = 2;
    while !used.insert(candidate.clone()) {
        candidate = format!("{name}_{n}");
        n += 1;
    }
    candidate
}

/// Follows a local `$ref` (one level at a time, at most 32).
fn resolve<'d>(doc: &'d Value, mut value: &'d Value) -> &'d Value {
    for _ in 0..32 {
        let Some(target) = value.get("$ref").and_then(Value::as_str) else {
            break;
        };
        match target.strip_prefix('#').and_then(|p| doc.pointer(p)) {
            Some(next) => value = next,
            None => break,
        }
    }
    value
}

fn operation(
    doc: &Value,
    name: &str,
    method: &str,
    path: &str,
    op: &Value,
    shared: &[Value],
    notes: &mut Vec<Note>,
) -> (Value, Operation) {
    let origin = Origin::new("tool", name);
    let mut properties = Map::new();
    let mut required = Vec::new();
    let mut arguments = Vec::new();
    let own = op
        .get("parameters")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    // Operation parameters override path-level ones of the same name and place.
    let mut params: Vec<&Value> = Vec::new();
    for p in own.iter().chain(shared) {
        let p = resolve(doc, p);
        let key = |v: &Value| (v.get("name").cloned(), v.get("in").cloned());
        if !params.iter().any(|q| key(q) == key(p)) {
            params.push(p);
        }
    }
    for p in params {
        let (Some(pname), Some(place)) = (
            p.get("name").and_then(Value::as_str),
            p.get("in").and_then(Value::as_str),
        ) else {
            continue;
        };
        if place == "cookie" {
            notes.push(Note {
                origin: origin.child(pname),
                text: "cookie parameter left out: tools take no cookies".to_owned(),
            });
            continue;
        }
        let mut schema = normalize(p.get("schema").unwrap_or(&json!({ "type": "string" })));
        describe(&mut schema, p);
        let arg = unique_arg(pname, &properties);
        properties.insert(arg.clone(), schema);
        if place == "path" || p.get("required").and_then(Value::as_bool) == Some(true) {
            required.push(Value::from(arg.clone()));
        }
        arguments.push((arg, place.to_owned(), pname.to_owned()));
    }
    body(
        doc,
        op,
        &origin,
        &mut properties,
        &mut required,
        &mut arguments,
        notes,
    );
    let mut input = json!({ "type": "object", "properties": properties, "required": required, "additionalProperties": false });
    let mut output = response(doc, op);
    let defs = definitions(doc, [&input, output.as_ref().unwrap_or(&Value::Null)]);
    if !defs.is_empty() {
        input["$defs"] = Value::Object(defs.clone());
        if let Some(output) = output.as_mut() {
            output["$defs"] = Value::Object(defs);
        }
    }
    let text = |k: &str| {
        op.get(k)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let description = match (text("summary"), text("description")) {
        (Some(s), Some(d)) if d.starts_with(s) => Some(d.to_owned()),
        (Some(s), Some(d)) => Some(format!("{s}\n\n{d}")),
        (s, d) => s.or(d).map(str::to_owned),
    };
    if op.get("deprecated").and_then(Value::as_bool) == Some(true) {
        notes.push(Note {
            origin: origin.clone(),
            text: "the operation is deprecated".to_owned(),
        });
    }
    let mut tool =
        json!({ "name": name, "inputSchema": input, "annotations": annotations(method) });
    if let Some(d) = description {
        tool["description"] = Value::from(d);
    }
    if let Some(output) = output {
        tool["outputSchema"] = output;
    }
    let operation = Operation {
        tool: name.to_owned(),
        method: method.to_uppercase(),
        path: path.to_owned(),
        arguments,
    };
    (tool, operation)
}

/// GET reads; PUT and DELETE are idempotent; DELETE destroys.
fn annotations(method: &str) -> Value {
    match method {
        "get" | "head" | "options" => json!({ "readOnlyHint": true }),
        "put" => json!({ "readOnlyHint": false, "destructiveHint": false, "idempotentHint": true }),
        "delete" => {
            json!({ "readOnlyHint": false, "destructiveHint": true, "idempotentHint": true })
        }
        _ => json!({ "readOnlyHint": false, "destructiveHint": false, "idempotentHint": false }),
    }
}

fn unique_arg(name: &str, taken: &Map<String, Value>) -> String {
    if taken.contains_key(name) {
        format!("body_{name}")
    } else {
        name.to_owned()
    }
}

/// The parameter's description and examples on its schema, where the model sees them.
fn describe(schema: &mut Value, param: &Value) {
    let Some(obj) = schema.as_object_mut() else {
        return;
    };
    if let Some(d) = param
        .get("description")
        .filter(|_| !obj.contains_key("description"))
    {
        obj.insert("description".to_owned(), d.clone());
    }
    if let Some(e) = param
        .get("example")
        .filter(|_| !obj.contains_key("examples"))
    {
        obj.insert("examples".to_owned(), json!([e]));
    }
}

/// The JSON request body: its properties merged into the arguments when it is an object,
/// else one argument `body`.
fn body(
    doc: &Value,
    op: &Value,
    origin: &Origin,
    properties: &mut Map<String, Value>,
    required: &mut Vec<Value>,
    arguments: &mut Vec<(String, String, String)>,
    notes: &mut Vec<Note>,
) {
    let Some(request) = op.get("requestBody").map(|b| resolve(doc, b)) else {
        return;
    };
    let content = request.get("content").and_then(Value::as_object);
    let json_body = content.and_then(|c| c.iter().find(|(t, _)| is_json(t)));
    let Some((_, media)) = json_body else {
        if let Some(types) = content {
            let types: Vec<&str> = types.keys().map(String::as_str).collect();
            notes.push(Note {
                origin: origin.clone(),
                text: format!(
                    "request body left out: only JSON bodies become arguments, not {}",
                    types.join(", ")
                ),
            });
        }
        return;
    };
    let body_required = request.get("required").and_then(Value::as_bool) == Some(true);
    let schema = media.get("schema").cloned().unwrap_or(json!({}));
    let target = resolve(doc, &schema);
    let fields = target.get("properties").and_then(Value::as_object);
    let simple = target.get("type").is_none_or(|t| t == "object")
        && !["allOf", "anyOf", "oneOf"]
            .iter()
            .any(|k| target.get(*k).is_some());
    if let (Some(fields), true) = (fields, simple) {
        let inner: Vec<&str> = target
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        for (field, field_schema) in fields {
            // What the server sets (`readOnly`) is not sent.
            if field_schema.get("readOnly").and_then(Value::as_bool) == Some(true) {
                continue;
            }
            let arg = unique_arg(field, properties);
            properties.insert(arg.clone(), normalize(field_schema));
            if body_required && inner.contains(&field.as_str()) {
                required.push(Value::from(arg.clone()));
            }
            arguments.push((arg, "body".to_owned(), field.clone()));
        }
    } else {
        let arg = unique_arg("body", properties);
        let mut schema = normalize(&schema);
        describe(&mut schema, request);
        properties.insert(arg.clone(), schema);
        if body_required {
            required.push(Value::from(arg.clone()));
        }
        arguments.push((arg, "body".to_owned(), String::new()));
    }
}

fn is_json(media_type: &str) -> bool {
    let essence = media_type.split(';').next().unwrap_or_default().trim();
    essence == "application/json" || essence.ends_with("+json")
}

/// The schema of the first 2xx JSON response.
fn response(doc: &Value, op: &Value) -> Option<Value> {
    let responses = op.get("responses")?.as_object()?;
    let mut codes: Vec<&String> = responses.keys().filter(|c| c.starts_with('2')).collect();
    codes.sort();
    let response = resolve(doc, responses.get(*codes.first()?)?);
    let content = response.get("content")?.as_object()?;
    let (_, media) = content.iter().find(|(t, _)| is_json(t))?;
    Some(normalize(media.get("schema")?))
}

/// Every component a schema refers to, transitively, as `$defs`.
fn definitions<'a>(doc: &Value, roots: impl IntoIterator<Item = &'a Value>) -> Map<String, Value> {
    let mut defs = Map::new();
    let mut pending: Vec<String> = Vec::new();
    for root in roots {
        references(root, &mut pending);
    }
    while let Some(name) = pending.pop() {
        if defs.contains_key(&name) {
            continue;
        }
        let Some(schema) = doc.pointer(&format!(
            "/components/schemas/{}",
            name.replace('~', "~0").replace('/', "~1")
        )) else {
            continue;
        };
        let schema = normalize(schema);
        references(&schema, &mut pending);
        defs.insert(name, schema);
    }
    defs
}

fn references(schema: &Value, out: &mut Vec<String>) {
    match schema {
        Value::Object(obj) => {
            if let Some(name) = obj
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/$defs/"))
            {
                out.push(name.to_owned());
            }
            obj.values().for_each(|v| references(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| references(v, out)),
        _ => {}
    }
}

/// An OpenAPI schema as JSON Schema 2020-12: component references as `$defs`, 3.0's
/// `nullable`, `example` and boolean exclusive bounds in their 2020-12 form, OpenAPI's
/// own keywords (`xml`, `discriminator`, `x-...`) and number formats (`int32`, `double`:
/// annotations) dropped.
pub(crate) fn normalize(schema: &Value) -> Value {
    match schema {
        Value::Object(obj) => {
            let mut out = Map::new();
            for (key, value) in obj {
                match key.as_str() {
                    "$ref" => {
                        let target = value.as_str().unwrap_or_default();
                        let name = target
                            .strip_prefix("#/components/schemas/")
                            .unwrap_or(target);
                        out.insert(key.clone(), Value::from(format!("#/$defs/{name}")));
                    }
                    "xml" | "externalDocs" | "discriminator" | "nullable" | "example" => {}
                    k if k.starts_with("x-") => {}
                    "exclusiveMinimum" | "exclusiveMaximum" if value.is_boolean() => {}
                    "format"
                        if matches!(
                            obj.get("type").and_then(Value::as_str),
                            Some("integer" | "number")
                        ) => {}
                    "properties" | "patternProperties" | "$defs" | "definitions" => {
                        let children = value
                            .as_object()
                            .map(|m| m.iter().map(|(k, v)| (k.clone(), normalize(v))).collect());
                        out.insert(key.clone(), children.map_or(Value::Null, Value::Object));
                    }
                    "enum" | "const" | "default" | "examples" | "required" => {
                        out.insert(key.clone(), value.clone());
                    }
                    _ => {
                        out.insert(key.clone(), normalize(value));
                    }
                }
            }
            old_forms(obj, &mut out);
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(normalize).collect()),
        other => other.clone(),
    }
}

/// OpenAPI 3.0's `nullable: true`, `example` and `exclusiveMinimum: true`.
fn old_forms(obj: &Map<String, Value>, out: &mut Map<String, Value>) {
    if obj.get("nullable").and_then(Value::as_bool) == Some(true) {
        if let Some(Value::String(ty)) = obj.get("type") {
            out.insert("type".to_owned(), json!([ty, "null"]));
        } else if obj.contains_key("$ref") || obj.contains_key("allOf") {
            let inner = Value::Object(std::mem::take(out));
            out.insert("anyOf".to_owned(), json!([inner, { "type": "null" }]));
        }
    }
    if let Some(example) = obj.get("example").filter(|_| !obj.contains_key("examples")) {
        out.insert("examples".to_owned(), json!([example]));
    }
    for (flag, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        if obj.get(flag).and_then(Value::as_bool) == Some(true)
            && let Some(limit) = out.remove(bound)
        {
            out.insert(flag.to_owned(), limit);
        }
    }
}
