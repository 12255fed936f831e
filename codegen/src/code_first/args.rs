//! Attribute arguments: `key`, `key = value`, `key(...)`, with every key's span kept.

use proc_macro2::{Span, TokenStream};
use serde_json::Value as Json;
use syn::ext::IdentExt as _;
use syn::parse::{ParseStream, Parser as _};
use syn::spanned::Spanned as _;
use syn::{Expr, Ident, Lit, Token, UnOp};

use super::report::Report;
use crate::diag::did_you_mean;

/// One argument of an attribute.
pub(crate) struct Arg {
    /// The key, as written (keywords such as `crate` included).
    pub(crate) key: Ident,
    /// What follows it.
    pub(crate) value: ArgValue,
}

/// What follows a key.
pub(crate) enum ArgValue {
    /// Nothing: `read_only`.
    Flag,
    /// `= expr`.
    Eq(Box<Expr>),
    /// `( tokens )`.
    List(TokenStream, Span),
}

impl Arg {
    pub(crate) fn name(&self) -> String {
        self.key.unraw().to_string()
    }

    /// The span of the whole argument (key and value).
    pub(crate) fn span(&self) -> Span {
        match &self.value {
            ArgValue::Flag => self.key.span(),
            ArgValue::Eq(e) => self.key.span().join(e.span()).unwrap_or(self.key.span()),
            ArgValue::List(_, s) => self.key.span().join(*s).unwrap_or(self.key.span()),
        }
    }

    /// The value's span (the key's for a flag).
    pub(crate) fn value_span(&self) -> Span {
        match &self.value {
            ArgValue::Flag => self.key.span(),
            ArgValue::Eq(e) => e.span(),
            ArgValue::List(_, s) => *s,
        }
    }

    fn wrong(&self, report: &mut Report, expected: &str, example: &str) {
        report.error(
            self.value_span(),
            format!("`{}` takes {expected}", self.name()),
            format!("write `{example}`"),
        );
    }

    /// A flag, or `= true` / `= false`.
    pub(crate) fn bool(&self, report: &mut Report) -> Option<bool> {
        match &self.value {
            ArgValue::Flag => Some(true),
            ArgValue::Eq(e) => match lit(e) {
                Some(Lit::Bool(b)) => Some(b.value),
                _ => {
                    let name = self.name();
                    self.wrong(report, "no value, or `= true` / `= false`", &name);
                    None
                }
            },
            ArgValue::List(..) => {
                let name = self.name();
                self.wrong(report, "no value, or `= true` / `= false`", &name);
                None
            }
        }
    }

    /// `= "text"`.
    pub(crate) fn string(&self, report: &mut Report) -> Option<String> {
        let example = format!("{} = \"...\"", self.name());
        self.string_as(report, &example)
    }

    /// `= "text"`, with `example` as the fix when it is something else.
    pub(crate) fn string_as(&self, report: &mut Report, example: &str) -> Option<String> {
        if let ArgValue::Eq(e) = &self.value
            && let Some(Lit::Str(s)) = lit(e)
        {
            return Some(s.value());
        }
        self.wrong(report, "a string", example);
        None
    }

    /// `= 123` (underscores allowed).
    pub(crate) fn u64(&self, report: &mut Report) -> Option<u64> {
        if let ArgValue::Eq(e) = &self.value
            && let Some(Lit::Int(i)) = lit(e)
            && let Ok(n) = i.base10_parse::<u64>()
        {
            return Some(n);
        }
        let example = format!("{} = 100", self.name());
        self.wrong(report, "a whole number", &example);
        None
    }

    /// `= 8` (underscores allowed), up to `u32::MAX`.
    pub(crate) fn u32(&self, report: &mut Report) -> Option<u32> {
        if let ArgValue::Eq(e) = &self.value
            && let Some(Lit::Int(i)) = lit(e)
            && let Ok(n) = i.base10_parse::<u32>()
        {
            return Some(n);
        }
        let example = format!("{} = 8", self.name());
        self.wrong(report, "a whole number up to 4_294_967_295", &example);
        None
    }

    /// `= "choice"`: one of `choices`, with the closest one suggested otherwise.
    pub(crate) fn choice(&self, report: &mut Report, choices: &[&str]) -> Option<String> {
        let quoted: Vec<String> = choices.iter().map(|c| format!("\"{c}\"")).collect();
        let expected = quoted.join(" or ");
        let Some(Lit::Str(s)) = (match &self.value {
            ArgValue::Eq(e) => lit(e),
            _ => None,
        }) else {
            let example = format!("{} = {}", self.name(), quoted[quoted.len() - 1]);
            self.wrong(report, &expected, &example);
            return None;
        };
        let value = s.value();
        if choices.contains(&value.as_str()) {
            return Some(value);
        }
        let help = match did_you_mean(&value, choices.iter().copied()) {
            Some(best) => format!("did you mean `{} = \"{best}\"`?", self.name()),
            None => format!("write `{} = {}`", self.name(), quoted[quoted.len() - 1]),
        };
        report.error(
            s.span(),
            format!("`{}` takes {expected}, not \"{value}\"", self.name()),
            help,
        );
        None
    }

    /// `= 1.5`, `= -3`.
    pub(crate) fn number(&self, report: &mut Report) -> Option<f64> {
        if let ArgValue::Eq(e) = &self.value
            && let Some(Json::Number(n)) = json(e)
            && let Some(f) = n.as_f64()
        {
            return Some(f);
        }
        let example = format!("{} = 10", self.name());
        self.wrong(report, "a number", &example);
        None
    }

