//! Names: case, length, tools that read as actions, units in numeric names, enum hints.

use heck::{ToSnakeCase, ToUpperCamelCase};

use super::types::{Base, base};
use super::{Cx, tick};
use crate::diag::{Code, Diagnostic};
use crate::model::{Name, Schema};
use crate::source::Span;

/// Longest tool name several clients accept.
pub(super) const MAX_TOOL_NAME: usize = 64;

/// `^[a-z][a-z0-9]*(_[a-z0-9]+)*$`
pub(super) fn is_snake(s: &str) -> bool {
    let mut words = s.split('_');
    let first_ok = words.next().is_some_and(|w| {
        w.starts_with(|c: char| c.is_ascii_lowercase())
            && w.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    });
    first_ok
        && words.all(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// `^[A-Z][A-Za-z0-9]*$`
fn is_pascal(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_uppercase()) && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// `naming_case` for a snake_case name: a tool, parameter, field, argument, ...
pub(super) fn snake_name(cx: &mut Cx<'_>, what: &str, name: &Name) {
    if is_snake(&name.value) {
        return;
    }
    let suggestion = name.value.to_snake_case();
    let mut d = Diagnostic::new(
        Code::NamingCase,
        name.span,
        format!("{what} name {} is not snake_case", tick(&name.value)),
    );
    d = if is_snake(&suggestion) {
        d.with_label(format!("write {}", tick(&suggestion))).with_help(format!(
            "{what} names are snake_case (lowercase words joined by `_`, starting with a letter): rename it to {}",
            tick(&suggestion)
        ))
    } else {
        d.with_label("not snake_case").with_help(format!(
            "{what} names are snake_case: lowercase ASCII words joined by `_`, starting with a letter, such as `city_name`"
        ))
    };
    cx.emit(d);
}

/// `naming_case` for a type name under `types:`.
pub(super) fn pascal_name(cx: &mut Cx<'_>, name: &Name) {
    if is_pascal(&name.value) {
        return;
    }
    let suggestion = name.value.to_upper_camel_case();
    let mut d = Diagnostic::new(
        Code::NamingCase,
        name.span,
        format!("type name {} is not PascalCase", tick(&name.value)),
    );
    d = if is_pascal(&suggestion) {
        d.with_label(format!("write {}", tick(&suggestion))).with_help(format!(
            "type names are PascalCase (capitalized words run together) and become Rust type names: rename it to {} and update the places that use it",
            tick(&suggestion)
        ))
    } else {
        d.with_label("not PascalCase").with_help(
            "type names are PascalCase: capitalized ASCII words run together, starting with a letter, such as `DayForecast`",
        )
    };
    cx.emit(d);
}

/// `name_too_long` and `action_name` for a tool name (its case is checked by [`snake_name`]).
pub(super) fn tool_name(cx: &mut Cx<'_>, name: &Name) {
    let len = name.value.chars().count();
    if len > MAX_TOOL_NAME {
        cx.emit(
            Diagnostic::new(
                Code::NameTooLong,
                name.span,
                format!("tool name {} is {len} characters long, over the limit of {MAX_TOOL_NAME}", tick(&name.value)),
            )
            .with_label(format!("{len} characters"))
            .with_help(format!(
                "shorten it to at most {MAX_TOOL_NAME} characters: several clients reject longer tool names or cut them when they add the server's name; put the detail in the description"
            )),
        );
    }
    if let Some(d) = action_name(name) {
        cx.emit(d);
    }
}

/// Verbs a tool name may start with. Wide on purpose: a false warning costs more trust
/// than a missed one.
#[rustfmt::skip]
const VERBS: &[&str] = &[
    "accept", "acknowledge", "activate", "add", "aggregate", "allocate", "analyse", "analyze",
    "annotate", "answer", "append", "apply", "approve", "archive", "ask", "assign", "attach",
    "audit", "authenticate", "authorize", "backup", "ban", "batch", "benchmark", "block", "book",
    "bookmark", "broadcast", "browse", "build", "bump", "buy", "calculate", "call", "cancel",
    "capture", "categorize", "change", "charge", "check", "checkout", "choose", "classify", "clean",
    "cleanup", "clear", "click", "clone", "close", "cluster", "collect", "comment", "commit",
    "compare", "compile", "complete", "compose", "compress", "compute", "configure", "confirm",
    "connect", "convert", "copy", "count", "crawl", "create", "crop", "deactivate", "debug",
    "decline", "decode", "decompress", "decrypt", "dedupe", "delete", "deploy", "describe",
    "detach", "detect", "diagnose", "diff", "disable", "disconnect", "dismiss", "dispatch",
    "display", "download", "draft", "draw", "drop", "dump", "duplicate", "echo", "edit", "embed",
    "emit", "enable", "encode", "encrypt", "enqueue", "enrich", "enroll", "ensure", "escalate",
    "estimate", "evaluate", "execute", "expand", "explain", "export", "extract", "fetch", "fill",
    "filter", "find", "finish", "fix", "flag", "flush", "follow", "forecast", "fork", "format",
    "forward", "geocode", "generate", "get", "give", "grant", "greet", "group", "guess", "handle",
    "has", "hash", "hide", "highlight", "identify", "ignore", "import", "increment", "decrement",
    "index", "infer", "ingest", "initialize", "init", "insert", "inspect", "install", "invite",
    "invoke", "is", "join", "kill", "label", "launch", "leave", "like", "limit", "link", "lint",
    "list", "load", "locate", "lock", "log", "login", "logout", "look", "lookup", "make", "manage",
    "map", "mark", "match", "measure", "merge", "migrate", "mint", "modify", "monitor", "mount",
    "move", "mute", "navigate", "normalize", "notify", "observe", "open", "optimize", "order",
    "organize", "pack", "parse", "patch", "pause", "pay", "pick", "pin", "ping", "place", "plan",
    "play", "plot", "poll", "post", "predict", "prepare", "prepend", "preview", "print", "process",
    "profile", "promote", "propose", "provision", "prune", "publish", "pull", "purchase", "purge",
    "push", "put", "query", "queue", "rank", "rate", "read", "rebuild", "recall", "receive",
    "recommend", "reconcile", "record", "redact", "redo", "refresh", "refund", "register",
    "reindex", "reject", "release", "reload", "remember", "remind", "remove", "rename", "render",
    "reopen", "reorder", "repair", "replace", "reply", "report", "request", "rerun", "reserve",
    "reset", "resize", "resolve", "respond", "restart", "restore", "resume", "retrieve", "retry",
    "return", "revert", "review", "revoke", "rollback", "rotate", "route", "run", "sample",
    "sanitize", "save", "say", "scale", "scan", "schedule", "scrape", "scroll", "search", "select",
    "sell", "send", "set", "setup", "share", "show", "shutdown", "sign", "simulate", "skip",
    "sleep", "snapshot", "snooze", "solve", "sort", "speak", "split", "star", "start", "stop",
    "store", "stream", "submit", "subscribe", "suggest", "summarise", "summarize", "suspend",
    "swap", "switch", "sync", "tag", "take", "terminate", "test", "tokenize", "toggle", "track",
    "train", "transcribe", "transfer", "transform", "translate", "trigger", "trim", "truncate",
    "type", "undo", "unarchive", "unassign", "unblock", "uninstall", "unlink", "unlock", "unmute",
    "unpin", "unregister", "unsubscribe", "unwatch", "update", "upgrade", "upload", "upsert",
    "validate", "verify", "view", "visualize", "vote", "wait", "watch", "withdraw", "write", "zip",
    "unzip", "reprioritize", "unresolve", "unstar", "finalize", "gzip", "gunzip", "stash",
    "blame", "grep",
];

/// Verbs that, followed by `_tool`, `_api` and the like, act on a tool or an API
/// (`create_tool`, `list_apis`) rather than make the name read as a thing. Nouns that
/// are also verbs (`forecast`) are left out on purpose.
#[rustfmt::skip]
const TOOL_OBJECT_VERBS: &[&str] = &[
    "add", "call", "create", "delete", "deploy", "describe", "disable", "enable", "find", "get",
    "install", "invoke", "list", "register", "remove", "run", "search", "test", "uninstall",
    "unregister", "update", "use", "validate",
];

/// Suffixes that make a tool name read as a thing.
const THING_SUFFIXES: &[&str] = &["_tool", "_tools", "_function", "_func", "_api"];

/// `tool`, `tool1`, `tool_2`, `func`, `func3`.
fn is_placeholder(name: &str) -> bool {
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if let Some(rest) = name.strip_prefix("tool") {
        return digits(rest.strip_prefix('_').unwrap_or(rest));
    }
    name.strip_prefix("func").is_some_and(digits)
}

fn action_name(name: &Name) -> Option<Diagnostic> {
    let n = name.value.as_str();
    let warn = |message: String, label: &str, help: String| {
        Some(
            Diagnostic::new(Code::ActionName, name.span, message)
                .with_label(label.to_owned())
                .with_help(help),
        )
    };
    if is_placeholder(n) {
        return warn(
            format!("tool name {} says nothing about what the tool does", tick(n)),
            "a placeholder name",
            "name the tool for its action, verb first: `get_forecast`, `create_issue`, `search_documents`".to_owned(),
        );
    }
    if let Some(suffix) = THING_SUFFIXES.iter().find(|s| n.ends_with(**s)) {
        let stem = n.trim_end_matches(suffix);
        // `create_tool`, `list_tools`: the tool is what the action acts on.
        if TOOL_OBJECT_VERBS.contains(&stem) {
            return None;
        }
        let stem_first = stem.split('_').next().unwrap_or_default();
        let suggestion = if VERBS.contains(&stem_first) {
            stem.to_owned()
        } else {
            format!("get_{stem}")
        };
        return warn(
            format!("tool name {} reads as a thing, not an action", tick(n)),
            &format!("drop `{suffix}`"),
            format!(
                "every tool is a tool; name it for what it does, verb first: for example {} (or `list_`, `create_`, `update_`, ... whichever it does)",
                tick(&suggestion)
            ),
        );
    }
    // Split as snake_case, so `getForecast` (reported as `naming_case`) is not also a noun.
    let snake = n.to_snake_case();
    let words: Vec<&str> = snake.split('_').filter(|w| !w.is_empty()).collect();
    let first = words.first().copied().unwrap_or_default();
    // Verb first (`get_forecast`), after a server prefix (`git_create_branch`,
    // `slack_post_message`), or last in a resource-first name (`issue_read`).
    let second = words.get(1).copied().unwrap_or_default();
    let last = words.last().copied().unwrap_or_default();
    let prefixed = words.len() > 2 && VERBS.contains(&second);
    let resource_first = words.len() > 1 && VERBS.contains(&last);
    if first.is_empty() || VERBS.contains(&first) || prefixed || resource_first {
        return None;
    }
    let (message, label) = if words.len() == 1 {
        (
            format!("tool name {} is a single word that is not a verb", tick(n)),
            "not an action",
        )
    } else {
        (
            format!("tool name {} does not start with a verb", tick(n)),
            "not a verb",
        )
    };
    warn(
        message,
        label,
        format!(
            "models pick tools by what they do; start the name with a verb: for example {} (or `list_{snake}`, `create_{snake}`, ... whichever it does)",
            tick(&format!("get_{snake}"))
        ),
    )
}

/// Which quantity a name's word denotes, and the suffixes that fit it.
struct Quantity {
    what: &'static str,
    suffixes: &'static [&'static str],
}

const DURATION: Quantity = Quantity {
    what: "a duration",
    suffixes: &["_ms", "_s", "_min", "_h", "_days"],
};
const TIME: Quantity = Quantity {
    what: "a time or duration",
    suffixes: &["_ms", "_s", "_unix_s"],
};
const SIZE: Quantity = Quantity {
    what: "a size",
    suffixes: &["_bytes", "_kib", "_mib", "_chars", "_items"],
};
const LENGTH: Quantity = Quantity {
    what: "a length",
    suffixes: &["_chars", "_bytes", "_m", "_px"],
};
const DISTANCE: Quantity = Quantity {
    what: "a distance",
    suffixes: &["_m", "_km", "_mi", "_ft", "_px"],
};
const MONEY: Quantity = Quantity {
    what: "an amount of money",
    suffixes: &["_usd", "_eur", "_cents"],
};
const MINOR_MONEY: Quantity = Quantity {
    what: "an amount of money in a currency's minor unit",
    suffixes: &["_cents", "_minor"],
};
const TEMPERATURE: Quantity = Quantity {
    what: "a temperature",
    suffixes: &["_c", "_f", "_k"],
};
const RATE: Quantity = Quantity {
    what: "a rate",
    suffixes: &["_per_s", "_per_min", "_hz", "_pct"],
};
const BANDWIDTH: Quantity = Quantity {
    what: "a bandwidth",
    suffixes: &["_bps", "_mbps", "_bytes_per_s"],
};

/// The quantity a word denotes. `range` is left out (a date range, a port range, a
/// distance: too open), as are `limit` and `count` (a limit of items is a count).
fn quantity(word: &str) -> Option<&'static Quantity> {
    Some(match word {
        "timeout" | "delay" | "interval" | "ttl" | "duration" | "period" | "age" | "elapsed"
        | "latency" | "wait" | "backoff" | "expiry" | "expires" | "expiration" | "retention"
        | "uptime" | "cooldown" | "lifetime" | "window" | "sleep" => &DURATION,
        "time" | "timestamp" | "deadline" | "since" | "until" => &TIME,
        "size" | "capacity" | "memory" | "storage" | "quota" => &SIZE,
        "length" => &LENGTH,
        "distance" | "radius" | "height" | "width" | "depth" | "altitude" | "elevation" => {
            &DISTANCE
        }
        "price" | "cost" | "amount" | "fee" | "budget" | "balance" | "salary" | "revenue"
        | "income" | "charge" => &MONEY,
        "temp" | "temperature" => &TEMPERATURE,
        "rate" | "speed" | "frequency" | "throughput" | "velocity" => &RATE,
        "bandwidth" => &BANDWIDTH,
        _ => return None,
    })
}

