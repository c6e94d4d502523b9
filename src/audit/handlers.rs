//! The audit log's API: list and verify (administrators).

use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::policy::ReadAudit;
use crate::auth::Authorized;
use crate::error::{ApiError, ApiResult, Json, Query};
use crate::state::AppState;

/// Filters for the audit list.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditFilter {
    /// Only events on this kind of record (`user`, `case`, ...).
    pub record_type: Option<String>,
    /// Only events on this record.
    pub record_id: Option<String>,
    /// Only this action (`auth.login`, ...).
    pub action: Option<String>,
    /// Only events with an id below this (for paging back).
    pub before_id: Option<i64>,
    /// At most this many (default 100, at most 1000).
    pub limit: Option<i64>,
}

/// One audit log row.
#[derive(Serialize, ToSchema, sqlx::FromRow)]
pub struct AuditRow {
    /// Position in the chain.
    pub id: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// `user`, `token`, `share_link`, `system` or `cli`.
    pub actor_kind: String,
    /// The account, token or link id.
    pub actor_id: Option<String>,
    /// The login or other readable name of the actor.
    pub actor_label: Option<String>,
    /// What was done.
    pub action: String,
    /// The kind of record.
    pub record_type: Option<String>,
    /// The record.
    pub record_id: Option<String>,
    /// The client address.
    pub address: Option<String>,
    /// Further facts.
    #[schema(value_type = Object)]
    pub details: Value,
}

/// A page of the audit log.
#[derive(Serialize, ToSchema)]
pub struct AuditPage {
    /// Newest first.
    pub entries: Vec<AuditRow>,
}

/// The audit log, newest first, filtered.
#[utoipa::path(get, path = "/api/audit", tag = "audit", params(AuditFilter),
    responses((status = 200, body = AuditPage), (status = 403, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    _auth: Authorized<ReadAudit>,
    Query(filter): Query<AuditFilter>,
) -> ApiResult<Json<AuditPage>> {
    let limit = filter.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::invalid_field("limit", "limit must be between 1 and 1000"));
    }
    let entries = sqlx::query_as::<_, AuditRow>(
        "SELECT id, at, actor_kind, actor_id, actor_label, action, record_type, record_id, host(address) AS address, details
         FROM audit_log
         WHERE ($1::text IS NULL OR record_type = $1) AND ($2::text IS NULL OR record_id = $2)
           AND ($3::text IS NULL OR action = $3) AND ($4::bigint IS NULL OR id < $4)
         ORDER BY id DESC LIMIT $5",
    )
    .bind(filter.record_type)
    .bind(filter.record_id)
    .bind(filter.action)
    .bind(filter.before_id)
    .bind(limit)
    .fetch_all(&state.db)
    .await?;
    Ok(Json(AuditPage { entries }))
}

/// Checks the whole hash chain and names the first broken row.
#[utoipa::path(get, path = "/api/audit/verify", tag = "audit",
    responses((status = 200, body = super::ChainReport), (status = 403, body = crate::error::ErrorBody)))]
pub async fn verify(
    State(state): State<AppState>,
    _auth: Authorized<ReadAudit>,
) -> ApiResult<Json<super::ChainReport>> {
    Ok(Json(super::verify(&state.db).await?))
}
