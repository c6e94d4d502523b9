//! The orientation (ориентировка) drafted from a case's card for a call-out: who is missing,
//! what they look like, where and when they were last seen, where to meet, what to bring.

use serde::Serialize;
use sqlx::PgConnection;
use utoipa::ToSchema;

use crate::cases::card::{CaseRecord, Point};
use crate::i18n::{tr, Language};

/// A call-out's draft.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Orientation {
    /// The title.
    pub title: String,
    /// The text.
    pub text: String,
    /// The meeting point, else where they were last seen.
    pub location: Option<Point>,
    /// Whether the case has a photo (shown on the answer page behind each link).
    pub has_photo: bool,
}

/// Drafts the orientation in `language`, times in `zone`.
pub async fn draft(
    conn: &mut PgConnection,
    case: &CaseRecord,
    language: Language,
    zone: &str,
) -> sqlx::Result<Orientation> {
    let f = &case.fields;
    let t = |key: &str, params: &[(&str, &str)]| tr(language, key, params);
    let name = f.full_name.clone().unwrap_or_else(|| t("orientation.unknown_name", &[]));
    let age = case.age.map(|a| t("orientation.age", &[("age", &a.to_string())]));
    let title = match &age {
        Some(age) => t("orientation.title", &[("name", &name), ("age", age)]),
        None => t("orientation.title_no_age", &[("name", &name)]),
    };
    let mut lines = vec![title.clone()];
    let looks: Vec<String> =
        [&f.height_cm.map(|h| t("orientation.height", &[("cm", &h.to_string())])), &f.build, &f.appearance]
            .into_iter()
            .flatten()
            .filter(|v| !v.trim().is_empty())
            .cloned()
            .collect();
    if !looks.is_empty() {
        lines.push(t("orientation.looks", &[("text", &looks.join(", "))]));
    }
    if let Some(clothing) = f.clothing.as_deref().filter(|c| !c.trim().is_empty()) {
        lines.push(t("orientation.clothing", &[("text", clothing)]));
    }
    if let Some(marks) = f.special_marks.as_deref().filter(|c| !c.trim().is_empty()) {
        lines.push(t("orientation.marks", &[("text", marks)]));
    }
    let seen_at: Option<String> = match f.last_seen_at {
        Some(at) => {
            sqlx::query_scalar("SELECT to_char($1 AT TIME ZONE $2, 'DD.MM.YYYY HH24:MI')")
                .bind(at)
                .bind(zone)
                .fetch_one(&mut *conn)
                .await?
        }
        None => None,
    };
    let place = f.last_seen_address.clone().or_else(|| f.last_seen.map(|p| format!("{:.5}, {:.5}", p.lat, p.lon)));
    match (seen_at, place) {
        (Some(at), Some(place)) => lines.push(t("orientation.last_seen", &[("at", &at), ("place", &place)])),
        (Some(at), None) => lines.push(t("orientation.last_seen_at", &[("at", &at)])),
        (None, Some(place)) => lines.push(t("orientation.last_seen_place", &[("place", &place)])),
        (None, None) => {}
    }
    if let Some(health) = f.health.as_deref().filter(|c| !c.trim().is_empty()) {
        lines.push(t("orientation.health", &[("text", health)]));
    }
    // The meeting point of the case's operation under way, else the case's latest.
    let meeting: Option<(String, f64, f64)> = sqlx::query_as(
        "SELECT m.name, ST_Y(m.point), ST_X(m.point) FROM meeting_points m
         LEFT JOIN operations o ON o.meeting_point_id = m.id AND o.status <> 'finished'
         WHERE m.case_id = $1 ORDER BY o.id IS NULL, m.created_at DESC LIMIT 1",
    )
    .bind(case.id)
    .fetch_optional(&mut *conn)
    .await?;
    let location = match &meeting {
        Some((place, lat, lon)) => {
            lines.push(t("orientation.meeting", &[("place", place), ("coordinates", &format!("{lat:.5}, {lon:.5}"))]));
            Some(Point { lat: *lat, lon: *lon })
        }
        None => f.last_seen,
    };
    lines.push(t("orientation.bring", &[]));
    let has_photo: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM case_photos WHERE case_id = $1 AND withdrawn_at IS NULL)")
            .bind(case.id)
            .fetch_one(&mut *conn)
            .await?;
    if has_photo {
        lines.push(t("orientation.photo", &[]));
    }
    lines.push(t("orientation.answer", &[]));
    Ok(Orientation { title, text: lines.join("\n"), location, has_photo })
}
