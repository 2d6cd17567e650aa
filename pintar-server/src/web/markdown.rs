//! Lesson text: Markdown rendered to HTML, then sanitised, so a lesson can hold tables,
//! code and links but never script, event handlers, styles or `javascript:` addresses.

use pulldown_cmark::{Options, Parser, html};
use std::sync::{Arc, LazyLock};

static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::default();
    b.link_rel(Some("noopener noreferrer nofollow"))
        .url_schemes(["http", "https", "mailto"].into_iter().collect());
    b
});

/// Rendered lessons, by a keyed hash of their text: sanitising is the costly part of a
/// lesson page, and lessons change rarely. Bounded by weight (bytes of HTML kept).
static RENDERED: LazyLock<moka::sync::Cache<u64, Arc<str>>> = LazyLock::new(|| {
    moka::sync::Cache::builder()
        .weigher(|_, html: &Arc<str>| u32::try_from(html.len()).unwrap_or(u32::MAX))
        .max_capacity(32 * 1024 * 1024)
        .build()
});

/// The hasher's keys are random per process, so no one can aim for a collision.
static KEYS: LazyLock<std::hash::RandomState> = LazyLock::new(std::hash::RandomState::new);

/// Safe HTML for the Markdown `text` (rendered once, then from memory).
pub fn to_html(text: &str) -> Arc<str> {
    use std::hash::BuildHasher;
    let key = KEYS.hash_one(text);
    RENDERED.get_with(key, || Arc::from(render(text)))
}

/// Renders and sanitises `text`.
fn render(text: &str) -> String {
    let mut opts = Options::empty();
    opts.insert(Options::ENABLE_TABLES);
    opts.insert(Options::ENABLE_STRIKETHROUGH);
    let mut raw = String::with_capacity(text.len() * 3 / 2);
    html::push_html(&mut raw, Parser::new_ext(text, opts));
    CLEANER.clean(&raw).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_markdown_and_drops_script() {
        let hostile = "# Incoterms\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n\
            <script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n\
            [click](javascript:alert(3)) <a href=\"https://ok.example\" onclick=\"alert(4)\">ok</a>\n\n\
            <iframe src=\"https://evil.example\"></iframe><style>body{display:none}</style>\n\n\
            <svg onload=alert(5)></svg> <form action=/x><input name=a></form>";
        let html = to_html(hostile).to_string();
        assert_eq!(&*to_html(hostile), html.as_str(), "the same from memory");
        assert!(html.contains("<h1>Incoterms</h1>"), "{html}");
        assert!(html.contains("<table>"), "{html}");
        for bad in [
            "<script",
            "onerror",
            "javascript:",
            "onclick",
            "<iframe",
            "<style",
            "onload",
            "<form",
            "<input",
        ] {
            assert!(!html.to_lowercase().contains(bad), "{bad} survived: {html}");
        }
        assert!(
            html.contains("rel=\"noopener noreferrer nofollow\""),
            "{html}"
        );
    }
}
