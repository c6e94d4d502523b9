//! The incident log: read it, add to it.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use super::author;
use crate::cases::card::Point;
use crate::cases::journal::{self, Entry, EntryKind, NewEntry};
use crate::cases::policy::{ReadCases, WorkCases};
use crate::error::{ApiError, ApiResult, Json, Path};
use crate::state::AppState;

/// A case's log.
#[derive(Serialize, ToSchema)]
pub struct Journal {
    /// Oldest first.
    pub entries: Vec<Entry>,
}

/// The case's incident log, oldest first.
#[utoipa::path(get, path = "/api/cases/{id}/journal", tag = "cases", params(("id" = Uuid, Path, description = "Case id")),
    responses((status = 200, body = Journal), (status = 404, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    _auth: Authorized<ReadCases>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Journal>> {
    let mut conn = state.db.acquire().await?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM cases WHERE id = $1)").bind(id).fetch_one(&mut *conn).await?;
    if !exists {
        return Err(ApiError::not_found("case"));
    }
    Ok(Json(Journal { entries: journal::list(&mut conn, id).await? }))
}

use crate::auth::Authorized;

/// A new log entry written by a person.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntryRequest {
    /// note, call, dispatch, vehicle, equipment_issued, equipment_returned, clue, police_note.
    pub kind: EntryKind,
    /// The text.
    pub text: String,
    /// Where.
    pub location: Option<Point>,
    /// The entry this one corrects.
    pub corrects: Option<i64>,
}

/// Adds an entry; a correction points at the entry it corrects (nothing is edited).
#[utoipa::path(post, path = "/api/cases/{id}/journal", tag = "cases", params(("id" = Uuid, Path, description = "Case id")),
    request_body = EntryRequest,
    responses((status = 201, body = Entry), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn add(
    State(state): State<AppState>,
    auth: Authorized<WorkCases>,
    Path(id): Path<Uuid>,
    Json(request): Json<EntryRequest>,
) -> ApiResult<(StatusCode, Json<Entry>)> {
    if !request.kind.written_by_people() {
        return Err(ApiError::invalid_field("kind", "Sweep writes entries of this kind itself"));
    }
    let mut tx = state.db.begin().await?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM cases WHERE id = $1)").bind(id).fetch_one(&mut *tx).await?;
    if !exists {
        return Err(ApiError::not_found("case"));
    }
    let entry = NewEntry {
        kind: request.kind,
        text: request.text,
        location: request.location,
        corrects: request.corrects,
        details: json!({}),
    };
    let entry = journal::append(&mut tx, id, &author(&auth.principal), entry).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(entry)))
}
