//! Schemas: the named types, and the type expressions of parameters, fields and outputs.

use super::{FromNode, Reader, keys};
use crate::diag::{Code, Diagnostic};
use crate::model::*;
use crate::source::Sp;
use crate::yaml::Node;

impl FromNode for Sp<StringFormat> {
    const EXPECTED: &'static str = "a string format, such as `date-time`";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        // Any name: a format mcpgen does not know is kept as an annotation.
        let Node::Str(s) = &node.value else {
            r.wrong_type(node, Self::EXPECTED);
            return None;
        };
        Some(Sp::new(StringFormat::from_name(s), node.span))
    }
}

impl FromNode for TypeDef {
    const EXPECTED: &'static str = "a type";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        Schema::from_node(r, node).map(TypeDef)
    }
}

impl FromNode for Box<Schema> {
    const EXPECTED: &'static str = "a type";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        Schema::from_node(r, node).map(Box::new)
    }
}

impl FromNode for Schema {
    const EXPECTED: &'static str = "a type: a name such as `string`, or a mapping with `type:`";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        if let Node::Str(s) = &node.value {
            return Some(Schema::named(Sp::new(s.clone(), node.span)));
        }
        let f = r.fields(node, "a type", keys::SCHEMA)?;
        Some(Schema {
            span: node.span,
            ty: r.opt(&f, "type"),
            description: r.opt(&f, "description"),
            title: r.opt(&f, "title"),
            optional: r.opt(&f, "optional"),
            default: r.opt(&f, "default"),
            examples: r.opt(&f, "examples"),
            min_length: r.opt(&f, "min_length"),
            max_length: r.opt(&f, "max_length"),
            pattern: r.opt(&f, "pattern"),
            format: r.opt(&f, "format"),
            minimum: r.opt(&f, "minimum"),
            maximum: r.opt(&f, "maximum"),
            enum_values: f.get("enum").and_then(|n| enum_values(r, n)),
            items: r.opt(&f, "items"),
            min_items: r.opt(&f, "min_items"),
            max_items: r.opt(&f, "max_items"),
            unique_items: r.opt(&f, "unique_items"),
            fields: r.opt(&f, "fields"),
            allow: r.opt(&f, "allow"),
            header: r.opt(&f, "header"),
            pii: r.opt(&f, "pii"),
        })
    }
}

/// `enum: [a, b]` or `enum: { a: what a means, b: what b means }`.
fn enum_values(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Sp<Vec<EnumValue>>> {
    let scalar = |r: &mut Reader<'_>, n: &Sp<Node>| -> Option<Sp<String>> {
        match &n.value {
            Node::Str(s) => Some(Sp::new(s.clone(), n.span)),
            Node::Int(_) | Node::Bool(_) | Node::Float(_) | Node::UInt(_) => {
                r.push(
                    Diagnostic::new(
                        Code::WrongType,
                        n.span,
                        format!("enum values are strings, found {}", n.value.kind()),
                    )
                    .with_help(format!("quote it: `\"{}\"`", n.value.to_json())),
                );
                None
            }
            _ => {
                r.wrong_type(n, "a string enum value");
                None
            }
        }
    };
    let values = match &node.value {
        Node::Seq(items) => items
            .iter()
            .filter_map(|n| scalar(r, n))
            .map(|value| EnumValue {
                value,
                description: None,
            })
            .collect(),
        Node::Map(entries) => entries
            .iter()
            .map(|(k, v)| EnumValue {
                value: k.clone(),
                description: match &v.value {
                    Node::Null => None,
                    _ => Sp::<String>::from_node(r, v),
                },
            })
            .collect(),
        _ => {
            r.wrong_type(
                node,
                "a list of values, or a mapping of values to descriptions",
            );
            return None;
        }
    };
    Some(Sp::new(values, node.span))
}
