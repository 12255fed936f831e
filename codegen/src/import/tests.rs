use serde_json::json;

use super::*;

fn listing(tools: Vec<Value>) -> Listing {
    Listing {
        server_info: json!({ "name": "demo", "version": "1.2.3" }),
        tools,
        ..Listing::default()
    }
}

#[track_caller]
fn assert_contains(text: &str, needle: &str) {
    assert!(text.contains(needle), "no {needle:?} in:\n{text}");
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
    assert_contains(&imported.text, "      additionalProperties: false\n");
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

const PETSTORE: &str = r##"
openapi: 3.0.3
info: { title: Pet Store, version: 1.0.0, description: Pets for sale. }
servers: [{ url: "http://127.0.0.1:9/v1" }]
paths:
  /pets/{petId}:
    parameters:
      - { name: petId, in: path, required: true, schema: { type: integer, format: int64, minimum: 1 } }
    get:
      operationId: getPetById
      tags: [pets]
      summary: Finds a pet by its id.
      parameters:
        - { name: X-Trace, in: header, schema: { type: string }, description: A trace id. }
        - { name: session, in: cookie, schema: { type: string } }
      responses:
        "200":
          description: The pet.
          content: { application/json: { schema: { $ref: "#/components/schemas/Pet" } } }
    delete:
      tags: [admin]
      responses: { "204": { description: Gone. } }
  /pets:
    post:
      operationId: addPet
      tags: [pets]
      requestBody:
        required: true
        content:
          application/json:
            schema: { $ref: "#/components/schemas/Pet" }
      responses: { "201": { description: Created. } }
components:
  schemas:
    Pet:
      type: object
      required: [name]
      properties:
        id: { type: integer, readOnly: true, description: Set by the store. }
        name: { type: string, description: The pet's name., example: Rex }
        nickname: { type: string, nullable: true, description: Another name. }
"##;

#[test]
fn openapi_operations_become_tools_with_merged_arguments() {
    let api = openapi::read(PETSTORE, &openapi::Selection::default()).expect("reads");
    let names: Vec<&str> = api
        .listing
        .tools
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    // In the document's order.
    assert_eq!(names, ["get_pet_by_id", "delete_pets_by_pet_id", "add_pet"]);
    let get = &api.listing.tools[0];
    assert_eq!(get["annotations"], json!({ "readOnlyHint": true }));
    assert_eq!(get["inputSchema"]["required"], json!(["petId"]));
    assert_eq!(
        get["inputSchema"]["properties"]["X-Trace"]["description"],
        "A trace id."
    );
    assert_eq!(get["outputSchema"]["$ref"], "#/$defs/Pet");
    let add = &api.operations[2];
    // The body's properties are arguments; what the server sets (`readOnly`) is not sent.
    let args: Vec<(&str, &str)> = add
        .arguments
        .iter()
        .map(|(a, at, _)| (a.as_str(), at.as_str()))
        .collect();
    assert_eq!(args, [("name", "body"), ("nickname", "body")]);
    assert_eq!(
        api.listing.tools[2]["inputSchema"]["properties"]["nickname"]["type"],
        json!(["string", "null"])
    );
    assert_eq!(api.listing.tools[1]["annotations"]["destructiveHint"], true);
    assert!(api.notes.iter().any(|n| n.text.contains("cookie")));

    let imported = import(&api.listing, "pet-store");
    let checked = crate::check_source(SourceFile::new("pets.yaml", imported.text.clone()));
    assert!(
        !checked.has_errors(),
        "{:?}\n{}",
        checked.diagnostics,
        imported.text
    );
    // `Pet` has a nullable field, which the spec language cannot say: the body is
    // written out, and the output left out, each reported.
    assert_contains(
        &imported.text,
        "        nickname:\n          type: [string, \"null\"]\n",
    );
    assert!(
        imported
            .notes
            .iter()
            .any(|n| n.text.starts_with("output schema left out")
                && n.origin.name == "get_pet_by_id"
                && n.origin.pointer == "/outputSchema/$defs/Pet/properties/nickname")
    );
}

#[test]
fn openapi_selection_by_tag_operation_and_path() {
    let only = |include: &[&str], exclude: &[&str]| {
        let selection = openapi::Selection {
            include: include.iter().map(|s| (*s).to_owned()).collect(),
            exclude: exclude.iter().map(|s| (*s).to_owned()).collect(),
        };
        let api = openapi::read(PETSTORE, &selection).expect("reads");
        api.operations
            .into_iter()
            .map(|o| o.tool)
            .collect::<Vec<_>>()
    };
    assert_eq!(only(&["tag:pets"], &[]), ["get_pet_by_id", "add_pet"]);
    assert_eq!(only(&["tag:pets"], &["op:addPet"]), ["get_pet_by_id"]);
    assert_eq!(
        only(&["path:/pets/"], &[]),
        ["get_pet_by_id", "delete_pets_by_pet_id"]
    );
    let swagger = openapi::read("swagger: '2.0'\ninfo: {}\n", &openapi::Selection::default());
    assert!(swagger.expect_err("refused").contains("Swagger 2.0"));
}

#[test]
fn an_unknown_format_is_kept_as_an_annotation() {
    let mut tool = search_tool();
    tool["inputSchema"]["properties"]["link"] =
        json!({ "type": "string", "format": "uri-reference", "description": "Where it points." });
    let imported = import(&listing(vec![tool]), "demo");
    assert!(!imported.text.contains("input_schema"), "{}", imported.text);
    assert_contains(&imported.text, "        format: uri-reference\n");
    let checked = crate::check_source(SourceFile::new("demo.yaml", imported.text.clone()));
    assert!(!checked.has_errors(), "{:?}", checked.diagnostics);
    let spec = checked.spec.expect("a model");
    let tool = spec.tools.get("search_issues").expect("the tool");
    let params = tool.params.iter().map(|(n, s)| (n.value.as_str(), s));
    let schema = crate::emit::json_schema::Types::new(&spec).params_schema(params);
    assert_eq!(schema["properties"]["link"]["format"], "uri-reference");
}

#[test]
fn lint_sees_inside_what_import_writes_out() {
    let mut tool = search_tool();
    // Nullable, so an import writes the schema out; lint still checks the property.
    tool["inputSchema"]["properties"]["timeout"] = json!({ "anyOf": [{ "type": "integer" }, { "type": "null" }], "default": null, "description": "How long to wait." });
    tool["inputSchema"]["properties"]["filter"] =
        json!({ "anyOf": [{ "type": "string" }, { "type": "integer" }] });
    let (findings, _) = lint(&listing(vec![tool]));
    let at = |code: Code| {
        findings
            .iter()
            .filter(|f| f.diagnostic.code == code)
            .map(|f| f.origin.pointer.as_str())
            .collect::<Vec<_>>()
    };
    assert_eq!(at(Code::UnitSuffix), ["/properties/timeout"]);
    assert_eq!(at(Code::MissingDescription), ["/properties/filter"]);
}

#[test]
fn lint_says_plainly_that_a_tool_has_no_annotations() {
    let mut tool = search_tool();
    tool.as_object_mut()
        .expect("an object")
        .remove("annotations");
    let (findings, _) = lint(&listing(vec![tool]));
    let annotations: Vec<&str> = findings
        .iter()
        .filter(|f| f.diagnostic.code == Code::Annotations)
        .map(|f| f.diagnostic.message.as_str())
        .collect();
    assert_eq!(annotations.len(), 1, "{annotations:?}");
    assert!(
        annotations[0].starts_with("declares no annotations"),
        "{annotations:?}"
    );
}
