//! The compiled form of a schema: one `Node` per schema object, with the JSON types as
//! a bit set.

use serde_json::{Number, Value};

use crate::messages::with_article;

/// One compiled schema object. `None`/empty fields do not constrain.
#[derive(Debug, Default)]
pub(crate) struct Node {
    /// `false` as a schema: nothing is valid.
    pub(crate) never: bool,
    pub(crate) types: Option<Types>,
    pub(crate) enumeration: Option<Vec<Value>>,
    pub(crate) constant: Option<Value>,
    pub(crate) minimum: Option<Number>,
    pub(crate) maximum: Option<Number>,
    pub(crate) exclusive_minimum: Option<Number>,
    pub(crate) exclusive_maximum: Option<Number>,
    pub(crate) min_length: Option<u64>,
    pub(crate) max_length: Option<u64>,
    pub(crate) pattern: Option<(String, regex::Regex)>,
    pub(crate) items: Option<Box<Node>>,
    pub(crate) min_items: Option<u64>,
    pub(crate) max_items: Option<u64>,
    pub(crate) unique_items: bool,
    pub(crate) properties: Vec<Property>,
    /// Required property names, with their index in `properties` where they have one.
    pub(crate) required: Vec<(String, Option<usize>)>,
    pub(crate) additional: Additional,
    /// `$ref`: an index into [`CompiledSchema::targets`](crate::CompiledSchema).
    pub(crate) reference: Option<usize>,
    pub(crate) all_of: Vec<Node>,
    pub(crate) any_of: Vec<Node>,
    pub(crate) one_of: Vec<Node>,
    pub(crate) not: Option<Box<Node>>,
    pub(crate) condition: Option<Box<Condition>>,
    /// `"type": "integer"`: whole floats such as `3.0` are handed on as `3`.
    pub(crate) integer: bool,
    /// Whether preparing a value of this schema changes anything (a default below, or
    /// an integer position), so that [`CompiledSchema::prepare`](crate::CompiledSchema::prepare) can skip the rest.
    pub(crate) prepares: bool,
}

/// `if`, with its `then` and `else` (either may be missing).
#[derive(Debug)]
pub(crate) struct Condition {
    pub(crate) test: Node,
    pub(crate) then: Option<Node>,
    pub(crate) otherwise: Option<Node>,
}

#[derive(Debug)]
pub(crate) struct Property {
    pub(crate) name: String,
    pub(crate) node: Node,
    pub(crate) default: Option<Value>,
}

#[derive(Debug, Default)]
pub(crate) enum Additional {
    #[default]
    Any,
    Forbidden,
    Schema(Box<Node>),
}

/// The JSON types, as a bit set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Types(pub(crate) u8);

pub(crate) const TYPE_NAMES: [&str; 7] = [
    "null", "boolean", "integer", "number", "string", "array", "object",
];

impl Types {
    pub(crate) fn parse(name: &str) -> Option<Self> {
        TYPE_NAMES
            .iter()
            .position(|t| *t == name)
            .map(|i| Self(1 << i))
    }

    fn has(self, index: usize) -> bool {
        self.0 & (1 << index) != 0
    }

    /// Whether `value` has one of the types (indexes into [`TYPE_NAMES`]).
    pub(crate) fn admits(self, value: &Value) -> bool {
        match value {
            Value::Null => self.has(0),
            Value::Bool(_) => self.has(1),
            Value::Number(n) => self.has(3) || (self.has(2) && is_integer(n)),
            Value::String(_) => self.has(4),
            Value::Array(_) => self.has(5),
            Value::Object(_) => self.has(6),
        }
    }

    fn names(self) -> Vec<&'static str> {
        TYPE_NAMES
            .iter()
            .enumerate()
            .filter(|(i, _)| self.0 & (1 << i) != 0)
            .map(|(_, name)| *name)
            .collect()
    }

    /// "an integer", "a string", "one of the types string, null".
    pub(crate) fn expected(self) -> String {
        match self.names().as_slice() {
            [one] => with_article(one),
            many => format!("one of the types {}", many.join(", ")),
        }
    }
}

/// JSON Schema counts `3.0` as an integer.
pub(crate) fn is_integer(n: &Number) -> bool {
    n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
}
