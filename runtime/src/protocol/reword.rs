//! What the server answers about methods it does not serve.
//!
//! rmcp rejects a method it does not serve, a method of the other protocol revision,
//! and a known method whose `params` do not parse, in the same way: `-32601` with the
//! method's bare name as the whole message (`"ping"`). Neither the model nor the user
//! reading that can tell what to change. Here those cases get an answer that says what
//! went wrong and what to do instead: malformed `params` become `-32602` naming the
//! field ([`not_served`], the handler's answer to what rmcp passes on as a custom
//! request); rmcp's own bare errors, for a method of the other revision or of an
//! extension the server does not offer, are reworded by the transports on
//! their way out ([`reword`]): on stdio and in HTTP sessions by the transport, and
//! by the HTTP screening layer for the JSON responses of stateless requests.
//!
//! Each of rmcp's texts keyed here or in the HTTP screening has a test in
//! `protocol/rmcp_texts.rs` that drives rmcp into producing it.

use rmcp::model::{CustomRequest, ErrorCode, ErrorData};
use serde_json::Value;

use crate::protocol::wording::suggestion;

/// The requests of MCP a client sends to a server, in both revisions.
pub(crate) const MCP_METHODS: &[&str] = &[
    "initialize",
    "server/discover",
    "ping",
    "tools/list",
    "tools/call",
    "resources/list",
    "resources/templates/list",
    "resources/read",
    "resources/subscribe",
    "resources/unsubscribe",
    "subscriptions/listen",
    "prompts/list",
    "prompts/get",
    "completion/complete",
    "logging/setLevel",
    "tasks/get",
    "tasks/update",
    "tasks/cancel",
    "skills/list",
    "skills/get",
    "resources/directory/read",
];

/// rmcp's bare `-32601` (its message is the method's name) reworded in place; any
/// other error unchanged.
pub(crate) fn reword(error: &mut ErrorData) {
    if error.code == ErrorCode::METHOD_NOT_FOUND
        && let Some(message) = unavailable(&error.message)
    {
        error.message = message.into();
    }
}

/// Why a method of MCP is not served here, or `None` for a name that is not one.
pub(crate) fn unavailable(method: &str) -> Option<String> {
    if let Some(why) = removed_in_stateless(method) {
        return Some(why);
    }
    let why = match method {
        "subscriptions/listen" => "Method not found: `subscriptions/listen` belongs to the \
            stateless 2026-07-28 revision, and this request belongs to a session opened with \
            `initialize` (2025-11-25 or older). In the session, call `resources/subscribe`; \
            or send the request without a session, with the 2026-07-28 `_meta`."
            .to_owned(),
        "tasks/get" | "tasks/update" | "tasks/cancel" => format!(
            "Method not found: this server does not offer the tasks extension (its \
             capabilities have no `tasks`), so there is no task for `{method}`. Call the tool \
             with `tools/call` and wait for its result."
        ),
        "skills/list" | "skills/get" | "resources/directory/read" => format!(
            "Method not found: this server does not offer skills (its capabilities have no \
             `skills`), so it does not serve `{method}`. Use `tools/list`, `resources/list` \
             and `prompts/list` to see what it offers."
        ),
        _ if MCP_METHODS.contains(&method) => format!(
            "Method not found: this server does not serve `{method}`. The capabilities in its \
             answer to `initialize` or `server/discover` list what it serves."
        ),
        _ => return None,
    };
    Some(why)
}

/// Why a method of the 2025-11-25 sessions is not served to a request of the stateless
/// 2026-07-28 revision, which removed it; `None` for another method.
fn removed_in_stateless(method: &str) -> Option<String> {
    let instead = match method {
        "ping" => {
            "Drop the call: every 2026-07-28 request stands alone, so there is no session \
             to keep alive."
        }
        "initialize" => {
            "Call `server/discover` to learn the server's capabilities, or send the request \
             itself: each one carries its protocol version and client capabilities in `_meta`."
        }
        "logging/setLevel" => {
            "Put the level in each request's `_meta`, under `io.modelcontextprotocol/logLevel`."
        }
        "resources/subscribe" | "resources/unsubscribe" => {
            "Call `subscriptions/listen` to hear of resource updates."
        }
        _ => return None,
    };
    Some(format!(
        "Method not found: `{method}` exists only in sessions opened with `initialize` \
         (protocol revision 2025-11-25 and older), and this request declared the stateless \
         2026-07-28 revision in its `_meta`. {instead}"
    ))
}

