//! A valid value into the form handlers expect: defaults filled in, whole numbers at
//! integer positions written as integers.

use serde_json::Value;

use crate::check::{Seen, property_index};
use crate::node::Node;

pub(crate) fn prepare(targets: &[Node], node: &Node, value: &mut Value) {
    if !node.prepares {
        return;
    }
    if let Some(target) = node.reference {
        prepare(targets, &targets[target], value);
    }
    if node.integer {
        // JSON Schema counts `3.0` as an integer; typed handlers want `3`.
        if value.is_f64()
            && let Some(whole) = value
                .as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
        {
            #[allow(clippy::cast_possible_truncation)]
            let whole = whole as i64;
            *value = Value::from(whole);
        }
        return;
    }
    match value {
        Value::Object(map) => {
            // One pass over what was sent (no lookups by name), then the defaults of
            // the properties it left out.
            let mut seen = Seen::default();
            for (at, (name, value)) in map.iter_mut().enumerate() {
                if let Some(index) = property_index(node, at, name) {
                    seen.mark(index);
                    prepare(targets, &node.properties[index].node, value);
                }
            }
            for (index, property) in node.properties.iter().enumerate() {
                let Some(default) = &property.default else {
                    continue;
                };
                if !seen.has(index, &property.name, map) {
                    map.insert(property.name.clone(), default.clone());
                }
            }
        }
        Value::Array(items) => {
            if let Some(item) = &node.items {
                for value in items {
                    prepare(targets, item, value);
                }
            }
        }
        _ => {}
    }
}
