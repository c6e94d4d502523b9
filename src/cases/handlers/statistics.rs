//! The team's figures.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

use crate::auth::Authorized;
use crate::cases::policy::SeeCaseWork;
use crate::cases::statistics::{self, Period, Statistics};
use crate::error::{ApiResult, Json, Query};
use crate::state::AppState;

/// Reports, cases, searches and outcomes for a period, by age band and category.
#[utoipa::path(get, path = "/api/statistics", tag = "statistics", params(Period),
    responses((status = 200, body = Statistics), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    _auth: Authorized<SeeCaseWork>,
    Query(period): Query<Period>,
) -> ApiResult<Json<Statistics>> {
    Ok(Json(statistics::compute(&state.db, &period).await?))
}

/// The same figures as a CSV file.
#[utoipa::path(get, path = "/api/statistics.csv", tag = "statistics", params(Period),
    responses((status = 200, content_type = "text/csv", body = String), (status = 403, body = crate::error::ErrorBody)))]
pub async fn csv(
    State(state): State<AppState>,
    _auth: Authorized<SeeCaseWork>,
    Query(period): Query<Period>,
) -> ApiResult<impl IntoResponse> {
    let stats = statistics::compute(&state.db, &period).await?;
    let name = format!("attachment; filename=\"sweep-statistics-{}-{}.csv\"", stats.from, stats.to);
    Ok((
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()), (header::CONTENT_DISPOSITION, name)],
        statistics::csv(&stats),
    ))
}
