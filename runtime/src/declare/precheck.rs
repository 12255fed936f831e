//! Output checks that generated types run on themselves, before they become JSON.
//!
//! A tool's result must match its `outputSchema`; the runtime walks the JSON against
//! the compiled schema ([`crate::schema`]). For a type `mcpgen generate` emits from the
//! spec, most of that walk only confirms what the Rust type already guarantees (the
//! fields, their types, the enum values, no other property). What the type cannot
//! guarantee (a finite number, a range, a length, an item count, distinct items) the
//! generator emits as Rust on the type: [`SatisfiesSchema`]. When it says yes, the
//! runtime skips the walk ([`crate::ToolOutput::structured_prechecked`]); when it says
//! no, the runtime walks the JSON as usual, so the violation is reported exactly as
//! before. The checks are one-sided by construction: where the generator cannot
//! decide (a `pattern`, say) it emits no fast check at all.
//!
//! Each helper here compares as [`crate::schema`] does, so the two cannot disagree:
//! `tests/generated/tests/agreement.rs` holds both to every sample it derives from the
//! example specs' output schemas.

/// A value that checks the constraints of its JSON Schema its Rust type does not
/// enforce. Implemented by the types `mcpgen generate` emits; not a public API.
pub trait SatisfiesSchema {
    /// Whether the value, serialized, satisfies its schema. `false` may also mean
    /// "not sure": the runtime then validates the JSON.
    fn satisfies_schema(&self) -> bool;
}

/// A number serialized from an `f64`: finite (NaN and infinities become `null`, which
/// no number schema accepts) and within the inclusive bounds.
#[must_use]
pub fn number_within(value: f64, minimum: Option<f64>, maximum: Option<f64>) -> bool {
    value.is_finite() && minimum.is_none_or(|m| value >= m) && maximum.is_none_or(|m| value <= m)
}

/// An integer within the inclusive bounds.
#[must_use]
pub fn integer_within(value: i64, minimum: Option<i64>, maximum: Option<i64>) -> bool {
    minimum.is_none_or(|m| value >= m) && maximum.is_none_or(|m| value <= m)
}

/// A string whose length in characters (code points, as JSON Schema counts) is within
/// the inclusive bounds.
#[must_use]
pub fn length_within(value: &str, minimum: Option<u64>, maximum: Option<u64>) -> bool {
    let count = value.chars().count() as u64;
    minimum.is_none_or(|m| count >= m) && maximum.is_none_or(|m| count <= m)
}

/// An array whose item count is within the inclusive bounds.
#[must_use]
pub fn count_within<T>(items: &[T], minimum: Option<u64>, maximum: Option<u64>) -> bool {
    let count = items.len() as u64;
    minimum.is_none_or(|m| count >= m) && maximum.is_none_or(|m| count <= m)
}

/// No two items equal. Only for items whose Rust equality is JSON equality (strings,
/// integers, finite numbers, booleans, enums): the generator emits it for no others.
#[must_use]
pub fn all_distinct<T: PartialEq>(items: &[T]) -> bool {
    items
        .iter()
        .enumerate()
        .all(|(i, item)| !items[..i].contains(item))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_must_be_finite_and_within_bounds() {
        assert!(number_within(0.0, Some(0.0), None));
        assert!(number_within(-0.0, Some(0.0), Some(0.0)));
        assert!(!number_within(-0.5, Some(0.0), None));
        assert!(!number_within(f64::NAN, None, None));
        assert!(!number_within(f64::INFINITY, None, None));
        assert!(number_within(14.0, None, Some(14.0)));
        assert!(!number_within(14.000_001, None, Some(14.0)));
    }

    #[test]
    fn integers_lengths_counts_and_distinct_items() {
        assert!(integer_within(1, Some(1), Some(14)));
        assert!(!integer_within(0, Some(1), None));
        assert!(!integer_within(15, None, Some(14)));
        assert!(integer_within(i64::MIN, None, None));
        // Characters, not bytes: "é" is one character and two bytes.
        assert!(length_within("é", Some(1), Some(1)));
        assert!(!length_within("", Some(1), None));
        assert!(count_within(&[1, 2], Some(2), Some(2)));
        assert!(!count_within::<u8>(&[], Some(1), None));
        assert!(all_distinct(&["a", "b"]));
        assert!(!all_distinct(&["a", "b", "a"]));
        assert!(all_distinct::<i64>(&[]));
    }
}
