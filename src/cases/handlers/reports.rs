//! Reports: register, list, read, close, link to a case, make a case of.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::audit::AuditEvent;
use crate::auth::{Authorized, ClientAddress};
use crate::cases::card::CardFields;
use crate::cases::casework::{self, Case};
use crate::cases::journal::Author;
use crate::cases::journal::{self, EntryKind, NewEntry};
use crate::cases::policy::HandleReports;
use crate::cases::reports::{self, NewReport, Report, ReportClosing, ReportFilter};
use crate::error::{ApiError, ApiResult, Json, Path, Query};
use crate::state::AppState;

/// A report's text as copied into a case's log: long e-mails are cut (the report keeps it all).
fn excerpt(text: &str) -> String {
    const MAX: usize = 8_000;
    if text.chars().count() <= MAX {
        return text.to_string();
    }
    format!("{}…", text.chars().take(MAX).collect::<String>())
}

/// Reports list.
#[derive(Serialize, ToSchema)]
pub struct ReportList {
    /// Newest first.
    pub reports: Vec<Report>,
}

/// Reports, newest first.
#[utoipa::path(get, path = "/api/reports", tag = "reports", params(ReportFilter),
    responses((status = 200, body = ReportList), (status = 403, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    _auth: Authorized<HandleReports>,
    Query(filter): Query<ReportFilter>,
) -> ApiResult<Json<ReportList>> {
    Ok(Json(ReportList { reports: reports::list(&state.db, &filter).await? }))
}

/// One report.
#[utoipa::path(get, path = "/api/reports/{id}", tag = "reports", params(("id" = Uuid, Path, description = "Report id")),
    responses((status = 200, body = Report), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    _auth: Authorized<HandleReports>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Report>> {
    let report = reports::find(&mut *state.db.acquire().await?, id, false).await?;
    report.map(Json).ok_or_else(|| ApiError::not_found("report"))
}

/// Registers a report.
#[utoipa::path(post, path = "/api/reports", tag = "reports", request_body = NewReport,
    responses((status = 201, body = Report), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<HandleReports>,
    Json(new): Json<NewReport>,
) -> ApiResult<(StatusCode, Json<Report>)> {
    let mut tx = state.db.begin().await?;
    let report = reports::create(&mut tx, new, auth.principal.user_id, chrono::Utc::now()).await?;
    AuditEvent::new("report.create").on("report", report.id).write(&mut *tx, &auth.principal.actor(), address).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(report)))
}

/// Closes a report: information only, a duplicate, or passed to the police.
#[utoipa::path(post, path = "/api/reports/{id}/close", tag = "reports", params(("id" = Uuid, Path, description = "Report id")),
    request_body = ReportClosing,
    responses((status = 200, body = Report), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn close(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<HandleReports>,
    Path(id): Path<Uuid>,
    Json(closing): Json<ReportClosing>,
) -> ApiResult<Json<Report>> {
    let outcome = closing.outcome.clone();
    let mut tx = state.db.begin().await?;
    let report = reports::close(&mut tx, id, closing, auth.principal.user_id).await?;
    AuditEvent::new("report.close")
        .on("report", id)
        .details(json!({ "outcome": outcome }))
        .write(&mut *tx, &auth.principal.actor(), address)
        .await?;
    tx.commit().await?;
    Ok(Json(report))
}

/// Linking a report to a case it concerns.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportLink {
    /// The case.
    pub case_id: Uuid,
    /// A note.
    pub note: Option<String>,
}

/// Links a report to an existing case; the case's log records it.
#[utoipa::path(post, path = "/api/reports/{id}/link", tag = "reports", params(("id" = Uuid, Path, description = "Report id")),
    request_body = ReportLink,
    responses((status = 200, body = Report), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn link(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<HandleReports>,
    Path(id): Path<Uuid>,
    Json(link): Json<ReportLink>,
) -> ApiResult<Json<Report>> {
    let mut tx = state.db.begin().await?;
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM cases WHERE id = $1)")
        .bind(link.case_id)
        .fetch_one(&mut *tx)
        .await?;
    if !exists {
        return Err(ApiError::invalid_field("case_id", "there is no such case"));
    }
    let report = reports::set_outcome(
        &mut tx,
        id,
        "linked_to_case",
        link.note.as_deref(),
        Some(link.case_id),
        None,
        auth.principal.user_id,
    )
    .await?;
    let caller = report.caller_name.clone().or(report.caller_phone.clone()).unwrap_or_default();
    let text = format!("{} ({caller}): {}", report.number, excerpt(&report.text));
    let details = json!({ "event": "report_linked", "report": report.id, "number": report.number });
    journal::append(
        &mut tx,
        link.case_id,
        &Author::person(&auth.principal),
        NewEntry::system(EntryKind::Call, text.trim_end_matches(": "), details),
    )
    .await?;
    AuditEvent::new("report.link")
        .on("report", id)
        .details(json!({ "case": link.case_id }))
        .write(&mut *tx, &auth.principal.actor(), address)
        .await?;
    tx.commit().await?;
    Ok(Json(report))
}

/// Makes a case of a report; the report is closed as "became a case".
#[utoipa::path(post, path = "/api/reports/{id}/case", tag = "reports", params(("id" = Uuid, Path, description = "Report id")),
    request_body = CardFields,
    responses((status = 201, body = Case), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn to_case(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<HandleReports>,
    Path(id): Path<Uuid>,
    Json(fields): Json<CardFields>,
) -> ApiResult<(StatusCode, Json<Case>)> {
    let writer = Author::person(&auth.principal);
    let mut tx = state.db.begin().await?;
    let case_id = casework::open(&mut tx, fields, &writer, state.config.map_center.1).await?;
    let report =
        reports::set_outcome(&mut tx, id, "became_case", None, Some(case_id), None, auth.principal.user_id).await?;
    let details = json!({ "event": "report_became_case", "report": report.id, "number": report.number });
    let text = format!("{}: {}", report.number, excerpt(&report.text));
    journal::append(&mut tx, case_id, &writer, NewEntry::system(EntryKind::Call, text.trim_end_matches(": "), details))
        .await?;
    AuditEvent::new("case.create")
        .on("case", case_id)
        .details(json!({ "report": id }))
        .write(&mut *tx, &auth.principal.actor(), address)
        .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(casework::view(&mut *state.db.acquire().await?, case_id).await?)))
}
