//! JWT access tokens against a loopback authorization server with real keys: every
//! rejection, key rotation, the single-flight refetch and a key-set outage.

use std::time::{Duration, Instant};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use super::{
    AuthMethod, Principal, Rejection, RejectionKind,
    jwt::unix_now,
    oauth::{OAuth, OAuthConfig},
    test_support::{AUDIENCE, Idp, RSA_A, RSA_A_PUBLIC, RSA_B, Signer, claims},
};

fn rsa_a() -> Signer {
    Signer::rsa("rsa-a", RSA_A, Algorithm::RS256)
}

fn rsa_b() -> Signer {
    Signer::rsa("rsa-b", RSA_B, Algorithm::RS256)
}

async fn oauth_for(idp: &Idp) -> OAuth {
    let config = OAuthConfig::new(&idp.url, AUDIENCE).with_jwks_uri(idp.jwks_uri());
    let oauth = OAuth::new(config).unwrap();
    oauth.load_keys().await.unwrap();
    oauth
}

/// An authorization server publishing one RS256 key, and a server trusting it.
async fn one_rsa_key() -> (Signer, Idp, OAuth) {
    let rsa = rsa_a();
    let idp = Idp::start(&[&rsa]).await;
    let oauth = oauth_for(&idp).await;
    (rsa, idp, oauth)
}

fn refused(result: Result<Principal, Rejection>) -> Rejection {
    result.expect_err("the token is refused")
}

fn with(mut claims: Value, changes: Value) -> Value {
    for (name, value) in changes.as_object().unwrap() {
        if value.is_null() {
            claims.as_object_mut().unwrap().remove(name);
        } else {
            claims[name] = value.clone();
        }
    }
    claims
}

#[tokio::test]
async fn rs256_es256_and_eddsa_tokens_are_accepted_with_their_scopes() {
    let (rsa, ec, ed) = (rsa_a(), Signer::es256("ec-1"), Signer::eddsa("ed-1"));
    let idp = Idp::start(&[&rsa, &ec, &ed]).await;
    let oauth = oauth_for(&idp).await;

    let principal = oauth.verify(&rsa.sign(&claims(&idp.url))).await.unwrap();
    assert_eq!(
        principal,
        Principal {
            subject: "alice".into(),
            scopes: vec!["issues:read".into(), "issues:write".into()],
            method: AuthMethod::Jwt,
            token_id: Some("token-1".into()),
        }
    );

    let scp_list = with(
        claims(&idp.url),
        json!({"scope": null, "scp": ["b", "a", "b"], "jti": null}),
    );
    let principal = oauth.verify(&ec.sign(&scp_list)).await.unwrap();
    assert_eq!(principal.scopes, ["a", "b"]);
    assert_eq!(principal.token_id, None);

    let scp_text = with(claims(&idp.url), json!({"scope": null, "scp": "x y"}));
    assert_eq!(
        oauth.verify(&ed.sign(&scp_text)).await.unwrap().scopes,
        ["x", "y"]
    );

    let audiences = with(
        claims(&idp.url),
        json!({"aud": ["https://other.example.com", AUDIENCE]}),
    );
    assert!(
        oauth.verify(&rsa.sign(&audiences)).await.is_ok(),
        "`aud` as an array naming us"
    );

    let client_only = with(
        claims(&idp.url),
        json!({"sub": null, "client_id": "ci-bot"}),
    );
    assert_eq!(
        oauth.verify(&rsa.sign(&client_only)).await.unwrap().subject,
        "ci-bot"
    );

    let no_kid = rsa.sign_as(None, &claims(&idp.url));
    assert!(
        oauth.verify(&no_kid).await.is_ok(),
        "one RS256 key: `kid` may be left out"
    );
}

