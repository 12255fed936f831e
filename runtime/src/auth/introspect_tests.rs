//! Opaque tokens asked about at a loopback introspection endpoint (RFC 7662).

use std::time::Duration;

use serde_json::{Value, json};

use super::{
    AuthMethod, Principal, RejectionKind,
    jwt::unix_now,
    oauth::{IntrospectionConfig, OAuth, OAuthConfig},
    test_support::{AUDIENCE, CLIENT_ID, CLIENT_SECRET, Idp},
};

fn oauth_with(idp: &Idp, secret: &str, ceiling: Duration) -> OAuth {
    let introspection =
        IntrospectionConfig::new(format!("{}/introspect", idp.url), CLIENT_ID, secret)
            .with_cache_ceiling(ceiling);
    let config = OAuthConfig::new(&idp.url, AUDIENCE)
        .with_jwks_uri(idp.jwks_uri())
        .with_introspection(introspection);
    OAuth::new(config).unwrap()
}

fn oauth_for(idp: &Idp) -> OAuth {
    oauth_with(idp, CLIENT_SECRET, Duration::from_secs(60))
}

fn active(idp: &Idp, changes: Value) -> Value {
    let mut answer = json!({
        "active": true,
        "sub": "bob",
        "scope": "b a",
        "client_id": "inspector",
        "iss": idp.url,
        "aud": AUDIENCE,
        "exp": unix_now() as u64 + 3600,
        "jti": "opaque-1",
    });
    for (name, value) in changes.as_object().unwrap() {
        answer[name] = value.clone();
    }
    answer
}

#[tokio::test]
async fn an_active_token_is_accepted_and_remembered() {
    let idp = Idp::start(&[]).await;
    let oauth = oauth_for(&idp);
    let token = "opaque/token+with=odd chars";
    idp.answer(token, active(&idp, json!({})));

    let principal = oauth.verify(token).await.unwrap();
    assert_eq!(
        principal,
        Principal {
            subject: "bob".into(),
            scopes: vec!["a".into(), "b".into()],
            method: AuthMethod::Introspection,
            token_id: Some("opaque-1".into()),
        }
    );
    assert_eq!(oauth.verify(token).await.unwrap(), principal);
    assert_eq!(
        idp.introspections(),
        1,
        "the second request was answered from memory"
    );

    idp.answer(
        "listed-audience",
        active(&idp, json!({"aud": ["https://x.example.com", AUDIENCE]})),
    );
    assert!(oauth.verify("listed-audience").await.is_ok());
    idp.answer(
        "no-sub",
        active(&idp, json!({"sub": null, "username": "carol"})),
    );
    assert_eq!(oauth.verify("no-sub").await.unwrap().subject, "carol");
}

#[tokio::test]
async fn an_active_answer_is_remembered_no_longer_than_the_token_lives_or_the_ceiling() {
    let idp = Idp::start(&[]).await;
    let short_lived = oauth_for(&idp);
    idp.answer("short", active(&idp, json!({"exp": unix_now() + 0.3})));
    short_lived.verify("short").await.unwrap();
    short_lived.verify("short").await.unwrap();
    assert_eq!(idp.introspections(), 1);
    tokio::time::sleep(Duration::from_millis(400)).await;
    short_lived.verify("short").await.unwrap();
    assert_eq!(
        idp.introspections(),
        2,
        "asked again once the token's life was over"
    );

    let capped = oauth_with(&idp, CLIENT_SECRET, Duration::from_millis(200));
    idp.answer("long", active(&idp, json!({})));
    capped.verify("long").await.unwrap();
    capped.verify("long").await.unwrap();
    assert_eq!(idp.introspections(), 3);
    tokio::time::sleep(Duration::from_millis(300)).await;
    capped.verify("long").await.unwrap();
    assert_eq!(idp.introspections(), 4, "asked again after the ceiling");
}

#[tokio::test]
async fn inactive_and_foreign_tokens_are_refused() {
    let idp = Idp::start(&[]).await;
    let oauth = oauth_for(&idp);

    let revoked = oauth.verify("revoked-token").await.unwrap_err();
    assert_eq!(revoked.kind, RejectionKind::Revoked);
    assert!(revoked.description.contains("not active"), "{revoked}");
    assert!(!revoked.description.contains("revoked-token"));
    oauth.verify("revoked-token").await.unwrap_err();
    assert_eq!(idp.introspections(), 1, "a refusal is remembered briefly");

    idp.answer(
        "other-audience",
        active(&idp, json!({"aud": "https://other.example.com/mcp"})),
    );
    let wrong = oauth.verify("other-audience").await.unwrap_err();
    assert_eq!(wrong.kind, RejectionKind::WrongAudience);
    assert!(wrong.description.contains(AUDIENCE), "{wrong}");

    idp.answer(
        "other-issuer",
        active(&idp, json!({"iss": "https://elsewhere.example.com"})),
    );
    assert_eq!(
        oauth.verify("other-issuer").await.unwrap_err().kind,
        RejectionKind::WrongIssuer
    );

    idp.answer(
        "stale",
        active(&idp, json!({"exp": unix_now() as u64 - 600})),
    );
    assert_eq!(
        oauth.verify("stale").await.unwrap_err().kind,
        RejectionKind::Expired
    );
}

#[tokio::test]
async fn an_unreachable_endpoint_or_wrong_credentials_make_tokens_unavailable_not_remembered() {
    let idp = Idp::start(&[]).await;
    idp.answer("fine", active(&idp, json!({})));

    let wrong_secret = oauth_with(&idp, "not-the-secret", Duration::from_secs(60));
    let refused = wrong_secret.verify("fine").await.unwrap_err();
    assert_eq!(refused.kind, RejectionKind::Unavailable);

    let oauth = oauth_for(&idp);
    idp.set_down(true);
    assert_eq!(
        oauth.verify("fine").await.unwrap_err().kind,
        RejectionKind::Unavailable
    );
    idp.set_down(false);
    assert!(
        oauth.verify("fine").await.is_ok(),
        "a failure is not remembered"
    );
    assert_eq!(idp.introspections(), 3);
}

#[test]
fn introspection_settings_are_checked() {
    let error = |introspection: IntrospectionConfig| {
        let config =
            OAuthConfig::new("https://a.example.com", AUDIENCE).with_introspection(introspection);
        OAuth::new(config).unwrap_err().to_string()
    };
    let plain = error(IntrospectionConfig::new(
        "http://a.example.com/introspect",
        "id",
        "secret",
    ));
    assert!(plain.contains("auth.oauth.introspection.url"), "{plain}");
    let no_secret = error(IntrospectionConfig::new(
        "https://a.example.com/introspect",
        "id",
        "",
    ));
    assert!(
        no_secret.contains("auth.oauth.introspection.client_secret"),
        "{no_secret}"
    );
    let shown = format!(
        "{:?}",
        IntrospectionConfig::new("https://a.example.com/i", "id", "hunter2")
    );
    assert!(!shown.contains("hunter2"), "{shown}");
}