/// Words written before a quantity without `_` (`maxsize`, `readtimeout`).
#[rustfmt::skip]
const JOINED_PREFIXES: &[&str] = &[
    "max", "min", "read", "write", "connect", "total", "idle", "request", "response", "cache",
    "buffer", "file", "page", "batch", "chunk", "retry", "poll", "keepalive", "socket",
];

/// A word that is a prefix and a quantity run together: (quantity word, its quantity,
/// the prefix).
fn joined_quantity(word: &str) -> Option<(&str, &'static Quantity, Option<&str>)> {
    JOINED_PREFIXES.iter().find_map(|prefix| {
        let rest = word.strip_prefix(prefix)?;
        let q = quantity(rest)?;
        Some((rest, q, Some(*prefix)))
    })
}

/// Unit words a name may end with (as its last `_` word): any unit fits any quantity here,
/// the help names the ones that suit the quantity found.
#[rustfmt::skip]
const UNIT_WORDS: &[&str] = &[
    // time
    "ns", "us", "ms", "s", "sec", "secs", "second", "seconds", "min", "mins", "minute", "minutes",
    "h", "hr", "hrs", "hour", "hours", "d", "day", "days", "week", "weeks", "month", "months",
    "year", "years",
    // size and counts
    "bytes", "b", "kb", "kib", "mb", "mib", "gb", "gib", "tb", "tib", "bits", "chars", "characters",
    "tokens", "items", "lines", "rows", "pages", "words", "entries", "records", "count", "px", "pt",
    // distance
    "m", "km", "mi", "ft", "cm", "mm", "nm", "meters", "metres", "kilometers", "miles", "feet",
    "inches", "deg", "degrees",
    // money
    "cents", "usd", "eur", "gbp", "jpy", "chf", "cny", "cad", "aud", "nzd", "inr", "brl", "mxn",
    "krw", "sek", "nok", "dkk", "pln", "czk", "huf", "sgd", "hkd", "zar", "try", "ils", "aed",
    "sar", "btc", "eth", "sats", "minor",
    // temperature
    "c", "f", "k", "celsius", "fahrenheit", "kelvin",
    // rates and ratios
    "hz", "khz", "mhz", "ghz", "rps", "rpm", "qps", "bps", "kbps", "mbps", "gbps", "kmh", "mph",
    "mps", "pct", "percent", "percentage", "ratio", "fraction", "factor", "multiplier",
    // times since the epoch
    "unix", "epoch",
];

