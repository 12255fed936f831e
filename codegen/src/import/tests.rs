use serde_json::json;

use super::*;

fn listing(tools: Vec<Value>) -> Listing {
    Listing {
        server_info: json!({ "name": "demo", "version": "1.2.3" }),
        tools,
        ..Listing::default()
    }
}

fn search_tool() -> Value {
    json!({
        "name": "search_issues",
        "description": "Searches the issues of a repository by text and state.",
        "annotations": { "readOnlyHint": true, "idempotentHint": true },
        "inputSchema": {
            "type": "object",
            "properties": {
                "query": { "type": "string", "description": "Words to look for.", "minLength": 1 },
                "state": { "type": "string", "description": "Either 'open' or 'closed'." },
                "timeout": { "type": "integer", "description": "How long to wait." },
                "labels": { "type": "array", "items": { "$ref": "#/$defs/Label" }, "description": "Labels." },
            },
            "required": ["query"],
            "$defs": {
                "Label": { "type": "string", "enum": ["bug", "feature"], "description": "A label." },
            },
        },
    })
}

#[test]
fn an_expressible_schema_becomes_params_and_named_types() {
    let imported = import(&listing(vec![search_tool()]), "demo");
    let text = &imported.text;
    assert!(text.contains("  search_issues:\n"), "{text}");
    assert!(
        text.contains("    params:\n      query:\n        type: string\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "  Label:\n    type: string\n    description: A label.\n    enum: [bug, feature]\n"
        ),
        "{text}"
    );
    assert!(text.contains("          type: Label\n"), "{text}");
    // A read implies idempotent: the spec leaves it to the generator.
    assert!(!text.contains("idempotent"), "{text}");
    assert!(!text.contains("input_schema"), "{text}");
    assert_eq!(imported.warned, vec![Code::UnitSuffix]);
    let checked = crate::check_source(SourceFile::new("demo.yaml", text.clone()));
    assert!(!checked.has_errors(), "{:?}", checked.diagnostics);
}

#[test]
fn a_union_is_written_out_and_reported_where_it_is() {
    let mut tool = search_tool();
    tool["inputSchema"]["properties"]["since"] = json!({ "anyOf": [{ "type": "string" }, { "type": "null" }], "default": null, "description": "Oldest date." });
    let imported = import(&listing(vec![tool]), "demo");
    assert!(
        imported.text.contains("    input_schema:\n"),
        "{}",
        imported.text
    );
    let written_out: Vec<&Note> = imported
        .notes
        .iter()
        .filter(|n| n.text.contains("input_schema"))
        .collect();
    assert_eq!(written_out.len(), 1);
    assert_eq!(written_out[0].origin.pointer, "/properties/since");
    // The root left `additionalProperties` out: written out, it is closed, and reported.
    assert!(
        imported
            .text
            .contains("      additionalProperties: false\n"),
        "{}",
        imported.text
    );
    assert!(
        imported
            .notes
            .iter()
            .any(|n| n.text == CLOSED && n.origin.pointer.is_empty())
    );
    let checked = crate::check_source(SourceFile::new("demo.yaml", imported.text.clone()));
    assert!(!checked.has_errors(), "{:?}", checked.diagnostics);
}

#[test]
fn lint_reports_each_finding_at_its_tool_and_pointer() {
    let mut camel = search_tool();
    camel["name"] = json!("searchIssues");
    let (findings, _) = lint(&listing(vec![camel]));
    let at = |code: Code| {
        findings
            .iter()
            .filter(|f| f.diagnostic.code == code)
            .map(|f| (f.origin.name.as_str(), f.origin.pointer.as_str(), f.note))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        at(Code::UnitSuffix),
        vec![("searchIssues", "/properties/timeout", false)]
    );
    assert_eq!(
        at(Code::EnumSuggestion),
        vec![("searchIssues", "/properties/state", false)]
    );
    // Another server's naming is a note: a rule of the generator, not a defect.
    assert_eq!(at(Code::NamingCase), vec![("searchIssues", "", true)]);
}

#[test]
fn template_variables_are_read_from_every_expression() {
    assert_eq!(
        template_variables("repo://{owner}/{repo}/issues{?state,page}{#frag*}"),
        ["owner", "repo", "state", "page", "frag"]
    );
}
