//! Sharing a case with the police, and read-only links.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use super::journal::redacted;
use crate::audit::{Actor, AuditEvent};
use crate::auth::{Authorized, ClientAddress};
use crate::cases::access::{self, IssuedShareLink, NewShare, NewShareLink, Reader, Share, ShareLink};
use crate::cases::casework::{self, Case};
use crate::cases::journal::{self, Entry};
use crate::cases::policy::WorkCases;
use crate::error::{ApiError, ApiResult, Json, Path};
use crate::state::AppState;

async fn case_exists(conn: &mut sqlx::PgConnection, id: Uuid) -> ApiResult<()> {
    Reader::Staff.check(conn, id).await
}

/// A case's shares.
#[derive(Serialize, ToSchema)]
pub struct ShareList {
    /// Oldest first, revoked ones too.
    pub shares: Vec<Share>,
}

/// Who the case is shared with.
#[utoipa::path(get, path = "/api/cases/{id}/shares", tag = "sharing", params(("id" = Uuid, Path, description = "Case id")),
    responses((status = 200, body = ShareList), (status = 404, body = crate::error::ErrorBody)))]
pub async fn list_shares(
    State(state): State<AppState>,
    _auth: Authorized<WorkCases>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<ShareList>> {
    let mut conn = state.db.acquire().await?;
    case_exists(&mut conn, id).await?;
    Ok(Json(ShareList { shares: access::shares(&mut conn, id).await? }))
}

/// Shares the case with a police unit or one police liaison.
#[utoipa::path(post, path = "/api/cases/{id}/shares", tag = "sharing", params(("id" = Uuid, Path, description = "Case id")),
    request_body = NewShare,
    responses((status = 201, body = Share), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn share(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<WorkCases>,
    Path(id): Path<Uuid>,
    Json(new): Json<NewShare>,
) -> ApiResult<(StatusCode, Json<Share>)> {
    let mut tx = state.db.begin().await?;
    case_exists(&mut tx, id).await?;
    let share = access::share(&mut tx, id, new, auth.principal.user_id).await?;
    AuditEvent::new("case.share")
        .on("case", id)
        .details(json!({ "share": share.id, "police_unit": share.police_unit, "user": share.user_id }))
        .write(&mut *tx, &auth.principal.actor(), address)
        .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(share)))
}

/// Ends a share; its record stays.
#[utoipa::path(post, path = "/api/cases/{id}/shares/{share_id}/revoke", tag = "sharing",
    params(("id" = Uuid, Path, description = "Case id"), ("share_id" = Uuid, Path, description = "Share id")),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody)))]
pub async fn revoke_share(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<WorkCases>,
    Path((id, share_id)): Path<(Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    let mut tx = state.db.begin().await?;
    access::revoke_share(&mut tx, id, share_id, auth.principal.user_id).await?;
    AuditEvent::new("case.unshare")
        .on("case", id)
        .details(json!({ "share": share_id }))
        .write(&mut *tx, &auth.principal.actor(), address)
        .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A case's links.
#[derive(Serialize, ToSchema)]
pub struct ShareLinkList {
    /// Newest first, revoked and expired ones too.
    pub links: Vec<ShareLink>,
}

/// The case's read-only links.
#[utoipa::path(get, path = "/api/cases/{id}/share-links", tag = "sharing", params(("id" = Uuid, Path, description = "Case id")),
    responses((status = 200, body = ShareLinkList), (status = 404, body = crate::error::ErrorBody)))]
pub async fn list_links(
    State(state): State<AppState>,
    _auth: Authorized<WorkCases>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<ShareLinkList>> {
    let mut conn = state.db.acquire().await?;
    case_exists(&mut conn, id).await?;
    Ok(Json(ShareLinkList { links: access::links(&mut conn, id).await? }))
}

/// Makes a read-only link to the case that expires; its address is shown this once.
#[utoipa::path(post, path = "/api/cases/{id}/share-links", tag = "sharing", params(("id" = Uuid, Path, description = "Case id")),
    request_body = NewShareLink,
    responses((status = 201, body = IssuedShareLink), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn make_link(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<WorkCases>,
    Path(id): Path<Uuid>,
    Json(new): Json<NewShareLink>,
) -> ApiResult<(StatusCode, Json<IssuedShareLink>)> {
    let mut tx = state.db.begin().await?;
    case_exists(&mut tx, id).await?;
    let issued = access::make_link(&mut tx, id, new, auth.principal.user_id, &state.config.public_url()).await?;
    AuditEvent::new("case.share_link")
        .on("case", id)
        .details(json!({ "link": issued.link.id, "label": issued.link.label, "expires_at": issued.link.expires_at }))
        .write(&mut *tx, &auth.principal.actor(), address)
        .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(issued)))
}

/// Revokes a link: it stops working at once.
#[utoipa::path(post, path = "/api/cases/{id}/share-links/{link_id}/revoke", tag = "sharing",
    params(("id" = Uuid, Path, description = "Case id"), ("link_id" = Uuid, Path, description = "Link id")),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody)))]
pub async fn revoke_link(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<WorkCases>,
    Path((id, link_id)): Path<(Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    let mut tx = state.db.begin().await?;
    access::revoke_link(&mut tx, id, link_id, auth.principal.user_id).await?;
    AuditEvent::new("case.share_link_revoke")
        .on("case", id)
        .details(json!({ "link": link_id }))
        .write(&mut *tx, &auth.principal.actor(), address)
        .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Opening a link: its secret (the part after `#` in its address).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenLink {
    /// The secret.
    pub secret: String,
}

/// What a link shows.
#[derive(Serialize, ToSchema)]
pub struct SharedCase {
    /// The card.
    pub case: Case,
    /// The log, with phones and e-mails removed.
    pub journal: Vec<Entry>,
}

/// Reads the case a link is for (no account needed); every use is audited. 404 for an unknown
/// link, 410 for an expired or revoked one.
#[utoipa::path(post, path = "/api/share-links/open", tag = "sharing", security(()), request_body = OpenLink,
    responses((status = 200, body = SharedCase), (status = 404, body = crate::error::ErrorBody), (status = 410, body = crate::error::ErrorBody)))]
pub async fn open(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    Json(request): Json<OpenLink>,
) -> ApiResult<Json<SharedCase>> {
    if request.secret.len() > 200 {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "share_link_unknown", "this link is not known"));
    }
    let mut tx = state.db.begin().await?;
    let (reader, label) = access::open_link(&mut tx, &request.secret).await?;
    let access::Reader::Outsider(access::Outsider::Link { id: link_id, case_id }) = reader else {
        unreachable!("a link opens as a link")
    };
    let case = crate::cases::redaction::case(casework::view(&mut tx, case_id).await?);
    let journal = redacted(journal::list(&mut tx, case_id).await?);
    AuditEvent::new("case.read")
        .on("case", case_id)
        .details(json!({ "part": "card_and_journal" }))
        .write(&mut *tx, &Actor::ShareLink { id: link_id, label }, address)
        .await?;
    tx.commit().await?;
    Ok(Json(SharedCase { case, journal }))
}
