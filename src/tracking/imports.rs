//! Importing a GPX file for a volunteer: each segment becomes chunks of at most 500 fixes, the
//! waypoints become clues in the case's log, and the same file is imported once.

use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::PgConnection;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::gpx;
use super::store::{self, Origin, Source};
use crate::cases::card::Point;
use crate::cases::journal::{self, Author, EntryKind, NewEntry};
use crate::error::{ApiError, ApiResult};

/// Largest GPX file accepted, in bytes.
pub const MAX_BYTES: usize = 20 * 1024 * 1024;
/// Most points in one file.
pub const MAX_POINTS: usize = 500_000;
const CHUNK: usize = mobile_api::MAX_FIXES_PER_BATCH;

/// For whom a file is imported.
#[derive(Clone, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportTarget {
    /// Whose track it is (default: the caller).
    pub volunteer_id: Option<Uuid>,
    /// The case whose log gets the waypoints as clues.
    pub case_id: Option<Uuid>,
    /// The file's name, for the record.
    pub file_name: Option<String>,
}

/// An import as recorded.
#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct GpxImport {
    /// Import id.
    pub id: Uuid,
    /// Whose track.
    pub volunteer_id: Uuid,
    /// The case that got the waypoints.
    pub case_id: Option<Uuid>,
    /// The file's name.
    pub file_name: Option<String>,
    /// Tracks in the file.
    pub tracks: i32,
    /// Track segments.
    pub segments: i32,
    /// Track points, every one kept.
    pub points: i32,
    /// Waypoints.
    pub waypoints: i32,
}

/// Imports `bytes` for `volunteer`; returns the import and whether it is new (the same file
/// again returns the first import).
pub async fn import(
    conn: &mut PgConnection,
    target: &ImportTarget,
    volunteer: Uuid,
    bytes: &[u8],
    author: &Author,
) -> ApiResult<(GpxImport, bool)> {
    let sha = Sha256::digest(bytes).to_vec();
    let select = "SELECT id, volunteer_id, case_id, file_name, tracks, segments, points, waypoints FROM gpx_imports";
    let earlier: Option<GpxImport> = sqlx::query_as(&format!("{select} WHERE volunteer_id = $1 AND sha256 = $2"))
        .bind(volunteer)
        .bind(&sha)
        .fetch_optional(&mut *conn)
        .await?;
    if let Some(earlier) = earlier {
        return Ok((earlier, false));
    }
    let now = Utc::now();
    let parsed = gpx::parse(bytes, now).map_err(|e| ApiError::invalid("invalid_gpx", e.0))?;
    let points: usize = parsed.segments.iter().map(Vec::len).sum();
    if points > MAX_POINTS {
        return Err(ApiError::invalid("invalid_gpx", format!("the file has {points} points; at most {MAX_POINTS}")));
    }
    if points == 0 && parsed.waypoints.is_empty() {
        return Err(ApiError::invalid("invalid_gpx", "the file has no track points and no waypoints"));
    }
    for (s, segment) in parsed.segments.iter().enumerate() {
        for (i, fix) in segment.iter().enumerate() {
            fix.check(now)
                .map_err(|p| ApiError::invalid(p.code, format!("segment {}, point {}: {}", s + 1, i + 1, p.message)))?;
        }
    }
    if !parsed.waypoints.is_empty() {
        if let Some(case) = target.case_id {
            let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM cases WHERE id = $1)")
                .bind(case)
                .fetch_one(&mut *conn)
                .await?;
            if !exists {
                return Err(ApiError::invalid_field("case_id", "there is no such case"));
            }
        }
    }
    let file_name = target.file_name.as_deref().map(|n| n.chars().take(200).collect::<String>());
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO gpx_imports (volunteer_id, case_id, file_name, sha256, tracks, segments, points, waypoints, imported_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(volunteer)
    .bind(target.case_id)
    .bind(&file_name)
    .bind(&sha)
    .bind(parsed.tracks as i32)
    .bind(parsed.segments.len() as i32)
    .bind(points as i32)
    .bind(parsed.waypoints.len() as i32)
    .bind(author.user_id)
    .fetch_one(&mut *conn)
    .await?;
    for segment in &parsed.segments {
        for chunk in segment.chunks(CHUNK) {
            store::store(conn, volunteer, Origin::Import(id), Source::Gpx, None, chunk).await?;
        }
    }
    if let Some(case) = target.case_id {
        for waypoint in &parsed.waypoints {
            let text = [waypoint.name.as_deref(), waypoint.description.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(": ");
            let text = if text.trim().is_empty() { "GPX waypoint".to_string() } else { text };
            let entry = NewEntry {
                kind: EntryKind::Clue,
                text,
                location: Some(Point { lat: waypoint.lat, lon: waypoint.lon }),
                corrects: None,
                details: json!({ "event": "gpx_waypoint", "import": id, "time": waypoint.time }),
            };
            journal::append(conn, case, author, entry).await?;
        }
    }
    let created: GpxImport = sqlx::query_as(&format!("{select} WHERE id = $1")).bind(id).fetch_one(conn).await?;
    Ok((created, true))
}
