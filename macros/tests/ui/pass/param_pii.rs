// `#[arg(pii)]`: the argument is personal data; the audit trail keeps only a keyed hash
// of it, and no error message shows it.
#![deny(warnings)]
use mcpgen_runtime::{CodeTool, ToolError, mcp_tool};

/// Returns the account of the customer with an email address.
#[mcp_tool(read_only)]
pub async fn find_customer(
    /// The customer's email address.
    #[arg(pii)]
    email: String,
    /// Most accounts to return.
    limit: u32,
) -> Result<String, ToolError> {
    Ok(format!("{email} {limit}"))
}

fn main() {
    let def = <find_customer as CodeTool>::def();
    assert_eq!(def.audit.pii, ["email"]);
    // The advertised schema does not say which arguments are PII.
    assert!(!def.input_schema.to_string().contains("pii"));
}
