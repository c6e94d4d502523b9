//! Tasks over HTTP: list and create an operation's tasks, change one, move it along.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use super::policy::{ManageOperations, ReadOperationalMap};
use super::tasks::{self, Task, TaskFields, TaskStatus};
use crate::audit::AuditEvent;
use crate::auth::{Authorized, ClientAddress, Principal};
use crate::cases::journal::Author;
use crate::error::{ApiError, ApiResult, Json, Path};
use crate::state::AppState;

async fn answer(conn: &mut sqlx::PgConnection, id: Uuid, principal: &Principal) -> ApiResult<Json<Task>> {
    tasks::find(conn, id, &principal.language).await?.map(Json).ok_or_else(|| ApiError::not_found("task"))
}

async fn audit(
    conn: &mut sqlx::PgConnection,
    principal: &Principal,
    address: Option<std::net::IpAddr>,
    action: &'static str,
    task: Uuid,
    details: serde_json::Value,
) -> ApiResult<()> {
    AuditEvent::new(action).on("task", task).details(details).write(conn, &principal.actor(), address).await?;
    Ok(())
}

/// The operation's tasks, in the coordinator's order.
#[utoipa::path(get, path = "/api/operations/{id}/tasks", tag = "operations",
    params(("id" = Uuid, Path, description = "Operation id"), super::areas::SquaresQuery),
    responses((status = 200, body = Vec<Task>), (status = 404, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    auth: Authorized<ReadOperationalMap>,
    Path(operation): Path<Uuid>,
    crate::error::Query(query): crate::error::Query<super::areas::SquaresQuery>,
) -> ApiResult<Json<Vec<Task>>> {
    let language = match query.language.as_deref() {
        None => auth.principal.language.clone(),
        Some(language @ ("ru" | "en")) => language.to_string(),
        Some(_) => return Err(ApiError::bad_request("invalid_language", "language is ru or en")),
    };
    let mut conn = state.db.acquire().await?;
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM operations WHERE id = $1)")
        .bind(operation)
        .fetch_one(&mut *conn)
        .await?;
    if !exists {
        return Err(ApiError::not_found("operation"));
    }
    Ok(Json(tasks::of_operation(&mut conn, operation, &language).await?))
}

/// Creates a task: title and search type required; squares, places, route, group, instructions
/// and a sweep width optional (with a group it is assigned at once).
#[utoipa::path(post, path = "/api/operations/{id}/tasks", tag = "operations", params(("id" = Uuid, Path, description = "Operation id")),
    request_body = TaskFields,
    responses((status = 201, body = Task), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<ManageOperations>,
    Path(operation): Path<Uuid>,
    Json(fields): Json<TaskFields>,
) -> ApiResult<(StatusCode, Json<Task>)> {
    let mut tx = state.db.begin().await?;
    let id = tasks::create(&mut tx, operation, fields, &Author::person(&auth.principal)).await?;
    audit(&mut tx, &auth.principal, address, "task.create", id, json!({ "operation": operation })).await?;
    let task = answer(&mut tx, id, &auth.principal).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, task))
}

/// Changes a task (not its status; a finished task does not change).
#[utoipa::path(patch, path = "/api/tasks/{id}", tag = "operations", params(("id" = Uuid, Path, description = "Task id")),
    request_body = TaskFields,
    responses((status = 200, body = Task), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<ManageOperations>,
    Path(id): Path<Uuid>,
    Json(fields): Json<TaskFields>,
) -> ApiResult<Json<Task>> {
    let mut tx = state.db.begin().await?;
    tasks::update(&mut tx, id, fields, &Author::person(&auth.principal)).await?;
    audit(&mut tx, &auth.principal, address, "task.update", id, json!({})).await?;
    let task = answer(&mut tx, id, &auth.principal).await?;
    tx.commit().await?;
    Ok(task)
}

/// A task's next status.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    /// planned, assigned, in_progress, done, partly_done or cancelled.
    pub status: TaskStatus,
    /// Why (required for partly_done).
    pub reason: Option<String>,
}

/// Moves a task along: planned → assigned → in progress → done or partly done (with a reason);
/// any unfinished task can be cancelled.
#[utoipa::path(post, path = "/api/tasks/{id}/status", tag = "operations", params(("id" = Uuid, Path, description = "Task id")),
    request_body = StatusChange,
    responses((status = 200, body = Task), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn status(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<ManageOperations>,
    Path(id): Path<Uuid>,
    Json(change): Json<StatusChange>,
) -> ApiResult<Json<Task>> {
    let mut tx = state.db.begin().await?;
    tasks::transition(&mut tx, id, change.status, change.reason.as_deref(), &Author::person(&auth.principal)).await?;
    let details = json!({ "status": change.status, "reason": change.reason });
    audit(&mut tx, &auth.principal, address, "task.status", id, details).await?;
    let task = answer(&mut tx, id, &auth.principal).await?;
    tx.commit().await?;
    Ok(task)
}
