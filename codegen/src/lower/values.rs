//! The values every part is made of: strings, numbers, booleans, JSON values, words
//! from a closed list, lists and maps.

use super::{FromNode, Reader};
use crate::diag::{Code, Diagnostic, did_you_mean};
use crate::model::*;
use crate::source::Sp;
use crate::yaml::Node;

impl FromNode for Sp<String> {
    const EXPECTED: &'static str = "a string";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        match &node.value {
            Node::Str(s) => Some(Sp::new(s.clone(), node.span)),
            _ => {
                r.wrong_type(node, Self::EXPECTED);
                None
            }
        }
    }
}

impl FromNode for Sp<EnvString> {
    const EXPECTED: &'static str = "a string (may use `${VAR}`)";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        match &node.value {
            Node::Str(s) => Some(Sp::new(EnvString(s.clone()), node.span)),
            // `bind: 8080` is a common slip; numbers read as their text.
            Node::Int(i) => Some(Sp::new(EnvString(i.to_string()), node.span)),
            _ => {
                r.wrong_type(node, Self::EXPECTED);
                None
            }
        }
    }
}

impl FromNode for Sp<bool> {
    const EXPECTED: &'static str = "`true` or `false`";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        match &node.value {
            Node::Bool(b) => Some(Sp::new(*b, node.span)),
            _ => {
                r.wrong_type(node, Self::EXPECTED);
                None
            }
        }
    }
}

impl FromNode for Sp<u64> {
    const EXPECTED: &'static str = "a whole number (0 or more)";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        match &node.value {
            Node::Int(i) if *i >= 0 => Some(Sp::new(i.unsigned_abs(), node.span)),
            Node::UInt(u) => Some(Sp::new(*u, node.span)),
            _ => {
                r.wrong_type(node, Self::EXPECTED);
                None
            }
        }
    }
}

impl FromNode for Sp<u32> {
    const EXPECTED: &'static str = "a whole number from 0 to 4294967295";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        match &node.value {
            Node::Int(i) => match u32::try_from(*i) {
                Ok(v) => Some(Sp::new(v, node.span)),
                Err(_) => {
                    r.wrong_type(node, Self::EXPECTED);
                    None
                }
            },
            _ => {
                r.wrong_type(node, Self::EXPECTED);
                None
            }
        }
    }
}

impl FromNode for Sp<f64> {
    const EXPECTED: &'static str = "a number";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        #[allow(clippy::cast_precision_loss)]
        match &node.value {
            Node::Int(i) => Some(Sp::new(*i as f64, node.span)),
            Node::UInt(u) => Some(Sp::new(*u as f64, node.span)),
            Node::Float(f) if f.is_finite() => Some(Sp::new(*f, node.span)),
            _ => {
                r.wrong_type(node, Self::EXPECTED);
                None
            }
        }
    }
}

impl FromNode for Sp<serde_json::Value> {
    const EXPECTED: &'static str = "a value";
    fn from_node(_: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        Some(Sp::new(node.value.to_json(), node.span))
    }
}

/// Reads a string and maps it through a closed list of spellings.
pub(super) fn keyword<T: Copy>(
    r: &mut Reader<'_>,
    node: &Sp<Node>,
    what: &str,
    options: &[(&'static str, T)],
) -> Option<Sp<T>> {
    let names = || {
        options
            .iter()
            .map(|(n, _)| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let Node::Str(s) = &node.value else {
        r.wrong_type(node, &format!("{what}: one of {}", names()));
        return None;
    };
    if let Some((_, v)) = options.iter().find(|(n, _)| *n == s) {
        return Some(Sp::new(*v, node.span));
    }
    let mut d = Diagnostic::new(
        Code::WrongType,
        node.span,
        format!("`{s}` is not a known {what}"),
    )
    .with_help(format!("use one of {}", names()));
    if let Some(best) = did_you_mean(s, options.iter().map(|(n, _)| *n)) {
        d = d.with_label(format!("did you mean `{best}`?"));
    }
    r.push(d);
    None
}

impl<T: FromNode> FromNode for Vec<T> {
    const EXPECTED: &'static str = "a list";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        match &node.value {
            Node::Seq(items) => Some(items.iter().filter_map(|n| T::from_node(r, n)).collect()),
            // `scopes: admin` for `scopes: [admin]`: accept one item, it reads naturally.
            Node::Str(_) => T::from_node(r, node).map(|v| vec![v]),
            _ => {
                r.wrong_type(
                    node,
                    &format!("a list of {}", T::EXPECTED.trim_start_matches("a ")),
                );
                None
            }
        }
    }
}

impl<T: FromNode> FromNode for NamedMap<T> {
    const EXPECTED: &'static str = "a mapping of names to entries";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        match &node.value {
            Node::Map(entries) => Some(NamedMap(
                entries
                    .iter()
                    .filter_map(|(k, v)| T::from_node(r, v).map(|v| (k.clone(), v)))
                    .collect(),
            )),
            Node::Null => Some(NamedMap::default()),
            _ => {
                r.wrong_type(node, "a mapping of names to entries (`name: { ... }`)");
                None
            }
        }
    }
}