/// Whether a name ends with a unit: its last word is a unit, or it ends `_per_<unit>`.
fn has_unit(words: &[&str]) -> bool {
    words.last().is_some_and(|w| UNIT_WORDS.contains(w))
}

/// Words before `size` that make it a count of items, not bytes: `page_size`,
/// `batch_size`, `chunk_size` (items per page/batch/chunk).
#[rustfmt::skip]
const COUNT_SIZES: &[&str] = &[
    "page", "batch", "chunk", "sample", "group", "window", "pool", "queue", "cluster", "team",
];

/// `unit_suffix`: a number whose name denotes a quantity but carries no unit.
pub(super) fn unit_suffix(cx: &mut Cx<'_>, what: &str, name: &Name, schema: &Schema) {
    if !base(cx.spec, schema).is_some_and(Base::is_numeric) {
        return;
    }
    let lower = name.value.to_snake_case();
    let words: Vec<&str> = lower.split('_').filter(|w| !w.is_empty()).collect();
    if has_unit(&words) {
        return;
    }
    let found = words.iter().enumerate().find_map(|(i, w)| {
        let (word, q, before) = match quantity(w) {
            Some(q) => (*w, q, i.checked_sub(1).and_then(|j| words.get(j)).copied()),
            // Joined words: `maxsize`, `readtimeout`.
            None => joined_quantity(w)?,
        };
        let counted = word == "size" && before.is_some_and(|b| COUNT_SIZES.contains(&b));
        // An LLM's context window is counted in tokens, not time.
        let context = word == "window" && before == Some("context");
        (!counted && !context).then_some((word, q))
    });
    let Some((word, q)) = found else { return };
    // An amount in a currency's minor unit (cents) takes that unit, not a currency.
    let description = schema
        .description
        .as_ref()
        .map(|d| d.value.to_lowercase())
        .unwrap_or_default();
    let minor = [
        "cent",
        "minor unit",
        "smallest unit",
        "smallest currency unit",
    ];
    let q = if std::ptr::eq(q, &MONEY) && minor.iter().any(|m| description.contains(m)) {
        &MINOR_MONEY
    } else {
        q
    };
    let base_name = name.value.as_str();
    let mut suggestions = q
        .suffixes
        .iter()
        .take(2)
        .map(|s| tick(&format!("{base_name}{s}")));
    let label = match (suggestions.next(), suggestions.next()) {
        (Some(a), Some(b)) => format!("name it {a} or {b}"),
        (Some(a), None) => format!("name it {a}"),
        _ => "add a unit".to_owned(),
    };
    cx.emit(
        Diagnostic::new(
            Code::UnitSuffix,
            name.span,
            format!(
                "{what} {} is {} but its name has no unit",
                tick(base_name),
                q.what
            ),
        )
        .with_label(label)
        .with_help(format!(
            "a model cannot guess the unit of `{word}` (`{base_name}: 30` could be seconds or milliseconds, dollars or cents); end the name with a unit that fits {}: {}",
            q.what,
            q.suffixes.iter().map(|s| tick(s)).collect::<Vec<_>>().join(", ")
        )),
    );
}

