//! Answer links: the link in a call-out's e-mail or SMS (`/r/<token>`) answers it and changes the
//! volunteer's notification preferences without logging in. A token is good for one call-out and
//! one volunteer, until the call-out expires or is closed.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::PgConnection;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::audit::{Actor, AuditEvent};
use crate::auth::secret::hash_secret;
use crate::auth::ClientAddress;
use crate::cases::card::Point;
use crate::error::{ApiError, ApiResult, Json, Path};
use crate::registry::profile::{self, Editor, ProfilePatch};
use crate::state::AppState;

/// The call-out, as its recipient sees it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct LinkedAlert {
    /// Its id.
    pub id: Uuid,
    /// Title.
    pub title: Option<String>,
    /// Text.
    pub text: String,
    /// Urgent.
    pub urgent: bool,
    /// The place it points at.
    pub location: Option<Point>,
    /// When it was sent.
    pub sent_at: DateTime<Utc>,
    /// When the link stops working.
    pub expires_at: Option<DateTime<Utc>>,
    /// Whether it was closed.
    pub closed: bool,
    /// Whether the missing person's photo can be seen (`/api/answer/{token}/photo`).
    pub has_photo: bool,
}

/// The recipient.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct LinkedVolunteer {
    /// Their name.
    pub name: String,
    /// Their language.
    pub language: String,
}

/// Their notification preferences.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Preferences {
    /// Channels call-outs may use.
    pub channels: Vec<String>,
    /// Quiet hours start.
    pub quiet_from: Option<String>,
    /// Quiet hours end.
    pub quiet_to: Option<String>,
    /// Time zone.
    pub time_zone: String,
    /// Muted until.
    pub muted_until: Option<DateTime<Utc>>,
}

/// What the answer page shows.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AnswerPage {
    /// The call-out.
    pub alert: LinkedAlert,
    /// The recipient.
    pub volunteer: LinkedVolunteer,
    /// Their answer: going, cant.
    pub answer: Option<String>,
    /// Their arrival time.
    pub eta: Option<DateTime<Utc>>,
    /// Their preferences.
    pub preferences: Preferences,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    title: Option<String>,
    text: String,
    urgent: bool,
    lat: Option<f64>,
    lon: Option<f64>,
    sent_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
    closed: bool,
    has_photo: bool,
    volunteer_id: Uuid,
    name: String,
    language: String,
    answer: Option<String>,
    eta: Option<DateTime<Utc>>,
    channels: Vec<String>,
    quiet_from: Option<String>,
    quiet_to: Option<String>,
    time_zone: String,
    muted_until: Option<DateTime<Utc>>,
}

/// The link's page; `410 link_expired` once the call-out expired or was closed (`usable` only).
async fn page(conn: &mut PgConnection, token: &str, usable: bool) -> ApiResult<(AnswerPage, Uuid)> {
    let row: Option<Row> = sqlx::query_as(
        "SELECT a.id, a.title, a.text, a.urgent, ST_Y(a.location) AS lat, ST_X(a.location) AS lon, a.sent_at, a.expires_at,
                a.closed_at IS NOT NULL OR u.disabled_at IS NOT NULL OR p.vetting <> 'approved' AS closed,
                EXISTS (SELECT 1 FROM case_photos f WHERE f.case_id = a.case_id AND f.withdrawn_at IS NULL) AS has_photo,
                r.volunteer_id, u.display_name AS name, u.language, r.answer, r.eta,
                p.channels, to_char(p.quiet_from, 'HH24:MI') AS quiet_from, to_char(p.quiet_to, 'HH24:MI') AS quiet_to,
                p.time_zone, p.muted_until
         FROM answer_links l
         JOIN alerts a ON a.id = l.alert_id
         JOIN alert_recipients r ON r.alert_id = l.alert_id AND r.volunteer_id = l.volunteer_id
         JOIN users u ON u.id = l.volunteer_id
         JOIN volunteer_profiles p ON p.user_id = l.volunteer_id
         WHERE l.token_hash = $1",
    )
    .bind(hash_secret(token.trim()))
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "link_unknown",
            "this link is not known: check it was copied whole",
        ));
    };
    let over = row.closed || row.expires_at.is_some_and(|at| at <= Utc::now());
    if usable && over {
        return Err(ApiError::new(StatusCode::GONE, "link_expired", "this call-out is over: the link no longer works"));
    }
    let volunteer = row.volunteer_id;
    // Once over, the page keeps only what the volunteer needs: that it is over, and their
    // preferences; the case's details are gone.
    let (text, location, has_photo) = if over {
        (String::new(), None, false)
    } else {
        (row.text, Point::from_columns(row.lat, row.lon), row.has_photo)
    };
    Ok((
        AnswerPage {
            alert: LinkedAlert {
                id: row.id,
                title: row.title,
                text,
                urgent: row.urgent,
                location,
                sent_at: row.sent_at,
                expires_at: row.expires_at,
                closed: over,
                has_photo,
            },
            volunteer: LinkedVolunteer { name: row.name, language: row.language },
            answer: row.answer,
            eta: row.eta,
            preferences: Preferences {
                channels: row.channels,
                quiet_from: row.quiet_from,
                quiet_to: row.quiet_to,
                time_zone: row.time_zone,
                muted_until: row.muted_until,
            },
        },
        volunteer,
    ))
}

fn actor(volunteer: Uuid) -> Actor {
    Actor::User { id: volunteer, label: "answer link".into() }
}

