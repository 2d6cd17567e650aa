//! The stylesheet, script and icon, compiled into the binary and served under names that
//! carry a hash of their bytes, so browsers may keep them for a year and a new build is
//! fetched at once.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

/// One embedded file.
#[derive(Debug)]
pub struct Asset {
    /// The served name (`app.3f2a9c1b0d.css`).
    pub name: String,
    /// The bytes.
    pub bytes: &'static [u8],
    /// Its media type.
    pub content_type: &'static str,
}

fn asset(stem: &str, ext: &str, bytes: &'static [u8], content_type: &'static str) -> Asset {
    let digest = Sha256::digest(bytes);
    let hash: String = digest[..5].iter().map(|b| format!("{b:02x}")).collect();
    Asset {
        name: format!("{stem}.{hash}.{ext}"),
        bytes,
        content_type,
    }
}

static ASSETS: LazyLock<[Asset; 3]> = LazyLock::new(|| {
    [
        asset(
            "app",
            "css",
            include_bytes!("../../assets/app.css"),
            "text/css; charset=utf-8",
        ),
        asset(
            "app",
            "js",
            include_bytes!("../../assets/app.js"),
            "text/javascript; charset=utf-8",
        ),
        asset(
            "icon",
            "svg",
            include_bytes!("../../assets/icon.svg"),
            "image/svg+xml",
        ),
    ]
});

/// The stylesheet's address.
pub fn css() -> String {
    format!("/assets/{}", ASSETS[0].name)
}

/// The script's address.
pub fn js() -> String {
    format!("/assets/{}", ASSETS[1].name)
}

/// The icon's address.
pub fn icon() -> String {
    format!("/assets/{}", ASSETS[2].name)
}

/// `GET /assets/{name}`: an embedded file by its hashed name, cached for a year.
pub async fn serve(Path(name): Path<String>) -> Response {
    match ASSETS.iter().find(|a| a.name == name) {
        Some(a) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(a.content_type),
                ),
                (
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=31536000, immutable"),
                ),
            ],
            a.bytes,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such asset").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_the_hash() {
        let css = css();
        assert!(
            css.starts_with("/assets/app.") && css.ends_with(".css"),
            "{css}"
        );
        assert_eq!(css.len(), "/assets/app.".len() + 10 + ".css".len());
        assert_ne!(css, js());
    }
}
