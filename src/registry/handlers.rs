//! The registry over HTTP, and a volunteer's own profile from the phone app.

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::import::ImportReport;
use super::policy::{ManageRegistry, VetVolunteers};
use super::profile::{self, Editor, Filter, Profile, ProfilePatch};
use crate::audit::{Actor, AuditEvent};
use crate::auth::{Authorized, ClientAddress};
use crate::cases::journal::Author;
use crate::error::{ApiError, ApiResult, Json, Path, Query};
use crate::state::AppState;

async fn read(conn: &mut sqlx::PgConnection, id: Uuid) -> ApiResult<Profile> {
    profile::find(conn, id).await?.ok_or_else(|| ApiError::not_found("volunteer"))
}

/// A profile as its volunteer sees it: without the dispatchers' notes about them.
async fn read_own(conn: &mut sqlx::PgConnection, id: Uuid) -> ApiResult<Profile> {
    let mut own = read(conn, id).await?;
    own.notes = None;
    own.vetting_note = None;
    own.vetting_by_name = None;
    Ok(own)
}

/// The registry: volunteers by name, filtered by a search text, a skill or vetting.
#[utoipa::path(get, path = "/api/registry", tag = "registry", params(Filter),
    responses((status = 200, body = Vec<Profile>), (status = 403, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    _auth: Authorized<ManageRegistry>,
    Query(filter): Query<Filter>,
) -> ApiResult<Json<Vec<Profile>>> {
    let mut conn = state.db.acquire().await?;
    Ok(Json(profile::list(&mut conn, &filter).await?))
}

/// Adds a volunteer to the registry (pending vetting). `name` is required.
#[utoipa::path(post, path = "/api/registry", tag = "registry", request_body = ProfilePatch,
    responses((status = 201, body = Profile), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<ManageRegistry>,
    Json(patch): Json<ProfilePatch>,
) -> ApiResult<(StatusCode, Json<Profile>)> {
    let name = patch.name.clone().ok_or_else(|| ApiError::invalid_field("name", "a new volunteer needs a name"))?;
    let mut tx = state.db.begin().await?;
    let id = super::create(&mut tx, &name, patch).await?;
    AuditEvent::new("volunteer.create").on("user", id).write(&mut *tx, &auth.principal.actor(), address).await?;
    let created = read(&mut tx, id).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// One volunteer's profile.
#[utoipa::path(get, path = "/api/registry/{id}", tag = "registry", params(("id" = Uuid, Path, description = "Volunteer id")),
    responses((status = 200, body = Profile), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    _auth: Authorized<ManageRegistry>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Profile>> {
    let mut conn = state.db.acquire().await?;
    Ok(Json(read(&mut conn, id).await?))
}

/// Changes a volunteer's profile: absent fields stay, `null` clears.
#[utoipa::path(patch, path = "/api/registry/{id}", tag = "registry", params(("id" = Uuid, Path, description = "Volunteer id")),
    request_body = ProfilePatch,
    responses((status = 200, body = Profile), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<ManageRegistry>,
    Path(id): Path<Uuid>,
    Json(patch): Json<ProfilePatch>,
) -> ApiResult<Json<Profile>> {
    let mut tx = state.db.begin().await?;
    let fields = profile::update(&mut tx, id, patch, Editor::Staff).await?;
    AuditEvent::new("volunteer.update")
        .on("user", id)
        .details(json!({ "fields": fields }))
        .write(&mut *tx, &auth.principal.actor(), address)
        .await?;
    let changed = read(&mut tx, id).await?;
    tx.commit().await?;
    Ok(Json(changed))
}

/// A vetting decision.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VettingDecision {
    /// pending, approved or suspended.
    pub vetting: String,
    /// Why.
    pub note: Option<String>,
}

/// Decides whether a volunteer is approved for field work. Suspending takes them out of their
/// operation (written into its case's log).
#[utoipa::path(post, path = "/api/registry/{id}/vetting", tag = "registry", params(("id" = Uuid, Path, description = "Volunteer id")),
    request_body = VettingDecision,
    responses((status = 200, body = Profile), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn vetting(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<VetVolunteers>,
    Path(id): Path<Uuid>,
    Json(decision): Json<VettingDecision>,
) -> ApiResult<Json<Profile>> {
    let mut tx = state.db.begin().await?;
    let principal = &auth.principal;
    let before = profile::set_vetting(
        &mut tx,
        id,
        &decision.vetting,
        decision.note.as_deref(),
        principal.user_id,
        &principal.display_name,
    )
    .await?;
    if decision.vetting != "approved" {
        let current: Option<Uuid> = sqlx::query_scalar(
            "SELECT operation_id FROM operation_members WHERE volunteer_id = $1 AND left_at IS NULL",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(operation) = current {
            let author = Author::person(principal);
            crate::operations::operation::leave(&mut tx, operation, id, &author).await?;
            crate::realtime::announce(&mut *tx, &crate::realtime::Notice::OperationChanged { operation_id: operation })
                .await?;
        }
    }
    AuditEvent::new("volunteer.vetting")
        .on("user", id)
        .details(json!({ "from": before, "to": decision.vetting, "note": decision.note }))
        .write(&mut *tx, &principal.actor(), address)
        .await?;
    let decided = read(&mut tx, id).await?;
    tx.commit().await?;
    Ok(Json(decided))
}

/// Whether an import only checks.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ImportParams {
    /// Check and report, store nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// Imports volunteers from a CSV file (the body, `text/csv`): each row is created or refused
/// with its line and the reason. With `dry_run=true` nothing is stored.
#[utoipa::path(post, path = "/api/registry/import", tag = "registry", params(ImportParams),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = ImportReport), (status = 415, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<VetVolunteers>,
    Query(params): Query<ImportParams>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<Json<ImportReport>> {
    // A CSV type, never one a form on another site can send with the console's cookie.
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let essence = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if !["text/csv", "application/csv"].contains(&essence.as_str()) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the CSV file as the body, with Content-Type text/csv",
        ));
    }
    let text = std::str::from_utf8(&body).map_err(|e| {
        ApiError::invalid("csv_invalid", format!("the file is not UTF-8 text (save it as CSV UTF-8): {e}"))
    })?;
    let principal = &auth.principal;
    let mut tx = state.db.begin().await?;
    let actor = principal.actor();
    let report = super::import::import(
        &mut tx,
        text,
        params.dry_run,
        principal.user_id,
        &principal.display_name,
        &actor,
        address,
    )
    .await?;
    if !params.dry_run {
        AuditEvent::new("volunteer.import")
            .details(json!({ "created": report.created, "refused": report.refused.len() }))
            .write(&mut *tx, &principal.actor(), address)
            .await?;
        tx.commit().await?;
    }
    Ok(Json(report))
}

/// The volunteer's own profile, for the phone app (the device token as `Authorization: Bearer`).
#[utoipa::path(get, path = "/mobile/v1/profile", tag = "registry", security(()),
    responses((status = 200, body = Profile), (status = 401, body = crate::error::ErrorBody)))]
