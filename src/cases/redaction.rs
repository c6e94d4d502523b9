//! What outsiders (police liaisons, share links) must not see: the phones and e-mail
//! addresses that people wrote into the log, which are mostly volunteers'. The card itself (the
//! missing person, their relatives, the police unit) is what the police need and stays.

use std::sync::OnceLock;

use regex::Regex;
use serde_json::Value;

/// Shown instead of what was removed.
pub const REDACTED: &str = "[…]";

fn patterns() -> &'static [Regex; 2] {
    static PATTERNS: OnceLock<[Regex; 2]> = OnceLock::new();
    PATTERNS.get_or_init(|| {
        [
            // e-mail addresses
            Regex::new(r"[\w.+-]+@[\w-]+(\.[\w-]+)+").expect("valid"),
            // phone numbers: 7 or more digits, with spaces, dashes or brackets and an optional +
            // (not dots: "12.03.2026" is a date)
            Regex::new(r"\+?\d[\d\s()\-]{5,}\d").expect("valid"),
        ]
    })
}

fn numbering() -> &'static Regex {
    static NUMBERING: OnceLock<Regex> = OnceLock::new();
    NUMBERING.get_or_init(|| Regex::new(r"^\d{4}-\d{4}$|^\d{4}-\d{2}-\d{2}$").expect("valid"))
}

/// `text` with e-mail addresses and phone numbers replaced.
pub fn text(text: &str) -> String {
    let mut out = text.to_string();
    for pattern in patterns() {
        out = pattern
            .replace_all(&out, |caps: &regex::Captures| {
                let found = &caps[0];
                // Short runs of numbers ("house 12 14"), case numbers ("2026-0017") and dates
                // ("2026-11-22") are not phone numbers.
                let digits = found.chars().filter(char::is_ascii_digit).count();
                if found.contains('@') || (digits >= 7 && !numbering().is_match(found.trim())) {
                    REDACTED.to_string()
                } else {
                    found.to_string()
                }
            })
            .into_owned();
    }
    out
}

/// The card as an outsider sees it: the person's own details stay (that is what the police
/// need); the team's working notes on it (task comments, place notes, the reason for an
/// urgency override) lose their phones and e-mails like the log does.
pub fn case(mut case: super::casework::Case) -> super::casework::Case {
    for task in &mut case.tasks {
        task.comment = task.comment.as_deref().map(text);
    }
    for place in &mut case.places {
        place.note = place.note.as_deref().map(text);
    }
    case.urgency.override_reason = case.urgency.override_reason.as_deref().map(text);
    case
}

/// Every string inside `value`, redacted.
pub fn json(value: &Value) -> Value {
    match value {
        Value::String(s) => Value::String(text(s)),
        Value::Array(items) => Value::Array(items.iter().map(json).collect()),
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), json(v))).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_and_emails_go_dates_and_short_numbers_stay() {
        assert_eq!(
            text("Сокол (+7 916 123-45-67, sokol@mail.ru) проверил дом 12 в 14:30 12.03.2026"),
            "Сокол ([…], […]) проверил дом 12 в 14:30 12.03.2026"
        );
        assert_eq!(text("звонить 8(903)1112233"), "звонить […]");
        assert_eq!(text("group 3 of 12"), "group 3 of 12");
        assert_eq!(
            text("case 2026-0017, report R-2026-0012, 2026-11-22"),
            "case 2026-0017, report R-2026-0012, 2026-11-22"
        );
    }

    #[test]
    fn json_is_redacted_all_the_way_down() {
        let value = serde_json::json!({"a": ["call 89031112233"], "b": {"c": "x@y.org"}, "n": 5});
        assert_eq!(json(&value), serde_json::json!({"a": ["call […]"], "b": {"c": "[…]"}, "n": 5}));
    }
}
