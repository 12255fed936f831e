//! Prompts: arguments and messages.

use super::values::keyword;
use super::{FromNode, Reader, keys};
use crate::diag::{Code, Diagnostic};
use crate::model::*;
use crate::source::Sp;
use crate::yaml::Node;

impl FromNode for Sp<Role> {
    const EXPECTED: &'static str = "`user` or `assistant`";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        keyword(
            r,
            node,
            "message role",
            &[("user", Role::User), ("assistant", Role::Assistant)],
        )
    }
}

impl FromNode for Prompt {
    const EXPECTED: &'static str = "a prompt";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        let f = r.fields(node, "a prompt", keys::PROMPT)?;
        Some(Prompt {
            span: node.span,
            title: r.opt(&f, "title"),
            description: r.opt(&f, "description"),
            arguments: r.opt(&f, "arguments").unwrap_or_default(),
            messages: r.list_or_default(&f, "messages"),
            handler: r.opt(&f, "handler"),
            scopes: r.list_or_default(&f, "scopes"),
            anonymous: r.opt(&f, "anonymous"),
        })
    }
}

impl FromNode for PromptArgument {
    const EXPECTED: &'static str = "a prompt argument";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        let f = r.fields(node, "a prompt argument", keys::PROMPT_ARGUMENT)?;
        Some(PromptArgument {
            span: node.span,
            title: r.opt(&f, "title"),
            description: r.opt(&f, "description"),
            required: r.opt(&f, "required"),
            allow: r.list_or_default(&f, "allow"),
        })
    }
}

impl FromNode for PromptMessage {
    const EXPECTED: &'static str = "a message with `role` and one of `text`, `image`, `resource`";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        let f = r.fields(node, "a prompt message", keys::PROMPT_MESSAGE)?;
        let role = r.req(&f, "role")?;
        let contents: Vec<&str> = ["text", "image", "resource"]
            .into_iter()
            .filter(|k| f.get(k).is_some())
            .collect();
        if contents.len() != 1 {
            let found = if contents.is_empty() {
                "none".to_owned()
            } else {
                contents.join(" and ")
            };
            r.push(
                Diagnostic::new(
                    Code::MissingKey,
                    node.span,
                    format!("a prompt message has one content: `text`, `image` or `resource`; this one has {found}"),
                )
                .with_help("write one message per content: `{ role: user, text: \"...\" }`, `{ role: user, image: { file: img.png, mime_type: image/png } }` or `{ role: user, resource: { uri: \"...\", text: \"...\" } }`"),
            );
            return None;
        }
        Some(PromptMessage {
            span: node.span,
            role,
            text: r.opt(&f, "text"),
            image: r.opt(&f, "image"),
            resource: r.opt(&f, "resource"),
        })
    }
}

impl FromNode for PromptImage {
    const EXPECTED: &'static str = "an image with `file` and `mime_type`";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        let f = r.fields(node, "a prompt image", keys::PROMPT_IMAGE)?;
        Some(PromptImage {
            file: r.req(&f, "file")?,
            mime_type: r.req(&f, "mime_type")?,
        })
    }
}

impl FromNode for PromptResource {
    const EXPECTED: &'static str = "a resource with `uri` and `text`";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        let f = r.fields(node, "a prompt resource", keys::PROMPT_RESOURCE)?;
        Some(PromptResource {
            uri: r.req(&f, "uri")?,
            mime_type: r.opt(&f, "mime_type"),
            text: r.req(&f, "text")?,
        })
    }
}