#[tokio::test]
async fn expiry_and_not_before_are_checked_with_a_minute_of_leeway() {
    let (rsa, idp, oauth) = one_rsa_key().await;
    let now = unix_now() as u64;

    let expired = refused(
        oauth
            .verify(&rsa.sign(&with(claims(&idp.url), json!({"exp": now - 120}))))
            .await,
    );
    assert_eq!(expired.kind, RejectionKind::Expired);
    assert!(expired.description.contains("expired"), "{expired}");
    let within_leeway = with(claims(&idp.url), json!({"exp": now - 30}));
    assert!(oauth.verify(&rsa.sign(&within_leeway)).await.is_ok());

    let early = refused(
        oauth
            .verify(&rsa.sign(&with(claims(&idp.url), json!({"nbf": now + 600}))))
            .await,
    );
    assert_eq!(early.kind, RejectionKind::Expired);
    assert!(early.description.contains("`nbf`"), "{early}");
    let nbf_within_leeway = with(claims(&idp.url), json!({"nbf": now + 30}));
    assert!(oauth.verify(&rsa.sign(&nbf_within_leeway)).await.is_ok());

    let no_exp = refused(
        oauth
            .verify(&rsa.sign(&with(claims(&idp.url), json!({"exp": null}))))
            .await,
    );
    assert_eq!(no_exp.kind, RejectionKind::Malformed);
    assert!(no_exp.description.contains("`exp`"), "{no_exp}");
}

#[tokio::test]
async fn issuer_and_audience_must_be_ours() {
    let (rsa, idp, oauth) = one_rsa_key().await;

    let other_issuer = with(claims(&idp.url), json!({"iss": "https://evil.example.com"}));
    let wrong = refused(oauth.verify(&rsa.sign(&other_issuer)).await);
    assert_eq!(wrong.kind, RejectionKind::WrongIssuer);
    assert!(
        wrong.description.contains(&idp.url),
        "names the expected issuer: {wrong}"
    );
    let other_audience = with(
        claims(&idp.url),
        json!({"aud": "https://other.example.com/mcp"}),
    );
    let wrong = refused(oauth.verify(&rsa.sign(&other_audience)).await);
    assert_eq!(wrong.kind, RejectionKind::WrongAudience);
    assert_eq!(
        wrong.description,
        "the token's audience does not name this server (expected https://mcp.example.com/mcp)"
    );

    let cases = [
        (
            json!({"iss": format!("{}/", idp.url)}),
            RejectionKind::WrongIssuer,
        ),
        (json!({"iss": null}), RejectionKind::WrongIssuer),
        (
            json!({"aud": ["https://a.example.com", "https://b.example.com"]}),
            RejectionKind::WrongAudience,
        ),
        (json!({"aud": null}), RejectionKind::WrongAudience),
    ];
    for (changes, kind) in cases {
        let token = rsa.sign(&with(claims(&idp.url), changes.clone()));
        assert_eq!(refused(oauth.verify(&token).await).kind, kind, "{changes}");
    }
}

fn b64(value: &Value) -> String {
    use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
    URL_SAFE_NO_PAD.encode(value.to_string())
}

