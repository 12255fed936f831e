//! Each generated `Handler` trait can be implemented as a user would (in their own
//! file, with `async fn`s), and `server(handler)` builds: the runtime's `build()`
//! checks every schema literal, message template, URI template and prompt.
#![cfg(feature = "compile")]

use mcpgen_generated_snapshots::{issue_tracker, sql_query, weather};
use mcpgen_runtime::{
    PromptError, PromptOutput, ResourceError, ResourceOutput, ToolContext, ToolOutput,
};

fn not_found(what: &str) -> ResourceError {
    ResourceError::NotFound(format!("no {what} in this test"))
}

#[derive(Debug)]
struct Weather;

impl weather::Handler for Weather {
    async fn get_forecast(
        &self,
        _ctx: ToolContext,
        input: weather::GetForecastInput,
    ) -> Result<weather::GetForecastOutput, weather::GetForecastError> {
        if input.city.is_empty() {
            return Err(weather::GetForecastError::CityNotFound);
        }
        Ok(weather::GetForecastOutput {
            city: input.city,
            units: input.units,
            days: Vec::new(),
        })
    }

    async fn read_city_now(
        &self,
        _ctx: ToolContext,
        params: weather::CityNowParams,
    ) -> Result<ResourceOutput, ResourceError> {
        Ok(ResourceOutput::Text(format!(
            "{{\"city\": {:?}}}",
            params.city
        )))
    }

    async fn prompt_packing_list(
        &self,
        _ctx: ToolContext,
        args: weather::PackingListArgs,
    ) -> Result<PromptOutput, PromptError> {
        let days = args.days.unwrap_or_else(|| "3".to_owned());
        Ok(PromptOutput::text(format!(
            "Pack for {days} days in {}.",
            args.city
        )))
    }
}

#[derive(Debug)]
struct IssueTracker;

impl issue_tracker::Handler for IssueTracker {
    async fn search_issues(
        &self,
        _ctx: ToolContext,
        _input: issue_tracker::SearchIssuesInput,
    ) -> Result<issue_tracker::SearchIssuesOutput, issue_tracker::SearchIssuesError> {
        Ok(issue_tracker::SearchIssuesOutput {
            issues: Vec::new(),
            total: 0,
        })
    }

    async fn create_issue(
        &self,
        _ctx: ToolContext,
        input: issue_tracker::CreateIssueInput,
    ) -> Result<issue_tracker::CreateIssueOutput, issue_tracker::CreateIssueError> {
        Err(issue_tracker::CreateIssueError::UnknownLabel {
            label: input.labels.into_iter().next().unwrap_or_default(),
        })
    }

    async fn close_issue(
        &self,
        _ctx: ToolContext,
        _input: issue_tracker::CloseIssueInput,
    ) -> Result<issue_tracker::CloseIssueOutput, issue_tracker::CloseIssueError> {
        Err(issue_tracker::CloseIssueError::IssueNotFound)
    }

    async fn delete_issue(
        &self,
        _ctx: ToolContext,
        input: issue_tracker::DeleteIssueInput,
    ) -> Result<ToolOutput, issue_tracker::DeleteIssueError> {
        Ok(ToolOutput::text(format!("deleted {}", input.issue_id)))
    }

    async fn list_labels(
        &self,
        _ctx: ToolContext,
        _input: issue_tracker::ListLabelsInput,
    ) -> Result<issue_tracker::ListLabelsOutput, issue_tracker::ListLabelsError> {
        Ok(issue_tracker::ListLabelsOutput {
            labels: vec![issue_tracker::ListLabelsOutputLabelsItem {
                name: "bug".to_owned(),
                description: "Something is broken.".to_owned(),
            }],
        })
    }

    async fn read_issue(
        &self,
        _ctx: ToolContext,
        _params: issue_tracker::IssueParams,
    ) -> Result<ResourceOutput, ResourceError> {
        Err(not_found("issue"))
    }
}

#[derive(Debug)]
struct SqlQuery;

impl sql_query::Handler for SqlQuery {
    async fn run_query(
        &self,
        _ctx: ToolContext,
        _input: sql_query::RunQueryInput,
    ) -> Result<sql_query::RunQueryOutput, sql_query::RunQueryError> {
        Err(sql_query::RunQueryError::NotReadOnly {
            keyword: "DELETE".to_owned(),
        })
    }

    async fn explain_query(
        &self,
        _ctx: ToolContext,
        _input: sql_query::ExplainQueryInput,
    ) -> Result<sql_query::ExplainQueryOutput, sql_query::ExplainQueryError> {
        Ok(sql_query::ExplainQueryOutput {
            plan: "SCAN t".to_owned(),
        })
    }
}

#[test]
fn weather_server_builds() {
    if let Err(e) = weather::server(Weather) {
        panic!("the weather server does not build: {e}");
    }
}

/// The issue tracker's static tokens come from the environment: without them the server
/// does not build, and says which variable to set; with no static tokens, it builds.
#[test]
fn issue_tracker_server_builds_and_needs_its_tokens() {
    if std::env::var_os("TRIAGE_BOT_TOKEN").is_none() {
        let error = issue_tracker::server(IssueTracker).expect_err("the server needs its tokens");
        assert!(error.to_string().contains("TRIAGE_BOT_TOKEN"), "{error}");
    }
    let managed_only = mcpgen_runtime::AuthConfig {
        mode: mcpgen_runtime::AuthMode::Bearer,
        ..Default::default()
    };
    if let Err(e) = issue_tracker::builder(IssueTracker)
        .auth(managed_only)
        .build()
    {
        panic!("the issue_tracker server does not build: {e}");
    }
}

#[test]
fn sql_query_server_builds() {
    if let Err(e) = sql_query::server(SqlQuery) {
        panic!("the sql_query server does not build: {e}");
    }
}

/// Every schema literal parses: `schema()` in the generated code falls back to `null`
/// on a typo, which `build()` would then report.
#[test]
fn schema_literals_are_objects() {
    let tools = [
        weather::tool_get_forecast(),
        issue_tracker::tool_search_issues(),
        issue_tracker::tool_create_issue(),
        issue_tracker::tool_close_issue(),
        issue_tracker::tool_delete_issue(),
        issue_tracker::tool_list_labels(),
        sql_query::tool_run_query(),
        sql_query::tool_explain_query(),
    ];
    for tool in &tools {
        assert!(tool.input_schema.is_object(), "{}: input schema", tool.name);
        if let Some(output) = &tool.output_schema {
            assert!(output.is_object(), "{}: output schema", tool.name);
        }
    }
}

/// The `file:` resource of sql_query.yaml is embedded at compile time.
#[test]
fn embedded_file_is_the_schema() {
    let embedded = include_str!("../schema.sql");
    assert!(!embedded.trim().is_empty());
}
