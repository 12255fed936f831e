use mcpgen_runtime::{ToolError, mcp_tool};

/// Reads the current balance of an account, in cents.
#[mcp_tool(read_only, destructive)]
async fn get_balance(
    /// The account number, such as "CH93-0076".
    account: String,
) -> Result<String, ToolError> {
    Ok(account)
}

/// Sends an email to one recipient and returns its message id.
#[mcp_tool(destructive = false)]
async fn send_email(
    /// The recipient's address.
    to: String,
) -> Result<String, ToolError> {
    Ok(to)
}

/// Deletes an account and everything in it; this cannot be undone.
#[mcp_tool(idempotent)]
async fn delete_account(
    /// The account number, such as "CH93-0076".
    account: String,
) -> Result<String, ToolError> {
    Ok(account)
}

fn main() {}
