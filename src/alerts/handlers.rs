//! Alerts over HTTP: send one to an operation, list an operation's alerts with who read and
//! answered them.

use axum::extract::State;
use axum::http::StatusCode;
use serde_json::json;
use uuid::Uuid;

use super::alert::{self, AlertView, NewAlert};
use super::policy::SendAlerts;
use crate::audit::AuditEvent;
use crate::auth::{Authorized, ClientAddress};
use crate::cases::journal::Author;
use crate::error::{ApiError, ApiResult, Json, Path};
use crate::state::AppState;

/// Sends an alert or message to the operation's members (or one group, or chosen members); it
/// reaches their phones at once, or when they reconnect.
#[utoipa::path(post, path = "/api/operations/{id}/alerts", tag = "alerts", params(("id" = Uuid, Path, description = "Operation id")),
    request_body = NewAlert,
    responses((status = 201, body = AlertView), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn send(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<SendAlerts>,
    Path(operation): Path<Uuid>,
    Json(request): Json<NewAlert>,
) -> ApiResult<(StatusCode, Json<AlertView>)> {
    let author = Author { user_id: Some(auth.principal.user_id), name: auth.principal.display_name.clone() };
    let mut tx = state.db.begin().await?;
    let id = alert::send(&mut tx, operation, request, &author).await?;
    AuditEvent::new("alert.send")
        .on("alert", id)
        .details(json!({ "operation": operation }))
        .write(&mut *tx, &auth.principal.actor(), address)
        .await?;
    // The answer is read before the commit: once committed, the alert is out, and a failed read
    // must not make the coordinator send it again.
    let sent = alert::find(&mut tx, id).await?.ok_or_else(|| ApiError::not_found("alert"))?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(sent)))
}

/// An operation's alerts, newest first, each with its recipients' delivery, read receipts and
/// answers.
#[utoipa::path(get, path = "/api/operations/{id}/alerts", tag = "alerts", params(("id" = Uuid, Path, description = "Operation id")),
    responses((status = 200, body = Vec<AlertView>), (status = 404, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    _auth: Authorized<SendAlerts>,
    Path(operation): Path<Uuid>,
) -> ApiResult<Json<Vec<AlertView>>> {
    let mut conn = state.db.acquire().await?;
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM operations WHERE id = $1)")
        .bind(operation)
        .fetch_one(&mut *conn)
        .await?;
    if !exists {
        return Err(ApiError::not_found("operation"));
    }
    Ok(Json(alert::of_operation(&mut conn, operation).await?))
}
