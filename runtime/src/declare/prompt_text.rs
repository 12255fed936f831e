//! Prompt message templates: rendered by `mcpgen-prompt` when they are in its subset
//! of Jinja (`{{ name }}`, `{% if name %}`), by minijinja otherwise. minijinja is the
//! `templates` feature (on by default): a server whose templates are all in the subset
//! can leave it out, 0.5 MB less code. Both render the subset alike (`mcpgen-prompt`'s
//! tests compare them), so which one renders a template is not observable.

use std::collections::HashMap;

use mcpgen_prompt::Template;
use serde_json::{Map, Value};

/// What `ServerBuilder::build` collects, checking each template as it comes.
pub(crate) struct PromptTextsBuilder {
    texts: PromptTexts,
    /// Checks syntax and undeclared variables without filters (the full environment
    /// is made when a template is first rendered).
    #[cfg(feature = "templates")]
    check_env: minijinja::Environment<'static>,
}

/// The templates of every prompt, by key (`prompt#index`, `.uri` for a resource URI).
pub(crate) struct PromptTexts {
    simple: HashMap<String, Template>,
    /// Sources outside the subset; checked by `build` or, for prompts generated from a
    /// spec (`checked_prompt`), by `mcpgen check`.
    #[cfg(feature = "templates")]
    jinja_sources: Vec<(String, String)>,
    /// Compiled with minijinja's filters and functions on the first render of one of
    /// them (registering those is a twentieth of a start-up).
    #[cfg(feature = "templates")]
    jinja: std::sync::OnceLock<minijinja::Environment<'static>>,
}

impl PromptTextsBuilder {
    pub(crate) fn new() -> Self {
        Self {
            texts: PromptTexts {
                simple: HashMap::new(),
                #[cfg(feature = "templates")]
                jinja_sources: Vec::new(),
                #[cfg(feature = "templates")]
                jinja: std::sync::OnceLock::new(),
            },
            #[cfg(feature = "templates")]
            check_env: minijinja::Environment::empty(),
        }
    }

    /// Adds one template; what is wrong with it comes back as the end of a sentence
    /// that starts with "message N".
    pub(crate) fn add(
        &mut self,
        key: String,
        source: &str,
        declared: &[crate::PromptArg],
        checked: bool,
    ) -> Vec<String> {
        let mut problems = Vec::new();
        match Template::parse(source) {
            Ok(template) => {
                if !checked {
                    problems = undeclared(template.variables(), declared);
                }
                self.texts.simple.insert(key, template);
            }
            #[cfg(feature = "templates")]
            Err(_) => {
                if !checked {
                    match self
                        .check_env
                        .add_template_owned(key.clone(), source.to_owned())
                    {
                        Err(e) => problems.push(format!("is not a valid template: {e}")),
                        Ok(()) => {
                            if let Ok(template) = self.check_env.get_template(&key) {
                                let names = template.undeclared_variables(false);
                                problems = undeclared(names.iter().map(String::as_str), declared);
                            }
                        }
                    }
                }
                if problems.is_empty() {
                    self.texts.jinja_sources.push((key, source.to_owned()));
                }
            }
            #[cfg(not(feature = "templates"))]
            Err(outside) => problems.push(format!(
                "needs minijinja, which this server does not link: {outside} is outside the \
                 Jinja the runtime renders itself ({{{{ name }}}}, {{% if [not] name %}}, \
                 elif, else, comments). Enable the `templates` feature of mcpgen-runtime \
                 (in Cargo.toml: `features = [\"templates\"]`), or write the message with \
                 that subset"
            )),
        }
        problems
    }

    pub(crate) fn finish(self) -> PromptTexts {
        self.texts
    }
}

/// What to say of each name a template reads that is not a declared argument, by name.
fn undeclared<'n>(
    names: impl IntoIterator<Item = &'n str>,
    declared: &[crate::PromptArg],
) -> Vec<String> {
    let mut unknown: Vec<&str> = names
        .into_iter()
        .filter(|name| !declared.iter().any(|a| a.name == *name))
        .collect();
    unknown.sort_unstable();
    unknown
        .into_iter()
        .map(|name| format!("uses `{name}`, which is not an argument; declare it or fix the name"))
        .collect()
}

