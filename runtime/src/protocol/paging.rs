//! Cursor paging of list results.

use rmcp::{ErrorData, model::PaginatedRequestParams};

/// One page of `items` from an opaque cursor.
pub(crate) fn page<T: Clone>(
    items: &[T],
    params: Option<&PaginatedRequestParams>,
    page_size: usize,
) -> Result<(Vec<T>, Option<String>), ErrorData> {
    let start = match params.and_then(|p| p.cursor.as_deref()) {
        None => 0,
        Some(cursor) => cursor
            .strip_prefix("offset:")
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| *n <= items.len())
            .ok_or_else(|| {
                ErrorData::invalid_params(
                    format!(
                        "invalid cursor `{cursor}`: pass the nextCursor of the previous page unchanged, or no cursor to start over"
                    ),
                    None,
                )
            })?,
    };
    let end = (start + page_size).min(items.len());
    let next = (end < items.len()).then(|| format!("offset:{end}"));
    Ok((items[start..end].to_vec(), next))
}
