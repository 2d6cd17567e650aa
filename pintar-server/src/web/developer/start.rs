//! `/developer/start`: getting started — curl, SDK and CLI snippets that name the address
//! the visitor reached this server at. A public page.

use crate::error::ServerError;
use crate::setup::state::AppState;
use crate::web::session;
use crate::web::{Chrome, Visitor};
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::Response;
use std::net::SocketAddr;

/// `raw` if it can be printed as a host (and port) in a snippet: 1 to 255 characters of
/// letters, digits, `.`, `:`, `-`, `[` and `]`.
fn clean_host(raw: &str) -> Option<&str> {
    let ok = !raw.is_empty()
        && raw.len() <= 255
        && raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '-' | '[' | ']'));
    ok.then_some(raw)
}

/// The address the visitor reached this server at: the request's `Host` when it is clean,
/// else the address the server binds (loopback for a wildcard bind).
fn base_url(host: Option<&str>, secure: bool, bind: SocketAddr) -> String {
    let scheme = if secure { "https" } else { "http" };
    match host.and_then(clean_host) {
        Some(h) => format!("{scheme}://{h}"),
        None => {
            let mut addr = bind;
            if addr.ip().is_unspecified() {
                addr.set_ip(if addr.is_ipv4() {
                    std::net::Ipv4Addr::LOCALHOST.into()
                } else {
                    std::net::Ipv6Addr::LOCALHOST.into()
                });
            }
            format!("{scheme}://{addr}")
        }
    }
}

/// The getting-started snippets for `base`.
struct Snippets {
    sample: String,
    courses: String,
    analyze: String,
    rust: String,
    example: String,
    cli: String,
}

impl Snippets {
    fn for_base(base: &str) -> Self {
        Self {
            sample: "{\n  echo \"date,category,value\"\n  for y in 2022 2023 2024; do\n    for m in 01 02 03 04 05 06 07 08 09 10 11 12; do\n      echo \"$y-$m-01,coffee,$((100 + RANDOM % 50))\"\n    done\n  done\n} > exports.csv".to_string(),
            courses: format!("curl -s {base}/api/v1/courses"),
            analyze: format!(
                "export PINTAR_API_KEY=pk_YOUR_KEY\ncurl -s -H \"Authorization: ApiKey $PINTAR_API_KEY\" \\\n  -F \"file=@exports.csv\" \\\n  \"{base}/api/v1/analytics/analyze?horizon=6\""
            ),
            rust: format!(
                "use pintar_sdk::Client;\n\n#[tokio::main]\nasync fn main() -> pintar_sdk::Result<()> {{\n    let key = std::env::var(\"PINTAR_API_KEY\").unwrap_or_default();\n    let client = Client::builder().base_url(\"{base}\").api_key(key).build()?;\n    let report = client.analysis().analyze_file(\"exports.csv\").await?.horizon(6).report().await?;\n    for s in &report.series {{\n        println!(\"{{}}: {{:?}}\", s.category, s.forecast.as_ref().map(|f| &f.model));\n    }}\n    Ok(())\n}}"
            ),
            example: format!(
                "PINTAR_SERVER={base} PINTAR_API_KEY=pk_YOUR_KEY \\\n  cargo run --example sdk_forecast -- exports.csv 6"
            ),
            cli: format!(
                "pintar --server {base} auth login\npintar --server {base} analyze exports.csv --remote\npintar --server {base} --json courses list"
            ),
        }
    }
}

#[derive(Template)]
#[template(path = "developer/start.html")]
struct Start {
    c: Chrome,
    base: String,
    s: Snippets,
}

pub(super) async fn start(
    State(state): State<AppState>,
    v: Visitor,
    https: Option<axum::Extension<session::Https>>,
    headers: HeaderMap,
) -> Result<Response, ServerError> {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let https = https.is_some_and(|h| h.0.0);
    let base = base_url(host, https, state.settings.bind);
    let page = Start {
        c: Chrome::of(&state, &v).await?,
        s: Snippets::for_base(&base),
        base,
    };
    Ok(v.html(page.render()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_sanitised_and_fall_back_to_the_bind_address() {
        let bind: SocketAddr = "0.0.0.0:8000".parse().expect("addr");
        assert_eq!(
            base_url(Some("pintar.example:8443"), true, bind),
            "https://pintar.example:8443"
        );
        assert_eq!(
            base_url(Some("[::1]:8000"), false, bind),
            "http://[::1]:8000"
        );
        for bad in [
            "",
            "a b",
            "evil.example/x",
            "x\"y",
            "a@b",
            "host;rm",
            &"a".repeat(256),
        ] {
            assert_eq!(
                base_url(Some(bad), false, bind),
                "http://127.0.0.1:8000",
                "{bad}"
            );
        }
        assert_eq!(base_url(None, false, bind), "http://127.0.0.1:8000");
        let v6: SocketAddr = "[::]:9000".parse().expect("addr");
        assert_eq!(base_url(None, false, v6), "http://[::1]:9000");
        let fixed: SocketAddr = "10.0.0.5:80".parse().expect("addr");
        assert_eq!(base_url(None, false, fixed), "http://10.0.0.5:80");
    }

    #[test]
    fn snippets_name_the_base() {
        let s = Snippets::for_base("http://h:1");
        assert_eq!(s.courses, "curl -s http://h:1/api/v1/courses");
        assert!(s.analyze.contains("Authorization: ApiKey $PINTAR_API_KEY"));
        assert!(
            s.analyze
                .contains("\"http://h:1/api/v1/analytics/analyze?horizon=6\"")
        );
        assert!(s.rust.contains(".base_url(\"http://h:1\")"));
        assert!(s.rust.contains("println!(\"{}: {:?}\""));
        assert!(
            s.cli
                .contains("pintar --server http://h:1 analyze exports.csv --remote")
        );
    }
}
