//! A spec with many tools, types and prompts generates the same bytes every time: no
//! hash map order, no address, nothing else that changes between runs reaches the output.

use mcpgen_codegen::check_source;
use mcpgen_codegen::source::SourceFile;

/// A spec with `n` tools, each with its own input, output and error, over shared types.
fn many_tools(n: usize) -> String {
    let mut spec = String::from(
        "mcpgen: 1
server: { name: many, version: 0.1.0, description: Many tools for a determinism test. }
types:
  Units: { description: Measurement system., enum: { metric: Celsius., imperial: Fahrenheit. } }
tools:
",
    );
    for i in 0..n {
        spec += &format!(
            "  get_forecast_{i}:
    description: Daily forecast number {i} for one city, up to 14 days ahead.
    annotations: {{ read_only: true, open_world: true }}
    params:
      city: {{ type: string, description: City name such as Zurich., min_length: 1, max_length: 100, pattern: \"^[^0-9]+$\" }}
      days: {{ type: integer, description: Days ahead., minimum: 1, maximum: 14, default: 3 }}
      units: {{ type: Units, default: metric }}
    output:
      type: object
      description: The forecast.
      fields:
        city: {{ type: string, description: The city. }}
        high: {{ type: number, description: Highest temperature. }}
    errors:
      city_not_found: \"No city named {{city}}. Check the spelling.\"
"
        );
    }
    spec += "prompts:\n";
    for i in 0..n / 10 {
        spec += &format!(
            "  briefing_{i}:
    description: A briefing on one city's weather, number {i}.
    arguments: {{ city: {{ description: City to brief on., required: true }} }}
    messages: [{{ role: user, text: \"Brief me on {{{{ city | title }}}}.\" }}]
"
        );
    }
    spec
}

fn generate(text: &str) -> String {
    let checked = check_source(SourceFile::new("specs/many.yaml", text));
    let errors: Vec<_> = checked
        .diagnostics
        .iter()
        .filter(|d| d.severity == mcpgen_codegen::diag::Severity::Error)
        .map(|d| d.render(&checked.source))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    let spec = checked.spec.expect("a spec without errors has a model");
    mcpgen_codegen::emit::generate(&spec, "specs/many.yaml")
        .into_iter()
        .map(|file| file.path + "\n" + &file.contents)
        .collect()
}

#[test]
fn many_tools_generate_the_same_bytes_every_time() {
    let n = 300;
    let text = many_tools(n);
    let first = generate(&text);
    for i in [0, n / 2, n - 1] {
        assert!(
            first.contains(&format!("fn get_forecast_{i}(")),
            "tool {i} has no handler method"
        );
    }
    for _ in 0..2 {
        let again = generate(&text);
        let differs = first.lines().zip(again.lines()).position(|(a, b)| a != b);
        assert!(
            first == again,
            "the output changed between runs (first at line {differs:?})"
        );
    }
}
