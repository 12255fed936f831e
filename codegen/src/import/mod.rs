//! What a live MCP server advertises, as a spec: for `mcpgen import` (the spec, written
//! out) and `mcpgen lint --server` (the same spec, checked, each finding reported
//! against the tool and JSON pointer it concerns). Pure: the CLI does the talking.
//!
//! Both commands go through one conversion so that a server is judged by exactly the
//! rules of `mcpgen check`: there is no second copy of them.

pub mod openapi;
mod proxy;
mod schema;
mod yaml_out;

use heck::ToSnakeCase;
use serde_json::Value;

pub use proxy::import_proxy;
pub use schema::Unsupported;
pub use yaml_out::Origin;
use yaml_out::{Entry, Node};

use crate::Checked;
use crate::diag::{Code, Diagnostic, Severity};
use crate::source::SourceFile;

/// What a server advertises, in the JSON shapes of MCP's list results.
#[derive(Clone, Debug, Default)]
pub struct Listing {
    /// `serverInfo` of the handshake (`name`, `version`, `title`, `description`, `websiteUrl`).
    pub server_info: Value,
    /// The handshake's `instructions`.
    pub instructions: Option<String>,
    /// `tools/list`, every page.
    pub tools: Vec<Value>,
    /// `resources/list`, every page, each with the text `resources/read` gave when it
    /// was read (`None`: not read, or not text).
    pub resources: Vec<(Value, Option<String>)>,
    /// `resources/templates/list`, every page.
    pub templates: Vec<Value>,
    /// `prompts/list`, every page.
    pub prompts: Vec<Value>,
}

/// One line of the report an import prints: what the spec could not reproduce as is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// Where in the source.
    pub origin: Origin,
    /// What, in one sentence.
    pub text: String,
}

/// A spec made from a listing.
#[derive(Debug)]
pub struct Imported {
    /// The spec's text.
    pub text: String,
    /// Where each line came from (index 0 is line 1).
    pub lines: Vec<Option<Origin>>,
    /// What the spec says differently from the source, and why.
    pub notes: Vec<Note>,
    /// Checks set to warnings under `lints.warn` so the spec passes `mcpgen check`
    /// while it keeps the source's choices.
    pub warned: Vec<Code>,
}

/// One finding of `lint --server`: a diagnostic of the imported spec, at its source.
#[derive(Debug)]
pub struct Finding {
    /// The tool (or resource, template, prompt) and JSON pointer it concerns.
    pub origin: Origin,
    /// The check's diagnostic; a server's naming is reported as a note (`note: true`).
    pub diagnostic: Diagnostic,
    /// A finding that is not a defect of someone else's server, only a rule of the
    /// generator (`naming_case`).
    pub note: bool,
}

/// The spec of a server, named `name`, with what it reproduces only approximately.
/// It passes `mcpgen check` without errors: the checks the source fails are turned
/// into warnings (`lints.warn`), which are then the report.
pub fn import(listing: &Listing, name: &str) -> Imported {
    let (entries, notes) = spec_entries(listing, name, false);
    finish(entries, notes)
}

/// The spec's text from its entries, with the checks the source fails under `lints.warn`.
fn finish(entries: Vec<Entry>, notes: Vec<Note>) -> Imported {
    let draft = yaml_out::write(&entries, HEADER);
    let checked = crate::check_source(SourceFile::new("import", draft.text.clone()));
    let mut warned: Vec<Code> = checked
        .diagnostics
        .iter()
        // A schema the server could not enforce stays an error: it would not start.
        .filter(|d| d.severity == Severity::Error && !d.code.is_structural())
        .filter(|d| d.code != Code::InputSchema)
        .map(|d| d.code)
        .collect();
    warned.sort();
    warned.dedup();
    let mut entries = entries;
    if !warned.is_empty() {
        let names = warned.iter().map(|c| Node::str(c.name())).collect();
        let lints = Node::Map(vec![Entry::new("warn", Node::Seq(names))]);
        entries.push(Entry::new("lints", lints));
    }
    let written = yaml_out::write(&entries, HEADER);
    Imported {
        text: written.text,
        lines: written.lines,
        notes,
        warned,
    }
}

