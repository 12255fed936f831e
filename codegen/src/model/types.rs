//! The shape of values: schemas of parameters, fields and outputs, and named types.

use schemars::JsonSchema;

use super::NamedMap;
use crate::source::Sp;

/// A named type under `types:`.
#[derive(Clone, Debug, PartialEq, JsonSchema)]
#[schemars(transparent)]
pub struct TypeDef(pub Schema);

/// The shape of a value: a parameter, a field, an output, a named type.
#[derive(Clone, Debug, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Schema {
    /// Where the whole entry was written.
    #[schemars(skip)]
    pub span: crate::source::Span,
    /// `string`, `integer`, `number`, `boolean`, `array`, `object`, or the name of a type
    /// under `types:`. May be left out when `enum` or `fields` says it.
    #[schemars(rename = "type")]
    pub ty: Option<Sp<String>>,
    /// What the value means, for the model.
    pub description: Option<Sp<String>>,
    /// Short human title.
    pub title: Option<Sp<String>>,
    /// Optional: may be left out (becomes `Option<T>`). Fields with a `default` are optional too.
    pub optional: Option<Sp<bool>>,
    /// Value used when the caller leaves the field out.
    pub default: Option<Sp<serde_json::Value>>,
    /// An example value, shown in the schema.
    pub examples: Option<Vec<Sp<serde_json::Value>>>,
    /// Strings: minimum length in characters.
    pub min_length: Option<Sp<u64>>,
    /// Strings: maximum length in characters.
    pub max_length: Option<Sp<u64>>,
    /// Strings: a regular expression the whole value must match.
    pub pattern: Option<Sp<String>>,
    /// Strings: a JSON Schema format.
    #[schemars(default, schema_with = "crate::spec_schema::string_format")]
    pub format: Option<Sp<StringFormat>>,
    /// Numbers: inclusive minimum.
    pub minimum: Option<Sp<f64>>,
    /// Numbers: inclusive maximum.
    pub maximum: Option<Sp<f64>>,
    /// Enums: the closed list of string values, as a list or as a mapping value → description.
    #[schemars(
        default,
        rename = "enum",
        schema_with = "crate::spec_schema::enum_values"
    )]
    pub enum_values: Option<Sp<Vec<EnumValue>>>,
    /// Arrays: the item type (a type name, or a full schema).
    #[schemars(default, schema_with = "crate::spec_schema::type_expr")]
    pub items: Option<Box<Schema>>,
    /// Arrays: fewest items.
    pub min_items: Option<Sp<u64>>,
    /// Arrays: most items.
    pub max_items: Option<Sp<u64>>,
    /// Arrays: items must be distinct.
    pub unique_items: Option<Sp<bool>>,
    /// Objects: the fields. Objects are always closed: no other field is accepted.
    #[schemars(default, schema_with = "crate::spec_schema::type_expr_map")]
    pub fields: Option<NamedMap<Schema>>,
    /// Checks that do not apply here (by short name, such as `unit_suffix`).
    pub allow: Option<Vec<Sp<String>>>,
    /// Tool parameters (and fields of their inline objects) only: clients of the
    /// 2026-07-28 revision mirror the argument into the HTTP header `Mcp-Param-{header}`
    /// (written `x-mcp-header` in the input schema), so proxies and load balancers can
    /// route on it without reading the body; the server rejects a request whose header
    /// and argument differ. An HTTP token such as `Region`; strings, enums, integers and
    /// booleans only; never a secret, since intermediaries see headers.
    pub header: Option<Sp<String>>,
    /// Personal data: the audit trail keeps only a keyed hash of the value, and no
    /// error message shows it.
    pub pii: Option<Sp<bool>>,
}

impl Schema {
    /// A schema that only names its type (`items: DayForecast`).
    pub fn named(ty: Sp<String>) -> Self {
        let span = ty.span;
        Self {
            span,
            ty: Some(ty),
            ..Self::empty(span)
        }
    }

