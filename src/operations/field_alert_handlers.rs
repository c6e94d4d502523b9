//! Field alerts over HTTP: an operation's alerts, and acknowledging one.

use axum::extract::State;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::field_alerts::{self, FieldAlert};
use super::policy::{ManageOperations, ReadOperationalMap};
use crate::audit::AuditEvent;
use crate::auth::{Authorized, ClientAddress};
use crate::cases::journal::Author;
use crate::error::{ApiError, ApiResult, Json, Path};
use crate::state::AppState;

/// The operation's field alerts (off task, silent group), newest first.
#[utoipa::path(get, path = "/api/operations/{id}/field-alerts", tag = "operations", params(("id" = Uuid, Path, description = "Operation id")),
    responses((status = 200, body = Vec<FieldAlert>), (status = 404, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    _auth: Authorized<ReadOperationalMap>,
    Path(operation): Path<Uuid>,
) -> ApiResult<Json<Vec<FieldAlert>>> {
    let mut conn = state.db.acquire().await?;
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM operations WHERE id = $1)")
        .bind(operation)
        .fetch_one(&mut *conn)
        .await?;
    if !exists {
        return Err(ApiError::not_found("operation"));
    }
    Ok(Json(field_alerts::of_operation(&mut conn, operation).await?))
}

/// Field alerts not yet acknowledged, of every operation under way, newest first.
#[utoipa::path(get, path = "/api/field-alerts", tag = "operations",
    responses((status = 200, body = Vec<FieldAlert>), (status = 403, body = crate::error::ErrorBody)))]
pub async fn open(
    State(state): State<AppState>,
    _auth: Authorized<ReadOperationalMap>,
) -> ApiResult<Json<Vec<FieldAlert>>> {
    let mut conn = state.db.acquire().await?;
    Ok(Json(field_alerts::open(&mut conn).await?))
}

/// What the dispatcher did about an alert.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct Acknowledgement {
    /// A note ("called the group leader on the radio: all fine").
    pub note: Option<String>,
}

/// Acknowledges a field alert; it and the note go into the case's log.
#[utoipa::path(post, path = "/api/field-alerts/{id}/acknowledge", tag = "operations", params(("id" = Uuid, Path, description = "Field alert id")),
    request_body = Acknowledgement,
    responses((status = 200, body = FieldAlert), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn acknowledge(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<ManageOperations>,
    Path(id): Path<Uuid>,
    Json(request): Json<Acknowledgement>,
) -> ApiResult<Json<FieldAlert>> {
    let author = Author::person(&auth.principal);
    let mut tx = state.db.begin().await?;
    field_alerts::acknowledge(&mut tx, id, request.note.as_deref(), &author).await?;
    AuditEvent::new("field_alert.acknowledge")
        .on("field_alert", id)
        .write(&mut *tx, &auth.principal.actor(), address)
        .await?;
    let alert = field_alerts::find(&mut tx, id).await?.ok_or_else(|| ApiError::not_found("field alert"))?;
    tx.commit().await?;
    Ok(Json(alert))
}
