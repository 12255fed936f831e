//! Whether and where spans are exported, from the standard `OTEL_*` variables and the
//! spec's `telemetry.otlp_endpoint`.
//!
//! Exporting is on when `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (the URL spans are posted
//! to, as written), `OTEL_EXPORTER_OTLP_ENDPOINT` or the spec's `telemetry.otlp_endpoint`
//! (base URLs: `/v1/traces` is appended) is set, in that order, unless
//! `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none`. The OTLP exporter reads
//! the other variables itself (`OTEL_EXPORTER_OTLP_HEADERS`, `..._TIMEOUT`), and the
//! SDK its own (`OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_TRACES_SAMPLER`,
//! `OTEL_BSP_*`).

use std::time::Duration;

use opentelemetry::KeyValue;
use opentelemetry_otlp::{Protocol, WithExportConfig as _, WithHttpConfig as _};
use opentelemetry_sdk::Resource;

const TRACES_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";
const ENDPOINT: &str = "OTEL_EXPORTER_OTLP_ENDPOINT";
const SPEC_KEY: &str = "telemetry.otlp_endpoint";

/// Where spans go, and how long one export may take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Config {
    /// The URL batches are posted to.
    pub(crate) url: String,
    /// Whether the URL came from the spec (the exporter reads the variables itself).
    from_spec: bool,
    pub(crate) timeout: Duration,
}

