//! Photos: upload, fetch, withdraw.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::IntoResponse;
use serde_json::json;
use uuid::Uuid;

use crate::audit::AuditEvent;
use crate::auth::{Authorized, ClientAddress};
use crate::cases::access::Reader;
use crate::cases::journal::Author;
use crate::cases::journal::{self, EntryKind, NewEntry};
use crate::cases::photos::{self, Photo};
use crate::cases::policy::{ReadCases, WorkCases};
use crate::error::{ApiResult, Json, Path};
use crate::realtime::{announce, Notice};
use crate::state::AppState;

/// Uploads a photo of the missing person: the body is the JPEG or PNG file (at most 10 MiB).
/// The same file again answers 200 with the stored photo.
#[utoipa::path(post, path = "/api/cases/{id}/photos", tag = "cases", params(("id" = Uuid, Path, description = "Case id")),
    request_body(content = Vec<u8>, content_type = "image/jpeg"),
    responses((status = 201, body = Photo), (status = 200, body = Photo), (status = 413, body = crate::error::ErrorBody),
              (status = 415, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn upload(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<WorkCases>,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Photo>)> {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_string);
    let checked = photos::check_in_background(content_type, body.clone()).await?;
    let mut tx = state.db.begin().await?;
    Reader::Staff.check(&mut tx, id).await?;
    let (photo, new) = photos::store(&mut tx, id, &body, checked, auth.principal.user_id).await?;
    if new {
        let details = json!({ "event": "photo_added", "photo": photo.id, "sha256": photo.sha256 });
        journal::append(
            &mut tx,
            id,
            &Author::person(&auth.principal),
            NewEntry::system(EntryKind::CardUpdate, "+ photo", details),
        )
        .await?;
        AuditEvent::new("case.photo")
            .on("case", id)
            .details(json!({ "photo": photo.id }))
            .write(&mut *tx, &auth.principal.actor(), address)
            .await?;
        announce(&mut *tx, &Notice::CaseChanged { case_id: id }).await?;
    }
    tx.commit().await?;
    Ok((if new { StatusCode::CREATED } else { StatusCode::OK }, Json(photo)))
}

async fn serve(
    state: &AppState,
    principal: &crate::auth::Principal,
    address: Option<std::net::IpAddr>,
    id: Uuid,
    photo: Uuid,
    thumbnail: bool,
) -> ApiResult<impl IntoResponse> {
    serve_from(state, principal, address, id, photo, thumbnail, false).await
}

async fn serve_from(
    state: &AppState,
    principal: &crate::auth::Principal,
    address: Option<std::net::IpAddr>,
    id: Uuid,
    photo: Uuid,
    thumbnail: bool,
    from_the_field: bool,
) -> ApiResult<impl IntoResponse> {
    let mut conn = state.db.acquire().await?;
    let reader = Reader::of(&mut conn, principal).await?;
    reader.check(&mut conn, id).await?;
    let kind = if from_the_field { photos::PhotoKind::Field } else { photos::PhotoKind::Card };
    let (content_type, bytes) = photos::content(&mut conn, kind, id, photo, thumbnail).await?;
    if reader.is_outsider() {
        AuditEvent::new("case.read")
            .on("case", id)
            .details(json!({ "part": "photo", "photo": photo }))
            .write(&mut *conn, &principal.actor(), address)
            .await?;
    }
    // Every outsider's look is audited, so their copy must not be served from a cache.
    let cache = if reader.is_outsider() { "no-store" } else { "private, max-age=3600" };
    Ok(([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, cache.to_string())], bytes))
}

/// The photo file.
#[utoipa::path(get, path = "/api/cases/{id}/photos/{photo_id}", tag = "cases",
    params(("id" = Uuid, Path, description = "Case id"), ("photo_id" = Uuid, Path, description = "Photo id")),
    responses((status = 200, content_type = "image/jpeg", body = Vec<u8>), (status = 404, body = crate::error::ErrorBody)))]
pub async fn original(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<ReadCases>,
    Path((id, photo)): Path<(Uuid, Uuid)>,
) -> ApiResult<impl IntoResponse> {
    serve(&state, &auth.principal, address, id, photo, false).await
}

/// The photo's thumbnail (JPEG, at most 320 pixels a side).
#[utoipa::path(get, path = "/api/cases/{id}/photos/{photo_id}/thumbnail", tag = "cases",
    params(("id" = Uuid, Path, description = "Case id"), ("photo_id" = Uuid, Path, description = "Photo id")),
    responses((status = 200, content_type = "image/jpeg", body = Vec<u8>), (status = 404, body = crate::error::ErrorBody)))]
pub async fn thumbnail(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<ReadCases>,
    Path((id, photo)): Path<(Uuid, Uuid)>,
) -> ApiResult<impl IntoResponse> {
    serve(&state, &auth.principal, address, id, photo, true).await
}

/// A photo a volunteer sent from the field (its entry in the log names it in `details.photo`);
/// `?thumbnail=true` for the thumbnail.
#[utoipa::path(get, path = "/api/cases/{id}/field-photos/{photo_id}", tag = "cases",
    params(("id" = Uuid, Path, description = "Case id"), ("photo_id" = Uuid, Path, description = "Photo id"),
           ("thumbnail" = Option<bool>, Query, description = "The thumbnail (JPEG, at most 320 pixels a side)")),
    responses((status = 200, content_type = "image/jpeg", body = Vec<u8>), (status = 404, body = crate::error::ErrorBody)))]
pub async fn field_photo(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<ReadCases>,
    Path((id, photo)): Path<(Uuid, Uuid)>,
    crate::error::Query(size): crate::error::Query<FieldPhotoSize>,
) -> ApiResult<impl IntoResponse> {
    serve_from(&state, &auth.principal, address, id, photo, size.thumbnail.unwrap_or(false), true).await
}

/// Which size of a field photo.
#[derive(serde::Deserialize)]
pub struct FieldPhotoSize {
    thumbnail: Option<bool>,
}

/// Withdraws a photo: it is no longer shown; its record stays.
#[utoipa::path(post, path = "/api/cases/{id}/photos/{photo_id}/withdraw", tag = "cases",
    params(("id" = Uuid, Path, description = "Case id"), ("photo_id" = Uuid, Path, description = "Photo id")),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody)))]
pub async fn withdraw(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<WorkCases>,
    Path((id, photo)): Path<(Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    let mut tx = state.db.begin().await?;
    photos::withdraw(&mut tx, id, photo, auth.principal.user_id).await?;
    let details = json!({ "event": "photo_withdrawn", "photo": photo });
    journal::append(
        &mut tx,
        id,
        &Author::person(&auth.principal),
        NewEntry::system(EntryKind::CardUpdate, "− photo", details),
    )
    .await?;
    AuditEvent::new("case.photo_withdraw")
        .on("case", id)
        .details(json!({ "photo": photo }))
        .write(&mut *tx, &auth.principal.actor(), address)
        .await?;
    announce(&mut *tx, &Notice::CaseChanged { case_id: id }).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