/// Last words of a string name that suggest a closed set of values.
#[rustfmt::skip]
const CLOSED_SET_WORDS: &[&str] = &[
    "mode", "format", "sort", "order", "kind", "type", "status", "state", "level", "category",
    "direction", "priority", "severity", "unit", "units", "method", "strategy", "visibility",
    "role", "style",
];

/// Phrases in a description that list allowed values.
#[rustfmt::skip]
const CLOSED_SET_PHRASES: &[&str] = &[
    "one of", "either", "must be", "possible values", "valid values", "allowed values",
    "accepted values",
];

/// Two or more quoted words separated by `,`, `/`, `|` or `or`: `` `a`, `b` or `c` ``.
/// Returns the words of the longest such list.
fn listed_values(text: &str) -> Vec<String> {
    let mut best: Vec<String> = Vec::new();
    let mut run: Vec<String> = Vec::new();
    let mut chars = text.char_indices().peekable();
    let mut last_end: Option<usize> = None;
    while let Some((i, c)) = chars.next() {
        if !matches!(c, '`' | '"' | '\'') {
            continue;
        }
        let rest = text.get(i + c.len_utf8()..).unwrap_or_default();
        let Some(close) = rest.find(c) else { break };
        let word = rest.get(..close).unwrap_or_default();
        let wordy = !word.is_empty() && word.len() <= 32 && !word.contains(char::is_whitespace);
        // The text between the previous quoted word and this one.
        let joined = last_end.is_some_and(|end| {
            let between = text.get(end..i).unwrap_or_default().trim();
            matches!(between, "," | "/" | "|" | "or" | ", or" | "and" | ", and")
        });
        if !joined {
            run.clear();
        }
        if wordy {
            run.push(word.to_owned());
            if run.len() >= 2 && run.len() > best.len() {
                best.clone_from(&run);
            }
        } else {
            run.clear();
        }
        let end = i + c.len_utf8() + close + c.len_utf8();
        last_end = Some(end);
        while chars.peek().is_some_and(|(j, _)| *j < end) {
            chars.next();
        }
    }
    best
}