/// The answer to a request rmcp passed on as custom: the handler serves no custom
/// method, so this is a method MCP does not have, or one of its methods with `params`
/// rmcp could not parse.
///
/// `stateless` is whether the request declared the 2026-07-28 revision (or a later
/// one) in its `_meta`: a method that revision removed is then not served, whatever
/// its params (`-32601`, which the conformance suite requires).
pub(crate) fn not_served(request: &CustomRequest, stateless: bool) -> ErrorData {
    let method = request.method.as_str();
    if stateless && let Some(why) = removed_in_stateless(method) {
        return ErrorData::new(ErrorCode::METHOD_NOT_FOUND, why, None);
    }
    if let Some(problem) = params_problem(method, request.params.as_ref()) {
        return ErrorData::invalid_params(
            format!(
                "Invalid params for `{method}`: {problem}. Check `params` against the MCP \
                 schema of `{method}`."
            ),
            None,
        );
    }
    let message = if method.starts_with("notifications/") {
        format!(
            "`{method}` is a notification, but it came as a request (with an `id`): send it \
             without an `id`; no answer comes back to a notification."
        )
    } else if let Some(why) = unavailable(method) {
        why
    } else {
        format!(
            "Method not found: `{method}` is not a method of MCP{}. Check the spelling; a \
             server offers `tools/list`, `tools/call`, `resources/list`, `resources/read`, \
             `resources/templates/list`, `prompts/list` and `prompts/get`, and opens with \
             `server/discover` (2026-07-28) or `initialize` (2025-11-25).",
            suggestion(method, MCP_METHODS)
        )
    };
    ErrorData::new(ErrorCode::METHOD_NOT_FOUND, message, None)
}

/// What is wrong with the `params` of a method of MCP, as the field and what it
/// expected; `None` for a method without a params schema here, or params that match it.
///
/// The schemas (`PARAMS_SCHEMAS`) state what rmcp's params types require, and the
/// server's validator explains a mismatch as it does for tool arguments. Deserializing
/// the value into each rmcp type instead would give serde's wording, but links a
/// deserializer per type (about 110 KB of code in every server) for an error path.
/// A test holds the schemas to rmcp's types: whatever a schema refuses, rmcp refuses.
fn params_problem(method: &str, params: Option<&Value>) -> Option<String> {
    let (_, schema) = PARAMS_SCHEMAS.iter().find(|(m, _)| *m == method)?;
    let Some(params) = params else {
        let optional = method.ends_with("/list");
        return (!optional).then(|| "`params` is missing".to_owned());
    };
    // The schemas are literals checked by the tests: neither step fails.
    let schema = serde_json::from_slice::<Value>(schema.as_bytes()).ok()?;
    let violations = crate::schema::CompiledSchema::compile(&schema)
        .ok()?
        .violations(params);
    let said: Vec<String> = violations
        .iter()
        .map(|v| {
            let at = if v.path.is_empty() { "params" } else { &v.path };
            format!("{at}: {}", v.message)
        })
        .collect();
    if said.is_empty() {
        // rmcp passes a method of MCP on as custom only when its params do not parse,
        // so the mismatch is deeper than the schemas go (inside `capabilities`, say).
        return Some(DEEPER.to_owned());
    }
    Some(said.join("; "))
}

/// What [`params_problem`] says of params its schema accepts but rmcp did not.
const DEEPER: &str = "a field does not have the type or shape MCP defines";

