//! Call-outs: an alert to whoever a target selects in the registry, over the app, e-mail and
//! SMS, asking "going / can't", with a headcount to reach and escalation steps.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::PgConnection;
use utoipa::ToSchema;
use uuid::Uuid;

use super::alert::MAX_TEXT_CHARS;
use crate::cases::card::Point;
use crate::cases::journal::{self, Author, EntryKind, NewEntry};
use crate::error::{ApiError, ApiResult};
use crate::realtime::{announce, Notice};
use crate::registry::profile::CHANNELS;
use crate::registry::target::{self, Target};

/// A call-out as a coordinator composes it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCallout {
    /// The case it is about.
    pub case_id: Option<Uuid>,
    /// A short title (the e-mail's subject).
    pub title: String,
    /// The text: the orientation, or free text.
    pub text: String,
    /// A place it points at (the meeting point).
    pub location: Option<Point>,
    /// Whom.
    pub target: Target,
    /// Channels: app, email, sms.
    pub channels: Vec<String>,
    /// Urgent: ignores quiet hours.
    #[serde(default)]
    pub urgent: bool,
    /// How many people are needed.
    pub needed: Option<i32>,
    /// Minutes before each escalation step when the headcount is not reached.
    pub escalate_after_min: Option<f64>,
    /// Channels the steps add, in order (e.g. ["sms"]).
    #[serde(default)]
    pub escalate_to: Vec<String>,
    /// Kilometres each step widens a `near` target by.
    pub widen_km: Option<f64>,
    /// The widest radius.
    pub max_km: Option<f64>,
    /// Hours its answer links work (default 72, at most 168).
    pub expires_in_h: Option<f64>,
}

/// What a preview needs.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewRequest {
    /// Whom.
    pub target: Target,
    /// Channels.
    pub channels: Vec<String>,
}

fn check_channels(field: &str, channels: &[String], allow_empty: bool) -> ApiResult<Vec<String>> {
    if let Some(bad) = channels.iter().find(|c| !CHANNELS.contains(&c.as_str())) {
        return Err(ApiError::invalid_field(field, format!("{bad:?} is not one of app, email, sms")));
    }
    if channels.is_empty() && !allow_empty {
        return Err(ApiError::invalid_field(field, "choose at least one channel: app, email, sms"));
    }
    let mut unique: Vec<String> = Vec::new();
    for channel in channels {
        if !unique.contains(channel) {
            unique.push(channel.clone());
        }
    }
    Ok(unique)
}

/// Checks a preview request.
pub fn check_preview(request: &mut PreviewRequest) -> ApiResult<Vec<String>> {
    request.target.check()?;
    check_channels("channels", &request.channels, false)
}

fn number_in(field: &str, value: Option<f64>, low: f64, high: f64) -> ApiResult<Option<f64>> {
    match value {
        Some(v) if !(v.is_finite() && v >= low && v <= high) => {
            Err(ApiError::invalid_field(field, format!("from {low} to {high}")))
        }
        other => Ok(other),
    }
}

