//! Prompt message templates, rendered by minijinja.

use serde_json::{Map, Value};

/// What `ServerBuilder::build` collects, checking each template as it comes.
pub(crate) struct PromptTextsBuilder {
    texts: PromptTexts,
    /// Checks syntax and undeclared variables without filters (the full environment
    /// is made when a template is first rendered).
    check_env: minijinja::Environment<'static>,
}

/// The templates of every prompt, by key (`prompt#index`, `.uri` for a resource URI).
pub(crate) struct PromptTexts {
    /// Checked by `build` or, for prompts generated from a spec (`checked_prompt`), by
    /// `mcpgen check`.
    sources: Vec<(String, String)>,
    /// Compiled with minijinja's filters and functions on the first render (registering
    /// those is a twentieth of a start-up).
    jinja: std::sync::OnceLock<minijinja::Environment<'static>>,
}

impl PromptTextsBuilder {
    pub(crate) fn new() -> Self {
        Self {
            texts: PromptTexts {
                sources: Vec::new(),
                jinja: std::sync::OnceLock::new(),
            },
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
        let problems = if checked {
            Vec::new()
        } else {
            self.check(&key, source, declared)
        };
        if problems.is_empty() {
            self.texts.sources.push((key, source.to_owned()));
        }
        problems
    }

    /// Whether `source` parses and reads only declared arguments.
    fn check(&mut self, key: &str, source: &str, declared: &[crate::PromptArg]) -> Vec<String> {
        if let Err(e) = self
            .check_env
            .add_template_owned(key.to_owned(), source.to_owned())
        {
            return vec![format!("is not a valid template: {e}")];
        }
        let Ok(template) = self.check_env.get_template(key) else {
            return Vec::new();
        };
        let mut unknown: Vec<String> = template
            .undeclared_variables(false)
            .into_iter()
            .filter(|name| !declared.iter().any(|a| a.name == *name))
            .collect();
        unknown.sort_unstable();
        unknown
            .into_iter()
            .map(|name| {
                format!("uses `{name}`, which is not an argument; declare it or fix the name")
            })
            .collect()
    }

    pub(crate) fn finish(self) -> PromptTexts {
        self.texts
    }
}

impl PromptTexts {
    /// Renders the template `key` with `arguments` (checked to be strings).
    ///
    /// # Errors
    /// minijinja's, when the template fails to compile or render.
    pub(crate) fn render(
        &self,
        key: &str,
        arguments: &Map<String, Value>,
    ) -> Result<String, String> {
        let ctx = minijinja::Value::from(minijinja::value::Serde(arguments));
        self.jinja()
            .get_template(key)
            .and_then(|t| t.render(&ctx))
            .map_err(|e| e.to_string())
    }

    fn jinja(&self) -> &minijinja::Environment<'static> {
        self.jinja.get_or_init(|| {
            let mut env = minijinja::Environment::new();
            for (key, source) in &self.sources {
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
    fn renders_with_minijinja_and_checks_names_and_syntax() {
        let mut builder = PromptTextsBuilder::new();
        let source = "Weather in {{ city | upper }}{% if tone %}, {{ tone }}{% endif %}.";
        assert!(
            builder
                .add("p#0".into(), source, &declared(&["city", "tone"]), false)
                .is_empty()
        );
        assert_eq!(
            builder.add("q#0".into(), "{{ cty }}", &declared(&["city"]), false),
            ["uses `cty`, which is not an argument; declare it or fix the name"]
        );
        let problems = builder.add("r#0".into(), "{{ city", &declared(&["city"]), false);
        assert!(
            problems[0].starts_with("is not a valid template:"),
            "{problems:?}"
        );
        let texts = builder.finish();
        assert_eq!(
            texts.render("p#0", &args(&[("city", "Bern"), ("tone", "")])),
            Ok("Weather in BERN.".to_owned())
        );
        // What the checks refused is not kept.
        assert!(texts.render("q#0", &args(&[("city", "Bern")])).is_err());
    }

    #[test]
    fn checked_templates_are_not_parsed_until_rendered() {
        let mut builder = PromptTextsBuilder::new();
        assert!(
            builder
                .add("p#0".into(), "{{ city", &declared(&["city"]), true)
                .is_empty()
        );
        let error = builder
            .finish()
            .render("p#0", &args(&[("city", "Bern")]))
            .expect_err("does not compile");
        assert!(error.contains("p#0"), "{error}");
    }
}
