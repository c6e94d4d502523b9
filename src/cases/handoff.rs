//! Handing a case to an emergency service: one action e-mails the card's essentials (who,
//! age, health, medication, where last seen, and the team's number to call) to the configured
//! ambulance or police address, and records it in the case's log.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::casework::Case;
use crate::config::Config;
use crate::i18n::{tr, Language};

/// Which service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Service {
    /// The ambulance (скорая помощь).
    Ambulance,
    /// The police.
    Police,
}

impl Service {
    /// The configured address, if any.
    pub fn address(self, config: &Config) -> Option<&str> {
        match self {
            Service::Ambulance => config.handoff_ambulance_email.as_deref(),
            Service::Police => config.handoff_police_email.as_deref(),
        }
    }

    /// The service's name in `language`.
    pub fn name(self, language: Language) -> String {
        match self {
            Service::Ambulance => tr(language, "handoff.service.ambulance", &[]),
            Service::Police => tr(language, "handoff.service.police", &[]),
        }
    }

    /// The setting that configures it.
    pub fn setting(self) -> &'static str {
        match self {
            Service::Ambulance => "SWEEP_HANDOFF_AMBULANCE_EMAIL",
            Service::Police => "SWEEP_HANDOFF_POLICE_EMAIL",
        }
    }
}

/// The e-mail's subject and body.
pub fn message(
    case: &Case,
    language: Language,
    team: &str,
    contact: &str,
    sender: &str,
    note: Option<&str>,
) -> (String, String) {
    let f = &case.fields;
    let t = |key: &str| tr(language, key, &[]);
    let none = t("handoff.not_given");
    let or_none =
        |value: &Option<String>| value.as_deref().filter(|v| !v.trim().is_empty()).unwrap_or(&none).to_string();
    let name = f.full_name.clone().unwrap_or_default();
    let age = case.age.map(|a| a.to_string()).unwrap_or_else(|| t("handoff.age_unknown"));
    let sex = match f.sex.as_deref() {
        Some("female") => t("handoff.sex.female"),
        Some("male") => t("handoff.sex.male"),
        _ => none.clone(),
    };
    let last_seen =
        f.last_seen_at.map(|at| at.format("%Y-%m-%d %H:%M UTC").to_string()).unwrap_or_else(|| none.clone());
    let coordinates = f.last_seen.map(|p| format!("{:.5}, {:.5}", p.lat, p.lon)).unwrap_or_else(|| none.clone());
    let police = [f.police_unit.as_deref(), f.police_case_number.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ");
    let subject = tr(language, "handoff.subject", &[("name", &name), ("age", &age), ("number", &case.number)]);
    let mut lines = vec![
        tr(language, "handoff.intro", &[("team", team)]),
        String::new(),
        format!("{}: {name}", t("handoff.name")),
        format!("{}: {age}", t("handoff.age")),
        format!("{}: {sex}", t("handoff.sex")),
        format!("{}: {}", t("handoff.appearance"), or_none(&f.appearance)),
        format!("{}: {}", t("handoff.clothing"), or_none(&f.clothing)),
        format!("{}: {}", t("handoff.health"), or_none(&f.health)),
        format!("{}: {}", t("handoff.medication"), or_none(&f.medication)),
        format!("{}: {}", t("handoff.mental_state"), or_none(&f.mental_state)),
        format!("{}: {last_seen}", t("handoff.last_seen")),
        format!("{}: {}", t("handoff.last_seen_place"), or_none(&f.last_seen_address)),
        format!("{}: {coordinates}", t("handoff.coordinates")),
        format!("{}: {}", t("handoff.police_case"), if police.is_empty() { none.clone() } else { police }),
    ];
    if let Some(note) = note.filter(|n| !n.trim().is_empty()) {
        lines.push(format!("{}: {}", t("handoff.note"), note.trim()));
    }
    lines.push(String::new());
    lines.push(format!("{}: {contact}", t("handoff.contact")));
    lines.push(format!("{}: {sender}", t("handoff.sent_by")));
    (subject, lines.join("\n"))
}
