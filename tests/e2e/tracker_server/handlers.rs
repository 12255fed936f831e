//! The handlers of the auth test server (tests/e2e/test_auth.py copies this file over
//! the scaffold's `src/handlers.rs`, and specs/issue_tracker.yaml over its spec). They
//! answer with who called, so the tests see the principal the gate let through.
//! (tests/e2e/test_audit.py uses them too: `close_issue` with the comment `panic`
//! panics, a bug in a handler.)

use mcpgen_runtime::{ResourceError, ResourceOutput, ToolContext, ToolOutput};

use crate::generated::*;

#[derive(Debug, Default)]
pub struct Handlers;

/// Who the gate let the call through as: `subject (method)`.
fn caller(ctx: &ToolContext) -> String {
    ctx.principal().map_or_else(
        || "nobody".to_owned(),
        |p| format!("{} ({})", p.subject, p.method.as_str()),
    )
}

impl Handler for Handlers {
    async fn search_issues(
        &self,
        _ctx: ToolContext,
        _input: SearchIssuesInput,
    ) -> Result<SearchIssuesOutput, SearchIssuesError> {
        Ok(SearchIssuesOutput {
            issues: Vec::new(),
            total: 0,
        })
    }

    async fn create_issue(
        &self,
        _ctx: ToolContext,
        input: CreateIssueInput,
    ) -> Result<CreateIssueOutput, CreateIssueError> {
        Err(CreateIssueError::UnknownLabel {
            label: input.labels.into_iter().next().unwrap_or_default(),
        })
    }

    async fn close_issue(
        &self,
        _ctx: ToolContext,
        input: CloseIssueInput,
    ) -> Result<CloseIssueOutput, CloseIssueError> {
        if input.comment.as_deref() == Some("panic") {
            panic!("a bug in close_issue");
        }
        Err(CloseIssueError::IssueNotFound)
    }

    async fn delete_issue(
        &self,
        ctx: ToolContext,
        input: DeleteIssueInput,
    ) -> Result<ToolOutput, DeleteIssueError> {
        Ok(ToolOutput::text(format!(
            "deleted {} for {}",
            input.issue_id,
            caller(&ctx)
        )))
    }

    async fn list_labels(
        &self,
        ctx: ToolContext,
        _input: ListLabelsInput,
    ) -> Result<ListLabelsOutput, ListLabelsError> {
        let mut labels = vec![ListLabelsOutputLabelsItem {
            name: "bug".to_owned(),
            description: format!("Something is broken (asked by {}).", caller(&ctx)),
        }];
        // Anonymous callers see the public labels only, and the result says so.
        if !ctx.degrade_for_anonymous() {
            labels.push(ListLabelsOutputLabelsItem {
                name: "security".to_owned(),
                description: "A vulnerability; triaged privately.".to_owned(),
            });
        }
        Ok(ListLabelsOutput { labels })
    }

    async fn read_issue(
        &self,
        ctx: ToolContext,
        params: IssueParams,
    ) -> Result<ResourceOutput, ResourceError> {
        Ok(ResourceOutput::Text(format!(
            "# Issue {}\n\nRead by {}.",
            params.issue_id,
            caller(&ctx)
        )))
    }
}
