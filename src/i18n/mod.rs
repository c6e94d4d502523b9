//! The server's own words (e-mails, and anything else it writes for people) in Russian and
//! English, from translation tables like the console's.

use std::collections::HashMap;
use std::sync::OnceLock;

/// A language Sweep speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// Russian.
    #[default]
    Ru,
    /// English.
    En,
}

fn tables() -> &'static [HashMap<String, String>; 2] {
    static TABLES: OnceLock<[HashMap<String, String>; 2]> = OnceLock::new();
    TABLES.get_or_init(|| {
        [
            serde_json::from_str(include_str!("ru.json")).expect("ru.json is a flat JSON object of strings"),
            serde_json::from_str(include_str!("en.json")).expect("en.json is a flat JSON object of strings"),
        ]
    })
}

/// The text for `key` in `language`, with `{name}` placeholders filled from `params`.
pub fn tr(language: Language, key: &str, params: &[(&str, &str)]) -> String {
    let table = &tables()[language as usize];
    let mut text = table.get(key).cloned().unwrap_or_else(|| key.to_string());
    for (name, value) in params {
        text = text.replace(&format!("{{{name}}}"), value);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_tables_have_the_same_keys_and_placeholders() {
        let [ru, en] = tables();
        let mut ru_keys: Vec<_> = ru.keys().collect();
        let mut en_keys: Vec<_> = en.keys().collect();
        ru_keys.sort();
        en_keys.sort();
        assert_eq!(ru_keys, en_keys);
        let placeholders = |text: &str| {
            let mut found: Vec<String> =
                text.split('{').skip(1).filter_map(|p| p.split_once('}').map(|(n, _)| n.to_string())).collect();
            found.sort();
            found
        };
        for key in ru.keys() {
            assert!(!ru[key].trim().is_empty() && !en[key].trim().is_empty(), "{key} is empty");
            assert_eq!(placeholders(&ru[key]), placeholders(&en[key]), "{key}");
        }
    }

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(
            tr(Language::En, "handoff.log", &[("service", "police"), ("address", "a@b")]),
            "Card sent: police (a@b)"
        );
        assert_eq!(tr(Language::Ru, "handoff.service.police", &[]), "полиция");
    }
}
