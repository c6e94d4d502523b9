//! The incident log: read it, add to it.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::audit::AuditEvent;
use crate::auth::{Authorized, ClientAddress};
use crate::cases::access::Reader;
use crate::cases::card::Point;
use crate::cases::journal::Author;
use crate::cases::journal::{self, Entry, EntryKind, NewEntry};
use crate::cases::policy::{ReadCases, WriteJournal};
use crate::cases::redaction;
use crate::error::{ApiError, ApiResult, Json, Path};
use crate::state::AppState;

/// A case's log.
#[derive(Serialize, ToSchema)]
pub struct Journal {
    /// Oldest first.
    pub entries: Vec<Entry>,
}

/// The case's incident log, oldest first (for outsiders: phones and e-mails removed, audited).
#[utoipa::path(get, path = "/api/cases/{id}/journal", tag = "cases", params(("id" = Uuid, Path, description = "Case id")),
    responses((status = 200, body = Journal), (status = 404, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    auth: Authorized<ReadCases>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Journal>> {
    let mut conn = state.db.acquire().await?;
    let reader = Reader::of(&mut conn, &auth.principal).await?;
    reader.check(&mut conn, id).await?;
    let entries = journal::list(&mut conn, id).await?;
    if !reader.is_outsider() {
        return Ok(Json(Journal { entries }));
    }
    AuditEvent::new("case.read")
        .on("case", id)
        .details(json!({ "part": "journal" }))
        .write(&mut *conn, &auth.principal.actor(), address)
        .await?;
    Ok(Json(Journal { entries: redacted(entries) }))
}

/// The log as outsiders see it.
pub(crate) fn redacted(entries: Vec<Entry>) -> Vec<Entry> {
    entries
        .into_iter()
        .map(|entry| Entry { text: redaction::text(&entry.text), details: redaction::json(&entry.details), ..entry })
        .collect()
}

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

/// Adds an entry; a correction points at the entry it corrects (nothing is edited). A police
/// liaison adds police notes to the cases shared with them.
#[utoipa::path(post, path = "/api/cases/{id}/journal", tag = "cases", params(("id" = Uuid, Path, description = "Case id")),
    request_body = EntryRequest,
    responses((status = 201, body = Entry), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn add(
    State(state): State<AppState>,
    auth: Authorized<WriteJournal>,
    Path(id): Path<Uuid>,
    Json(request): Json<EntryRequest>,
) -> ApiResult<(StatusCode, Json<Entry>)> {
    if !request.kind.written_by_people() {
        return Err(ApiError::invalid_field("kind", "Sweep writes entries of this kind itself"));
    }
    let mut tx = state.db.begin().await?;
    let reader = Reader::of(&mut tx, &auth.principal).await?;
    reader.check(&mut tx, id).await?;
    if reader.is_outsider() && request.kind != EntryKind::PoliceNote {
        return Err(ApiError::forbidden("a police liaison writes police notes only"));
    }
    let entry = NewEntry {
        kind: request.kind,
        text: request.text,
        location: request.location,
        corrects: request.corrects,
        details: json!({}),
    };
    let entry = journal::append(&mut tx, id, &Author::person(&auth.principal), entry).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(entry)))
}
