//! The site's words in Indonesian (the default) and English, from the message files under
//! `messages/` (compiled into the binary). A key missing in English falls back to
//! Indonesian, then to the key itself, so a page never fails for a missing word (a test
//! checks that both languages hold every key the templates use).

use std::collections::HashMap;
use std::sync::LazyLock;

/// A language the site speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// Bahasa Indonesia (the default).
    #[default]
    Id,
    /// English.
    En,
}

impl Lang {
    /// The language of a code (`id`, `en`), if the site speaks it.
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "id" => Some(Self::Id),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    /// The BCP 47 code (`lang` attribute, cookie value).
    pub fn code(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::En => "en",
        }
    }
}

/// The message files, one per area and language.
const FILES: &[(Lang, &str)] = &[
    (Lang::Id, include_str!("../../messages/id/common.toml")),
    (Lang::En, include_str!("../../messages/en/common.toml")),
    (Lang::Id, include_str!("../../messages/id/learn.toml")),
    (Lang::En, include_str!("../../messages/en/learn.toml")),
    (Lang::Id, include_str!("../../messages/id/developer.toml")),
    (Lang::En, include_str!("../../messages/en/developer.toml")),
    (Lang::Id, include_str!("../../messages/id/admin.toml")),
    (Lang::En, include_str!("../../messages/en/admin.toml")),
    (Lang::Id, include_str!("../../messages/id/account.toml")),
    (Lang::En, include_str!("../../messages/en/account.toml")),
];

type Table = HashMap<String, String>;

fn flatten(prefix: &str, value: &toml::Value, out: &mut Table) {
    match value {
        toml::Value::Table(t) => {
            for (k, v) in t {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        toml::Value::String(s) => {
            out.insert(prefix.to_string(), s.clone());
        }
        other => {
            out.insert(prefix.to_string(), other.to_string());
        }
    }
}

/// Every message, by language then key. A file that does not parse is a build mistake
/// caught by the tests; at run time its keys are simply missing.
static MESSAGES: LazyLock<[Table; 2]> = LazyLock::new(|| {
    let mut tables = [Table::new(), Table::new()];
    for (lang, text) in FILES {
        match text.parse::<toml::Value>() {
            Ok(v) => flatten("", &v, &mut tables[*lang as usize]),
            Err(e) => tracing::error!(error = %e, "a message file does not parse"),
        }
    }
    tables
});

/// The words of one language, for templates: `{{ t.get("nav.catalog") }}`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tr {
    /// The language.
    pub lang: Lang,
}

impl Tr {
    /// The words of `lang`.
    pub fn new(lang: Lang) -> Self {
        Self { lang }
    }

    /// The message `key` (falls back to Indonesian, then to the key).
    pub fn get<'k>(&self, key: &'k str) -> &'k str {
        let tables = &*MESSAGES;
        tables[self.lang as usize]
            .get(key)
            .or_else(|| tables[Lang::Id as usize].get(key))
            .map_or(key, String::as_str)
    }

    /// The message `key` with `{0}` replaced by `a`.
    pub fn fmt(&self, key: &str, a: impl std::fmt::Display) -> String {
        self.get(key).replace("{0}", &a.to_string())
    }

    /// The message `key` with `{0}` and `{1}` replaced.
    pub fn fmt2(&self, key: &str, a: impl std::fmt::Display, b: impl std::fmt::Display) -> String {
        self.get(key)
            .replace("{0}", &a.to_string())
            .replace("{1}", &b.to_string())
    }

    /// A date as the language writes it (`5 Mar 2026`).
    pub fn date(&self, d: &chrono::DateTime<chrono::Utc>) -> String {
        self.day(d.date_naive())
    }

    /// A calendar day as the language writes it.
    pub fn day(&self, d: chrono::NaiveDate) -> String {
        use chrono::Datelike;
        let months = self.get("date.months");
        let name = months
            .split(',')
            .nth(d.month0() as usize)
            .unwrap_or("")
            .trim();
        format!("{} {} {}", d.day(), name, d.year())
    }
}

/// Every key of `lang` (for the tests).
pub fn keys(lang: Lang) -> Vec<String> {
    let mut k: Vec<String> = MESSAGES[lang as usize].keys().cloned().collect();
    k.sort();
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_parses_and_both_languages_hold_the_same_keys() {
        for (lang, text) in FILES {
            text.parse::<toml::Value>()
                .unwrap_or_else(|e| panic!("{lang:?}: {e}"));
        }
        let id = keys(Lang::Id);
        let en = keys(Lang::En);
        let missing_en: Vec<_> = id.iter().filter(|k| !en.contains(k)).collect();
        let missing_id: Vec<_> = en.iter().filter(|k| !id.contains(k)).collect();
        assert!(missing_en.is_empty(), "missing in English: {missing_en:?}");
        assert!(
            missing_id.is_empty(),
            "missing in Indonesian: {missing_id:?}"
        );
    }

    #[test]
    fn every_key_the_templates_use_exists() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let id = keys(Lang::Id);
        let mut missing = Vec::new();
        let mut stack = vec![dir];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).expect("templates dir") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let text = std::fs::read_to_string(&path).expect("template");
                for pat in ["t.get(\"", "t.fmt(\"", "t.fmt2(\""] {
                    for (i, _) in text.match_indices(pat) {
                        let rest = &text[i + pat.len()..];
                        let key = &rest[..rest.find('"').expect("closing quote")];
                        if !id.iter().any(|k| k == key) {
                            missing.push(format!("{}: {key}", path.display()));
                        }
                    }
                }
            }
        }
        assert!(
            missing.is_empty(),
            "keys used but not defined: {missing:#?}"
        );
    }

    #[test]
    fn falls_back_and_formats() {
        let t = Tr::new(Lang::En);
        assert_eq!(t.get("no.such.key"), "no.such.key");
        assert_ne!(Tr::new(Lang::Id).get("nav.catalog"), "nav.catalog");
        let d = chrono::NaiveDate::from_ymd_opt(2026, 3, 5).expect("date");
        assert_eq!(Tr::new(Lang::En).day(d), "5 Mar 2026");
        assert_eq!(Tr::new(Lang::Id).day(d), "5 Mar 2026");
    }
}