/// Every check of `mcpgen check` on what the server advertises, each finding at its
/// source. Findings on what the import had to invent (the spec's server name and
/// version) are left out.
pub fn lint(listing: &Listing) -> (Vec<Finding>, Vec<Note>) {
    // Leniently: every property is seen by the checks, even where the spec language
    // would need the schema written out.
    let (entries, notes) = spec_entries(listing, "server", true);
    let draft = yaml_out::write(&entries, HEADER);
    let checked: Checked = crate::check_source(SourceFile::new("import", draft.text));
    let mut findings: Vec<(usize, Finding)> = checked
        .diagnostics
        .into_iter()
        .filter_map(|d| {
            let origin = draft.lines.get(d.span.line.checked_sub(1)?)?.clone()?;
            let note = d.code == Code::NamingCase;
            let finding = Finding {
                origin,
                diagnostic: d,
                note,
            };
            Some((finding.diagnostic.span.line, finding))
        })
        .collect();
    // The spec closes every object; the server's own objects that leave
    // `additionalProperties` out accept (and ignore) misspelled arguments.
    for note in notes.iter().filter(|n| n.text == CLOSED) {
        let line = draft
            .lines
            .iter()
            .position(|o| o.as_ref() == Some(&note.origin))
            .map_or(usize::MAX, |i| i + 1);
        findings.push((line, open_object(&note.origin)));
    }
    // A tool without annotations is told so plainly, instead of through what the MCP
    // defaults then imply (a write tool not saying whether it is idempotent, a
    // destructive tool without a rate limit).
    for tool in listing.tools.iter().filter(|t| unannotated(t)) {
        let Some(name) = str_of(tool, "name") else {
            continue;
        };
        let origin = Origin::new("tool", name);
        findings.retain(|(_, f)| !(f.diagnostic.code == Code::Annotations && f.origin == origin));
        let line = draft
            .lines
            .iter()
            .position(|o| o.as_ref() == Some(&origin))
            .map_or(usize::MAX, |i| i + 1);
        let diagnostic = Diagnostic::new(
            Code::Annotations,
            crate::source::Span::default(),
            "declares no annotations: clients must assume it writes, destroys, is not idempotent and reaches outside systems",
        )
        .with_help("add `annotations` with `readOnlyHint` (and, for a tool that writes, `destructiveHint` and `idempotentHint`) and `openWorldHint`: clients ask the user before running a tool that may destroy");
        findings.push((
            line,
            Finding {
                origin,
                diagnostic,
                note: false,
            },
        ));
    }
    findings.sort_by_key(|(line, _)| *line);
    (findings.into_iter().map(|(_, f)| f).collect(), notes)
}

/// Whether a tool states none of MCP's four hints.
fn unannotated(tool: &Value) -> bool {
    let hints = [
        "readOnlyHint",
        "destructiveHint",
        "idempotentHint",
        "openWorldHint",
    ];
    let annotations = tool.get("annotations");
    !hints.iter().any(|h| {
        annotations
            .and_then(|a| a.get(*h))
            .is_some_and(Value::is_boolean)
    })
}

fn open_object(origin: &Origin) -> Finding {
    let at = if origin.pointer.is_empty() {
        "the arguments object"
    } else {
        "this object"
    };
    let diagnostic = Diagnostic::new(
        Code::OpenObject,
        crate::source::Span::default(),
        format!("{at} accepts properties it does not declare (`additionalProperties` is left out)"),
    )
    .with_help("add `additionalProperties: false`: a model that misspells an argument is then told, instead of the argument being silently ignored");
    Finding {
        origin: origin.clone(),
        diagnostic,
        note: false,
    }
}

const HEADER: &str = "# yaml-language-server: $schema=mcpgen.schema.json\n";

