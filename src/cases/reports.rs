//! Reports (обращения): every incoming report is registered; most end without a search
//! (information only, a duplicate, passed to the police), some are linked to a case or become one.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, PgPool};
use utoipa::ToSchema;
use uuid::Uuid;

use super::card::{next_number, Point};
use crate::error::{ApiError, ApiResult};
use crate::realtime::{announce, Notice};

/// How a report reached the team.
pub const CHANNELS: [&str; 6] = ["phone", "sms", "email", "walk_in", "police", "web_form"];

/// A report as shown.
#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct Report {
    /// Report id.
    pub id: Uuid,
    /// Its number, e.g. R-2026-0012.
    pub number: String,
    /// phone, sms, email, walk_in, police, web_form.
    pub channel: String,
    /// Who called or wrote.
    pub caller_name: Option<String>,
    /// Their phone.
    pub caller_phone: Option<String>,
    /// Where they are, if known.
    #[sqlx(skip)]
    pub caller_location: Option<Point>,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
    /// When it was registered.
    pub registered_at: DateTime<Utc>,
    /// Who registered it.
    pub registered_by_name: Option<String>,
    /// What was said.
    pub text: String,
    /// The telephony call it came from.
    pub call_id: Option<String>,
    /// Null while open; else information_only, duplicate, passed_to_police, linked_to_case, became_case.
    pub outcome: Option<String>,
    /// A note on the outcome.
    pub outcome_note: Option<String>,
    /// When it was closed.
    pub outcome_at: Option<DateTime<Utc>>,
    /// The case it concerns.
    pub case_id: Option<Uuid>,
    /// That case's number.
    pub case_number: Option<String>,
    /// The report this one repeats.
    pub duplicate_of: Option<Uuid>,
    #[serde(skip)]
    #[schema(ignore)]
    lat: Option<f64>,
    #[serde(skip)]
    #[schema(ignore)]
    lon: Option<f64>,
}

const SELECT_REPORT: &str =
    "SELECT r.id, r.number, r.channel, r.caller_name, r.caller_phone, r.received_at, r.registered_at,
        u.display_name AS registered_by_name, r.text, r.call_id, r.outcome, r.outcome_note, r.outcome_at, r.case_id,
        c.number AS case_number, r.duplicate_of, ST_Y(r.caller_location) AS lat, ST_X(r.caller_location) AS lon
 FROM reports r LEFT JOIN users u ON u.id = r.registered_by LEFT JOIN cases c ON c.id = r.case_id";

fn finish(mut report: Report) -> Report {
    report.caller_location = Point::from_columns(report.lat, report.lon);
    report
}

/// A new report.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReport {
    /// phone, sms, email, walk_in, police, web_form.
    pub channel: String,
    /// Who called or wrote.
    pub caller_name: Option<String>,
    /// Their phone.
    pub caller_phone: Option<String>,
    /// Where they are.
    pub caller_location: Option<Point>,
    /// When it arrived (default: now).
    pub received_at: Option<DateTime<Utc>>,
    /// What was said.
    #[serde(default)]
    pub text: String,
    /// The telephony call it came from.
    pub call_id: Option<String>,
}

/// Registers a report.
pub async fn create(conn: &mut PgConnection, new: NewReport, by: Uuid, now: DateTime<Utc>) -> ApiResult<Report> {
    if !CHANNELS.contains(&new.channel.as_str()) {
        return Err(ApiError::invalid_field("channel", format!("the channel is one of {}", CHANNELS.join(", "))));
    }
    if let Some(point) = &new.caller_location {
        point.check("caller_location")?;
    }
    if new.received_at.is_some_and(|at| at > now + chrono::Duration::minutes(10)) {
        return Err(ApiError::invalid_field("received_at", "the time received is in the future"));
    }
    if new.received_at.is_some_and(|at| chrono::Datelike::year(&at) < 2000) {
        return Err(ApiError::invalid_field("received_at", "the time received is before 2000"));
    }
    for (field, value, limit) in [
        ("caller_name", new.caller_name.as_deref(), 300),
        ("caller_phone", new.caller_phone.as_deref(), 100),
        ("text", Some(new.text.as_str()), 20_000),
        ("call_id", new.call_id.as_deref(), 200),
    ] {
        if value.is_some_and(|v| v.chars().count() > limit) {
            return Err(ApiError::invalid_field(field, format!("at most {limit} characters")));
        }
    }
    let number = next_number(conn, "report_number_counters", "R-", now).await?;
    if let Some(call_id) = new.call_id.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        let earlier: Option<Uuid> = sqlx::query_scalar("SELECT id FROM reports WHERE call_id = $1")
            .bind(call_id)
            .fetch_optional(&mut *conn)
            .await?;
        if let Some(earlier) = earlier {
            // A double submission from the pop-up: the same call is the same report.
            return Ok(find(conn, earlier, false).await?.expect("exists"));
        }
    }
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO reports (number, channel, caller_name, caller_phone, caller_location, received_at, registered_by, text, call_id)
         VALUES ($1, $2, $3, $4, CASE WHEN $5::float8 IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint($6, $5), 4326) END,
                 coalesce($7, now()), $8, $9, $10)
         RETURNING id",
    )
    .bind(&number)
    .bind(&new.channel)
    .bind(new.caller_name.as_deref().map(str::trim).filter(|v| !v.is_empty()))
    .bind(new.caller_phone.as_deref().map(str::trim).filter(|v| !v.is_empty()))
    .bind(new.caller_location.map(|p| p.lat))
    .bind(new.caller_location.map(|p| p.lon))
    .bind(new.received_at)
    .bind(by)
    .bind(new.text.trim())
    .bind(new.call_id.as_deref().map(str::trim).filter(|c| !c.is_empty()))
    .fetch_one(&mut *conn)
    .await?;
    if let Some(call_id) = new.call_id.as_deref().map(str::trim).filter(|c| !c.is_empty()).map(str::to_string) {
        sqlx::query("UPDATE incoming_calls SET report_id = $2 WHERE call_id = $1 AND report_id IS NULL")
            .bind(&call_id)
            .bind(id)
            .execute(&mut *conn)
            .await?;
        announce(&mut *conn, &Notice::CallHandled { call_id }).await?;
    }
    announce(&mut *conn, &Notice::ReportChanged { report_id: id }).await?;
    Ok(find(conn, id, false).await?.expect("just written"))
}

