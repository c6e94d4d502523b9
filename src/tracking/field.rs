//! Reports and photos from the field: each goes into the case's log under the volunteer's name,
//! once, however often the phone sends it.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use chrono::{DateTime, Utc};
use mobile_api::{FieldReport, ReportKind, MAX_REPORT_CHARS};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::PgConnection;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::devices::{self, DeviceOwner, TokenRefusal};
use crate::cases::card::Point;
use crate::cases::journal::{self, EntryKind, NewEntry};
use crate::cases::photos;
use crate::error::{ApiError, ApiResult, Json, Query};
use crate::state::AppState;

/// Largest photo from the field.
pub const MAX_PHOTO_BYTES: usize = 10 * 1024 * 1024;

/// Why a report is refused: a protocol code and a message.
#[derive(Debug)]
pub struct Refusal {
    /// Stable code.
    pub code: &'static str,
    /// Human text.
    pub message: String,
}

impl Refusal {
    fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }
}

/// The case a report from `volunteer` goes to: the one named (if they search for it), or the
/// case of their current task.
async fn case_for(
    conn: &mut PgConnection,
    volunteer: Uuid,
    named: Option<Uuid>,
) -> sqlx::Result<Result<Uuid, Refusal>> {
    let case: Option<Uuid> = match named {
        Some(case) => {
            sqlx::query_scalar(
                "SELECT c.id FROM cases c WHERE c.id = $2 AND c.status <> 'closed'
               AND EXISTS (SELECT 1 FROM operation_members m JOIN operations o ON o.id = m.operation_id
                           WHERE m.volunteer_id = $1 AND o.case_id = c.id)",
            )
            .bind(volunteer)
            .bind(case)
            .fetch_optional(&mut *conn)
            .await?
        }
        None => {
            let current: Option<Uuid> = sqlx::query_scalar(
                "SELECT o.case_id FROM operation_members m JOIN operations o ON o.id = m.operation_id
                 WHERE m.volunteer_id = $1 AND m.left_at IS NULL",
            )
            .bind(volunteer)
            .fetch_optional(&mut *conn)
            .await?;
            let Some(current) = current else {
                return Ok(Err(Refusal::new("no_case", "name the case: this volunteer has no current task")));
            };
            sqlx::query_scalar("SELECT id FROM cases WHERE id = $1 AND status <> 'closed'")
                .bind(current)
                .fetch_optional(&mut *conn)
                .await?
        }
    };
    Ok(case.ok_or_else(|| {
        Refusal::new("case_not_open", "the case is closed, unknown, or not one this volunteer searches for")
    }))
}

fn entry_kind(kind: ReportKind) -> EntryKind {
    match kind {
        ReportKind::Note => EntryKind::FieldReport,
        ReportKind::Clue => EntryKind::Clue,
    }
}

/// Stores a report in its case's log (once per id). Call in a transaction, committed before
/// the report is acknowledged.
pub async fn store_report(
    conn: &mut PgConnection,
    owner: &DeviceOwner,
    report: &FieldReport,
) -> sqlx::Result<Result<(), Refusal>> {
    if let Err(problem) = report.check(Utc::now()) {
        return Ok(Err(Refusal::new(problem.code, problem.message)));
    }
    let known: Option<Uuid> = sqlx::query_scalar("SELECT volunteer_id FROM field_reports WHERE id = $1")
        .bind(report.id)
        .fetch_optional(&mut *conn)
        .await?;
    match known {
        Some(volunteer) if volunteer == owner.volunteer_id => return Ok(Ok(())),
        Some(_) => return Ok(Err(Refusal::new("duplicate_id", "another report has this id; choose a new random id"))),
        None => {}
    }
    let case = match case_for(conn, owner.volunteer_id, report.case_id).await? {
        Ok(case) => case,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let entry = NewEntry {
        kind: entry_kind(report.kind),
        text: report.text.trim().to_string(),
        location: report.location.map(|p| Point { lat: p.lat, lon: p.lon }),
        corrects: None,
        details: json!({ "source": "phone", "report": report.id, "written_at": report.time }),
    };
    let entry = match journal::append(conn, case, &owner.author(), entry).await {
        Ok(entry) => entry,
        Err(error) if error.status.is_client_error() => return Ok(Err(Refusal::new("invalid_report", error.message))),
        Err(error) => {
            tracing::warn!(%error, "a field report could not be written");
            return Ok(Err(Refusal::new("storage_unavailable", "the report could not be stored now; send it again")));
        }
    };
    sqlx::query(
        "INSERT INTO field_reports (id, volunteer_id, device_id, case_id, entry_id, written_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(report.id)
    .bind(owner.volunteer_id)
    .bind(owner.device_id)
    .bind(case)
    .bind(entry.id)
    .bind(report.time)
    .execute(&mut *conn)
    .await?;
    Ok(Ok(()))
}

/// The parameters of a photo upload.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PhotoParams {
    /// Chosen by the phone: the same id again is the same photo.
    pub id: Uuid,
    /// The case (else the case of the volunteer's current task).
    pub case_id: Option<Uuid>,
    /// note (default) or clue.
    #[param(value_type = Option<String>)]
    pub kind: Option<ReportKind>,
    /// A caption.
    pub caption: Option<String>,
    /// Where it was taken.
    pub lat: Option<f64>,
    /// Where it was taken.
    pub lon: Option<f64>,
    /// When it was taken.
    pub time: Option<DateTime<Utc>>,
}

/// A stored photo.
#[derive(Debug, Serialize, ToSchema)]
pub struct StoredPhoto {
    /// The photo.
    pub id: Uuid,
    /// Its entry in the case's log.
    pub entry_id: i64,
}

fn refused(refusal: Refusal) -> ApiError {
    ApiError::invalid(refusal.code, refusal.message)
}

/// Reads the device token from `Authorization: Bearer …`.
pub(crate) async fn device_owner(conn: &mut PgConnection, headers: &HeaderMap) -> ApiResult<DeviceOwner> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| {
            ApiError::unauthenticated("device_token_required", "send the device token as Authorization: Bearer …")
        })?;
    match devices::authenticate(conn, token).await? {
        Ok(owner) => Ok(owner),
        Err(TokenRefusal::Unknown) => {
            Err(ApiError::unauthenticated("device_unknown", "this device token is not known"))
        }
        Err(TokenRefusal::Revoked) => Err(ApiError::unauthenticated("device_revoked", "this device was revoked")),
        Err(TokenRefusal::AccountDisabled) => {
            Err(ApiError::new(StatusCode::FORBIDDEN, "account_disabled", "this volunteer's account is disabled"))
        }
    }
}

