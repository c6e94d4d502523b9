//! Cards: list, read, open, change, move, override urgency; places and tasks; my shift.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::audit::AuditEvent;
use crate::auth::{Authorized, ClientAddress};
use crate::cases::access::Reader;
use crate::cases::card::{CardFields, CardPatch};
use crate::cases::casework::{self, Case, Place, PlaceFields, Transition, UrgencyOverride};
use crate::cases::checklists::{self, Task, TaskChange};
use crate::cases::journal::Author;
use crate::cases::lists::{self, CaseFilter, CaseSummary, SimilarCase, SimilarQuery};
use crate::cases::policy::{OverrideUrgency, ReadCases, SeeCaseWork, WorkCases};
use crate::cases::reports::{self, Report, ReportFilter};
use crate::error::{ApiResult, Json, Path, Query};
use crate::state::AppState;

/// Cases list.
#[derive(Serialize, ToSchema)]
pub struct CaseList {
    /// Most urgent first.
    pub cases: Vec<CaseSummary>,
}

/// Cases, most urgent first, filtered and searched.
#[utoipa::path(get, path = "/api/cases", tag = "cases", params(CaseFilter),
    responses((status = 200, body = CaseList), (status = 403, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<ReadCases>,
    Query(filter): Query<CaseFilter>,
) -> ApiResult<Json<CaseList>> {
    // One pooled connection at a time: holding one while the list takes another can starve
    // the pool under load.
    let reader = Reader::of(&mut *state.db.acquire().await?, &auth.principal).await?;
    let cases = lists::list(&state.db, &filter, reader.liaison()).await?;
    if reader.is_outsider() {
        let mut conn = state.db.acquire().await?;
        // The list names people and places: an outsider's look at it is a read too.
        let ids: Vec<Uuid> = cases.iter().map(|c| c.id).collect();
        AuditEvent::new("case.list")
            .details(json!({ "cases": ids }))
            .write(&mut *conn, &auth.principal.actor(), address)
            .await?;
    }
    Ok(Json(CaseList { cases }))
}

/// Possible duplicates.
#[derive(Serialize, ToSchema)]
pub struct SimilarList {
    /// Best first.
    pub matches: Vec<SimilarCase>,
}

/// Existing cases that may be the same person: similar name and birth year, or the same phone.
#[utoipa::path(get, path = "/api/cases/similar", tag = "cases", params(SimilarQuery),
    responses((status = 200, body = SimilarList), (status = 403, body = crate::error::ErrorBody)))]
pub async fn similar(
    State(state): State<AppState>,
    _auth: Authorized<SeeCaseWork>,
    Query(query): Query<SimilarQuery>,
) -> ApiResult<Json<SimilarList>> {
    Ok(Json(SimilarList { matches: lists::similar(&state.db, &query).await? }))
}

/// The whole card with its places and tasks.
#[utoipa::path(get, path = "/api/cases/{id}", tag = "cases", params(("id" = Uuid, Path, description = "Case id")),
    responses((status = 200, body = Case), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<ReadCases>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Case>> {
    let mut conn = state.db.acquire().await?;
    let reader = Reader::of(&mut conn, &auth.principal).await?;
    reader.check(&mut conn, id).await?;
    let mut case = casework::view(&mut conn, id).await?;
    if reader.is_outsider() {
        case = crate::cases::redaction::case(case);
        AuditEvent::new("case.read")
            .on("case", id)
            .details(json!({ "part": "card" }))
            .write(&mut *conn, &auth.principal.actor(), address)
            .await?;
    }
    Ok(Json(case))
}

/// Opens a case; its checklist starts by itself.
#[utoipa::path(post, path = "/api/cases", tag = "cases", request_body = CardFields,
    responses((status = 201, body = Case), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<WorkCases>,
    Json(fields): Json<CardFields>,
) -> ApiResult<(StatusCode, Json<Case>)> {
    let mut tx = state.db.begin().await?;
    let id = casework::open(&mut tx, fields, &Author::person(&auth.principal), state.config.map_center.1).await?;
    AuditEvent::new("case.create").on("case", id).write(&mut *tx, &auth.principal.actor(), address).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(casework::view(&mut *state.db.acquire().await?, id).await?)))
}

/// Changes the card; send the `version` you read. 409 `stale_version` if someone saved since.
#[utoipa::path(patch, path = "/api/cases/{id}", tag = "cases", params(("id" = Uuid, Path, description = "Case id")),
    request_body = CardPatch,
    responses((status = 200, body = Case), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<WorkCases>,
    Path(id): Path<Uuid>,
    Json(patch): Json<CardPatch>,
) -> ApiResult<Json<Case>> {
    let mut tx = state.db.begin().await?;
    let changed =
        casework::change(&mut tx, id, patch, &Author::person(&auth.principal), state.config.map_center.1).await?;
    let event = (!changed.is_empty()).then(|| AuditEvent::new("case.update").details(json!({ "fields": changed })));
    commit_and_view(&state, tx, id, event, &auth.principal, address).await
}

