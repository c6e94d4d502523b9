//! Operations over HTTP: create, read and change them, their groups and members; the
//! volunteers a coordinator can add.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use super::operation::{self, Operation, OperationPatch};
use super::policy::{ManageOperations, ReadOperationalMap};
use crate::audit::AuditEvent;
use crate::auth::{Authorized, ClientAddress, Principal};
use crate::cases::journal::Author;
use crate::error::{ApiError, ApiResult, Json, Path};
use crate::state::AppState;

/// Records a change to an operation in the audit log.
async fn audit(
    conn: &mut sqlx::PgConnection,
    principal: &Principal,
    address: Option<std::net::IpAddr>,
    action: &'static str,
    operation: Uuid,
    details: serde_json::Value,
) -> ApiResult<()> {
    AuditEvent::new(action)
        .on("operation", operation)
        .details(details)
        .write(conn, &principal.actor(), address)
        .await?;
    Ok(())
}

/// The operation as it now stands; read inside the change's transaction, so a change that was
/// committed is never answered with an error.
async fn answer(conn: &mut sqlx::PgConnection, id: Uuid) -> ApiResult<Json<Operation>> {
    operation::find(conn, id).await?.map(Json).ok_or_else(|| ApiError::not_found("operation"))
}

/// A new operation.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOperation {
    /// Its name.
    pub name: String,
    /// The meeting point, one of the case's.
    pub meeting_point_id: Option<Uuid>,
}

/// Starts a search operation under a case (status `active`).
#[utoipa::path(post, path = "/api/cases/{id}/operations", tag = "operations", params(("id" = Uuid, Path, description = "Case id")),
    request_body = NewOperation,
    responses((status = 201, body = Operation), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<ManageOperations>,
    Path(case_id): Path<Uuid>,
    Json(request): Json<NewOperation>,
) -> ApiResult<(StatusCode, Json<Operation>)> {
    let mut tx = state.db.begin().await?;
    let id =
        operation::create(&mut tx, case_id, &request.name, request.meeting_point_id, &Author::person(&auth.principal))
            .await?;
    AuditEvent::new("operation.create")
        .on("operation", id)
        .details(json!({ "case": case_id }))
        .write(&mut *tx, &auth.principal.actor(), address)
        .await?;
    let answer = answer(&mut tx, id).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, answer))
}

/// A case's operations, newest first.
#[utoipa::path(get, path = "/api/cases/{id}/operations", tag = "operations", params(("id" = Uuid, Path, description = "Case id")),
    responses((status = 200, body = Vec<Operation>), (status = 404, body = crate::error::ErrorBody)))]
pub async fn of_case(
    State(state): State<AppState>,
    _auth: Authorized<ReadOperationalMap>,
    Path(case_id): Path<Uuid>,
) -> ApiResult<Json<Vec<Operation>>> {
    let mut conn = state.db.acquire().await?;
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM cases WHERE id = $1)")
        .bind(case_id)
        .fetch_one(&mut *conn)
        .await?;
    if !exists {
        return Err(ApiError::not_found("case"));
    }
    Ok(Json(operation::list(&mut conn, Some(case_id)).await?))
}

/// Every operation that is not finished, newest first.
#[utoipa::path(get, path = "/api/operations", tag = "operations",
    responses((status = 200, body = Vec<Operation>), (status = 403, body = crate::error::ErrorBody)))]
pub async fn current(
    State(state): State<AppState>,
    _auth: Authorized<ReadOperationalMap>,
) -> ApiResult<Json<Vec<Operation>>> {
    let mut conn = state.db.acquire().await?;
    Ok(Json(operation::list(&mut conn, None).await?))
}

/// One operation with its groups and members.
#[utoipa::path(get, path = "/api/operations/{id}", tag = "operations", params(("id" = Uuid, Path, description = "Operation id")),
    responses((status = 200, body = Operation), (status = 404, body = crate::error::ErrorBody)))]
