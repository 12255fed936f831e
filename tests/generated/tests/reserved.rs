//! The spec checks and the runtime agree on the codes the runtime sends itself, so a
//! spec that passes `mcpgen check` never declares an error the server refuses to build.

#[test]
fn reserved_error_codes_agree() {
    let mut checked = mcpgen_codegen::checks::RESERVED_ERROR_CODES.to_vec();
    let mut runtime = mcpgen_runtime::RESERVED_ERROR_CODES.to_vec();
    checked.sort_unstable();
    runtime.sort_unstable();
    assert_eq!(checked, runtime);
}