/// Moves the case to another status (409 if the lifecycle does not allow it).
#[utoipa::path(post, path = "/api/cases/{id}/transitions", tag = "cases", params(("id" = Uuid, Path, description = "Case id")),
    request_body = Transition,
    responses((status = 200, body = Case), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn transition(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<WorkCases>,
    Path(id): Path<Uuid>,
    Json(transition): Json<Transition>,
) -> ApiResult<Json<Case>> {
    let event =
        AuditEvent::new("case.transition").details(json!({ "to": transition.to, "outcome": transition.outcome }));
    let mut tx = state.db.begin().await?;
    casework::transition(&mut tx, id, transition, &Author::person(&auth.principal)).await?;
    commit_and_view(&state, tx, id, Some(event), &auth.principal, address).await
}

/// Overrides the computed urgency, or (class null) returns to it.
#[utoipa::path(put, path = "/api/cases/{id}/urgency", tag = "cases", params(("id" = Uuid, Path, description = "Case id")),
    request_body = UrgencyOverride,
    responses((status = 200, body = Case), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn set_urgency(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<OverrideUrgency>,
    Path(id): Path<Uuid>,
    Json(change): Json<UrgencyOverride>,
) -> ApiResult<Json<Case>> {
    let event = AuditEvent::new("case.urgency").details(json!({ "class": change.class, "reason": change.reason }));
    let mut tx = state.db.begin().await?;
    casework::override_urgency(&mut tx, id, change, &Author::person(&auth.principal)).await?;
    commit_and_view(&state, tx, id, Some(event), &auth.principal, address).await
}

/// Writes `event` about case `id` as the transaction's last statement (audit writers take
/// turns), commits, and answers the card as it is now.
async fn commit_and_view(
    state: &AppState,
    mut tx: sqlx::Transaction<'_, sqlx::Postgres>,
    id: Uuid,
    event: Option<AuditEvent>,
    principal: &crate::auth::Principal,
    address: Option<std::net::IpAddr>,
) -> ApiResult<Json<Case>> {
    if let Some(event) = event {
        event.on("case", id).write(&mut *tx, &principal.actor(), address).await?;
    }
    tx.commit().await?;
    Ok(Json(casework::view(&mut *state.db.acquire().await?, id).await?))
}

/// Adds a place to check (точка притяжения).
#[utoipa::path(post, path = "/api/cases/{id}/places", tag = "cases", params(("id" = Uuid, Path, description = "Case id")),
    request_body = PlaceFields,
    responses((status = 201, body = Place), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn add_place(
    State(state): State<AppState>,
    auth: Authorized<WorkCases>,
    Path(id): Path<Uuid>,
    Json(fields): Json<PlaceFields>,
) -> ApiResult<(StatusCode, Json<Place>)> {
    let mut tx = state.db.begin().await?;
    let place = casework::add_place(&mut tx, id, fields, &Author::person(&auth.principal)).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(place)))
}

/// Changes a place, or ticks it checked.
#[utoipa::path(patch, path = "/api/cases/{id}/places/{place_id}", tag = "cases",
    params(("id" = Uuid, Path, description = "Case id"), ("place_id" = Uuid, Path, description = "Place id")),
    request_body = PlaceFields,
    responses((status = 200, body = Place), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn update_place(
    State(state): State<AppState>,
    auth: Authorized<WorkCases>,
    Path((id, place_id)): Path<(Uuid, Uuid)>,
    Json(fields): Json<PlaceFields>,
) -> ApiResult<Json<Place>> {
    let mut tx = state.db.begin().await?;
    let place = casework::change_place(&mut tx, id, place_id, fields, &Author::person(&auth.principal)).await?;
    tx.commit().await?;
    Ok(Json(place))
}

/// Marks a checklist task done or not needed (with a comment), or open again.
#[utoipa::path(patch, path = "/api/cases/{id}/tasks/{task_id}", tag = "cases",
    params(("id" = Uuid, Path, description = "Case id"), ("task_id" = Uuid, Path, description = "Task id")),
    request_body = TaskChange,
    responses((status = 200, body = Task), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn update_task(
    State(state): State<AppState>,
    auth: Authorized<WorkCases>,
    Path((id, task_id)): Path<(Uuid, Uuid)>,
    Json(change): Json<TaskChange>,
) -> ApiResult<Json<Task>> {
    let mut tx = state.db.begin().await?;
    let task = checklists::change_task(&mut tx, id, task_id, change, &Author::person(&auth.principal)).await?;
    tx.commit().await?;
    Ok(Json(task))
}

/// Overdue tasks, with their cases.
#[derive(Serialize, ToSchema)]
pub struct OverdueList {
    /// Most overdue first.
    pub tasks: Vec<Task>,
}

/// Open checklist tasks past their deadline, across all cases.
#[utoipa::path(get, path = "/api/tasks/overdue", tag = "cases", responses((status = 200, body = OverdueList), (status = 403, body = crate::error::ErrorBody)))]
pub async fn overdue(State(state): State<AppState>, _auth: Authorized<SeeCaseWork>) -> ApiResult<Json<OverdueList>> {
    Ok(Json(OverdueList { tasks: checklists::overdue(&state.db).await? }))
}

/// What a person on duty needs at a glance.
#[derive(Serialize, ToSchema)]
pub struct Shift {
    /// Reports not yet handled.
    pub open_reports: Vec<Report>,
    /// Tasks past their deadline.
    pub overdue_tasks: Vec<Task>,
    /// Open tasks for the caller's role, soonest first.
    pub my_tasks: Vec<Task>,
    /// Cases not closed, most urgent first.
    pub active_cases: Vec<CaseSummary>,
}

/// My shift: open reports, overdue tasks, my role's tasks, active cases.
#[utoipa::path(get, path = "/api/shift", tag = "cases", responses((status = 200, body = Shift), (status = 403, body = crate::error::ErrorBody)))]
pub async fn shift(State(state): State<AppState>, auth: Authorized<SeeCaseWork>) -> ApiResult<Json<Shift>> {
    let open = ReportFilter { open: Some(true), ..Default::default() };
    let active = CaseFilter { status: Some("open".into()), ..Default::default() };
    Ok(Json(Shift {
        open_reports: reports::list(&state.db, &open).await?,
        overdue_tasks: checklists::overdue(&state.db).await?,
        my_tasks: checklists::open_for(&state.db, auth.principal.role).await?,
        active_cases: lists::list(&state.db, &active, None).await?,
    }))
}