/// The configuration `env` and the spec's endpoint give, `None` when spans are not
/// exported, or what to fix.
pub(crate) fn resolve(
    env: impl Fn(&str) -> Option<String>,
    spec_endpoint: Option<&str>,
) -> Result<Option<Config>, String> {
    let set = |name: &str| {
        env(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    if set("OTEL_SDK_DISABLED").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
        return Ok(None);
    }
    // A comma-separated list (`otlp,console`): OTLP is the one exporter here.
    if let Some(exporters) = set("OTEL_TRACES_EXPORTER") {
        let mut names = exporters.split(',').map(str::trim);
        if names.clone().all(|n| n == "none") {
            return Ok(None);
        }
        if !names.any(|n| n == "otlp") {
            return Err(format!(
                "OTEL_TRACES_EXPORTER is `{exporters}`, but this server exports traces only \
                 over OTLP; set it to `otlp`, or to `none` to export nothing"
            ));
        }
    }
    if let Some(protocol) =
        set("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL").or_else(|| set("OTEL_EXPORTER_OTLP_PROTOCOL"))
        && protocol != "http/protobuf"
    {
        return Err(format!(
            "the OTLP protocol is set to `{protocol}` (OTEL_EXPORTER_OTLP_PROTOCOL or \
             OTEL_EXPORTER_OTLP_TRACES_PROTOCOL), but this server sends traces over HTTP with \
             protobuf only; set it to `http/protobuf` or unset it, and point the endpoint at \
             the collector's OTLP/HTTP port (4318 by default)"
        ));
    }
    let (source, url, from_spec) = if let Some(url) = set(TRACES_ENDPOINT) {
        (TRACES_ENDPOINT, url, false)
    } else if let Some(base) = set(ENDPOINT) {
        (ENDPOINT, signal_url(&base), false)
    } else if let Some(base) = spec_endpoint.map(str::trim).filter(|v| !v.is_empty()) {
        (SPEC_KEY, signal_url(base), true)
    } else {
        return Ok(None);
    };
    check_url(source, &url)?;
    let timeout = set("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT")
        .or_else(|| set("OTEL_EXPORTER_OTLP_TIMEOUT"))
        .and_then(|ms| ms.parse().ok())
        .map_or(Duration::from_secs(10), Duration::from_millis);
    Ok(Some(Config {
        url,
        from_spec,
        timeout,
    }))
}

/// A base endpoint's traces URL, as the OTLP exporter builds it.
fn signal_url(base: &str) -> String {
    format!("{}/v1/traces", base.trim_end_matches('/'))
}

fn check_url(source: &str, url: &str) -> Result<(), String> {
    let uri: http::Uri = url.parse().map_err(|_| {
        format!(
            "{source} is not a URL ({url:?}); write the collector's OTLP/HTTP address, such \
             as http://localhost:4318"
        )
    })?;
    match (uri.scheme_str(), uri.host()) {
        (Some("http" | "https"), Some(_)) => Ok(()),
        _ => Err(format!(
            "{source} ({url}) must be an http or https URL with a host, such as \
             http://otel-collector:4318"
        )),
    }
}

impl Config {
    /// The OTLP/HTTP span exporter, sending with `client`.
    pub(crate) fn exporter(
        &self,
        client: super::otlp_client::OtlpClient,
    ) -> Result<opentelemetry_otlp::SpanExporter, opentelemetry_otlp::ExporterBuildError> {
        let mut builder = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_http_client(client)
            .with_protocol(Protocol::HttpBinary);
        // The variables the exporter reads itself win over code; the spec's URL is
        // given only when no variable names one.
        if self.from_spec {
            builder = builder.with_endpoint(self.url.clone());
        }
        builder.build()
    }
}

/// The server's resource: what the environment says (`OTEL_SERVICE_NAME`,
/// `OTEL_RESOURCE_ATTRIBUTES`), with the server's name and version where it says
/// nothing.
pub(crate) fn resource(name: &str, version: &str) -> Resource {
    let detected = Resource::builder().build();
    let named = detected
        .get(&opentelemetry::Key::from_static_str("service.name"))
        .is_some_and(|n| !n.as_str().starts_with("unknown_service"));
    let versioned = detected
        .get(&opentelemetry::Key::from_static_str("service.version"))
        .is_some();
    let mut builder = Resource::builder();
    if !named {
        builder = builder.with_service_name(name.to_owned());
    }
    if !versioned {
        builder = builder.with_attribute(KeyValue::new("service.version", version.to_owned()));
    }
    builder.build()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolved(vars: &[(&str, &str)], spec: Option<&str>) -> Result<Option<Config>, String> {
        let env = |name: &str| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        };
        resolve(env, spec)
    }

    fn url(vars: &[(&str, &str)], spec: Option<&str>) -> Option<String> {
        resolved(vars, spec).unwrap().map(|c| c.url)
    }

    #[test]
    fn nothing_configured_exports_nothing() {
        assert_eq!(resolved(&[], None), Ok(None));
        assert_eq!(resolved(&[(ENDPOINT, " ")], Some("")), Ok(None));
    }

    #[test]
    fn the_traces_variable_then_the_general_one_then_the_spec() {
        let spec = Some("http://from-spec:4318/");
        assert_eq!(
            url(&[], spec).as_deref(),
            Some("http://from-spec:4318/v1/traces")
        );
        let general = [(ENDPOINT, "http://collector:4318")];
        assert_eq!(
            url(&general, spec).as_deref(),
            Some("http://collector:4318/v1/traces")
        );
        let both = [
            (ENDPOINT, "http://collector:4318"),
            (TRACES_ENDPOINT, "https://traces.example.com/custom"),
        ];
        assert_eq!(
            url(&both, spec).as_deref(),
            Some("https://traces.example.com/custom")
        );
        assert!(!resolved(&general, spec).unwrap().unwrap().from_spec);
        assert!(resolved(&[], spec).unwrap().unwrap().from_spec);
    }

    #[test]
    fn disabled_sdk_or_exporter_none_turns_it_off() {
        let on = (ENDPOINT, "http://collector:4318");
        assert_eq!(
            resolved(&[on, ("OTEL_SDK_DISABLED", "true")], None),
            Ok(None)
        );
        assert_eq!(
            resolved(&[on, ("OTEL_TRACES_EXPORTER", "none")], None),
            Ok(None)
        );
        assert!(url(&[on, ("OTEL_SDK_DISABLED", "false")], None).is_some());
        assert!(url(&[on, ("OTEL_TRACES_EXPORTER", "otlp")], None).is_some());
        assert!(url(&[on, ("OTEL_TRACES_EXPORTER", "console, otlp")], None).is_some());
    }

    #[test]
    fn what_cannot_work_is_refused_with_what_to_change() {
        let on = (ENDPOINT, "http://collector:4318");
        let zipkin = resolved(&[on, ("OTEL_TRACES_EXPORTER", "zipkin")], None).unwrap_err();
        assert!(zipkin.contains("`otlp`"), "{zipkin}");
        let grpc = resolved(&[on, ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")], None).unwrap_err();
        assert!(grpc.contains("http/protobuf"), "{grpc}");
        let relative = resolved(&[(ENDPOINT, "collector:4318")], None).unwrap_err();
        assert!(
            relative.contains(ENDPOINT) && relative.contains("http"),
            "{relative}"
        );
        let spec = resolved(&[], Some("not a url")).unwrap_err();
        assert!(spec.contains(SPEC_KEY), "{spec}");
    }

    #[test]
    fn timeouts_come_from_the_variables_in_milliseconds() {
        let on = (ENDPOINT, "http://collector:4318");
        let timeout = |vars: &[(&str, &str)]| resolved(vars, None).unwrap().unwrap().timeout;
        assert_eq!(timeout(&[on]), Duration::from_secs(10));
        assert_eq!(
            timeout(&[on, ("OTEL_EXPORTER_OTLP_TIMEOUT", "2500")]),
            Duration::from_millis(2500)
        );
    }

    #[test]
    fn the_service_is_named_after_the_server_unless_the_environment_names_it() {
        // The process's environment has no OTEL_SERVICE_NAME in the tests.
        let resource = resource("weather", "1.2.3");
        let get = |key: &'static str| {
            resource
                .get(&opentelemetry::Key::from_static_str(key))
                .map(|v| v.to_string())
        };
        assert_eq!(get("service.name").as_deref(), Some("weather"));
        assert_eq!(get("service.version").as_deref(), Some("1.2.3"));
    }
}