pub async fn read(
    State(state): State<AppState>,
    _auth: Authorized<ReadOperationalMap>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Operation>> {
    answer(&mut *state.db.acquire().await?, id).await
}

/// Renames an operation, changes its status or its meeting point; `finished` ends it for
/// everyone in it.
#[utoipa::path(patch, path = "/api/operations/{id}", tag = "operations", params(("id" = Uuid, Path, description = "Operation id")),
    request_body = OperationPatch,
    responses((status = 200, body = Operation), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<ManageOperations>,
    Path(id): Path<Uuid>,
    Json(patch): Json<OperationPatch>,
) -> ApiResult<Json<Operation>> {
    let mut tx = state.db.begin().await?;
    let details = json!({ "name": patch.name, "status": patch.status, "meeting_point_id": patch.meeting_point_id,
                          "leader_id": patch.leader_id,
                          "sweep_width_m": patch.sweep_width_m, "max_accuracy_m": patch.max_accuracy_m,
                          "max_speed_mps": patch.max_speed_mps, "max_gap_s": patch.max_gap_s });
    operation::update(&mut tx, id, patch, &Author::person(&auth.principal)).await?;
    AuditEvent::new("operation.update")
        .on("operation", id)
        .details(details)
        .write(&mut *tx, &auth.principal.actor(), address)
        .await?;
    let answer = answer(&mut tx, id).await?;
    tx.commit().await?;
    Ok(answer)
}

/// A group, new or changed.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupRequest {
    /// Its name (required for a new group).
    pub name: Option<String>,
    /// What it is to do (empty clears them).
    pub instructions: Option<String>,
    /// Its leader: one of its members (changing a group only).
    pub leader_id: Option<Uuid>,
    /// Its radio channel or call signs (empty clears them).
    pub radio: Option<String>,
}

/// Adds a group to an operation.
#[utoipa::path(post, path = "/api/operations/{id}/groups", tag = "operations", params(("id" = Uuid, Path, description = "Operation id")),
    request_body = GroupRequest,
    responses((status = 201, body = Operation), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn add_group(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<ManageOperations>,
    Path(id): Path<Uuid>,
    Json(request): Json<GroupRequest>,
) -> ApiResult<(StatusCode, Json<Operation>)> {
    if request.leader_id.is_some() {
        return Err(ApiError::invalid_field("leader_id", "name the leader once the group has members"));
    }
    let mut tx = state.db.begin().await?;
    let group = operation::save_group(
        &mut tx,
        id,
        None,
        request.name.as_deref(),
        request.instructions.as_deref(),
        request.radio.as_deref(),
        &Author::person(&auth.principal),
    )
    .await?;
    audit(&mut tx, &auth.principal, address, "operation.group", id, json!({ "group": group })).await?;
    let answer = answer(&mut tx, id).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, answer))
}

/// Renames a group or changes its instructions (its members' phones show them at once).
#[utoipa::path(patch, path = "/api/operations/{id}/groups/{group_id}", tag = "operations",
    params(("id" = Uuid, Path, description = "Operation id"), ("group_id" = Uuid, Path, description = "Group id")),
    request_body = GroupRequest,
    responses((status = 200, body = Operation), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn update_group(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<ManageOperations>,
    Path((id, group)): Path<(Uuid, Uuid)>,
    Json(request): Json<GroupRequest>,
) -> ApiResult<Json<Operation>> {
    let mut tx = state.db.begin().await?;
    if request.name.is_some()
        || request.instructions.is_some()
        || request.radio.is_some()
        || request.leader_id.is_none()
    {
        operation::save_group(
            &mut tx,
            id,
            Some(group),
            request.name.as_deref(),
            request.instructions.as_deref(),
            request.radio.as_deref(),
            &Author::person(&auth.principal),
        )
        .await?;
    }
    if let Some(leader) = request.leader_id {
        operation::set_leader(&mut tx, id, group, leader, &Author::person(&auth.principal)).await?;
    }
    audit(&mut tx, &auth.principal, address, "operation.group", id, json!({ "group": group })).await?;
    let answer = answer(&mut tx, id).await?;
    tx.commit().await?;
    Ok(answer)
}

/// Where a volunteer goes in an operation.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct MemberRequest {
    /// Their group, if any.
    pub group_id: Option<Uuid>,
}