/// The call-out behind an answer link, the recipient's answer and preferences. Shown even after
/// the call-out is over (marked `closed`), so the page can say so.
#[utoipa::path(get, path = "/api/answer/{token}", tag = "alerts", security(()),
    params(("token" = String, Path, description = "The link's token")),
    responses((status = 200, body = AnswerPage), (status = 404, body = crate::error::ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    Path(token): Path<String>,
) -> ApiResult<Json<AnswerPage>> {
    let mut tx = state.db.begin().await?;
    let (shown, volunteer) = page(&mut tx, &token, false).await?;
    // The text carries the case's details: every read through a link is in the audit log.
    AuditEvent::new("alert.link_read")
        .on("alert", shown.alert.id)
        .details(json!({ "closed": shown.alert.closed }))
        .write(&mut *tx, &actor(volunteer), address)
        .await?;
    tx.commit().await?;
    Ok(Json(shown))
}

/// An answer from the link.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkAnswer {
    /// going or cant.
    pub answer: String,
    /// When they expect to arrive.
    pub eta: Option<DateTime<Utc>>,
}

/// Answers the call-out from the link ("going", "going, arriving at …", "can't").
#[utoipa::path(post, path = "/api/answer/{token}", tag = "alerts", security(()),
    params(("token" = String, Path, description = "The link's token")), request_body = LinkAnswer,
    responses((status = 200, body = AnswerPage), (status = 404, body = crate::error::ErrorBody),
              (status = 410, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn answer(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    Path(token): Path<String>,
    Json(request): Json<LinkAnswer>,
) -> ApiResult<Json<AnswerPage>> {
    let parsed = super::callout::parse_answer(&request.answer, request.eta)?;
    let eta = if matches!(parsed, mobile_api::Answer::Going) { request.eta } else { None };
    let mut tx = state.db.begin().await?;
    let (shown, volunteer) = page(&mut tx, &token, true).await?;
    super::alert::answer(&mut tx, shown.alert.id, volunteer, Some((parsed, eta)), "link").await?;
    AuditEvent::new("alert.answer_link")
        .on("alert", shown.alert.id)
        .details(json!({ "answer": request.answer }))
        .write(&mut *tx, &actor(volunteer), address)
        .await?;
    let (answered, _) = page(&mut tx, &token, false).await?;
    tx.commit().await?;
    Ok(Json(answered))
}

/// Preferences from the link.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkPreferences {
    /// Channels call-outs may use.
    pub channels: Option<Vec<String>>,
    /// Quiet hours start (with `quiet_to`; both null for none).
    #[serde(default, deserialize_with = "crate::cases::card::present")]
    #[schema(value_type = Option<String>)]
    pub quiet_from: Option<Option<String>>,
    /// Quiet hours end.
    #[serde(default, deserialize_with = "crate::cases::card::present")]
    #[schema(value_type = Option<String>)]
    pub quiet_to: Option<Option<String>>,
    /// Time zone.
    pub time_zone: Option<String>,
    /// Muted until (null: not muted).
    #[serde(default, deserialize_with = "crate::cases::card::present")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub muted_until: Option<Option<DateTime<Utc>>>,
}

/// Changes the recipient's notification preferences from the link (works after the call-out is
/// over too, as long as the link is known).
#[utoipa::path(patch, path = "/api/answer/{token}/preferences", tag = "alerts", security(()),
    params(("token" = String, Path, description = "The link's token")), request_body = LinkPreferences,
    responses((status = 200, body = AnswerPage), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn preferences(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    Path(token): Path<String>,
    Json(request): Json<LinkPreferences>,
) -> ApiResult<Json<AnswerPage>> {
    let mut tx = state.db.begin().await?;
    let (_, volunteer) = page(&mut tx, &token, false).await?;
    let patch = ProfilePatch {
        channels: request.channels,
        quiet_from: request.quiet_from,
        quiet_to: request.quiet_to,
        time_zone: request.time_zone,
        muted_until: request.muted_until,
        ..Default::default()
    };
    let fields = profile::update(&mut tx, volunteer, patch, Editor::Volunteer).await?;
    AuditEvent::new("volunteer.preferences_link")
        .on("user", volunteer)
        .details(json!({ "fields": fields }))
        .write(&mut *tx, &actor(volunteer), address)
        .await?;
    let (shown, _) = page(&mut tx, &token, false).await?;
    tx.commit().await?;
    Ok(Json(shown))
}

/// The missing person's photo (the case's newest), for the recipient of a call-out about the
/// case, while the call-out runs. Every read is in the audit log, like a share link's.
#[utoipa::path(get, path = "/api/answer/{token}/photo", tag = "alerts", security(()),
    params(("token" = String, Path, description = "The link's token")),
    responses((status = 200, content_type = "image/jpeg", body = Vec<u8>), (status = 404, body = crate::error::ErrorBody),
              (status = 410, body = crate::error::ErrorBody)))]
pub async fn photo(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    Path(token): Path<String>,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let mut tx = state.db.begin().await?;
    let (shown, volunteer) = page(&mut tx, &token, true).await?;
    let photo: Option<(Uuid, Uuid, String, Vec<u8>)> = sqlx::query_as(
        "SELECT f.id, f.case_id, f.content_type, f.bytes FROM case_photos f JOIN alerts a ON a.case_id = f.case_id
         WHERE a.id = $1 AND f.withdrawn_at IS NULL ORDER BY f.uploaded_at DESC LIMIT 1",
    )
    .bind(shown.alert.id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((photo, case, content_type, bytes)) = photo else { return Err(ApiError::not_found("photo")) };
    AuditEvent::new("case.photo_read")
        .on("case", case)
        .details(json!({ "photo": photo, "via": "answer_link", "alert": shown.alert.id }))
        .write(&mut *tx, &actor(volunteer), address)
        .await?;
    tx.commit().await?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, content_type),
            (axum::http::header::CACHE_CONTROL, "private, no-store".into()),
        ],
        bytes,
    )
        .into_response())
}
