//! The cases API.

use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::policy::ListCases;
use crate::auth::Authorized;
use crate::error::{ApiResult, Json};
use crate::state::AppState;

/// A case as a line in a list.
#[derive(Serialize, ToSchema, sqlx::FromRow)]
pub struct CaseSummary {
    /// Case id.
    pub id: Uuid,
    /// The team's case number, e.g. 2026-0042.
    pub number: String,
    /// The missing person's full name.
    pub full_name: String,
    /// Age in years (from the birth date, else the estimate).
    pub age: Option<i32>,
    /// child, teenager, adult, elderly, dementia.
    pub category: String,
    /// registered, first_checks, search_active, suspended, closed.
    pub status: String,
    /// When the person was last seen.
    pub last_seen_at: Option<DateTime<Utc>>,
    /// Where, as [lat, lon].
    #[sqlx(skip)]
    pub last_seen: Option<[f64; 2]>,
    #[serde(skip)]
    #[schema(ignore)]
    lat: Option<f64>,
    #[serde(skip)]
    #[schema(ignore)]
    lon: Option<f64>,
}

/// Cases list.
#[derive(Serialize, ToSchema)]
pub struct CaseList {
    /// Open cases first, newest first.
    pub cases: Vec<CaseSummary>,
}

/// All cases, open ones first.
#[utoipa::path(get, path = "/api/cases", tag = "cases", responses((status = 200, body = CaseList), (status = 403, body = crate::error::ErrorBody)))]
pub async fn list(State(state): State<AppState>, _auth: Authorized<ListCases>) -> ApiResult<Json<CaseList>> {
    let mut cases: Vec<CaseSummary> = sqlx::query_as(
        "SELECT id, number, full_name,
                coalesce(extract(year FROM age(birth_date))::int, estimated_age) AS age,
                category, status, last_seen_at,
                ST_Y(last_seen_point) AS lat, ST_X(last_seen_point) AS lon
         FROM cases ORDER BY status = 'closed', created_at DESC",
    )
    .fetch_all(&state.db)
    .await?;
    for case in &mut cases {
        case.last_seen = case.lat.zip(case.lon).map(|(lat, lon)| [lat, lon]);
    }
    Ok(Json(CaseList { cases }))
}