fn spec_entries(listing: &Listing, name: &str, lenient: bool) -> (Vec<Entry>, Vec<Note>) {
    let mut notes = Vec::new();
    let mut types: Vec<(String, Node)> = Vec::new();
    let mut tools = Vec::new();
    for tool in &listing.tools {
        if let Some(entry) = tool_entry(tool, &mut types, &mut notes, lenient) {
            tools.push(entry);
        }
    }
    let mut spec = vec![
        Entry::new("mcpgen", Node::Scalar(Value::from(1))),
        Entry::new("server", Node::Map(server_entries(listing, name))),
    ];
    if !types.is_empty() {
        let types = types
            .into_iter()
            .map(|(n, node)| Entry::new(n, node))
            .collect();
        spec.push(Entry::new("types", Node::Map(types)));
    }
    let sections = [
        ("tools", tools),
        ("resources", resources(listing)),
        ("resource_templates", templates(listing)),
        ("prompts", prompts(listing)),
    ];
    for (key, entries) in sections {
        if !entries.is_empty() {
            spec.push(Entry::new(key, Node::Map(entries)));
        }
    }
    (spec, notes)
}

fn server_entries(listing: &Listing, name: &str) -> Vec<Entry> {
    let info = &listing.server_info;
    let version = info
        .get("version")
        .and_then(Value::as_str)
        .filter(|v| is_semver(v))
        .unwrap_or("0.1.0");
    let mut out = vec![
        Entry::new("name", Node::str(name)),
        Entry::new("version", Node::str(version)),
    ];
    for (key, spec_key) in [
        ("title", "title"),
        ("description", "description"),
        ("websiteUrl", "website_url"),
    ] {
        if let Some(v) = info.get(key).and_then(Value::as_str) {
            out.push(Entry::new(spec_key, Node::str(v)));
        }
    }
    let instructions = listing
        .instructions
        .as_deref()
        .filter(|i| !i.trim().is_empty());
    let source = info.get("name").and_then(Value::as_str).unwrap_or(name);
    let instructions = instructions.map_or_else(
        || format!("Imported from the MCP server `{source}`; describe what it is for."),
        str::to_owned,
    );
    out.push(Entry::new("instructions", Node::str(instructions)));
    out
}

fn is_semver(v: &str) -> bool {
    let core = v.split(['-', '+']).next().unwrap_or_default();
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes().all(|b| b.is_ascii_digit())
                && (p.len() == 1 || !p.starts_with('0'))
        })
        && v.len() == core.len()
}

fn str_of<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    v.get(key).and_then(Value::as_str)
}

fn tool_entry(
    tool: &Value,
    types: &mut Vec<(String, Node)>,
    notes: &mut Vec<Note>,
    lenient: bool,
) -> Option<Entry> {
    let name = str_of(tool, "name")?;
    let origin = Origin::new("tool", name);
    let mut out = Vec::new();
    let annotations = tool.get("annotations");
    let title = str_of(tool, "title").or_else(|| annotations.and_then(|a| str_of(a, "title")));
    if let Some(title) = title {
        out.push(Entry::new("title", Node::str(title)));
    }
    if let Some(d) = str_of(tool, "description") {
        out.push(Entry::new("description", Node::str(d)));
    }
    let hints = [
        ("readOnlyHint", "read_only"),
        ("destructiveHint", "destructive"),
        ("idempotentHint", "idempotent"),
        ("openWorldHint", "open_world"),
    ];
    let hint = |k: &str| annotations.and_then(|a| a.get(k)).and_then(Value::as_bool);
    let read_only = hint("readOnlyHint") == Some(true);
    let hints: Vec<Entry> = hints
        .iter()
        .filter_map(|(k, spec_key)| {
            let v = hint(k)?;
            // What a read implies (not destructive, idempotent), the generated server
            // states anyway; `mcpgen check` calls it redundant.
            let implied = *k == "idempotentHint";
            if read_only && matches!(*k, "destructiveHint" | "idempotentHint") && v == implied {
                return None;
            }
            Some(Entry::new(*spec_key, Node::Scalar(Value::Bool(v))))
        })
        .collect();
    if !hints.is_empty() {
        out.push(Entry::new("annotations", Node::Map(hints)));
    }
    let input = tool.get("inputSchema").cloned().unwrap_or(Value::Null);
    out.push(input_entry(&input, &origin, types, notes, lenient));
    if let Some(output) = tool.get("outputSchema").filter(|o| o.is_object()) {
        output_entry(output, &origin, types, notes, &mut out, lenient);
    }
    // The stub `mcpgen new --from` writes answers with it until the handler is written.
    let message = format!(
        "The tool `{name}` is not implemented yet in this server: its handler is still a stub. Use another tool, or ask the server's maintainers."
    );
    let errors = vec![Entry::new(
        crate::emit::rust::NOT_IMPLEMENTED,
        Node::str(message),
    )];
    out.push(Entry::new("errors", Node::Map(errors)));
    Some(Entry::new(name, Node::Map(out)).at(origin))
}