/// The shape of each method's `params`, as rmcp's types require it: the required
/// fields and the type of every field they name. A field left out is not checked.
const PARAMS_SCHEMAS: &[(&str, &str)] = &[
    (
        "initialize",
        r#"{"type": "object", "required": ["protocolVersion", "capabilities", "clientInfo"],
            "properties": {
                "_meta": {"type": ["object", "null"]},
                "protocolVersion": {"type": "string"},
                "capabilities": {"type": "object"},
                "clientInfo": {"type": "object", "required": ["name", "version"],
                    "properties": {
                        "name": {"type": "string"}, "version": {"type": "string"},
                        "title": {"type": ["string", "null"]},
                        "description": {"type": ["string", "null"]},
                        "websiteUrl": {"type": ["string", "null"]},
                        "icons": {"type": ["array", "null"], "items": {"type": "object"}}}}}}"#,
    ),
    ("tools/call", NAMED),
    (
        "resources/read",
        r#"{"type": "object", "required": ["uri"], "properties": {
                "_meta": {"type": ["object", "null"]},
                "uri": {"type": "string"},
                "inputResponses": {"type": ["object", "null"]},
                "requestState": {"type": ["string", "null"]}}}"#,
    ),
    ("prompts/get", NAMED),
    (
        "completion/complete",
        r#"{"type": "object", "required": ["ref", "argument"], "properties": {
                "_meta": {"type": ["object", "null"]},
                "ref": {"type": "object", "required": ["type"], "properties": {
                    "type": {"enum": ["ref/prompt", "ref/resource"]}}},
                "argument": {"type": "object", "required": ["name", "value"],
                    "properties": {"name": {"type": "string"}, "value": {"type": "string"}}},
                "context": {"type": ["object", "null"], "properties": {
                    "arguments": {"type": ["object", "null"],
                        "additionalProperties": {"type": "string"}}}}}}"#,
    ),
    (
        "logging/setLevel",
        r#"{"type": "object", "required": ["level"], "properties": {
                "_meta": {"type": ["object", "null"]},
                "level": {"enum": ["debug", "info", "notice", "warning", "error",
                    "critical", "alert", "emergency"]}}}"#,
    ),
    ("resources/subscribe", URI),
    ("resources/unsubscribe", URI),
    (
        "subscriptions/listen",
        r#"{"type": "object", "required": ["notifications"], "properties": {
                "_meta": {"type": ["object", "null"]},
                "notifications": {"type": "object", "properties": {
                    "toolsListChanged": {"type": ["boolean", "null"]},
                    "promptsListChanged": {"type": ["boolean", "null"]},
                    "resourcesListChanged": {"type": ["boolean", "null"]},
                    "resourceSubscriptions": {"type": ["array", "null"],
                        "items": {"type": "string"}}}}}}"#,
    ),
    ("tools/list", PAGINATED),
    ("resources/list", PAGINATED),
    ("resources/templates/list", PAGINATED),
    ("prompts/list", PAGINATED),
];

/// `tools/call` and `prompts/get`: a name, and arguments as an object.
const NAMED: &str = r#"{"type": "object", "required": ["name"], "properties": {
    "_meta": {"type": ["object", "null"]},
    "name": {"type": "string"},
    "arguments": {"type": ["object", "null"]},
    "inputResponses": {"type": ["object", "null"]},
    "requestState": {"type": ["string", "null"]}}}"#;

/// `resources/subscribe` and `resources/unsubscribe`.
const URI: &str = r#"{"type": "object", "required": ["uri"], "properties": {
    "_meta": {"type": ["object", "null"]}, "uri": {"type": "string"}}}"#;