#[tokio::test]
async fn unsigned_hmac_tampered_and_malformed_tokens_are_refused() {
    let (rsa, idp, oauth) = one_rsa_key().await;
    let body = claims(&idp.url);

    let none = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "kid": "rsa-a"})),
        b64(&body)
    );
    assert_eq!(
        refused(oauth.verify(&none).await).kind,
        RejectionKind::Malformed
    );
    let none_with_signature = format!("{none}c2ln");
    let unsigned = refused(oauth.verify(&none_with_signature).await);
    assert_eq!(unsigned.kind, RejectionKind::Malformed);
    assert!(unsigned.description.contains("unsigned"), "{unsigned}");

    // The classic confusion: HS256 with the RSA public key as the shared secret.
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some("rsa-a".into());
    let secret = EncodingKey::from_secret(RSA_A_PUBLIC.as_bytes()).unwrap();
    let confused = jsonwebtoken::encode(&header, &body, &secret).unwrap();
    let hmac = refused(oauth.verify(&confused).await);
    assert_eq!(hmac.kind, RejectionKind::Malformed);
    assert!(hmac.description.contains("HMAC"), "{hmac}");

    // A PS256 header on a key the JWKS binds to RS256.
    let pss = Signer::rsa("rsa-a", RSA_A, Algorithm::PS256).sign(&body);
    assert_eq!(
        refused(oauth.verify(&pss).await).kind,
        RejectionKind::Unknown
    );

    let token = rsa.sign(&body);
    let (signed, signature) = token.rsplit_once('.').unwrap();
    let flipped = if signature.starts_with('A') { "B" } else { "A" };
    let tampered_signature = format!("{signed}.{flipped}{}", &signature[1..]);
    let forged = refused(oauth.verify(&tampered_signature).await);
    assert_eq!(forged.kind, RejectionKind::Unknown);
    assert!(forged.description.contains("signature"), "{forged}");
    let (header_part, _) = signed.split_once('.').unwrap();
    let promoted = with(body.clone(), json!({"scope": "admin"}));
    let tampered_claims = format!("{header_part}.{}.{signature}", b64(&promoted));
    assert_eq!(
        refused(oauth.verify(&tampered_claims).await).kind,
        RejectionKind::Unknown
    );

    for garbage in [
        "",
        "abc",
        "a.b.c",
        "eyJhbGciOiJSUzI1NiJ9.e30",
        "Bearer x.y.z",
        "é.é.é",
    ] {
        let rejection = refused(oauth.verify(garbage).await);
        assert_eq!(
            rejection.kind,
            RejectionKind::Malformed,
            "{garbage:?}: {rejection}"
        );
    }
    let opaque = refused(oauth.verify("mcp_0123456789").await);
    assert!(
        opaque.description.contains("auth.oauth.introspection"),
        "{opaque}"
    );
}

#[tokio::test]
async fn descriptions_never_hold_the_token() {
    let (_, idp, oauth) = one_rsa_key().await;
    let kid_is_secretish = Signer::rsa("kid-0123456789", RSA_B, Algorithm::RS256);
    let token = kid_is_secretish.sign(&claims(&idp.url));
    let rejection = refused(oauth.verify(&token).await);
    assert_eq!(rejection.kind, RejectionKind::Unknown);
    for part in token.split('.').chain(["kid-0123456789"]) {
        assert!(!rejection.description.contains(part), "{rejection}");
    }
}

