//! How urgent a case is, computed from the person (age, category, health) and the conditions
//! (weather, night), so the most endangered people come first in every list.

use chrono::{DateTime, Timelike, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Urgency classes, most urgent first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum UrgencyClass {
    /// Life at immediate risk: search now.
    Critical,
    /// A vulnerable person.
    High,
    /// Neither.
    Normal,
}

/// What the computation looks at.
#[derive(Clone, Debug, Default)]
pub struct UrgencyInput<'a> {
    /// Age in years, if known.
    pub age: Option<i32>,
    /// The case's category.
    pub category: &'a str,
    /// Health problems, as written on the card.
    pub health: Option<&'a str>,
    /// Medication the person needs.
    pub medication: Option<&'a str>,
    /// Weather: normal, cold, hot, rain, storm.
    pub weather: &'a str,
    /// When the person was last seen (else: now).
    pub last_seen_at: Option<DateTime<Utc>>,
    /// Longitude of the last-seen place, for local solar time (else the team's map centre).
    pub longitude: f64,
}

/// The computed class and the reasons for it (codes the console translates).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Urgency {
    /// The class.
    pub class: UrgencyClass,
    /// Why, as codes: young_child, child, teenager, elderly, dementia, health, medication,
    /// night, cold, hot, rain, storm.
    pub reasons: Vec<&'static str>,
}

/// Computes the urgency at `now`.
///
/// A child under 7 or a person with dementia is critical. A child, an elderly person (75+),
/// or anyone with health problems or medication is high, and critical when it is night or the
/// weather is bad (cold, heat, rain, storm). Night is 21:00 to 06:00 local solar time at the
/// last-seen place. A teenager is noted but not raised by age alone.
pub fn compute(input: &UrgencyInput, now: DateTime<Utc>) -> Urgency {
    let mut reasons = Vec::new();
    let mut class = UrgencyClass::Normal;
    let raise = |class: &mut UrgencyClass, to: UrgencyClass| *class = (*class).min(to);
    match (input.age, input.category) {
        (Some(age), _) if age < 7 => {
            raise(&mut class, UrgencyClass::Critical);
            reasons.push("young_child");
        }
        (Some(age), _) if age < 14 => {
            raise(&mut class, UrgencyClass::High);
            reasons.push("child");
        }
        (None, "child") => {
            raise(&mut class, UrgencyClass::High);
            reasons.push("child");
        }
        (Some(age), _) if age < 18 => reasons.push("teenager"),
        (None, "teenager") => reasons.push("teenager"),
        _ => {}
    }
    if input.category == "dementia" {
        raise(&mut class, UrgencyClass::Critical);
        reasons.push("dementia");
    }
    if input.age.is_some_and(|a| a >= 75) || (input.age.is_none() && input.category == "elderly") {
        raise(&mut class, UrgencyClass::High);
        reasons.push("elderly");
    }
    if input.health.is_some_and(|h| !h.trim().is_empty()) {
        raise(&mut class, UrgencyClass::High);
        reasons.push("health");
    }
    if input.medication.is_some_and(|m| !m.trim().is_empty()) {
        raise(&mut class, UrgencyClass::High);
        reasons.push("medication");
    }
    let mut conditions = Vec::new();
    if is_night(input.last_seen_at.unwrap_or(now), input.longitude) {
        conditions.push("night");
    }
    match input.weather {
        "cold" => conditions.push("cold"),
        "hot" => conditions.push("hot"),
        "rain" => conditions.push("rain"),
        "storm" => conditions.push("storm"),
        _ => {}
    }
    if !conditions.is_empty() && class <= UrgencyClass::High {
        raise(&mut class, UrgencyClass::Critical);
    }
    reasons.extend(conditions);
    Urgency { class, reasons }
}

/// Night (21:00–06:00) in local solar time at `longitude`: the sun, not a time zone, is what
/// makes a forest dark and cold.
fn is_night(at: DateTime<Utc>, longitude: f64) -> bool {
    let utc_hours = f64::from(at.hour()) + f64::from(at.minute()) / 60.0;
    let solar = (utc_hours + longitude / 15.0).rem_euclid(24.0);
    !(6.0..21.0).contains(&solar)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(hour_utc: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 1, hour_utc, 0, 0).unwrap()
    }

    fn input(age: Option<i32>, category: &'static str) -> UrgencyInput<'static> {
        UrgencyInput { age, category, weather: "normal", longitude: 37.6, ..Default::default() }
    }

    // Moscow (37.6° E) is 2.5 h ahead of UTC in solar time: 09:00 UTC is 11:30 there.
    const DAY: u32 = 9;
    const NIGHT: u32 = 21;

    #[test]
    fn a_young_child_and_a_person_with_dementia_are_critical_even_by_day() {
        let child = compute(&input(Some(5), "child"), at(DAY));
        assert_eq!((child.class, child.reasons), (UrgencyClass::Critical, vec!["young_child"]));
        let dementia = compute(&input(Some(68), "dementia"), at(DAY));
        assert_eq!((dementia.class, dementia.reasons), (UrgencyClass::Critical, vec!["dementia"]));
    }

    #[test]
    fn a_child_or_an_elderly_person_is_high_by_day_and_critical_at_night_or_in_the_cold() {
        assert_eq!(compute(&input(Some(10), "child"), at(DAY)).class, UrgencyClass::High);
        let night = compute(&input(Some(10), "child"), at(NIGHT));
        assert_eq!((night.class, night.reasons), (UrgencyClass::Critical, vec!["child", "night"]));
        let mut cold = input(Some(80), "elderly");
        cold.weather = "cold";
        let cold = compute(&cold, at(DAY));
        assert_eq!((cold.class, cold.reasons), (UrgencyClass::Critical, vec!["elderly", "cold"]));
    }

    #[test]
    fn a_healthy_teenager_stays_normal_at_night_but_the_reasons_say_so() {
        let teen = compute(&input(Some(15), "teenager"), at(NIGHT));
        assert_eq!((teen.class, teen.reasons), (UrgencyClass::Normal, vec!["teenager", "night"]));
        let mut ill = input(Some(15), "teenager");
        ill.medication = Some("insulin");
        let ill = compute(&ill, at(DAY));
        assert_eq!((ill.class, ill.reasons), (UrgencyClass::High, vec!["teenager", "medication"]));
    }

    #[test]
    fn night_follows_the_sun_at_the_place_not_utc() {
        // 21:00 UTC is past midnight in Vladivostok (131.9° E) and late afternoon in Lisbon (9.1° W).
        assert!(is_night(at(21), 37.6));
        assert!(!is_night(at(3), 131.9));
        assert!(is_night(at(3), -9.1));
        assert!(!is_night(at(12), -9.1));
    }

    #[test]
    fn blank_health_text_does_not_count() {
        let mut blank = input(Some(40), "adult");
        blank.health = Some("  ");
        assert_eq!(compute(&blank, at(DAY)).class, UrgencyClass::Normal);
    }
}
