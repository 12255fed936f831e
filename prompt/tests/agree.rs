//! The subset renders exactly as minijinja does: for every template `parse` accepts,
//! and every way of passing its arguments (absent, empty, blank, text), the two
//! outputs are equal. Templates come from the example specs, from edge cases written
//! here, and from a generator over the subset's grammar (proptest).

use std::collections::BTreeMap;

use mcpgen_prompt::Template;
use proptest::prelude::*;

/// minijinja's rendering, with the settings the runtime uses (`Environment::new()`).
fn minijinja(source: &str, args: &BTreeMap<&str, &str>) -> Result<String, minijinja::Error> {
    let mut env = minijinja::Environment::new();
    env.add_template_owned("prompt#0", source.to_owned())?;
    env.get_template("prompt#0")?
        .render(minijinja::Value::from(minijinja::value::Serde(args)))
}

fn ours(template: &Template, args: &BTreeMap<&str, &str>) -> String {
    template.render(|name| args.get(name).copied())
}

const VALUES: &[Option<&str>] = &[None, Some(""), Some(" "), Some("Zurich"), Some(" a\nb ")];

/// Checks every assignment of `VALUES` to the template's names (up to three names).
fn assert_agrees(source: &str) {
    let template = Template::parse(source).unwrap_or_else(|e| panic!("{source:?}: {e}"));
    let names: Vec<&str> = template.variables().into_iter().collect();
    assert!(names.len() <= 3, "too many names in {source:?}");
    let combinations = VALUES.len().pow(u32::try_from(names.len()).unwrap_or(0));
    for mut n in 0..combinations {
        let mut args = BTreeMap::new();
        for name in &names {
            if let Some(value) = VALUES[n % VALUES.len()] {
                args.insert(*name, value);
            }
            n /= VALUES.len();
        }
        let expected = minijinja(source, &args).unwrap_or_else(|e| panic!("{source:?}: {e}"));
        assert_eq!(ours(&template, &args), expected, "{source:?} with {args:?}");
    }
}

#[test]
fn the_example_specs_templates_agree() {
    for source in [
        "Brief me on today's weather in {{ city }}{% if tone %}, in a {{ tone }} tone{% endif %}. Say what to wear.",
        "Prompt with arguments: arg1='{{ arg1 }}', arg2='{{ arg2 }}'",
        "{{ resourceUri }}",
        "Read tracker://issues/{{ issue_id }} and propose labels, a priority and the next step.",
    ] {
        assert_agrees(source);
    }
}

#[test]
fn edge_cases_agree() {
    for source in [
        "",
        "plain",
        "trailing newline\n",
        "two trailing newlines\n\n",
        "crlf\r\n",
        "{{x}}",
        "{{x}}\n",
        "a {{- x -}} b",
        "a\n  {{- x }}\n  b",
        "a {{ x -}}\n\n  b",
        "{% if x %}yes{% endif %}",
        "{% if not x %}no{% endif %}",
        "{% if x %}x{% elif y %}y{% elif not z %}not z{% else %}none{% endif %}",
        "{% if x %}{% if y %}xy{% else %}x{% endif %}{% endif %}",
        "a\n{% if x %}\nb\n{% endif %}\nc\n",
        "a  {%- if x -%}  b  {%- else -%}  c  {%- endif -%}  d",
        "a {# a comment #} b",
        "a {#- comment -#} b",
        "a {{ x -}}{# c #}   b",
        "{ not a tag } }} %} #}",
        "{{ x }}{{ y }}{{ x }}",
        "{% if x %}{% endif %}",
        "{%if x%}{{x}}{%endif%}",
        "{%- if x %}\t{{ y }}\t{% endif -%}\n",
    ] {
        assert_agrees(source);
    }
}

#[test]
fn what_is_outside_the_subset_is_refused() {
    for source in [
        "{{ x | upper }}",
        "{{ x.y }}",
        "{{ 'text' }}",
        "{{ none }}",
        "{{ range }}",
        "{% for x in y %}{% endfor %}",
        "{% if x == 'a' %}{% endif %}",
        "{% if x and y %}{% endif %}",
        "{% set x = 1 %}",
        "{% raw %}{{ x }}{% endraw %}",
        "{% if x %}",
        "{% endif %}",
        "{% else %}",
        "{% if x %}{% else %}{% elif y %}{% endif %}",
        "{{ x",
        "{# open",
        "{%+ if x %}{% endif %}",
        "{{ x +}}",
    ] {
        assert!(Template::parse(source).is_err(), "{source:?} was accepted");
    }
}

/// One piece of a generated template.
fn piece() -> impl Strategy<Value = String> {
    let name = prop::sample::select(vec!["x", "y", "z"]);
    let ws = prop::sample::select(vec!["", " ", "\n", " \n\t "]);
    let dash = prop::sample::select(vec!["", "-"]);
    let leaf = prop_oneof![
        prop::sample::select(vec!["a", " ", "\n", "b c", " x\n ", "}", "%"])
            .prop_map(str::to_owned),
        (
            dash.clone(),
            ws.clone(),
            name.clone(),
            ws.clone(),
            dash.clone()
        )
            .prop_map(|(l, a, n, b, r)| format!("{{{{{l}{a}{n}{b}{r}}}}}")),
        (dash.clone(), dash.clone()).prop_map(|(l, r)| format!("{{#{l} c {r}#}}")),
    ];
    leaf.prop_recursive(3, 24, 4, move |inner| {
        (
            prop::sample::select(vec!["", "not "]),
            name.clone(),
            prop::collection::vec(inner.clone(), 0..4),
            prop::option::of(prop::collection::vec(inner.clone(), 0..3)),
            prop::option::of((name.clone(), prop::collection::vec(inner, 0..3))),
            dash.clone(),
            dash.clone(),
        )
            .prop_map(|(not, n, body, otherwise, elif, l, r)| {
                let mut s = format!("{{%{l} if {not}{n} {r}%}}{}", body.concat());
                if let Some((m, body)) = elif {
                    s += &format!("{{%{r} elif {m} {l}%}}{}", body.concat());
                }
                if let Some(body) = otherwise {
                    s += &format!("{{% else {l}%}}{}", body.concat());
                }
                s + &format!("{{%{r} endif %}}")
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    #[test]
    fn generated_templates_agree(pieces in prop::collection::vec(piece(), 0..6), newline in any::<bool>()) {
        let mut source = pieces.concat();
        if newline {
            source.push('\n');
        }
        assert_agrees(&source);
    }
}
