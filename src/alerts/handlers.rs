//! Alerts over HTTP: send one to an operation, list an operation's alerts with who read and
//! answered them.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::alert::{self, AlertView, NewAlert};
use super::callout::{self, AnswerOnBehalf, CalloutSummary, NewCallout, PreviewRequest};
use super::orientation::Orientation;
use super::policy::SendAlerts;
use crate::audit::AuditEvent;
use crate::auth::{Authorized, ClientAddress};
use crate::cases::journal::Author;
use crate::error::{ApiError, ApiResult, Json, Path, Query};
use crate::i18n::Language;
use crate::registry::target::{self, Reach};
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
    let author = Author::person(&auth.principal);
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

/// How many a call-out would reach, per channel, before it is sent.
#[utoipa::path(post, path = "/api/callouts/preview", tag = "alerts", request_body = PreviewRequest,
    responses((status = 200, body = Reach), (status = 422, body = crate::error::ErrorBody)))]
pub async fn preview(
    State(state): State<AppState>,
    _auth: Authorized<SendAlerts>,
    Json(mut request): Json<PreviewRequest>,
) -> ApiResult<Json<Reach>> {
    let channels = callout::check_preview(&mut request)?;
    let mut conn = state.db.acquire().await?;
    Ok(Json(target::preview(&mut conn, &request.target, &channels, &state.config.channels()).await?))
}

/// Sends a call-out to the volunteers its target selects, on its channels; each recipient gets
/// one message per channel, with their own answer link in e-mail and SMS.
#[utoipa::path(post, path = "/api/callouts", tag = "alerts", request_body = NewCallout,
    responses((status = 201, body = AlertView), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create_callout(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<SendAlerts>,
    Json(request): Json<NewCallout>,
) -> ApiResult<(StatusCode, Json<AlertView>)> {
    let author = Author::person(&auth.principal);
    let mut tx = state.db.begin().await?;
    let id = callout::create(&mut tx, request, &state.config.channels(), &author).await?;
    AuditEvent::new("alert.callout").on("alert", id).write(&mut *tx, &auth.principal.actor(), address).await?;
    let sent = alert::find(&mut tx, id).await?.ok_or_else(|| ApiError::not_found("alert"))?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(sent)))
}

/// Which call-outs to list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct CalloutFilter {
    /// Only this case's.
    pub case_id: Option<Uuid>,
}

/// Recent call-outs with their headcounts, newest first.
#[utoipa::path(get, path = "/api/callouts", tag = "alerts", params(CalloutFilter),
    responses((status = 200, body = Vec<CalloutSummary>)))]
pub async fn list_callouts(
    State(state): State<AppState>,
    _auth: Authorized<SendAlerts>,
    Query(filter): Query<CalloutFilter>,
) -> ApiResult<Json<Vec<CalloutSummary>>> {
    let mut conn = state.db.acquire().await?;
    Ok(Json(callout::list(&mut conn, filter.case_id).await?))
}

/// One alert or call-out: every recipient's answer and deliveries, and the headcount (the answer
/// board).
#[utoipa::path(get, path = "/api/alerts/{id}", tag = "alerts", params(("id" = Uuid, Path, description = "Alert id")),
    responses((status = 200, body = AlertView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    _auth: Authorized<SendAlerts>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<AlertView>> {
    let mut conn = state.db.acquire().await?;
    Ok(Json(alert::find(&mut conn, id).await?.ok_or_else(|| ApiError::not_found("alert"))?))
}

/// Records a volunteer's answer on their behalf (e.g. after a phone call), in the case's log.
#[utoipa::path(post, path = "/api/alerts/{id}/answers", tag = "alerts", params(("id" = Uuid, Path, description = "Alert id")),
    request_body = AnswerOnBehalf,
    responses((status = 200, body = AlertView), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn answer_for(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<SendAlerts>,
    Path(id): Path<Uuid>,
    Json(request): Json<AnswerOnBehalf>,
) -> ApiResult<Json<AlertView>> {
    let author = Author::person(&auth.principal);
    let volunteer = request.volunteer_id;
    let mut tx = state.db.begin().await?;
    callout::answer_for(&mut tx, id, request, &author).await?;
    AuditEvent::new("alert.answer_for")
        .on("alert", id)
        .details(json!({ "volunteer": volunteer }))
        .write(&mut *tx, &auth.principal.actor(), address)
        .await?;
    let view = alert::find(&mut tx, id).await?.ok_or_else(|| ApiError::not_found("alert"))?;
    tx.commit().await?;
    Ok(Json(view))
}

/// Closes a call-out: escalation stops, unsent messages are not sent, answer links expire.
#[utoipa::path(post, path = "/api/alerts/{id}/close", tag = "alerts", params(("id" = Uuid, Path, description = "Alert id")),
    responses((status = 200, body = AlertView), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn close(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<SendAlerts>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<AlertView>> {
    let author = Author::person(&auth.principal);
    let mut tx = state.db.begin().await?;
    callout::close(&mut tx, id, &author).await?;
    AuditEvent::new("alert.close").on("alert", id).write(&mut *tx, &auth.principal.actor(), address).await?;
    let view = alert::find(&mut tx, id).await?.ok_or_else(|| ApiError::not_found("alert"))?;
    tx.commit().await?;
    Ok(Json(view))
}

/// The orientation's language and the time zone its times are written in.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct OrientationParams {
    /// ru or en.
    pub lang: Option<String>,
    /// IANA time zone for the times (default Europe/Moscow).
    pub tz: Option<String>,
}

/// A call-out's draft from a case's card: who is missing, where and when last seen, the meeting
/// point, what to bring. The coordinator edits it before sending.
#[utoipa::path(get, path = "/api/cases/{id}/orientation", tag = "alerts", params(("id" = Uuid, Path, description = "Case id"), OrientationParams),
    responses((status = 200, body = Orientation), (status = 404, body = crate::error::ErrorBody)))]
pub async fn orientation(
    State(state): State<AppState>,
    _auth: Authorized<SendAlerts>,
    Path(case): Path<Uuid>,
    Query(params): Query<OrientationParams>,
) -> ApiResult<Json<Orientation>> {
    let language = match params.lang.as_deref() {
        Some("en") => Language::En,
        None | Some("ru") => Language::Ru,
        Some(_) => return Err(ApiError::invalid_field("lang", "ru or en")),
    };
    let mut conn = state.db.acquire().await?;
    let zone = params.tz.unwrap_or_else(|| "Europe/Moscow".into());
    if !crate::registry::profile::time_zone_known(&mut conn, &zone).await? {
        return Err(ApiError::invalid_field("tz", format!("{zone:?} is not a time zone")));
    }
    let record = crate::cases::card::load(&mut conn, case, false).await?.ok_or_else(|| ApiError::not_found("case"))?;
    Ok(Json(super::orientation::draft(&mut conn, &record, language, &zone).await?))
}