/// The photo `id` if this volunteer sent it already; another's photo with this id is a 409.
async fn already_stored(conn: &mut PgConnection, id: Uuid, owner: &DeviceOwner) -> ApiResult<Option<StoredPhoto>> {
    let known: Option<(Uuid, i64)> = sqlx::query_as("SELECT volunteer_id, entry_id FROM field_photos WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?;
    match known {
        Some((volunteer, entry_id)) if volunteer == owner.volunteer_id => Ok(Some(StoredPhoto { id, entry_id })),
        Some(_) => Err(ApiError::conflict("duplicate_id", "another photo has this id; choose a new random id")),
        None => Ok(None),
    }
}

/// A photo from the field (a clue, a place): the body is the JPEG or PNG file; it is added to
/// the case's log. The same `id` again answers 200 with the stored photo.
#[utoipa::path(post, path = "/mobile/v1/photos", tag = "tracking", security(()), params(PhotoParams),
    request_body(content = Vec<u8>, content_type = "image/jpeg"),
    responses((status = 201, body = StoredPhoto), (status = 200, body = StoredPhoto), (status = 401, body = crate::error::ErrorBody),
              (status = 413, body = crate::error::ErrorBody), (status = 415, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn upload_photo(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<PhotoParams>, ApiError>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<StoredPhoto>)> {
    let Query(params) = params.map_err(|e| {
        if e.code == "nul_character" {
            e
        } else {
            ApiError::bad_request("invalid_parameters", e.message)
        }
    })?;
    let location = match (params.lat, params.lon) {
        (Some(lat), Some(lon)) => {
            let point = Point { lat, lon };
            point.check("lat")?;
            Some(point)
        }
        (None, None) => None,
        _ => return Err(ApiError::bad_request("invalid_parameters", "give both lat and lon, or neither")),
    };
    let caption = params.caption.as_deref().map(str::trim).filter(|c| !c.is_empty());
    if caption.is_some_and(|c| c.chars().count() > MAX_REPORT_CHARS) {
        return Err(ApiError::bad_request(
            "invalid_parameters",
            format!("a caption has at most {MAX_REPORT_CHARS} characters"),
        ));
    }
    if params.time.is_some_and(|t| t > Utc::now() + chrono::Duration::minutes(10)) {
        return Err(ApiError::bad_request("time_in_future", "the photo's time is in the future"));
    }
    if params.time.is_some_and(|t| t < mobile_api::earliest()) {
        return Err(ApiError::bad_request("time_out_of_range", "the photo's time is before 2000"));
    }
    // Who it is, and whether this photo is here already, before the work of decoding it.
    let (owner, known) = {
        let mut conn = state.db.acquire().await?;
        let owner = device_owner(&mut conn, &headers).await?;
        let known = already_stored(&mut conn, params.id, &owner).await?;
        (owner, known)
    };
    if let Some(stored) = known {
        return Ok((StatusCode::OK, Json(stored)));
    }
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_string);
    let checked = photos::check_in_background(content_type, body.clone()).await?;
    let mut tx = state.db.begin().await?;
    // The same photo sent twice at once: the second waits here, then finds the first.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1::text, 0))")
        .bind(params.id)
        .execute(&mut *tx)
        .await?;
    if let Some(stored) = already_stored(&mut tx, params.id, &owner).await? {
        return Ok((StatusCode::OK, Json(stored)));
    }
    let case = case_for(&mut tx, owner.volunteer_id, params.case_id).await?.map_err(refused)?;
    let kind = params.kind.unwrap_or_default();
    let entry = NewEntry {
        kind: entry_kind(kind),
        text: caption.unwrap_or("📷").to_string(),
        location,
        corrects: None,
        details: json!({ "source": "phone", "photo": params.id, "taken_at": params.time }),
    };
    let entry = journal::append(&mut tx, case, &owner.author(), entry).await?;
    sqlx::query(
        "INSERT INTO field_photos (id, case_id, volunteer_id, device_id, entry_id, content_type, bytes, thumbnail, sha256,
                                   width, height, taken_at, location)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,
                 CASE WHEN $13::float8 IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint($14, $13), 4326) END)",
    )
    .bind(params.id)
    .bind(case)
    .bind(owner.volunteer_id)
    .bind(owner.device_id)
    .bind(entry.id)
    .bind(checked.content_type)
    .bind(&body[..])
    .bind(&checked.thumbnail)
    .bind(&checked.sha256)
    .bind(checked.width as i32)
    .bind(checked.height as i32)
    .bind(params.time)
    .bind(location.map(|p| p.lat))
    .bind(location.map(|p| p.lon))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(StoredPhoto { id: params.id, entry_id: entry.id })))
}