/// `output:`, the fields of an object (as MCP's output schemas are) or any type (an
/// OpenAPI response); left out, and reported, when the spec language cannot say it.
fn output_entry(
    output: &Value,
    origin: &Origin,
    types: &mut Vec<(String, Node)>,
    notes: &mut Vec<Note>,
    out: &mut Vec<Entry>,
    lenient: bool,
) {
    let at = origin.child("outputSchema");
    let mut local = types.clone();
    let mut lowering = schema::Lowering::new(output, &at.pointer, &mut local);
    lowering.lenient = lenient;
    let is_object =
        output.get("type").is_some_and(|t| t == "object") || output.get("properties").is_some();
    let lowered = if is_object {
        lowering.fields(output, &at).map(|fields| {
            (!fields.is_empty()).then(|| vec![Entry::new("fields", Node::Map(fields))])
        })
    } else {
        lowering.value(output, &at).map(Some)
    };
    match lowered {
        Ok(Some(entries)) if !clashes(&local, types) => {
            *types = local;
            out.push(Entry::new("output", Node::Map(entries)));
        }
        Ok(_) => {}
        Err(u) => notes.push(Note {
            origin: Origin {
                pointer: u.pointer,
                ..origin.clone()
            },
            text: format!(
                "output schema left out: the spec language cannot say {}",
                u.what
            ),
        }),
    }
}

/// Whether named types just made disagree with the spec's types of the same name.
fn clashes(local: &[(String, Node)], types: &[(String, Node)]) -> bool {
    local.iter().any(|(n, node)| {
        types
            .iter()
            .any(|(m, other)| m == n && yaml_of(other) != yaml_of(node))
    })
}