    /// A schema with nothing set, at `span`.
    pub fn empty(span: crate::source::Span) -> Self {
        Self {
            span,
            ty: None,
            description: None,
            title: None,
            optional: None,
            default: None,
            examples: None,
            min_length: None,
            max_length: None,
            pattern: None,
            format: None,
            minimum: None,
            maximum: None,
            enum_values: None,
            items: None,
            min_items: None,
            max_items: None,
            unique_items: None,
            fields: None,
            allow: None,
            header: None,
            pii: None,
        }
    }

    /// What the schema's type resolves to at this level (not following references).
    pub fn kind(&self) -> Kind<'_> {
        match self.ty.as_ref().map(|t| t.value.as_str()) {
            Some("string") => Kind::String,
            Some("integer") => Kind::Integer,
            Some("number") => Kind::Number,
            Some("boolean") => Kind::Boolean,
            Some("array") => Kind::Array,
            Some("object") => Kind::Object,
            Some(other) => Kind::Ref(other),
            None if self.enum_values.is_some() => Kind::Enum,
            None if self.fields.is_some() => Kind::Object,
            None if self.items.is_some() => Kind::Array,
            None => Kind::Missing,
        }
    }

    /// Whether a caller may leave the field out.
    pub fn is_optional(&self) -> bool {
        self.optional.as_ref().is_some_and(|o| o.value) || self.default.is_some()
    }
}

/// The type at one level of a [`Schema`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind<'a> {
    /// `type: string` without `enum`.
    String,
    /// `type: integer`.
    Integer,
    /// `type: number`.
    Number,
    /// `type: boolean`.
    Boolean,
    /// `type: array`.
    Array,
    /// `type: object`.
    Object,
    /// `enum: [...]` (a closed set of strings).
    Enum,
    /// A named type under `types:`.
    Ref(&'a str),
    /// No type given and nothing to infer it from.
    Missing,
}

/// JSON Schema string formats. `format` is an annotation in JSON Schema 2020-12: the
/// server advertises it and does not enforce it; `mcpgen check` holds defaults and
/// examples to the formats it knows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StringFormat {
    /// RFC 3339 date and time.
    DateTime,
    /// RFC 3339 full date.
    Date,
    /// RFC 3339 full time.
    Time,
    /// ISO 8601 duration.
    Duration,
    /// Email address.
    Email,
    /// Absolute URI.
    Uri,
    /// UUID.
    Uuid,
    /// Host name.
    Hostname,
    /// IPv4 address.
    Ipv4,
    /// IPv6 address.
    Ipv6,
    /// A format mcpgen does not know (`uri-reference`, `password`, `int64`, ...): kept
    /// as the annotation it is, advertised as written, checked nowhere.
    Other(String),
}

impl StringFormat {
    /// Every format with its spelling in the spec.
    pub const ALL: &'static [(&'static str, StringFormat)] = &[
        ("date-time", StringFormat::DateTime),
        ("date", StringFormat::Date),
        ("time", StringFormat::Time),
        ("duration", StringFormat::Duration),
        ("email", StringFormat::Email),
        ("uri", StringFormat::Uri),
        ("uuid", StringFormat::Uuid),
        ("hostname", StringFormat::Hostname),
        ("ipv4", StringFormat::Ipv4),
        ("ipv6", StringFormat::Ipv6),
    ];

    /// The spelling in the spec and in JSON Schema.
    pub fn as_str(&self) -> &str {
        match self {
            StringFormat::Other(format) => format,
            known => StringFormat::ALL
                .iter()
                .find(|(_, f)| f == known)
                .map_or("", |(s, _)| s),
        }
    }

    /// The format spelled `name`: a known one, else [`StringFormat::Other`].
    pub fn from_name(name: &str) -> Self {
        StringFormat::ALL
            .iter()
            .find(|(s, _)| *s == name)
            .map_or_else(|| StringFormat::Other(name.to_owned()), |(_, f)| f.clone())
    }
}

/// One allowed value of an enum.
#[derive(Clone, Debug, PartialEq, JsonSchema)]
pub struct EnumValue {
    /// The value as the model sends it.
    pub value: Sp<String>,
    /// What it means.
    pub description: Option<Sp<String>>,
}