/// One report; `lock` holds it until the transaction ends.
pub async fn find(conn: &mut PgConnection, id: Uuid, lock: bool) -> sqlx::Result<Option<Report>> {
    let lock = if lock { " FOR UPDATE OF r" } else { "" };
    let report: Option<Report> =
        sqlx::query_as(&format!("{SELECT_REPORT} WHERE r.id = $1{lock}")).bind(id).fetch_optional(conn).await?;
    Ok(report.map(finish))
}

/// Filters for the reports list.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportFilter {
    /// true: only open ones; false: only closed ones.
    pub open: Option<bool>,
    /// Words in the caller's name, phone, text or number.
    pub q: Option<String>,
    /// Received at or after.
    pub from: Option<DateTime<Utc>>,
    /// Received before.
    pub to: Option<DateTime<Utc>>,
    /// At most this many (default 200, at most 1000).
    pub limit: Option<i64>,
}

/// Reports, newest first.
pub async fn list(db: &PgPool, filter: &ReportFilter) -> ApiResult<Vec<Report>> {
    let limit = filter.limit.unwrap_or(200);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::invalid_field("limit", "limit must be between 1 and 1000"));
    }
    let q = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    let reports: Vec<Report> = sqlx::query_as(&format!(
        "{SELECT_REPORT}
         WHERE ($1::bool IS NULL OR (r.outcome IS NULL) = $1)
           AND ($2::text IS NULL OR r.number ILIKE '%' || $2 || '%' OR r.caller_name ILIKE '%' || $2 || '%'
                OR r.text ILIKE '%' || $2 || '%' OR phone_key(r.caller_phone) = phone_key($2))
           AND ($3::timestamptz IS NULL OR r.received_at >= $3) AND ($4::timestamptz IS NULL OR r.received_at < $4)
         ORDER BY r.received_at DESC LIMIT $5"
    ))
    .bind(filter.open)
    .bind(q)
    .bind(filter.from)
    .bind(filter.to)
    .bind(limit)
    .fetch_all(db)
    .await?;
    Ok(reports.into_iter().map(finish).collect())
}

/// Closing a report without a case.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportClosing {
    /// information_only, duplicate, passed_to_police.
    pub outcome: String,
    /// A note.
    pub note: Option<String>,
    /// For a duplicate: the report it repeats.
    pub duplicate_of: Option<Uuid>,
}

/// Sets a report's outcome; a report is closed once.
pub async fn set_outcome(
    conn: &mut PgConnection,
    id: Uuid,
    outcome: &str,
    note: Option<&str>,
    case_id: Option<Uuid>,
    duplicate_of: Option<Uuid>,
    by: Uuid,
) -> ApiResult<Report> {
    let report = find(conn, id, true).await?.ok_or_else(|| ApiError::not_found("report"))?;
    if let Some(outcome) = &report.outcome {
        return Err(ApiError::conflict("report_closed", format!("this report is already closed ({outcome})")));
    }
    if note.is_some_and(|n| n.chars().count() > 2000) {
        return Err(ApiError::invalid_field("note", "at most 2,000 characters"));
    }
    sqlx::query(
        "UPDATE reports SET outcome = $2, outcome_note = $3, outcome_at = now(), outcome_by = $4, case_id = $5, duplicate_of = $6
         WHERE id = $1",
    )
    .bind(id)
    .bind(outcome)
    .bind(note.map(str::trim).filter(|n| !n.is_empty()))
    .bind(by)
    .bind(case_id)
    .bind(duplicate_of)
    .execute(&mut *conn)
    .await?;
    announce(&mut *conn, &Notice::ReportChanged { report_id: id }).await?;
    Ok(find(conn, id, false).await?.expect("exists"))
}

/// Closes a report as information only, a duplicate, or passed to the police.
pub async fn close(conn: &mut PgConnection, id: Uuid, closing: ReportClosing, by: Uuid) -> ApiResult<Report> {
    if !matches!(closing.outcome.as_str(), "information_only" | "duplicate" | "passed_to_police") {
        return Err(ApiError::invalid_field(
            "outcome",
            "the outcome is information_only, duplicate or passed_to_police (link it to a case, or make a case of it, for the others)",
        ));
    }
    match (closing.outcome.as_str(), closing.duplicate_of) {
        ("duplicate", None) => {
            return Err(ApiError::invalid_field("duplicate_of", "say which report this one repeats"))
        }
        ("duplicate", Some(other)) if other == id => {
            return Err(ApiError::invalid_field("duplicate_of", "a report cannot repeat itself"))
        }
        ("duplicate", Some(other)) if find(conn, other, false).await?.is_none() => {
            return Err(ApiError::invalid_field("duplicate_of", "there is no such report"))
        }
        ("duplicate", Some(_)) => {}
        (_, Some(_)) => return Err(ApiError::invalid_field("duplicate_of", "only a duplicate names another report")),
        _ => {}
    }
    set_outcome(conn, id, &closing.outcome, closing.note.as_deref(), None, closing.duplicate_of, by).await
}
