//! What generated code says about authentication: the server's `.auth(...)`, and the
//! scopes and anonymous access of each tool, resource, resource template and prompt.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::{AuthMode, Spec, StdioAuth};
use crate::source::Sp;

/// The `scopes` and `anonymous` fields of a definition, written only when declared.
pub(crate) fn access(scopes: &[Sp<String>], anonymous: Option<&Sp<bool>>) -> TokenStream {
    let scopes = (!scopes.is_empty()).then(|| {
        let scopes = scopes.iter().map(|s| s.value.as_str());
        quote! { scopes: ::std::vec::Vec::from([#(::std::string::String::from(#scopes)),*]), }
    });
    let anonymous = anonymous
        .filter(|a| a.value)
        .map(|_| quote! { anonymous: true, });
    quote! { #scopes #anonymous }
}

/// `.auth(...)` on the generated server's builder, when the spec turns auth on.
pub(crate) fn server_auth(spec: &Spec) -> Option<TokenStream> {
    let auth = &spec.auth;
    let mode = match auth.mode.as_ref().map(|m| m.value)? {
        AuthMode::None => return None,
        AuthMode::Bearer => quote! { ::mcpgen_runtime::AuthMode::Bearer },
        AuthMode::Oauth => quote! { ::mcpgen_runtime::AuthMode::OAuth },
    };
    let scopes = auth.scopes.iter().map(|(name, _)| name.value.as_str());
    let tokens = auth.tokens.iter().map(|token| {
        let subject = &token.subject.value;
        let secret = &token.token.value.0;
        let scopes = token.scopes.iter().map(|s| s.value.as_str());
        quote! {
            ::mcpgen_runtime::StaticToken {
                subject: ::std::string::String::from(#subject),
                token: ::std::string::String::from(#secret),
                scopes: ::std::vec::Vec::from([#(::std::string::String::from(#scopes)),*]),
            }
        }
    });
    let public_discovery = auth.public_discovery.as_ref().is_none_or(|p| p.value);
    let stdio = match auth.stdio.as_ref().map(|s| s.value) {
        None | Some(StdioAuth::Token) => quote! { ::mcpgen_runtime::StdioAuth::Token },
        Some(StdioAuth::LocalUser) => quote! { ::mcpgen_runtime::StdioAuth::LocalUser },
    };
    let oauth = match &auth.oauth {
        Some(oauth) => {
            let text = |v: &Sp<crate::model::EnvString>| v.value.0.clone();
            let opt = |v: Option<String>| match v {
                Some(v) => quote! { ::core::option::Option::Some(::std::string::String::from(#v)) },
                None => quote! { ::core::option::Option::None },
            };
            let issuer = text(&oauth.issuer);
            let audience = opt(oauth.audience.as_ref().map(text));
            let jwks_uri = opt(oauth.jwks_uri.as_ref().map(text));
            let introspection = match &oauth.introspection {
                Some(i) => {
                    let (url, id, secret) =
                        (text(&i.url), text(&i.client_id), text(&i.client_secret));
                    let cache = match &i.cache_ms {
                        Some(ms) => {
                            let ms = ms.value;
                            quote! { ::core::option::Option::Some(::std::time::Duration::from_millis(#ms)) }
                        }
                        None => quote! { ::core::option::Option::None },
                    };
                    quote! {
                        ::core::option::Option::Some(::mcpgen_runtime::IntrospectionSettings {
                            url: ::std::string::String::from(#url),
                            client_id: ::std::string::String::from(#id),
                            client_secret: ::std::string::String::from(#secret),
                            cache: #cache,
                        })
                    }
                }
                None => quote! { ::core::option::Option::None },
            };
            quote! {
                ::core::option::Option::Some(::mcpgen_runtime::OAuthSettings {
                    issuer: ::std::string::String::from(#issuer),
                    audience: #audience,
                    jwks_uri: #jwks_uri,
                    introspection: #introspection,
                })
            }
        }
        None => quote! { ::core::option::Option::None },
    };
    Some(quote! {
        .auth(::mcpgen_runtime::AuthConfig {
            mode: #mode,
            scopes: ::std::vec::Vec::from([#(::std::string::String::from(#scopes)),*]),
            tokens: ::std::vec::Vec::from([#(#tokens),*]),
            public_discovery: #public_discovery,
            stdio: #stdio,
            oauth: #oauth,
        })
    })
}