/// Sends a call-out: its recipients and their messages are queued in the caller's transaction.
pub async fn create(
    conn: &mut PgConnection,
    mut request: NewCallout,
    configured: &[&str],
    author: &Author,
) -> ApiResult<Uuid> {
    let title = request.title.trim().to_string();
    if title.is_empty() || title.chars().count() > 200 {
        return Err(ApiError::invalid_field("title", "the title has 1 to 200 characters"));
    }
    let text = request.text.trim().to_string();
    if text.is_empty() || text.chars().count() > MAX_TEXT_CHARS {
        return Err(ApiError::invalid_field("text", format!("the text has 1 to {MAX_TEXT_CHARS} characters")));
    }
    if let Some(point) = &request.location {
        point.check("location")?;
    }
    request.target.check()?;
    let channels = check_channels("channels", &request.channels, false)?;
    let escalate_to = check_channels("escalate_to", &request.escalate_to, true)?;
    if let Some(needed) = request.needed {
        if !(1..=10_000).contains(&needed) {
            return Err(ApiError::invalid_field("needed", "from 1 to 10000 people"));
        }
    }
    let after_min = number_in("escalate_after_min", request.escalate_after_min, 1.0 / 60.0, 1440.0)?;
    let widen_km = number_in("widen_km", request.widen_km, 0.1, target::MAX_KM)?;
    let max_km = number_in("max_km", request.max_km, 0.1, target::MAX_KM)?;
    let expires_h = number_in("expires_in_h", request.expires_in_h, 0.1, 168.0)?.unwrap_or(72.0);
    let radius = request.target.near.as_ref().map(|n| n.km);
    if widen_km.is_some() && radius.is_none() {
        return Err(ApiError::invalid_field("widen_km", "only a target near a point can be widened"));
    }
    if let (Some(max), Some(radius)) = (max_km, radius) {
        if max < radius {
            return Err(ApiError::invalid_field("max_km", "the widest radius is at least the first one"));
        }
    }
    let escalates = !escalate_to.is_empty() || widen_km.is_some();
    if escalates && (request.needed.is_none() || after_min.is_none()) {
        return Err(ApiError::invalid_field(
            "escalate_after_min",
            "escalation needs the number of people needed and the minutes to wait for them",
        ));
    }
    if let Some(case) = request.case_id {
        let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM cases WHERE id = $1)")
            .bind(case)
            .fetch_one(&mut *conn)
            .await?;
        if !exists {
            return Err(ApiError::invalid_field("case_id", "no such case"));
        }
    }
    let recipients = target::select(&mut *conn, &request.target).await?;
    if recipients.is_empty() {
        return Err(ApiError::invalid(
            "no_recipients",
            "no approved volunteer matches: the call-out would reach no one",
        ));
    }
    let escalate_after_s = after_min.map(|m| (m * 60.0).round().max(1.0) as i32);
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO alerts (kind, case_id, title, text, location, urgent, asks_answer, audience, channels, needed,
                             escalate_after_s, escalate_to, widen_km, max_km, radius_km, next_step_at, expires_at,
                             sent_by, sent_by_name)
         VALUES ('callout', $1, $2, $3, CASE WHEN $4::float8 IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint($5, $4), 4326) END,
                 $6, true, $7, $8, $9, $10, $11, $12, $13, $14,
                 CASE WHEN $15 THEN now() + make_interval(secs => $10) END, now() + make_interval(secs => $16),
                 $17, $18)
         RETURNING id",
    )
    .bind(request.case_id)
    .bind(&title)
    .bind(&text)
    .bind(request.location.map(|p| p.lat))
    .bind(request.location.map(|p| p.lon))
    .bind(request.urgent)
    .bind(request.target.to_json())
    .bind(&channels)
    .bind(request.needed)
    .bind(escalate_after_s)
    .bind(&escalate_to)
    .bind(widen_km)
    // Without a widest radius, at most four widening steps.
    .bind(max_km.or(widen_km.zip(radius).map(|(widen, radius)| (radius + 4.0 * widen).min(target::MAX_KM))))
    .bind(radius)
    .bind(escalates)
    .bind(expires_h * 3600.0)
    .bind(author.user_id)
    .bind(&author.name)
    .fetch_one(&mut *conn)
    .await?;
    add_recipients(conn, id, &recipients, 0).await?;
    crate::outbox::queue(conn, id, &recipients, &channels, request.urgent, 0, configured, false).await?;
    if let Some(case) = request.case_id {
        let details = json!({ "event": "callout_sent", "alert": id, "title": title, "recipients": recipients.len(),
                              "channels": channels, "needed": request.needed, "urgent": request.urgent });
        let entry = NewEntry { location: request.location, ..NewEntry::system(EntryKind::AlertSent, &title, details) };
        journal::append(&mut *conn, case, author, entry).await?;
    }
    announce(&mut *conn, &Notice::Alert { alert_id: id }).await?;
    Ok(id)
}

/// Adds recipients reached at `step`.
pub async fn add_recipients(conn: &mut PgConnection, alert: Uuid, people: &[Uuid], step: i32) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO alert_recipients (alert_id, volunteer_id, step) SELECT $1, unnest($2::uuid[]), $3 ON CONFLICT DO NOTHING",
    )
    .bind(alert)
    .bind(people)
    .bind(step)
    .execute(conn)
    .await?;
    Ok(())
}

/// A call-out in the list.
#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct CalloutSummary {
    /// Its id.
    pub id: Uuid,
    /// Title.
    pub title: Option<String>,
    /// Text.
    pub text: String,
    /// The case.
    pub case_id: Option<Uuid>,
    /// When.
    pub sent_at: DateTime<Utc>,
    /// Who.
    pub sent_by_name: String,
    /// Urgent.
    pub urgent: bool,
    /// People needed.
    pub needed: Option<i32>,
    /// Going.
    pub going: i64,
    /// Can't.
    pub cant: i64,
    /// Everyone reached.
    pub recipients: i64,
    /// Escalation steps taken.
    pub step: i32,
    /// When it was closed.
    pub closed_at: Option<DateTime<Utc>>,
    /// When its links expire.
    pub expires_at: Option<DateTime<Utc>>,
}

/// Recent call-outs, newest first (of one case, when given).
pub async fn list(conn: &mut PgConnection, case: Option<Uuid>) -> sqlx::Result<Vec<CalloutSummary>> {
    sqlx::query_as(
        "SELECT a.id, a.title, a.text, a.case_id, a.sent_at, a.sent_by_name, a.urgent, a.needed,
                count(*) FILTER (WHERE r.answer = 'going') AS going, count(*) FILTER (WHERE r.answer = 'cant') AS cant,
                count(r.volunteer_id) AS recipients, a.step, a.closed_at, a.expires_at
         FROM alerts a LEFT JOIN alert_recipients r ON r.alert_id = a.id
         WHERE a.kind = 'callout' AND ($1::uuid IS NULL OR a.case_id = $1)
         GROUP BY a.id ORDER BY a.sent_at DESC LIMIT 200",
    )
    .bind(case)
    .fetch_all(conn)
    .await
}