/// Puts a volunteer in the operation (and in a group), moving them from any other operation.
#[utoipa::path(put, path = "/api/operations/{id}/members/{volunteer_id}", tag = "operations",
    params(("id" = Uuid, Path, description = "Operation id"), ("volunteer_id" = Uuid, Path, description = "Volunteer id")),
    request_body = MemberRequest,
    responses((status = 200, body = Operation), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn join(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<ManageOperations>,
    Path((id, volunteer)): Path<(Uuid, Uuid)>,
    Json(request): Json<MemberRequest>,
) -> ApiResult<Json<Operation>> {
    let mut tx = state.db.begin().await?;
    operation::join(&mut tx, id, volunteer, request.group_id, &Author::person(&auth.principal)).await?;
    let details = json!({ "volunteer": volunteer, "group": request.group_id });
    audit(&mut tx, &auth.principal, address, "operation.join", id, details).await?;
    let answer = answer(&mut tx, id).await?;
    tx.commit().await?;
    Ok(answer)
}

/// Ends a volunteer's part in the operation (their tracks stay).
#[utoipa::path(post, path = "/api/operations/{id}/members/{volunteer_id}/leave", tag = "operations",
    params(("id" = Uuid, Path, description = "Operation id"), ("volunteer_id" = Uuid, Path, description = "Volunteer id")),
    responses((status = 200, body = Operation), (status = 404, body = crate::error::ErrorBody)))]
pub async fn leave(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<ManageOperations>,
    Path((id, volunteer)): Path<(Uuid, Uuid)>,
) -> ApiResult<Json<Operation>> {
    let mut tx = state.db.begin().await?;
    operation::leave(&mut tx, id, volunteer, &Author::person(&auth.principal)).await?;
    audit(&mut tx, &auth.principal, address, "operation.leave", id, json!({ "volunteer": volunteer })).await?;
    let answer = answer(&mut tx, id).await?;
    tx.commit().await?;
    Ok(answer)
}

/// A volunteer, as a coordinator picks them.
#[derive(Serialize, ToSchema, sqlx::FromRow)]
pub struct VolunteerSummary {
    /// Account id.
    pub id: Uuid,
    /// Name or call sign.
    pub name: String,
    /// Login.
    pub login: String,
    /// The operation they are in now, if any.
    pub operation_id: Option<Uuid>,
    /// When their last position was taken.
    pub last_fix_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// The team's volunteers whose accounts are enabled, by name.
#[utoipa::path(get, path = "/api/volunteers", tag = "operations",
    responses((status = 200, body = Vec<VolunteerSummary>), (status = 403, body = crate::error::ErrorBody)))]
pub async fn volunteers(
    State(state): State<AppState>,
    _auth: Authorized<ManageOperations>,
) -> ApiResult<Json<Vec<VolunteerSummary>>> {
    let list: Vec<VolunteerSummary> = sqlx::query_as(
        "SELECT u.id, u.display_name AS name, u.login, m.operation_id, p.at AS last_fix_at
         FROM users u
         LEFT JOIN operation_members m ON m.volunteer_id = u.id AND m.left_at IS NULL
         LEFT JOIN last_positions p ON p.volunteer_id = u.id
         WHERE u.role = 'volunteer' AND u.disabled_at IS NULL
         ORDER BY u.display_name",
    )
    .fetch_all(&state.db)
    .await?;
    Ok(Json(list))
}

/// Equipment handed to a group.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEquipment {
    /// What.
    pub item: String,
    /// How many (default 1).
    pub quantity: Option<i32>,
}

/// Hands equipment to a group (written into the case's log).
#[utoipa::path(post, path = "/api/operations/{id}/groups/{group_id}/equipment", tag = "operations",
    params(("id" = Uuid, Path, description = "Operation id"), ("group_id" = Uuid, Path, description = "Group id")),
    request_body = NewEquipment,
    responses((status = 201, body = Operation), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn issue_equipment(
    State(state): State<AppState>,
    auth: Authorized<ManageOperations>,
    Path((id, group)): Path<(Uuid, Uuid)>,
    Json(request): Json<NewEquipment>,
) -> ApiResult<(StatusCode, Json<Operation>)> {
    let mut tx = state.db.begin().await?;
    super::equipment::issue(
        &mut tx,
        id,
        group,
        &request.item,
        request.quantity.unwrap_or(1),
        &Author::person(&auth.principal),
    )
    .await?;
    let answer = answer(&mut tx, id).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, answer))
}

/// Takes equipment back from a group (written into the case's log).
#[utoipa::path(post, path = "/api/equipment/{id}/return", tag = "operations", params(("id" = Uuid, Path, description = "Equipment id")),
    responses((status = 200, body = Operation), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn return_equipment(
    State(state): State<AppState>,
    auth: Authorized<ManageOperations>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Operation>> {
    let mut tx = state.db.begin().await?;
    let operation = super::equipment::give_back(&mut tx, id, &Author::person(&auth.principal)).await?;
    let answer = answer(&mut tx, operation).await?;
    tx.commit().await?;
    Ok(answer)
}