    /// `= literal` as JSON: a string, number, boolean, or an array of them.
    pub(crate) fn json(&self, report: &mut Report) -> Option<Json> {
        if let ArgValue::Eq(e) = &self.value
            && let Some(v) = json(e)
        {
            return Some(v);
        }
        let example = format!("{} = \"metric\"", self.name());
        self.wrong(
            report,
            "a literal (a string, number, boolean, or an array of them)",
            &example,
        );
        None
    }

    /// `(a, b)`: the nested arguments.
    pub(crate) fn list(&self, report: &mut Report, example: &str) -> Option<Vec<Arg>> {
        if let ArgValue::List(tokens, _) = &self.value {
            return match parse.parse2(tokens.clone()) {
                Ok(args) => Some(args),
                Err(e) => {
                    report.syn(e);
                    None
                }
            };
        }
        self.wrong(report, "a list in parentheses", example);
        None
    }

    /// `("a", "b")`: string literals with their spans.
    pub(crate) fn strings(
        &self,
        report: &mut Report,
        example: &str,
    ) -> Option<Vec<(String, Span)>> {
        if let ArgValue::List(tokens, _) = &self.value {
            let parser = syn::punctuated::Punctuated::<syn::LitStr, Token![,]>::parse_terminated;
            return match parser.parse2(tokens.clone()) {
                Ok(list) => Some(list.iter().map(|s| (s.value(), s.span())).collect()),
                Err(e) => {
                    report.error(
                        e.span(),
                        "expected string literals separated by commas",
                        format!("write `{example}`"),
                    );
                    None
                }
            };
        }
        self.wrong(report, "a list of strings in parentheses", example);
        None
    }

    /// `= path` (for `crate = ::my_runtime`).
    pub(crate) fn path(&self, report: &mut Report) -> Option<TokenStream> {
        if let ArgValue::Eq(e) = &self.value
            && let Expr::Path(p) = &**e
        {
            return Some(quote::ToTokens::to_token_stream(&p.path));
        }
        self.wrong(report, "a path", "crate = ::my_runtime");
        None
    }
}

/// Parses `key`, `key = expr`, `key(...)`, separated by commas.
pub(crate) fn parse(input: ParseStream) -> syn::Result<Vec<Arg>> {
    let mut args = Vec::new();
    while !input.is_empty() {
        let key = Ident::parse_any(input)?;
        let value = if input.peek(Token![=]) {
            input.parse::<Token![=]>()?;
            ArgValue::Eq(Box::new(input.parse()?))
        } else if input.peek(syn::token::Paren) {
            let content;
            let paren = syn::parenthesized!(content in input);
            ArgValue::List(content.parse()?, paren.span.join())
        } else {
            ArgValue::Flag
        };
        args.push(Arg { key, value });
        if input.is_empty() {
            break;
        }
        input.parse::<Token![,]>()?;
    }
    Ok(args)
}

/// Reports unknown keys (with the closest known one) and repeated keys; returns the
/// arguments whose keys are known, first occurrence only.
pub(crate) fn known<'a>(
    args: &'a [Arg],
    keys: &[&str],
    within: &str,
    report: &mut Report,
) -> Vec<&'a Arg> {
    let mut seen: Vec<(String, Span)> = Vec::new();
    let mut out = Vec::new();
    for arg in args {
        let name = arg.name();
        if !keys.contains(&name.as_str()) {
            let help = match did_you_mean(&name, keys.iter().copied()) {
                Some(best) => format!(
                    "did you mean `{best}`? The keys of `{within}` are: {}",
                    keys.join(", ")
                ),
                None => format!("the keys of `{within}` are: {}", keys.join(", ")),
            };
            report.error(
                arg.key.span(),
                format!("unknown key `{name}` in `{within}`"),
                help,
            );
            continue;
        }
        if seen.iter().any(|(k, _)| *k == name) {
            report.error(
                arg.key.span(),
                format!("`{name}` is given twice in `{within}`"),
                "remove one of them",
            );
            continue;
        }
        seen.push((name, arg.key.span()));
        out.push(arg);
    }
    out
}

/// The literal an expression is (through parentheses), if it is one.
fn lit(e: &Expr) -> Option<&Lit> {
    match e {
        Expr::Lit(l) => Some(&l.lit),
        Expr::Paren(p) => lit(&p.expr),
        Expr::Group(g) => lit(&g.expr),
        _ => None,
    }
}

/// A literal expression as JSON: strings, numbers (negative too), booleans, arrays.
pub(crate) fn json(e: &Expr) -> Option<Json> {
    match e {
        Expr::Unary(u) if matches!(u.op, UnOp::Neg(_)) => match json(&u.expr)? {
            Json::Number(n) => {
                if let Some(i) = n.as_i64() {
                    Some(Json::from(-i))
                } else {
                    n.as_f64()
                        .and_then(|f| serde_json::Number::from_f64(-f))
                        .map(Json::Number)
                }
            }
            _ => None,
        },
        Expr::Array(a) => a
            .elems
            .iter()
            .map(json)
            .collect::<Option<Vec<_>>>()
            .map(Json::Array),
        _ => match lit(e)? {
            Lit::Str(s) => Some(Json::String(s.value())),
            Lit::Bool(b) => Some(Json::Bool(b.value)),
            Lit::Int(i) => i
                .base10_parse::<i64>()
                .ok()
                .map(Json::from)
                .or_else(|| i.base10_parse::<u64>().ok().map(Json::from)),
            Lit::Float(f) => f
                .base10_parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(Json::Number),
            _ => None,
        },
    }
}