/// Closes a call-out: no more escalation steps, its links stop working.
pub async fn close(conn: &mut PgConnection, alert: Uuid, author: &Author) -> ApiResult<()> {
    #[allow(clippy::type_complexity)]
    let row: Option<(String, Option<Uuid>, Option<DateTime<Utc>>, Option<String>)> =
        sqlx::query_as("SELECT kind, case_id, closed_at, title FROM alerts WHERE id = $1 FOR UPDATE")
            .bind(alert)
            .fetch_optional(&mut *conn)
            .await?;
    let Some((kind, case, closed, title)) = row else { return Err(ApiError::not_found("alert")) };
    if kind != "callout" {
        return Err(ApiError::conflict("not_a_callout", "only call-outs are closed"));
    }
    if closed.is_some() {
        return Ok(());
    }
    sqlx::query("UPDATE alerts SET closed_at = now(), closed_by_name = $2, next_step_at = NULL WHERE id = $1")
        .bind(alert)
        .bind(&author.name)
        .execute(&mut *conn)
        .await?;
    // What has not left yet will not leave.
    sqlx::query(
        "UPDATE outbox SET status = 'skipped', last_error = 'the call-out was closed'
         WHERE alert_id = $1 AND status IN ('queued', 'held')",
    )
    .bind(alert)
    .execute(&mut *conn)
    .await?;
    if let Some(case) = case {
        let title = title.unwrap_or_default();
        let details = json!({ "event": "callout_closed", "alert": alert, "title": title });
        let text = format!("✓ {title}");
        journal::append(&mut *conn, case, author, NewEntry::system(EntryKind::AlertSent, &text, details)).await?;
    }
    announce(&mut *conn, &Notice::AlertEscalated { alert_id: alert, step: -1 }).await?;
    Ok(())
}

/// An answer a dispatcher takes on a volunteer's behalf (after a phone call).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerOnBehalf {
    /// The volunteer.
    pub volunteer_id: Uuid,
    /// going or cant.
    pub answer: String,
    /// When they expect to arrive.
    pub eta: Option<DateTime<Utc>>,
    /// How it was taken ("by phone").
    pub note: Option<String>,
}

/// Parses an answer word and checks an arrival time.
pub fn parse_answer(answer: &str, eta: Option<DateTime<Utc>>) -> ApiResult<mobile_api::Answer> {
    let parsed = match answer {
        "going" => mobile_api::Answer::Going,
        "cant" => mobile_api::Answer::Cant,
        _ => return Err(ApiError::invalid_field("answer", "going or cant")),
    };
    if eta.is_some_and(|eta| !super::alert::eta_in_range(eta)) {
        return Err(ApiError::invalid_field("eta", "the arrival time must be within the next week"));
    }
    Ok(parsed)
}

/// Stores an answer taken on a volunteer's behalf, written into the case's log.
pub async fn answer_for(
    conn: &mut PgConnection,
    alert: Uuid,
    request: AnswerOnBehalf,
    author: &Author,
) -> ApiResult<()> {
    let answer = parse_answer(&request.answer, request.eta)?;
    let note = request.note.as_deref().map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > 500) {
        return Err(ApiError::invalid_field("note", "at most 500 characters"));
    }
    let case: Option<Option<Uuid>> =
        sqlx::query_scalar("SELECT case_id FROM alerts WHERE id = $1").bind(alert).fetch_optional(&mut *conn).await?;
    let Some(case) = case else { return Err(ApiError::not_found("alert")) };
    let eta = if matches!(answer, mobile_api::Answer::Going) { request.eta } else { None };
    if !super::alert::answer(conn, alert, request.volunteer_id, Some((answer, eta)), "console").await? {
        return Err(ApiError::invalid_field("volunteer_id", "this volunteer did not receive this alert"));
    }
    sqlx::query(
        "UPDATE alert_recipients SET answer_note = $3, answered_by_name = $4 WHERE alert_id = $1 AND volunteer_id = $2",
    )
    .bind(alert)
    .bind(request.volunteer_id)
    .bind(note)
    .bind(&author.name)
    .execute(&mut *conn)
    .await?;
    if let Some(case) = case {
        let name: String = sqlx::query_scalar("SELECT display_name FROM users WHERE id = $1")
            .bind(request.volunteer_id)
            .fetch_one(&mut *conn)
            .await?;
        let details = json!({ "event": "answer_taken", "alert": alert, "volunteer": request.volunteer_id, "name": name,
                              "answer": request.answer, "eta": eta, "note": note });
        let text = format!("{name}: {}", request.answer);
        journal::append(&mut *conn, case, author, NewEntry::system(EntryKind::AlertSent, &text, details)).await?;
    }
    Ok(())
}
