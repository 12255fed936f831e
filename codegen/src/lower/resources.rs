//! Resources and resource templates.

use super::{FromNode, Reader, keys};
use crate::model::*;
use crate::source::Sp;
use crate::yaml::Node;

impl FromNode for Resource {
    const EXPECTED: &'static str = "a resource";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        let f = r.fields(node, "a resource", keys::RESOURCE)?;
        Some(Resource {
            span: node.span,
            uri: r.req(&f, "uri")?,
            title: r.opt(&f, "title"),
            description: r.opt(&f, "description"),
            mime_type: r.opt(&f, "mime_type"),
            text: r.opt(&f, "text"),
            file: r.opt(&f, "file"),
            size_bytes: r.opt(&f, "size_bytes"),
            scopes: r.list_or_default(&f, "scopes"),
            anonymous: r.opt(&f, "anonymous"),
        })
    }
}

impl FromNode for ResourceTemplate {
    const EXPECTED: &'static str = "a resource template";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        let f = r.fields(node, "a resource template", keys::RESOURCE_TEMPLATE)?;
        Some(ResourceTemplate {
            span: node.span,
            uri_template: r.req(&f, "uri_template")?,
            title: r.opt(&f, "title"),
            description: r.opt(&f, "description"),
            mime_type: r.opt(&f, "mime_type"),
            params: r.opt(&f, "params").unwrap_or_default(),
            scopes: r.list_or_default(&f, "scopes"),
            anonymous: r.opt(&f, "anonymous"),
        })
    }
}
