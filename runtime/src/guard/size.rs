//! How big a tool result is as JSON, without formatting it when it is clearly small.

use rmcp::model::{CallToolResult, ContentBlock};
use serde_json::Value;

/// The JSON size of `result` if it is over `limit`. A cheap upper bound first; the
/// exact size (a serialization) only when the bound is over the limit.
pub(crate) fn size_over(result: &CallToolResult, limit: usize) -> Option<usize> {
    let blocks: usize = result
        .content
        .iter()
        .map(|block| match block {
            ContentBlock::Text(text) if text.meta.is_none() && text.annotations.is_none() => {
                6 * text.text.len() + 64
            }
            other => json_size(other),
        })
        .sum();
    let bound = blocks
        + result.structured_content.as_ref().map_or(0, json_bound)
        + result.meta.as_ref().map_or(0, json_size)
        + 128;
    if bound <= limit {
        return None;
    }
    let size = json_size(result);
    (size > limit).then_some(size)
}

/// An upper bound of the length of `value` as JSON (every character of a string
/// escaped as `\uXXXX`, every number at its longest), without formatting it.
fn json_bound(value: &Value) -> usize {
    match value {
        Value::Null | Value::Bool(_) => 5,
        Value::Number(_) => 32,
        Value::String(text) => 6 * text.len() + 2,
        Value::Array(items) => 2 + items.iter().map(|v| json_bound(v) + 1).sum::<usize>(),
        Value::Object(map) => {
            2 + map
                .iter()
                .map(|(k, v)| 6 * k.len() + 4 + json_bound(v))
                .sum::<usize>()
        }
    }
}

/// The length of `value` as JSON, counted without building the text.
fn json_size(value: &impl serde::Serialize) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    serde_json::to_writer(&mut count, value).map_or(0, |()| count.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_size_bound_is_never_below_the_size() {
        let values = [
            json!(null),
            json!(-1.797_693_134_862_315_7e308),
            json!(u64::MAX),
            json!("\u{1}\"\\ é"),
            json!({"city": "Zurich", "days": [{"high": 24.5, "sky": "clear"}], "ok": true}),
        ];
        for value in values {
            assert!(json_bound(&value) >= json_size(&value), "{value}");
            let text = value.to_string();
            let mut result = CallToolResult::success(vec![ContentBlock::text(text)]);
            result.structured_content = Some(value);
            let size = json_size(&result);
            assert_eq!(size_over(&result, size), None);
            assert_eq!(size_over(&result, size - 1), Some(size));
        }
    }
}
