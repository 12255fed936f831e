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
//! by the HTTP guard for the JSON responses of stateless requests.

use rmcp::model::{
    CallToolRequestParams, CompleteRequestParams, CustomRequest, ErrorCode, ErrorData,
    GetPromptRequestParams, InitializeRequestParams, PaginatedRequestParams,
    ReadResourceRequestParams, SubscribeRequestParams, SubscriptionsListenRequestParams,
    UnsubscribeRequestParams,
};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::handler::suggestion;

/// The requests of MCP a client sends to a server, in both revisions.
const MCP_METHODS: &[&str] = &[
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

/// What is wrong with the `params` of a method of MCP, as serde words it; `None` for
/// a method without a params type here, or params that parse.
fn params_problem(method: &str, params: Option<&Value>) -> Option<String> {
    fn parse<T: DeserializeOwned>(params: Option<&Value>, optional: bool) -> Option<String> {
        let params = match params {
            Some(params) => params.clone(),
            None if optional => return None,
            None => return Some("`params` is missing".to_owned()),
        };
        serde_json::from_value::<T>(params)
            .err()
            .map(|e| e.to_string())
    }
    match method {
        "initialize" => parse::<InitializeRequestParams>(params, false),
        "tools/call" => parse::<CallToolRequestParams>(params, false),
        "resources/read" => parse::<ReadResourceRequestParams>(params, false),
        "prompts/get" => parse::<GetPromptRequestParams>(params, false),
        "completion/complete" => parse::<CompleteRequestParams>(params, false),
        "logging/setLevel" => {
            #[allow(deprecated)] // rmcp deprecates logging; 2025-11-25 clients still send it
            parse::<rmcp::model::SetLevelRequestParams>(params, false)
        }
        "resources/subscribe" => parse::<SubscribeRequestParams>(params, false),
        "resources/unsubscribe" => parse::<UnsubscribeRequestParams>(params, false),
        "subscriptions/listen" => parse::<SubscriptionsListenRequestParams>(params, false),
        "tools/list" | "resources/list" | "resources/templates/list" | "prompts/list" => {
            parse::<PaginatedRequestParams>(params, true)
        }
        _ => None,
    }
}

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
            "invalid type: integer `5`",
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
        says(&error, ErrorCode::INVALID_PARAMS, "missing field `level`");
    }
}