pub async fn my_profile(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Json<Profile>> {
    let mut conn = state.db.acquire().await?;
    let owner = crate::tracking::field::device_owner(&mut conn, &headers).await?;
    Ok(Json(read_own(&mut conn, owner.volunteer_id).await?))
}

/// Changes the volunteer's own profile from the phone app: everything but the name, the
/// dispatchers' notes and vetting; `tracking_consent` gives or withdraws consent to tracking.
#[utoipa::path(patch, path = "/mobile/v1/profile", tag = "registry", security(()), request_body = ProfilePatch,
    responses((status = 200, body = Profile), (status = 401, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn update_my_profile(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    Json(patch): Json<ProfilePatch>,
) -> ApiResult<Json<Profile>> {
    let mut tx = state.db.begin().await?;
    let owner = crate::tracking::field::device_owner(&mut tx, &headers).await?;
    let consent = patch.tracking_consent;
    let fields = profile::update(&mut tx, owner.volunteer_id, patch, Editor::Volunteer).await?;
    let actor = Actor::User { id: owner.volunteer_id, label: format!("device {}", owner.device_id) };
    AuditEvent::new(match consent {
        Some(true) => "volunteer.tracking_consent_given",
        Some(false) => "volunteer.tracking_consent_withdrawn",
        None => "volunteer.update_own",
    })
    .on("user", owner.volunteer_id)
    .details(json!({ "fields": fields }))
    .write(&mut *tx, &actor, address)
    .await?;
    let changed = read_own(&mut tx, owner.volunteer_id).await?;
    tx.commit().await?;
    Ok(Json(changed))
}