/// `enum_suggestion`: a free string that looks like a closed set.
pub(super) fn enum_suggestion(
    cx: &mut Cx<'_>,
    what: &str,
    name: &str,
    span: Span,
    schema: &Schema,
) {
    // Only a string written as such here; a reference to a named type is judged there.
    if schema.enum_values.is_some()
        || schema.pattern.is_some()
        || schema.format.is_some()
        || schema.ty.as_ref().is_none_or(|t| t.value != "string")
    {
        return;
    }
    let snake = name.to_snake_case();
    let last = snake.rsplit('_').next().unwrap_or_default();
    let description = schema
        .description
        .as_ref()
        .map(|d| d.value.to_lowercase())
        .unwrap_or_default();
    // MIME types are an open set.
    let open_set = ["mime_type", "content_type", "media_type"]
        .iter()
        .any(|s| snake.ends_with(s));
    let original = schema
        .description
        .as_ref()
        .map(|d| d.value.as_str())
        .unwrap_or_default();
    // Values given as examples ("e.g. 'Europe/London', 'Asia/Tokyo'") are an open set.
    let values = listed_values(original);
    let values = if introduced_as_examples(original, &values) {
        Vec::new()
    } else {
        values
    };
    let reason = if CLOSED_SET_WORDS.contains(&last) && !open_set {
        format!("its name ends in `{last}`")
    } else if !values.is_empty() {
        "its description lists values".to_owned()
    } else if let Some(phrase) = CLOSED_SET_PHRASES
        .iter()
        .find(|p| contains_phrase(&description, p))
    {
        format!("its description says \"{phrase}\"")
    } else {
        return;
    };
    let example = if values.is_empty() {
        "`enum: [a, b, c]` (or `enum: { a: what a means, b: ... }`)".to_owned()
    } else {
        format!("`enum: [{}]`", values.join(", "))
    };
    cx.emit(
        Diagnostic::new(
            Code::EnumSuggestion,
            span,
            format!("{what} {} is a free string, but {reason}: it looks like a closed set of values", tick(name)),
        )
        .with_label("consider an enum")
        .with_help(format!(
            "declare the allowed values as an enum, {example}, so the model sees them and the server rejects anything else"
        )),
    );
}

