//! The audit trail in generated code: the server's `.audit(...)`, and each
//! tool's `audit` field (its arguments mode and the paths of its PII fields).

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::{AuditArguments, Kind, Schema, Spec, Tool};

/// Deepest nesting of named types followed for PII fields: types that contain each
/// other are reported by the checks, and not followed forever here.
const MAX_DEPTH: usize = 32;

/// `.audit(...)` on the generated server's builder, when the spec has an `audit:`
/// section that changes a default.
pub(crate) fn server_audit(spec: &Spec) -> Option<TokenStream> {
    let audit = &spec.audit;
    if audit.enabled.is_none()
        && audit.arguments.is_none()
        && audit.retain_days.is_none()
        && audit.max_value_chars.is_none()
    {
        return None;
    }
    let enabled = audit.enabled.as_ref().map(|e| {
        let enabled = e.value;
        quote! { enabled: #enabled, }
    });
    let arguments = audit.arguments.as_ref().map(|a| {
        let mode = arguments_mode(a.value);
        quote! { arguments: #mode, }
    });
    let retain = audit.retain_days.as_ref().map(|d| {
        let days = proc_macro2::Literal::u32_unsuffixed(d.value);
        quote! { retain_days: #days, }
    });
    let chars = audit.max_value_chars.as_ref().map(|c| {
        let chars = proc_macro2::Literal::usize_unsuffixed(c.value as usize);
        quote! { max_value_chars: #chars, }
    });
    Some(quote! {
        .audit(::mcpgen_runtime::AuditSettings {
            #enabled #arguments #retain #chars
            ..::core::default::Default::default()
        })
    })
}

fn arguments_mode(mode: AuditArguments) -> TokenStream {
    match mode {
        AuditArguments::None => quote! { ::mcpgen_runtime::AuditArguments::None },
        AuditArguments::Summary => quote! { ::mcpgen_runtime::AuditArguments::Summary },
    }
}

/// The `audit` field of a tool's `ToolDef`, written only when the tool keeps its own
/// arguments mode or has PII fields.
pub(crate) fn tool_audit(spec: &Spec, tool: &Tool, rt: &TokenStream) -> TokenStream {
    let pii = tool_pii(spec, tool);
    let arguments = tool
        .audit
        .as_ref()
        .and_then(|a| a.arguments.as_ref())
        .map(|a| {
            let mode = match a.value {
                AuditArguments::None => quote! { #rt::AuditArguments::None },
                AuditArguments::Summary => quote! { #rt::AuditArguments::Summary },
            };
            quote! { arguments: ::core::option::Option::Some(#mode), }
        });
    if arguments.is_none() && pii.is_empty() {
        return TokenStream::new();
    }
    let pii = (!pii.is_empty()).then(|| {
        quote! { pii: ::std::vec::Vec::from([#(::std::string::String::from(#pii)),*]), }
    });
    quote! {
        audit: #rt::ToolAudit {
            #arguments #pii
            ..::core::default::Default::default()
        },
    }
}

/// The paths of a tool's arguments marked `pii: true`: `email`, `customer.email`,
/// `contacts[].phone` (`[]` for every item of an array).
pub fn tool_pii(spec: &Spec, tool: &Tool) -> Vec<String> {
    let mut pii = Vec::new();
    for (name, schema) in tool.params.iter() {
        pii_paths(spec, schema, &name.value, 0, &mut pii);
    }
    pii
}

/// The paths of the PII fields in `schema`, found at `path`.
fn pii_paths(spec: &Spec, schema: &Schema, path: &str, depth: usize, out: &mut Vec<String>) {
    if depth > MAX_DEPTH {
        return;
    }
    if schema.pii.as_ref().is_some_and(|p| p.value) {
        out.push(path.to_owned());
        return;
    }
    if let Some(fields) = &schema.fields {
        for (field, inner) in fields.iter() {
            pii_paths(
                spec,
                inner,
                &format!("{path}.{}", field.value),
                depth + 1,
                out,
            );
        }
    }
    if let Some(items) = &schema.items {
        pii_paths(spec, items, &format!("{path}[]"), depth + 1, out);
    }
    if let Kind::Ref(name) = schema.kind()
        && let Some(named) = spec.types.get(name)
    {
        pii_paths(spec, &named.0, path, depth + 1, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pii_paths_follow_fields_items_and_named_types() {
        let yaml = r#"
mcpgen: 1
server: { name: t, version: 0.1.0 }
types:
  Contact:
    fields:
      name: { type: string, pii: true }
      role: { type: string }
tools:
  add:
    params:
      email: { type: string, pii: true }
      owner: { type: Contact }
      contacts: { type: array, items: { type: Contact } }
      note: { type: object, fields: { phone: { type: string, pii: true } } }
      tags: { type: array, items: { type: string, pii: true } }
"#;
        let checked = crate::check_source(crate::source::SourceFile::new("t.yaml", yaml));
        let spec = checked.spec.expect("a spec");
        let tool = spec.tools.get("add").expect("the tool");
        let paths = tool_pii(&spec, tool);
        assert_eq!(
            paths,
            [
                "email",
                "owner.name",
                "contacts[].name",
                "note.phone",
                "tags[]"
            ]
        );
    }
}
