//! The incident log (журнал): an append-only timeline per case. A correction is a new entry
//! that points at the one it corrects.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::PgConnection;
use utoipa::ToSchema;
use uuid::Uuid;

use super::card::Point;
use crate::error::{ApiError, ApiResult};
use crate::realtime::{announce, Notice};

/// What an entry records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum EntryKind {
    /// A note.
    Note,
    /// A phone call made or received.
    Call,
    /// A volunteer or group sent somewhere.
    Dispatch,
    /// A vehicle and its fuel.
    Vehicle,
    /// Equipment handed out.
    EquipmentIssued,
    /// Equipment returned.
    EquipmentReturned,
    /// A clue found.
    Clue,
    /// The case changed status (written by Sweep).
    StatusChange,
    /// An alert was sent (written by Sweep).
    AlertSent,
    /// A note by the police.
    PoliceNote,
    /// A checklist task started, changed or went overdue (written by Sweep).
    Task,
    /// The card was changed (written by Sweep).
    CardUpdate,
    /// The card was handed to an emergency service (written by Sweep).
    Handoff,
    /// A report a volunteer sent from the phone app.
    FieldReport,
    /// A search operation changed: created, a group, who is in it (written by Sweep).
    Operation,
}

impl EntryKind {
    /// Whether people write entries of this kind (the others are Sweep's own records).
    pub fn written_by_people(self) -> bool {
        use EntryKind::*;
        matches!(self, Note | Call | Dispatch | Vehicle | EquipmentIssued | EquipmentReturned | Clue | PoliceNote)
    }
}

/// One entry as shown.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Entry {
    /// Position in the log (ascending).
    pub id: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// Who wrote it (a person's name, or "Sweep").
    pub author_name: String,
    /// What it records.
    pub kind: EntryKind,
    /// The text.
    pub text: String,
    /// Where, if it matters.
    pub location: Option<Point>,
    /// The entry this one corrects.
    pub corrects_id: Option<i64>,
    /// Entries that correct this one.
    pub corrected_by: Vec<i64>,
    /// Structured facts behind Sweep's own entries (statuses, field names, task titles).
    #[schema(value_type = Object)]
    pub details: Value,
}

#[derive(sqlx::FromRow)]
struct EntryRow {
    id: i64,
    at: DateTime<Utc>,
    author_name: String,
    kind: EntryKind,
    text: String,
    lat: Option<f64>,
    lon: Option<f64>,
    corrects_id: Option<i64>,
    corrected_by: Vec<i64>,
    details: Value,
}

impl From<EntryRow> for Entry {
    fn from(row: EntryRow) -> Self {
        Self {
            id: row.id,
            at: row.at,
            author_name: row.author_name,
            kind: row.kind,
            text: row.text,
            location: Point::from_columns(row.lat, row.lon),
            corrects_id: row.corrects_id,
            corrected_by: row.corrected_by,
            details: row.details,
        }
    }
}

const SELECT_ENTRY: &str = "SELECT e.id, e.at, e.author_name, e.kind, e.text, ST_Y(e.location) AS lat, ST_X(e.location) AS lon,
        e.corrects_id, coalesce(array(SELECT c.id FROM journal_entries c WHERE c.corrects_id = e.id ORDER BY c.id), '{}') AS corrected_by,
        e.details
 FROM journal_entries e";

/// Who writes an entry.
#[derive(Clone, Debug)]
pub struct Author {
    /// The account, for a person.
    pub user_id: Option<Uuid>,
    /// The name shown.
    pub name: String,
}

impl Author {
    /// A person, as logged in.
    pub fn person(principal: &crate::auth::Principal) -> Self {
        Self { user_id: Some(principal.user_id), name: principal.display_name.clone() }
    }

    /// Sweep itself.
    pub fn system() -> Self {
        Self { user_id: None, name: "Sweep".into() }
    }
}

/// A new entry.
#[derive(Clone, Debug)]
pub struct NewEntry {
    /// What it records.
    pub kind: EntryKind,
    /// The text.
    pub text: String,
    /// Where.
    pub location: Option<Point>,
    /// The entry it corrects.
    pub corrects: Option<i64>,
    /// Structured facts.
    pub details: Value,
}

impl NewEntry {
    /// An entry Sweep writes about what happened.
    pub fn system(kind: EntryKind, text: impl Into<String>, details: Value) -> Self {
        Self { kind, text: text.into(), location: None, corrects: None, details }
    }
}

/// Appends an entry to a case's log and announces it to live consoles (on commit).
pub async fn append(conn: &mut PgConnection, case_id: Uuid, author: &Author, entry: NewEntry) -> ApiResult<Entry> {
    let text = entry.text.trim();
    if text.is_empty() || text.chars().count() > 10_000 {
        return Err(ApiError::invalid_field("text", "the text must have 1 to 10,000 characters"));
    }
    if let Some(point) = &entry.location {
        point.check("location")?;
    }
    if let Some(corrected) = entry.corrects {
        let same_case: Option<Uuid> = sqlx::query_scalar("SELECT case_id FROM journal_entries WHERE id = $1")
            .bind(corrected)
            .fetch_optional(&mut *conn)
            .await?;
        if same_case != Some(case_id) {
            return Err(ApiError::invalid_field("corrects", "the corrected entry is not in this case's log"));
        }
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO journal_entries (case_id, author_id, author_name, kind, text, location, corrects_id, details)
         VALUES ($1, $2, $3, $4, $5, CASE WHEN $6::float8 IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint($7, $6), 4326) END, $8, $9)
         RETURNING id",
    )
    .bind(case_id)
    .bind(author.user_id)
    .bind(&author.name)
    .bind(entry.kind)
    .bind(text)
    .bind(entry.location.map(|p| p.lat))
    .bind(entry.location.map(|p| p.lon))
    .bind(entry.corrects)
    .bind(&entry.details)
    .fetch_one(&mut *conn)
    .await?;
    announce(&mut *conn, &Notice::JournalEntry { case_id, entry_id: id }).await?;
    Ok(find(conn, id).await?.expect("the entry was just written"))
}

/// One entry.
pub async fn find(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<Entry>> {
    let row: Option<EntryRow> =
        sqlx::query_as(&format!("{SELECT_ENTRY} WHERE e.id = $1")).bind(id).fetch_optional(conn).await?;
    Ok(row.map(Entry::from))
}

/// A case's whole log, oldest first.
pub async fn list(conn: &mut PgConnection, case_id: Uuid) -> sqlx::Result<Vec<Entry>> {
    let rows: Vec<EntryRow> = sqlx::query_as(&format!("{SELECT_ENTRY} WHERE e.case_id = $1 ORDER BY e.id"))
        .bind(case_id)
        .fetch_all(conn)
        .await?;
    Ok(rows.into_iter().map(Entry::from).collect())
}
