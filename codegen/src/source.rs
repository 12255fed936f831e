//! Source files and spans: where in the spec a model node came from.

use std::fmt;

/// A region of a source file.
///
/// Lines and columns are 1-based and count characters, not bytes, as editors do.
/// `offset` and `len` are in characters too. A span of `len == 0` points at a
/// position (for example "the key is missing here").
///
/// The `#[mcp_tool]` macro builds models from Rust tokens instead of YAML; it uses
/// [`Span::synthetic`] and keeps its own table from `offset` to the token span.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    /// Character offset of the first character.
    pub offset: usize,
    /// Length in characters.
    pub len: usize,
    /// 1-based line of the first character (0 when unknown).
    pub line: usize,
    /// 1-based column of the first character (0 when unknown).
    pub column: usize,
}

impl Span {
    /// A span that does not point into a text file; `id` identifies it for the front end.
    pub const fn synthetic(id: usize) -> Self {
        Self {
            offset: id,
            len: 0,
            line: 0,
            column: 0,
        }
    }

    /// Whether this span has a line and column to show.
    pub const fn is_known(&self) -> bool {
        self.line > 0
    }
}

/// A value together with the span it was read from.
///
/// Equality and ordering look at the value only, so two equal names from
/// different places compare equal.
#[derive(Clone, Debug, Default)]
pub struct Sp<T> {
    /// The value.
    pub value: T,
    /// Where it was written.
    pub span: Span,
}

impl<T> Sp<T> {
    /// Pairs a value with its span.
    pub const fn new(value: T, span: Span) -> Self {
        Self { value, span }
    }

    /// Maps the value, keeping the span.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Sp<U> {
        Sp::new(f(self.value), self.span)
    }
}

impl<T: PartialEq> PartialEq for Sp<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<T: Eq> Eq for Sp<T> {}

impl<T> std::ops::Deref for Sp<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T: fmt::Display> fmt::Display for Sp<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.value.fmt(f)
    }
}

impl<T: schemars::JsonSchema> schemars::JsonSchema for Sp<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }
    fn schema_id() -> std::borrow::Cow<'static, str> {
        T::schema_id()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
}

/// The text of a spec, with the name it is shown under in diagnostics.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// The path as the user gave it (shown verbatim, never made absolute).
    pub name: String,
    /// The whole text.
    pub text: String,
}

impl SourceFile {
    /// A source file from its display name and text.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            text: text.into(),
        }
    }

    /// The text of 1-based line `line`, without its line ending.
    pub fn line_text(&self, line: usize) -> Option<&str> {
        if line == 0 {
            return None;
        }
        self.text
            .split('\n')
            .nth(line - 1)
            .map(|l| l.strip_suffix('\r').unwrap_or(l))
    }
}