impl PromptTexts {
    /// Renders the template `key` with `arguments` (checked to be strings).
    ///
    /// # Errors
    /// minijinja's, when a template outside the subset fails to render.
    pub(crate) fn render(
        &self,
        key: &str,
        arguments: &Map<String, Value>,
    ) -> Result<String, String> {
        if let Some(template) = self.simple.get(key) {
            return Ok(template.render(|name| arguments.get(name).and_then(Value::as_str)));
        }
        #[cfg(feature = "templates")]
        {
            let ctx = minijinja::Value::from(minijinja::value::Serde(arguments));
            self.jinja()
                .get_template(key)
                .and_then(|t| t.render(&ctx))
                .map_err(|e| e.to_string())
        }
        #[cfg(not(feature = "templates"))]
        Err(format!("no template `{key}`"))
    }

    #[cfg(feature = "templates")]
    fn jinja(&self) -> &minijinja::Environment<'static> {
        self.jinja.get_or_init(|| {
            let mut env = minijinja::Environment::new();
            for (key, source) in &self.jinja_sources {
                // `build` or, for generated prompts, `mcpgen check` parsed each one.
                if let Err(error) = env.add_template_owned(key.clone(), source.clone()) {
                    tracing::error!(template = %key, %error, "prompt template does not compile");
                }
            }
            env
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn declared(names: &[&str]) -> Vec<crate::PromptArg> {
        names
            .iter()
            .map(|name| crate::PromptArg {
                name: (*name).to_owned(),
                title: None,
                description: None,
                required: false,
            })
            .collect()
    }

    fn args(pairs: &[(&str, &str)]) -> Map<String, Value> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), Value::from(*v)))
            .collect()
    }

    #[test]
    fn renders_the_subset_itself_and_checks_its_names() {
        let mut builder = PromptTextsBuilder::new();
        let source = "Weather in {{ city }}{% if tone %}, {{ tone }}{% endif %}.";
        assert!(
            builder
                .add("p#0".into(), source, &declared(&["city", "tone"]), false)
                .is_empty()
        );
        assert_eq!(
            builder.add("q#0".into(), "{{ cty }}", &declared(&["city"]), false),
            ["uses `cty`, which is not an argument; declare it or fix the name"]
        );
        let texts = builder.finish();
        assert_eq!(
            texts.render("p#0", &args(&[("city", "Bern"), ("tone", "")])),
            Ok("Weather in Bern.".to_owned())
        );
        assert_eq!(texts.simple.len(), 2);
    }

    #[cfg(feature = "templates")]
    #[test]
    fn renders_the_rest_with_minijinja() {
        let mut builder = PromptTextsBuilder::new();
        let source = "{{ city | upper }}";
        assert!(
            builder
                .add("p#0".into(), source, &declared(&["city"]), false)
                .is_empty()
        );
        let problems = builder.add("q#0".into(), "{{ city", &declared(&["city"]), false);
        assert!(
            problems[0].starts_with("is not a valid template:"),
            "{problems:?}"
        );
        let texts = builder.finish();
        assert!(texts.simple.is_empty());
        assert_eq!(
            texts.render("p#0", &args(&[("city", "Bern")])),
            Ok("BERN".to_owned())
        );
    }

    // Run by tests/run.sh with `--no-default-features`.
    #[cfg(not(feature = "templates"))]
    #[test]
    fn without_minijinja_a_template_outside_the_subset_is_refused_with_the_fix() {
        let mut builder = PromptTextsBuilder::new();
        let problems = builder.add(
            "p#0".into(),
            "{{ city | upper }}",
            &declared(&["city"]),
            true,
        );
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].starts_with("needs minijinja, which this server does not link: a filter (`{{ city | upper }}`) at byte 0"),
            "{problems:?}"
        );
        assert!(
            problems[0].contains("features = [\"templates\"]"),
            "{problems:?}"
        );
    }
}
