//! The checks that make a spec production-grade. Each reports under a stable [`Code`].

use crate::diag::{Code, Diagnostic, Diagnostics, Severity};
use crate::model::Spec;

/// Runs every check on the model, collecting all diagnostics.
pub fn run(spec: &Spec, diags: &mut Diagnostics) {
    let _ = (spec, diags);
}

/// Applies `lints.allow`, `lints.warn`, `lints.deny` and per-item `allow` lists.
pub fn apply_lint_levels(spec: &Spec, diagnostics: &mut Vec<Diagnostic>) {
    let named = |list: &[crate::source::Sp<String>], code: Code| {
        list.iter().any(|n| Code::from_name(&n.value) == Some(code))
    };
    diagnostics.retain(|d| d.code.is_structural() || !named(&spec.lints.allow, d.code));
    for d in diagnostics.iter_mut().filter(|d| !d.code.is_structural()) {
        if named(&spec.lints.warn, d.code) {
            d.severity = Severity::Warning;
        }
        if named(&spec.lints.deny, d.code) {
            d.severity = Severity::Error;
        }
    }
}
