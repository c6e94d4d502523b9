//! The devices API.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::devices::{self, Device, IssuedDevice, NewDevice};
use super::policy::{may_manage_for, ManageDevices};
use crate::audit::AuditEvent;
use crate::auth::{Authorized, ClientAddress};
use crate::error::{ApiError, ApiResult, Json, Path, Query};
use crate::state::AppState;

/// Devices list.
#[derive(Serialize, ToSchema)]
pub struct DeviceList {
    /// Newest first.
    pub devices: Vec<Device>,
}

/// Whose devices.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeviceFilter {
    /// One person's (default: staff see everyone's, a volunteer their own).
    pub user_id: Option<Uuid>,
}

/// Tracking devices.
#[utoipa::path(get, path = "/api/devices", tag = "tracking", params(DeviceFilter),
    responses((status = 200, body = DeviceList), (status = 403, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    auth: Authorized<ManageDevices>,
    Query(filter): Query<DeviceFilter>,
) -> ApiResult<Json<DeviceList>> {
    let principal = &auth.principal;
    let user = match filter.user_id {
        Some(user) if !may_manage_for(principal, user) => {
            return Err(ApiError::forbidden("you may list only your own devices"))
        }
        Some(user) => Some(user),
        None if may_manage_for(principal, Uuid::nil()) => None,
        None => Some(principal.user_id),
    };
    Ok(Json(DeviceList { devices: devices::list(&mut *state.db.acquire().await?, user).await? }))
}

/// Issues a device token (shown once) for a volunteer's phone or tracker app, with the link to
/// the phone app, its QR code and the settings for OsmAnd, Traccar Client and OwnTracks.
#[utoipa::path(post, path = "/api/devices", tag = "tracking", request_body = NewDevice,
    responses((status = 201, body = IssuedDevice), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn issue(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<ManageDevices>,
    headers: axum::http::HeaderMap,
    Json(request): Json<NewDevice>,
) -> ApiResult<(StatusCode, Json<IssuedDevice>)> {
    let owner = request.user_id.unwrap_or(auth.principal.user_id);
    if !may_manage_for(&auth.principal, owner) {
        return Err(ApiError::forbidden("a volunteer issues devices for themselves only"));
    }
    let mut tx = state.db.begin().await?;
    let mut issued = devices::issue(&mut tx, owner, &request.label, auth.principal.user_id).await?;
    // Listening on every address with no public address set, the link uses the address the
    // console was opened at (a phone cannot open 0.0.0.0).
    let configured = state.config.public_url();
    let host = headers.get(axum::http::header::HOST).and_then(|h| h.to_str().ok());
    let base = match host {
        Some(host) if configured.contains("://0.0.0.0") || configured.contains("://[::]") => format!("http://{host}"),
        _ => configured,
    };
    let osmand_port = state.config.osmand_listen.map(|a| a.port());
    issued.setup = Some(super::setup::setup(&base, &issued.token, osmand_port));
    AuditEvent::new("device.issue")
        .on("device", issued.device.id)
        .details(json!({ "user": owner, "label": issued.device.label }))
        .write(&mut *tx, &auth.principal.actor(), address)
        .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(issued)))
}

/// Revokes a device: its token stops working; its tracks stay.
#[utoipa::path(post, path = "/api/devices/{id}/revoke", tag = "tracking", params(("id" = Uuid, Path, description = "Device id")),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody)))]
pub async fn revoke(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<ManageDevices>,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    let mut tx = state.db.begin().await?;
    // Someone else's device is "not found" to a volunteer.
    let owner = devices::owner(&mut tx, id).await?.filter(|o| may_manage_for(&auth.principal, *o));
    owner.ok_or_else(|| ApiError::not_found("device"))?;
    devices::revoke(&mut tx, id, auth.principal.user_id).await?;
    AuditEvent::new("device.revoke").on("device", id).write(&mut *tx, &auth.principal.actor(), address).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Imports a GPX file (the body, at most 20 MiB) as a volunteer's track; its waypoints become
/// clues in the case's log. The same file again answers 200 with the first import.
#[utoipa::path(post, path = "/api/gpx", tag = "tracking", params(super::imports::ImportTarget),
    request_body(content = String, content_type = "application/gpx+xml"),
    responses((status = 201, body = super::imports::GpxImport), (status = 200, body = super::imports::GpxImport),
              (status = 413, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn import_gpx(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<ManageDevices>,
    Query(target): Query<super::imports::ImportTarget>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, Json<super::imports::GpxImport>)> {
    // An XML type, never one a form on another site can send with the console's cookie.
    let content_type = headers.get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let essence = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if !["application/gpx+xml", "application/xml", "text/xml", "application/octet-stream"].contains(&essence.as_str()) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the GPX file as the body, with Content-Type application/gpx+xml",
        ));
    }
    let volunteer = target.volunteer_id.unwrap_or(auth.principal.user_id);
    if !may_manage_for(&auth.principal, volunteer) {
        return Err(ApiError::forbidden("a volunteer imports their own tracks only"));
    }
    let author = crate::cases::journal::Author {
        user_id: Some(auth.principal.user_id),
        name: auth.principal.display_name.clone(),
    };
    let mut tx = state.db.begin().await?;
    let known: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE id = $1)")
        .bind(volunteer)
        .fetch_one(&mut *tx)
        .await?;
    if !known {
        return Err(ApiError::invalid_field("volunteer_id", "there is no such user"));
    }
    let (import, new) = super::imports::import(&mut tx, &target, volunteer, &body, &author).await?;
    if new {
        AuditEvent::new("gpx.import")
            .on("gpx_import", import.id)
            .details(json!({ "volunteer": volunteer, "points": import.points, "waypoints": import.waypoints }))
            .write(&mut *tx, &auth.principal.actor(), address)
            .await?;
    }
    tx.commit().await?;
    Ok((if new { StatusCode::CREATED } else { StatusCode::OK }, Json(import)))
}