/// Words that introduce examples rather than the allowed values.
const EXAMPLE_MARKERS: &[&str] = &[
    "e.g.",
    "eg.",
    "e.g.,",
    "for example",
    "for instance",
    "such as",
    "like",
    "example:",
    "examples:",
];

/// Whether the listed `values` follow an example marker (within a few characters, past
/// an opening parenthesis or a colon).
fn introduced_as_examples(text: &str, values: &[String]) -> bool {
    let Some(first) = values.first() else {
        return false;
    };
    let Some(at) = text.find(first.as_str()) else {
        return false;
    };
    let before = text
        .get(..at.saturating_sub(1))
        .unwrap_or_default()
        .to_lowercase();
    let before =
        before.trim_end_matches(|c: char| c.is_whitespace() || matches!(c, '(' | ':' | ','));
    EXAMPLE_MARKERS
        .iter()
        .any(|m| before.ends_with(m.trim_end_matches(':')) || before.ends_with(m))
}

/// Whether `phrase` occurs in `text` as whole words.
fn contains_phrase(text: &str, phrase: &str) -> bool {
    text.match_indices(phrase).any(|(i, _)| {
        let before = text.get(..i).and_then(|s| s.chars().next_back());
        let after = text.get(i + phrase.len()..).and_then(|s| s.chars().next());
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// `duplicate`: names that differ only in case or separators (`city`, `City`); exact
/// repeats are already rejected by the YAML reader.
pub(super) fn collisions<'n>(
    cx: &mut Cx<'_>,
    what: &str,
    names: impl Iterator<Item = &'n Name>,
    normalize: impl Fn(&str) -> String,
) {
    let mut seen: Vec<(String, &Name)> = Vec::new();
    for name in names {
        let key = normalize(&name.value);
        if let Some((_, first)) = seen.iter().find(|(k, _)| *k == key) {
            if first.value != name.value {
                cx.emit(
                    Diagnostic::new(
                        Code::Duplicate,
                        name.span,
                        format!(
                            "{what} {} and {} are the same name once converted to {}",
                            tick(&first.value),
                            tick(&name.value),
                            tick(&key)
                        ),
                    )
                    .with_label(if first.span.is_known() {
                        format!("same as {} on line {}", tick(&first.value), first.span.line)
                    } else {
                        format!("same as {}", tick(&first.value))
                    })
                    .with_help(format!(
                        "the generated Rust code and many clients would see one name; rename or remove one of the two {what}s"
                    )),
                );
            }
        } else {
            seen.push((key, name));
        }
    }
}

/// Tool names that collide once converted to snake_case.
pub(super) fn check_tool_collisions(cx: &mut Cx<'_>) {
    let spec = cx.spec;
    collisions(cx, "tool", spec.tools.0.iter().map(|(n, _)| n), |n| {
        n.to_snake_case()
    });
}

/// Handler prompts become `prompt_NAME` methods and `NameArgs` types of the generated
/// module, next to the tools' methods: names must stay distinct once converted.
pub(super) fn check_prompt_handler_collisions(cx: &mut Cx<'_>) {
    let spec = cx.spec;
    let handlers = || spec.prompts.0.iter().filter(|(_, p)| p.has_handler());
    collisions(cx, "handler prompt", handlers().map(|(n, _)| n), |n| {
        n.to_snake_case()
    });
    for (name, _) in handlers() {
        let method = format!("prompt_{}", name.value.to_snake_case());
        let Some((tool, _)) = spec
            .tools
            .iter()
            .find(|(t, _)| t.value.to_snake_case() == method)
        else {
            continue;
        };
        cx.emit(
            Diagnostic::new(
                Code::Duplicate,
                name.span,
                format!(
                    "the handler method of prompt {} is {}, which is also the method of tool {}",
                    tick(&name.value),
                    tick(&method),
                    tick(&tool.value)
                ),
            )
            .with_label(if tool.span.is_known() {
                format!("same method as tool {} on line {}", tick(&tool.value), tool.span.line)
            } else {
                format!("same method as tool {}", tick(&tool.value))
            })
            .with_help("rename the prompt or the tool: the generated `Handler` trait cannot have two methods of one name"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_rules() {
        for good in ["a", "get_forecast", "v2", "get_v2_data"] {
            assert!(is_snake(good), "{good}");
        }
        for bad in [
            "",
            "_a",
            "a_",
            "a__b",
            "Get",
            "getForecast",
            "2a",
            "a-b",
            "ä",
        ] {
            assert!(!is_snake(bad), "{bad}");
        }
        assert!(is_pascal("DayForecast") && is_pascal("V2"));
        assert!(!is_pascal("dayForecast") && !is_pascal("Day_Forecast") && !is_pascal(""));
    }

    #[test]
    fn placeholders() {
        for p in ["tool", "tool1", "tool_2", "func", "func3"] {
            assert!(is_placeholder(p), "{p}");
        }
        for p in ["tools_list", "toolbox", "function_x", "tool_a"] {
            assert!(!is_placeholder(p), "{p}");
        }
    }

    #[test]
    fn value_lists_in_descriptions() {
        assert_eq!(listed_values("`asc`, `desc`"), ["asc", "desc"]);
        assert_eq!(
            listed_values("\"metric\" or \"imperial\""),
            ["metric", "imperial"]
        );
        assert_eq!(
            listed_values("use 'a' / 'b'; or `x`, `y`, `z`"),
            ["x", "y", "z"]
        );
        assert!(listed_values("the `city` name").is_empty());
        assert!(listed_values("it's the user's name").is_empty());
        assert!(listed_values("`a` then later `b`").is_empty());
    }
}
