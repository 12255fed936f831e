//! JSON values as JSON Schema compares them, for `enum`, `const`, `uniqueItems` and
//! the numeric bounds: numbers by value (`1` equals `1.0`), whatever their
//! representation.

use std::cmp::Ordering;
use std::collections::HashSet;
use std::fmt::Write as _;

use serde_json::{Number, Value};

/// Arrays longer than this are checked for duplicates through a hash set.
const PAIRWISE_UNIQUE_MAX: usize = 32;

/// Exact comparison of two JSON numbers, whatever their representation.
pub(crate) fn compare(a: &Number, b: &Number) -> Option<Ordering> {
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
pub(crate) fn json_equal(a: &Value, b: &Value) -> bool {
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

pub(crate) fn has_duplicates(items: &[Value]) -> bool {
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