/// `params` when the spec language can say the input schema, else `input_schema`.
fn input_entry(
    input: &Value,
    origin: &Origin,
    types: &mut Vec<(String, Node)>,
    notes: &mut Vec<Note>,
    lenient: bool,
) -> Entry {
    let mut local = types.clone();
    let mut lowering = schema::Lowering::new(input, "", &mut local);
    lowering.lenient = lenient;
    let fields = lowering.fields(input, origin);
    let closed = std::mem::take(&mut lowering.closed);
    let fields = fields.and_then(|f| {
        // Named types are shared by the whole spec: two tools' `$defs` of one name must agree.
        let clash = local.iter().find(|(n, node)| {
            types
                .iter()
                .any(|(m, other)| m == n && yaml_of(other) != yaml_of(node))
        });
        match clash {
            Some((n, _)) => Err(Unsupported {
                pointer: String::new(),
                what: format!("a type `{n}` that another tool defines differently"),
            }),
            None => Ok(f),
        }
    });
    match fields {
        Ok(fields) => {
            *types = local;
            for pointer in closed {
                notes.push(Note {
                    origin: Origin {
                        pointer,
                        ..origin.clone()
                    },
                    text: CLOSED.to_owned(),
                });
            }
            Entry::new("params", Node::Map(fields))
        }
        Err(u) => {
            notes.push(Note {
                origin: Origin {
                    pointer: u.pointer.clone(),
                    ..origin.clone()
                },
                text: format!(
                    "input schema written out (`input_schema`): the spec language cannot say {}",
                    u.what
                ),
            });
            let mut schema = input.clone();
            if let Some(obj) = schema.as_object_mut() {
                obj.remove("$schema");
            }
            for (pointer, what) in enforceable(&mut schema) {
                notes.push(Note {
                    origin: Origin {
                        pointer,
                        ..origin.clone()
                    },
                    text: format!(
                        "dropped from the written-out schema, which then accepts more: {what}"
                    ),
                });
            }
            for pointer in close_objects(&mut schema, "") {
                notes.push(Note {
                    origin: Origin {
                        pointer,
                        ..origin.clone()
                    },
                    text: CLOSED.to_owned(),
                });
            }
            Entry::new("input_schema", Node::from_json_at(&schema, origin))
        }
    }
}

/// Removes from a written-out schema, one by one, what mcpgen's validator refuses to
/// compile (a keyword it does not enforce, such as `unevaluatedProperties`): a server
/// does not start with a schema it cannot enforce. Returns where, and why.
fn enforceable(schema: &mut Value) -> Vec<(String, String)> {
    let mut dropped = Vec::new();
    for _ in 0..64 {
        let Err((pointer, what)) = mcpgen_schema::CompiledSchema::compile_at(schema) else {
            break;
        };
        let removed = pointer.rsplit_once('/').is_some_and(|(parent, key)| {
            let key = key.replace("~1", "/").replace("~0", "~");
            schema
                .pointer_mut(parent)
                .and_then(Value::as_object_mut)
                .and_then(|obj| obj.remove(&key))
                .is_some()
        });
        if !removed {
            break;
        }
        let what = what.split(':').next().unwrap_or_default().to_owned();
        dropped.push((pointer, what));
    }
    dropped
}

/// What the report says of an object the spec closes.
pub const CLOSED: &str = "closed to other properties (the source leaves `additionalProperties` out, so it accepted and ignored them)";

/// Closes, as the spec's own types are, every object of a written-out schema that
/// describes a value's shape (the root, properties, items, definitions) and leaves
/// `additionalProperties` out; objects inside `anyOf` and the like are conditions and
/// stay as written (`mcpgen::open_object`). Returns where it closed one.
fn close_objects(schema: &mut Value, at: &str) -> Vec<String> {
    let mut closed = Vec::new();
    let Some(obj) = schema.as_object_mut() else {
        return closed;
    };
    if obj.contains_key("properties") && !obj.contains_key("additionalProperties") {
        obj.insert("additionalProperties".to_owned(), Value::Bool(false));
        closed.push(at.to_owned());
    }
    for container in ["properties", "$defs", "definitions"] {
        if let Some(children) = obj.get_mut(container).and_then(Value::as_object_mut) {
            for (name, child) in children.iter_mut() {
                closed.extend(close_objects(child, &format!("{at}/{container}/{name}")));
            }
        }
    }
    if let Some(items) = obj.get_mut("items") {
        closed.extend(close_objects(items, &format!("{at}/items")));
    }
    closed
}

fn yaml_of(node: &Node) -> String {
    yaml_out::write(&[Entry::new("x", node.clone())], "").text
}

/// A spec key for an entry the source names freely (a resource's `name`).
fn key_for(name: &str, used: &mut Vec<String>) -> String {
    let mut key = name.to_snake_case();
    if !key.starts_with(|c: char| c.is_ascii_lowercase()) {
        key = format!("r_{key}");
    }
    let base = key.clone();
    let mut n = 2;
    while used.contains(&key) {
        key = format!("{base}_{n}");
        n += 1;
    }
    used.push(key.clone());
    key
}