#[tokio::test]
async fn an_unknown_kid_refetches_once_and_rotation_works() {
    let (a, b) = (rsa_a(), rsa_b());
    let idp = Idp::start(&[&a]).await;
    let oauth = oauth_for(&idp).await;
    assert_eq!(idp.jwks_fetches(), 1);
    let token_a = a.sign(&claims(&idp.url));
    assert!(oauth.verify(&token_a).await.is_ok());

    // The issuer rotates: B is published and signs from now on; A is withdrawn.
    idp.publish(&[&b]);
    let token_b = b.sign(&claims(&idp.url));
    assert!(
        oauth.verify(&token_b).await.is_ok(),
        "the unknown kid fetched the new set"
    );
    assert_eq!(idp.jwks_fetches(), 2);
    let withdrawn = refused(oauth.verify(&token_a).await);
    assert_eq!(
        withdrawn.kind,
        RejectionKind::Unknown,
        "a remembered token of a withdrawn key"
    );

    // Another unknown kid within 30 s: no fetch, a clear refusal.
    let stranger = Signer::es256("ec-unknown").sign(&claims(&idp.url));
    let unknown = refused(oauth.verify(&stranger).await);
    assert_eq!(unknown.kind, RejectionKind::Unknown);
    assert!(
        unknown.description.contains("does not publish"),
        "{unknown}"
    );
    assert_eq!(idp.jwks_fetches(), 2, "at most one refetch per 30 s");
    assert_eq!(oauth.key_store().fetch_count(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_unknown_kids_share_one_fetch() {
    let (a, b) = (rsa_a(), rsa_b());
    let idp = Idp::start(&[&a]).await;
    let oauth = std::sync::Arc::new(oauth_for(&idp).await);
    idp.publish(&[&a, &b]);
    let checks: Vec<_> = (0..16)
        .map(|i| {
            let token = b.sign(&with(claims(&idp.url), json!({"jti": format!("t{i}")})));
            let oauth = oauth.clone();
            tokio::spawn(async move { oauth.verify(&token).await })
        })
        .collect();
    for check in checks {
        assert!(check.await.unwrap().is_ok());
    }
    assert_eq!(
        idp.jwks_fetches(),
        2,
        "start-up, then one fetch for all sixteen"
    );
}

#[tokio::test]
async fn a_key_set_outage_keeps_the_cached_keys_working() {
    let (a, b) = (rsa_a(), rsa_b());
    let idp = Idp::start(&[&a]).await;
    let oauth = oauth_for(&idp).await;
    idp.set_down(true);
    idp.publish(&[&a, &b]);

    let fresh = a.sign(&with(claims(&idp.url), json!({"jti": "never-seen"})));
    assert!(
        oauth.verify(&fresh).await.is_ok(),
        "a cached key verifies during the outage"
    );
    let new_key = refused(oauth.verify(&b.sign(&claims(&idp.url))).await);
    assert_eq!(new_key.kind, RejectionKind::Unknown);
    assert_eq!(idp.jwks_fetches(), 2, "one failed refetch");
    assert!(
        oauth
            .load_keys()
            .await
            .unwrap_err()
            .to_string()
            .contains("503")
    );

    // Down from the start: no key was ever fetched, so tokens cannot be checked.
    let cold =
        OAuth::new(OAuthConfig::new(&idp.url, AUDIENCE).with_jwks_uri(idp.jwks_uri())).unwrap();
    let unavailable = refused(cold.verify(&a.sign(&claims(&idp.url))).await);
    assert_eq!(unavailable.kind, RejectionKind::Unavailable);
    idp.set_down(false);
    drop(idp);
    let gone = refused(cold.verify(&a.sign(&claims("http://127.0.0.1:1"))).await);
    assert_eq!(
        gone.kind,
        RejectionKind::Unavailable,
        "within 5 s of the last try: no fetch"
    );
}

#[tokio::test]
async fn keys_are_discovered_from_the_issuers_metadata() {
    let a = rsa_a();
    let idp = Idp::start(&[&a]).await;
    let issuer = format!("{}/realms/mcp", idp.url);
    idp.serve(
        "/.well-known/oauth-authorization-server/realms/mcp",
        json!({"issuer": issuer, "jwks_uri": idp.jwks_uri()}),
    );
    let oauth = OAuth::new(OAuthConfig::new(&issuer, AUDIENCE)).unwrap();
    assert_eq!(oauth.load_keys().await.unwrap(), 1);
    assert!(oauth.verify(&a.sign(&claims(&issuer))).await.is_ok());

    // OpenID Connect's appended form, for an issuer whose RFC 8414 metadata is absent.
    let oidc_issuer = format!("{}/tenant", idp.url);
    idp.serve(
        "/tenant/.well-known/openid-configuration",
        json!({"issuer": oidc_issuer, "jwks_uri": idp.jwks_uri()}),
    );
    let oidc = OAuth::new(OAuthConfig::new(&oidc_issuer, AUDIENCE)).unwrap();
    assert_eq!(oidc.load_keys().await.unwrap(), 1);

    let impostor = format!("{}/impostor", idp.url);
    idp.serve(
        "/.well-known/oauth-authorization-server/impostor",
        json!({"issuer": "https://someone-else.example.com", "jwks_uri": idp.jwks_uri()}),
    );
    let error = OAuth::new(OAuthConfig::new(&impostor, AUDIENCE))
        .unwrap()
        .load_keys()
        .await
        .unwrap_err();
    assert!(error.to_string().contains("auth.oauth.issuer"), "{error}");

    let nowhere = OAuth::new(OAuthConfig::new(format!("{}/nowhere", idp.url), AUDIENCE)).unwrap();
    let error = nowhere.load_keys().await.unwrap_err().to_string();
    assert!(
        error.contains("found nowhere") && error.contains("404"),
        "{error}"
    );
}

#[test]
fn settings_are_checked_with_the_key_to_fix() {
    let error = |config: OAuthConfig| OAuth::new(config).unwrap_err().to_string();
    let plain = error(OAuthConfig::new("http://auth.example.com", AUDIENCE));
    assert!(
        plain.contains("auth.oauth.issuer") && plain.contains("https"),
        "{plain}"
    );
    let jwks =
        error(OAuthConfig::new("https://a.example.com", AUDIENCE).with_jwks_uri("keys.json"));
    assert!(jwks.contains("auth.oauth.jwks_uri"), "{jwks}");
    let audience = error(OAuthConfig::new("https://a.example.com", " "));
    assert!(audience.contains("auth.oauth.audience"), "{audience}");
    let hmac = error(
        OAuthConfig::new("https://a.example.com", AUDIENCE).with_algorithms(["RS256", "HS256"]),
    );
    assert!(
        hmac.contains("\"HS256\"") && hmac.contains("never"),
        "{hmac}"
    );
    let query = error(OAuthConfig::new(
        "https://a.example.com/?tenant=1",
        AUDIENCE,
    ));
    assert!(query.contains("query"), "{query}");
    assert!(
        OAuth::new(OAuthConfig::new("https://a.example.com", AUDIENCE).with_algorithms(["ES256"]))
            .is_ok()
    );
}

#[tokio::test]
async fn the_allow_list_restricts_algorithms() {
    let (rsa, ec) = (rsa_a(), Signer::es256("ec-1"));
    let idp = Idp::start(&[&rsa, &ec]).await;
    let config = OAuthConfig::new(&idp.url, AUDIENCE)
        .with_jwks_uri(idp.jwks_uri())
        .with_algorithms(["ES256"]);
    let oauth = OAuth::new(config).unwrap();
    assert!(oauth.verify(&ec.sign(&claims(&idp.url))).await.is_ok());
    let rs = refused(oauth.verify(&rsa.sign(&claims(&idp.url))).await);
    assert!(rs.description.contains("accepted: ES256"), "{rs}");
}

/// The cost of `verify`: a remembered token (every request after a client's first),
/// and a first sight (signature checked). Run with `--release --nocapture` for numbers
/// worth quoting; debug builds are many times slower.
#[tokio::test]
async fn verify_cost() {
    let (rsa, ec) = (rsa_a(), Signer::es256("ec-1"));
    let idp = Idp::start(&[&rsa, &ec]).await;
    let oauth = oauth_for(&idp).await;
    let token = rsa.sign(&claims(&idp.url));
    oauth.verify(&token).await.unwrap();
    let rounds = 20_000;
    let started = Instant::now();
    for _ in 0..rounds {
        oauth.verify(&token).await.unwrap();
    }
    let remembered = started.elapsed() / rounds;

    let first_sight = |signer: &Signer, n: u32| {
        (0..n)
            .map(|i| signer.sign(&with(claims(&idp.url), json!({"jti": format!("{i}")}))))
            .collect::<Vec<_>>()
    };
    let mut costs = Vec::new();
    for (name, signer) in [("RS256", &rsa), ("ES256", &ec)] {
        let tokens = first_sight(signer, 50);
        let started = Instant::now();
        for token in &tokens {
            oauth.verify(token).await.unwrap();
        }
        costs.push(format!("{name} {:?}", started.elapsed() / 50));
    }
    println!(
        "verify: remembered token {remembered:?} per call ({} bytes); first sight {}",
        token.len(),
        costs.join(", ")
    );
    assert!(remembered < Duration::from_millis(1), "{remembered:?}");
}