/// The `*/list` methods.
const PAGINATED: &str = r#"{"type": "object", "properties": {
    "_meta": {"type": ["object", "null"]}, "cursor": {"type": ["string", "null"]}}}"#;

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn rmcp_bare_method_errors_are_reworded_and_others_kept() {
        let worded = |mut error: ErrorData| {
            reword(&mut error);
            error
        };
        let ping = worded(ErrorData::new(ErrorCode::METHOD_NOT_FOUND, "ping", None));
        assert_eq!(ping.code, ErrorCode::METHOD_NOT_FOUND);
        assert!(ping.message.contains("2026-07-28"), "{}", ping.message);
        assert!(ping.message.contains("Drop the call"), "{}", ping.message);

        let listen = worded(ErrorData::new(
            ErrorCode::METHOD_NOT_FOUND,
            "subscriptions/listen",
            None,
        ));
        assert!(
            listen.message.contains("resources/subscribe"),
            "{}",
            listen.message
        );

        // A message that is not a bare method name is someone's own wording: kept.
        let own = ErrorData::new(ErrorCode::METHOD_NOT_FOUND, "no such thing here", None);
        assert_eq!(worded(own.clone()).message, own.message);
        // Another code is never touched, even with a method's name as its message.
        let other = ErrorData::invalid_params("ping", None);
        assert_eq!(worded(other).message, "ping");
    }

    fn answer(method: &str, params: Option<Value>, stateless: bool) -> ErrorData {
        not_served(&CustomRequest::new(method, params), stateless)
    }

    #[track_caller]
    fn says(error: &ErrorData, code: ErrorCode, text: &str) {
        assert_eq!(error.code, code, "{}", error.message);
        assert!(error.message.contains(text), "{}", error.message);
    }

    #[test]
    fn malformed_params_of_a_known_method_name_the_field() {
        let error = answer("resources/read", Some(json!({"uri": 5})), true);
        says(
            &error,
            ErrorCode::INVALID_PARAMS,
            "/uri: expected a string, got integer 5",
        );
        assert!(
            error
                .message
                .starts_with("Invalid params for `resources/read`")
        );
        let error = answer("tools/call", None, true);
        says(&error, ErrorCode::INVALID_PARAMS, "`params` is missing");
        let error = answer("tools/list", Some(json!({"cursor": 3})), true);
        says(&error, ErrorCode::INVALID_PARAMS, "`tools/list`");
    }

    #[test]
    fn unknown_methods_and_misplaced_notifications_say_what_to_send() {
        let error = answer("tools/cal", None, true);
        says(
            &error,
            ErrorCode::METHOD_NOT_FOUND,
            "did you mean `tools/call`?",
        );
        let error = answer("notifications/initialized", None, false);
        says(&error, ErrorCode::METHOD_NOT_FOUND, "without an `id`");
        // A method of MCP whose params parse but which the server does not serve.
        let error = answer("tasks/get", Some(json!({})), true);
        says(&error, ErrorCode::METHOD_NOT_FOUND, "tasks extension");
    }

    #[test]
    fn a_method_2026_07_28_removed_is_not_served_to_it_whatever_its_params() {
        let error = answer("logging/setLevel", Some(json!({})), true);
        says(
            &error,
            ErrorCode::METHOD_NOT_FOUND,
            "io.modelcontextprotocol/logLevel",
        );
        let error = answer("initialize", None, true);
        says(&error, ErrorCode::METHOD_NOT_FOUND, "`server/discover`");
        // In a 2025-11-25 session the same params are reported as invalid.
        let error = answer("logging/setLevel", Some(json!({})), false);
        says(
            &error,
            ErrorCode::INVALID_PARAMS,
            "/level: is required but missing",
        );
    }

    /// Whether rmcp's params type for `method` refuses `params`.
    #[allow(deprecated)] // rmcp deprecates logging; 2025-11-25 clients still send it
    fn rmcp_refuses(method: &str, params: &Value) -> bool {
        use rmcp::model::*;
        fn no<T: serde::de::DeserializeOwned>(params: &Value) -> bool {
            serde_json::from_value::<T>(params.clone()).is_err()
        }
        match method {
            "initialize" => no::<InitializeRequestParams>(params),
            "tools/call" => no::<CallToolRequestParams>(params),
            "resources/read" => no::<ReadResourceRequestParams>(params),
            "prompts/get" => no::<GetPromptRequestParams>(params),
            "completion/complete" => no::<CompleteRequestParams>(params),
            "logging/setLevel" => no::<SetLevelRequestParams>(params),
            "resources/subscribe" => no::<SubscribeRequestParams>(params),
            "resources/unsubscribe" => no::<UnsubscribeRequestParams>(params),
            "subscriptions/listen" => no::<SubscriptionsListenRequestParams>(params),
            _ => no::<PaginatedRequestParams>(params),
        }
    }

    /// Every field a schema names, as JSON pointers, with its place in `value`.
    fn named_fields(schema: &Value, at: &str, out: &mut Vec<String>) {
        let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
            return;
        };
        for (name, sub) in properties {
            let path = format!("{at}/{name}");
            named_fields(sub, &path, out);
            out.push(path);
        }
    }

    fn replaced(value: &Value, pointer: &str, with: Option<&Value>) -> Option<Value> {
        let mut value = value.clone();
        let (parent, last) = pointer.rsplit_once('/')?;
        let object = value.pointer_mut(parent)?.as_object_mut()?;
        match with {
            Some(with) => object.insert(last.to_owned(), with.clone()),
            None => object.remove(last),
        };
        Some(value)
    }

    /// The schemas agree with rmcp's types on every field they name: for each
    /// method, a valid `params` with every named field removed in turn and replaced
    /// by a value of each JSON type, the schema finds a problem exactly when rmcp
    /// refuses. So the server never blames a field rmcp accepts, and never says
    /// "a field does not have the shape" when the schema could name it.
    #[test]
    fn params_schemas_agree_with_rmcps_types() {
        let valid = [
            (
                "initialize",
                json!({"protocolVersion": "2025-11-25", "capabilities": {}, "_meta": {},
                    "clientInfo": {"name": "c", "version": "1", "title": "t",
                        "description": "d", "websiteUrl": "https://example.com", "icons": []}}),
            ),
            (
                "tools/call",
                json!({"name": "t", "arguments": {}, "inputResponses": {},
                    "requestState": "s", "_meta": {}}),
            ),
            (
                "resources/read",
                json!({"uri": "u", "inputResponses": {}, "requestState": "s", "_meta": {}}),
            ),
            (
                "prompts/get",
                json!({"name": "p", "arguments": {}, "inputResponses": {},
                    "requestState": "s", "_meta": {}}),
            ),
            (
                "completion/complete",
                json!({"ref": {"type": "ref/prompt", "name": "p"},
                    "argument": {"name": "a", "value": "v"},
                    "context": {"arguments": {"x": "y"}}, "_meta": {}}),
            ),
            ("logging/setLevel", json!({"level": "info", "_meta": {}})),
            ("resources/subscribe", json!({"uri": "u", "_meta": {}})),
            ("resources/unsubscribe", json!({"uri": "u", "_meta": {}})),
            (
                "subscriptions/listen",
                json!({"notifications": {"toolsListChanged": true, "promptsListChanged": true,
                    "resourcesListChanged": true, "resourceSubscriptions": ["u"]},
                    "_meta": {}}),
            ),
            ("tools/list", json!({"cursor": "c", "_meta": {}})),
            ("resources/list", json!({"cursor": "c", "_meta": {}})),
            (
                "resources/templates/list",
                json!({"cursor": "c", "_meta": {}}),
            ),
            ("prompts/list", json!({"cursor": "c", "_meta": {}})),
        ];
        let methods: Vec<&str> = valid.iter().map(|(m, _)| *m).collect();
        let schemas: Vec<&str> = PARAMS_SCHEMAS.iter().map(|(m, _)| *m).collect();
        assert_eq!(methods, schemas, "a probe for every schema, in order");
        let kinds = [
            json!(null),
            json!(true),
            json!(5),
            json!(1.5),
            json!("x"),
            json!([]),
            json!(["x"]),
            json!({}),
        ];
        let mut probes = 0;
        for (method, params) in &valid {
            // A problem the schema names; `DEEPER` is what is said when it names none.
            let problem =
                |params: &Value| params_problem(method, Some(params)).filter(|s| s != DEEPER);
            assert_eq!(problem(params), None, "{method}: {params}");
            assert!(!rmcp_refuses(method, params), "{method}: {params}");
            let (_, schema) = PARAMS_SCHEMAS.iter().find(|(m, _)| m == method).unwrap();
            let mut fields = Vec::new();
            named_fields(&serde_json::from_str(schema).unwrap(), "", &mut fields);
            for field in &fields {
                let with = kinds.iter().map(Some).chain([None]);
                for (kind, probe) in
                    with.filter_map(|kind| Some((kind, replaced(params, field, kind)?)))
                {
                    let said = problem(&probe);
                    // serde reads a struct whose fields all have defaults from an
                    // empty array too; MCP says object, and a client sending `[]`
                    // there would have been served by rmcp, not answered here.
                    if kind == Some(&json!([])) && !rmcp_refuses(method, &probe) {
                        continue;
                    }
                    assert_eq!(
                        said.is_some(),
                        rmcp_refuses(method, &probe),
                        "{method} {field}: {probe} -> {said:?}"
                    );
                    if let Some(said) = said {
                        assert!(said.contains(field.as_str()), "{method}: {said}");
                    }
                    probes += 1;
                }
            }
            for not_an_object in &kinds[..7] {
                assert!(
                    problem(not_an_object).is_some(),
                    "{method}: {not_an_object}"
                );
                assert!(
                    rmcp_refuses(method, not_an_object),
                    "{method}: {not_an_object}"
                );
            }
        }
        assert!(probes > 300, "{probes}");
    }
}