fn resources(listing: &Listing) -> Vec<Entry> {
    let mut used = Vec::new();
    listing
        .resources
        .iter()
        .filter_map(|(r, text)| {
            let uri = str_of(r, "uri")?;
            let name = str_of(r, "name").unwrap_or(uri);
            let mut out = vec![Entry::new("uri", Node::str(uri))];
            push_str(&mut out, r, "title", "title");
            push_str(&mut out, r, "description", "description");
            push_str(&mut out, r, "mimeType", "mime_type");
            out.push(Entry::new(
                "text",
                Node::str(text.clone().unwrap_or_default()),
            ));
            let origin = Origin::new("resource", uri);
            Some(Entry::new(key_for(name, &mut used), Node::Map(out)).at(origin))
        })
        .collect()
}

fn templates(listing: &Listing) -> Vec<Entry> {
    let mut used = Vec::new();
    listing
        .templates
        .iter()
        .filter_map(|t| {
            let uri = str_of(t, "uriTemplate")?;
            let name = str_of(t, "name").unwrap_or(uri);
            let mut out = vec![Entry::new("uri_template", Node::str(uri))];
            push_str(&mut out, t, "title", "title");
            push_str(&mut out, t, "description", "description");
            push_str(&mut out, t, "mimeType", "mime_type");
            // MCP has no place to describe a template's variables: not the server's defect.
            let params = template_variables(uri)
                .into_iter()
                .map(|v| {
                    let allow = Node::Seq(vec![Node::str("missing_description")]);
                    let param = vec![
                        Entry::new("type", Node::str("string")),
                        Entry::new("allow", allow),
                    ];
                    Entry::new(v, Node::Map(param))
                })
                .collect();
            out.push(Entry::new("params", Node::Map(params)));
            let origin = Origin::new("resource_template", name);
            Some(Entry::new(key_for(name, &mut used), Node::Map(out)).at(origin))
        })
        .collect()
}

/// The variable names of an RFC 6570 template, in order, each once.
fn template_variables(template: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for expr in template
        .split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}'))
    {
        let body = expr
            .0
            .trim_start_matches(['+', '#', '.', '/', ';', '?', '&']);
        for var in body.split(',') {
            let var = var.trim_end_matches('*');
            let var = var.split(':').next().unwrap_or_default().to_owned();
            if !var.is_empty() && !out.contains(&var) {
                out.push(var);
            }
        }
    }
    out
}

fn prompts(listing: &Listing) -> Vec<Entry> {
    listing
        .prompts
        .iter()
        .filter_map(|p| {
            let name = str_of(p, "name")?;
            let mut out = Vec::new();
            push_str(&mut out, p, "title", "title");
            push_str(&mut out, p, "description", "description");
            let arguments: Vec<Entry> = p
                .get("arguments")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|a| {
                    let mut arg = Vec::new();
                    push_str(&mut arg, a, "title", "title");
                    push_str(&mut arg, a, "description", "description");
                    if a.get("required").and_then(Value::as_bool) == Some(true) {
                        arg.push(Entry::new("required", Node::Scalar(Value::Bool(true))));
                    }
                    Some(Entry::new(str_of(a, "name")?, Node::Map(arg)))
                })
                .collect();
            if !arguments.is_empty() {
                out.push(Entry::new("arguments", Node::Map(arguments)));
            }
            // The messages depend on the server's code: a handler writes them.
            out.push(Entry::new("handler", Node::Scalar(Value::Bool(true))));
            Some(Entry::new(name, Node::Map(out)).at(Origin::new("prompt", name)))
        })
        .collect()
}

fn push_str(out: &mut Vec<Entry>, v: &Value, key: &str, spec_key: &str) {
    if let Some(s) = str_of(v, key) {
        out.push(Entry::new(spec_key, Node::str(s)));
    }
}

#[cfg(test)]
mod tests;
