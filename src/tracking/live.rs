//! The live map's data: a batch of fixes, once committed, goes to this instance's consoles from
//! memory and to other instances as a small notice (the chunk's id) that they read back; a
//! console that opens or falls behind gets a snapshot of everyone's last position and recent
//! track. Dispatchers are told when a volunteer opens the phone app or comes back after being
//! offline.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use mobile_api::Fix;
use serde::Serialize;
use serde_json::{json, Value};
use sqlx::PgConnection;
use uuid::Uuid;

use super::store::{NewChunk, Source};
use crate::realtime::{announce, Audience, Notice, PhoneEvent, PositionUpdate};
use crate::state::AppState;

/// How long without a fix makes a volunteer offline.
pub fn offline_after(state: &AppState) -> chrono::Duration {
    chrono::Duration::seconds(state.config.offline_after_s.into())
}

/// One fix on the wire: `[lon, lat, unix seconds, accuracy or null]`.
fn fix_json(fix: &Fix) -> Value {
    json!([fix.lon, fix.lat, fix.time.timestamp_micros() as f64 / 1e6, fix.accuracy])
}

fn last_json(fix: &Fix, source: Source) -> Value {
    json!({ "at": fix.time, "lat": fix.lat, "lon": fix.lon, "accuracy": fix.accuracy, "speed": fix.speed,
            "heading": fix.heading, "battery": fix.battery, "source": source.as_str() })
}

/// A stored batch, ready for the consoles: `map.positions`.
fn update(volunteer: Uuid, name: &str, fixes: &[Fix], chunk: &NewChunk, source: Source) -> PositionUpdate {
    let mut sorted: Vec<&Fix> = fixes.iter().collect();
    sorted.sort_by_key(|f| f.time);
    let last = if chunk.newest { sorted.last().map(|f| last_json(f, source)) } else { None };
    let message = json!({
        "type": "map.positions",
        "volunteer": { "id": volunteer, "name": name },
        "fixes": sorted.iter().map(|f| fix_json(f)).collect::<Vec<_>>(),
        "last": last,
    });
    PositionUpdate { volunteer_id: volunteer, json: message.to_string().into() }
}

fn back_message(volunteer: Uuid, name: &str, fix: &Fix) -> Value {
    json!({ "type": "volunteer.first_fix", "volunteer": { "id": volunteer, "name": name }, "at": fix.time,
            "lat": fix.lat, "lon": fix.lon })
}

/// The notice that tells the other instances about a stored batch, and whether it brings the
/// volunteer back (for [`publish`]).
pub fn batch_notice(state: &AppState, chunk: &NewChunk, fixes: &[Fix]) -> (Notice, bool) {
    let newest = fixes.iter().map(|f| f.time).max().expect("a batch has fixes");
    let back = chunk.brings_back(newest, offline_after(state));
    (Notice::Positions { chunk_id: chunk.id, origin: state.hub.instance, back }, back)
}

/// Inside the transaction that stores a batch: tells the other instances about it. Returns
/// whether it brings the volunteer back (for [`publish`]).
pub async fn announce_batch(
    conn: &mut PgConnection,
    state: &AppState,
    chunk: &NewChunk,
    fixes: &[Fix],
) -> sqlx::Result<bool> {
    let (notice, back) = batch_notice(state, chunk, fixes);
    announce(conn, &notice).await?;
    Ok(back)
}

/// After the commit: hands the batch to this instance's consoles.
pub fn publish(
    state: &AppState,
    volunteer: Uuid,
    name: &str,
    fixes: &[Fix],
    chunk: &NewChunk,
    source: Source,
    back: bool,
) {
    state.hub.coverage_wake.notify_one();
    state.hub.publish_positions(update(volunteer, name, fixes, chunk, source));
    if back {
        let newest = fixes.iter().max_by_key(|f| f.time).expect("a batch has fixes");
        state.hub.publish(Audience::Staff, back_message(volunteer, name, newest));
    }
}

/// Another instance stored a chunk: read it back and hand it to this instance's consoles.
pub async fn publish_stored(state: &AppState, chunk_id: i64, back: bool) -> sqlx::Result<bool> {
    #[derive(sqlx::FromRow)]
    struct ChunkRow {
        volunteer_id: Uuid,
        name: String,
        source: String,
        newest: bool,
        fixes: Vec<u8>,
        accuracy: Vec<Option<f32>>,
        speed: Vec<Option<f32>>,
        heading: Vec<Option<f32>>,
        battery: Vec<Option<f32>>,
    }
    let row: Option<ChunkRow> = sqlx::query_as(
        "SELECT c.volunteer_id, u.display_name AS name, c.source,
                coalesce(p.at = c.last_at, false) AS newest, ST_AsBinary(c.fixes) AS fixes, c.accuracy, c.speed, c.heading, c.battery
         FROM track_chunks c JOIN users u ON u.id = c.volunteer_id
         LEFT JOIN last_positions p ON p.volunteer_id = c.volunteer_id
         WHERE c.id = $1",
    )
    .bind(chunk_id)
    .fetch_optional(&state.db)
    .await?;
    let Some(row) = row else { return Ok(true) };
    let vertices = match super::wkb::vertices(&row.fixes) {
        Ok(vertices) => vertices,
        Err(error) => {
            tracing::warn!(error, chunk = chunk_id, "live map: a stored chunk could not be read");
            return Ok(true);
        }
    };
    let fixes: Vec<Fix> = vertices
        .into_iter()
        .enumerate()
        .map(|(i, [lon, lat, t])| Fix {
            time: DateTime::from_timestamp_micros((t * 1e6).round() as i64).unwrap_or_default(),
            lat,
            lon,
            accuracy: row.accuracy.get(i).copied().flatten(),
            altitude: None,
            speed: row.speed.get(i).copied().flatten(),
            heading: row.heading.get(i).copied().flatten(),
            battery: row.battery.get(i).copied().flatten(),
        })
        .collect();
    if fixes.is_empty() {
        return Ok(true);
    }
    let source = Source::from_name(&row.source).unwrap_or(Source::App);
    let chunk = NewChunk { id: chunk_id, newest: row.newest, previous: None };
    publish(state, row.volunteer_id, &row.name, &fixes, &chunk, source, back);
    Ok(true)
}

/// Inside the transaction of a phone's hello: announces that the volunteer opened the app, if
/// their device was not heard from for the offline time.
pub async fn announce_app_opened(
    conn: &mut PgConnection,
    state: &AppState,
    volunteer: Uuid,
    device_seen_before: Option<DateTime<Utc>>,
) -> sqlx::Result<()> {
    if device_seen_before.is_some_and(|seen| Utc::now() - seen < offline_after(state)) {
        return Ok(());
    }
    announce(conn, &Notice::PhoneOpened { volunteer_id: volunteer }).await
}

/// Tells the consoles that a volunteer opened the phone app.
pub async fn app_opened(state: &AppState, volunteer: Uuid) -> sqlx::Result<bool> {
    let name: Option<String> = sqlx::query_scalar("SELECT display_name FROM users WHERE id = $1")
        .bind(volunteer)
        .fetch_optional(&state.db)
        .await?;
    if let Some(name) = name {
        let message =
            json!({ "type": "volunteer.app_opened", "volunteer": { "id": volunteer, "name": name }, "at": Utc::now() });
        state.hub.publish(Audience::Staff, message);
    }
    Ok(true)
}

/// An operation changed: its consoles re-read it, its phones their task.
pub async fn operation_changed(state: &AppState, operation: Uuid) -> sqlx::Result<bool> {
    // Those who left just now are told too: their task is gone.
    let volunteers: Vec<Uuid> = sqlx::query_scalar(
        "SELECT volunteer_id FROM operation_members
         WHERE operation_id = $1 AND (left_at IS NULL OR left_at > now() - interval '5 minutes')",
    )
    .bind(operation)
    .fetch_all(&state.db)
    .await?;
    state.hub.publish_phone(PhoneEvent::TaskChanged { volunteers: Arc::new(volunteers.into_iter().collect()) });
    state.hub.publish(Audience::Staff, json!({ "type": "operation.changed", "operation_id": operation }));
    Ok(true)
}

/// What a console watches on the live map: one operation's members, or everyone who shared a
/// position lately.
#[derive(Clone, Debug)]
pub struct Watch {
    /// The operation, or `None` for the whole team.
    pub operation: Option<Uuid>,
    /// Its members (for an operation).
    pub members: HashSet<Uuid>,
}

impl Watch {
    /// Whether a volunteer's positions belong on this map.
    pub fn shows(&self, volunteer: Uuid) -> bool {
        self.operation.is_none() || self.members.contains(&volunteer)
    }
}

/// How far back the team-wide map looks for volunteers.
const TEAM_WINDOW_HOURS: i32 = 12;
/// A snapshot's tracks have every fix of the last this many seconds…
const SNAPSHOT_FULL_S: f64 = 600.0;
/// …and, before that, one fix per this many seconds: an hour of 500 volunteers' tracks at a fix
/// every 5 s would be 18 MB; thinned, the console opens in a fraction of a second.
const SNAPSHOT_STEP_S: f64 = 30.0;

/// A fix of a snapshot's track: `[lon, lat, unix seconds, accuracy or null]`.
type TrackFix = (f64, f64, f64, Option<f32>);

/// A volunteer on the live map's snapshot.
#[derive(Serialize)]
struct Shown {
    id: Uuid,
    name: String,
    group_id: Option<Uuid>,
    last: Option<Value>,
    /// Oldest first.
    track: Vec<TrackFix>,
}

/// One volunteer's recent track for a snapshot, from their chunks' fixes (any order): the fixes
/// after `from`, every one after `full_from`, before it the latest of each `step` seconds.
fn thinned(mut fixes: Vec<TrackFix>, from: f64, full_from: f64, step: f64) -> Vec<TrackFix> {
    fixes.retain(|f| f.2 > from);
    fixes.sort_by(|a, b| a.2.total_cmp(&b.2));
    let bucket = |t: f64| if t > full_from { t } else { (t / step).floor() };
    let mut kept: Vec<TrackFix> = Vec::with_capacity(fixes.len());
    for fix in fixes {
        match kept.last_mut() {
            // The same bucket (or the same moment): the later fix stands for it.
            Some(last) if bucket(last.2) == bucket(fix.2) => *last = fix,
            _ => kept.push(fix),
        }
    }
    for fix in &mut kept {
        fix.0 = (fix.0 * 1e7).round() / 1e7;
        fix.1 = (fix.1 * 1e7).round() / 1e7;
        fix.2 = (fix.2 * 1e3).round() / 1e3;
    }
    kept
}

/// The snapshot a console gets when it starts watching (or falls behind): `map.snapshot`,
/// serialised. The chunks are read whole and thinned here: unpacking them fix by fix in PostGIS
/// took most of the time of a large operation's snapshot (docs/performance.md, 5).
pub async fn snapshot(
    conn: &mut PgConnection,
    state: &AppState,
    operation: Option<Uuid>,
) -> sqlx::Result<(Watch, String)> {
    #[derive(sqlx::FromRow)]
    struct Member {
        id: Uuid,
        name: String,
        group_id: Option<Uuid>,
        at: Option<DateTime<Utc>>,
        lat: Option<f64>,
        lon: Option<f64>,
        accuracy: Option<f32>,
        speed: Option<f32>,
        heading: Option<f32>,
        battery: Option<f32>,
        source: Option<String>,
    }
    #[derive(sqlx::FromRow)]
    struct Chunk {
        volunteer_id: Uuid,
        fixes: Vec<u8>,
        accuracy: Vec<Option<f32>>,
    }
    let members: Vec<Uuid> = match operation {
        Some(id) => crate::operations::operation::member_ids(&mut *conn, id).await?,
        None => {
            sqlx::query_scalar(&format!(
                "SELECT volunteer_id FROM last_positions WHERE at > now() - interval '{TEAM_WINDOW_HOURS} hours'"
            ))
            .fetch_all(&mut *conn)
            .await?
        }
    };
    let shown: Vec<Member> = sqlx::query_as(
        "SELECT u.id, u.display_name AS name, m.group_id, p.at, ST_Y(p.point) AS lat, ST_X(p.point) AS lon,
                p.accuracy, p.speed, p.heading, p.battery, p.source
         FROM users u
         LEFT JOIN operation_members m ON m.volunteer_id = u.id AND m.left_at IS NULL
         LEFT JOIN last_positions p ON p.volunteer_id = u.id
         WHERE u.id = ANY($1) ORDER BY u.display_name",
    )
    .bind(&members)
    .fetch_all(&mut *conn)
    .await?;
    let now = Utc::now();
    let from = now - chrono::Duration::minutes(state.config.live_track_minutes.into());
    let chunks: Vec<Chunk> = sqlx::query_as(
        "SELECT volunteer_id, ST_AsBinary(fixes) AS fixes, accuracy FROM track_chunks
         WHERE volunteer_id IN (SELECT unnest($1::uuid[])) AND last_at > $2",
    )
    .bind(&members)
    .bind(from)
    .fetch_all(&mut *conn)
    .await?;
    let mut fixes: HashMap<Uuid, Vec<TrackFix>> = HashMap::new();
    for chunk in chunks {
        let vertices = match super::wkb::vertices(&chunk.fixes) {
            Ok(vertices) => vertices,
            Err(error) => {
                tracing::warn!(error, volunteer = %chunk.volunteer_id, "live map: a stored chunk could not be read");
                continue;
            }
        };
        let track = fixes.entry(chunk.volunteer_id).or_default();
        for (i, [lon, lat, t]) in vertices.into_iter().enumerate() {
            track.push((lon, lat, t, chunk.accuracy.get(i).copied().flatten()));
        }
    }
    let seconds = |at: DateTime<Utc>| at.timestamp_micros() as f64 / 1e6;
    let (from, full_from) = (seconds(from), seconds(now) - SNAPSHOT_FULL_S);
    let volunteers: Vec<Shown> = shown
        .into_iter()
        .map(|m| Shown {
            last: m.at.map(|time| {
                let fix = Fix {
                    time,
                    lat: m.lat.unwrap_or_default(),
                    lon: m.lon.unwrap_or_default(),
                    accuracy: m.accuracy,
                    altitude: None,
                    speed: m.speed,
                    heading: m.heading,
                    battery: m.battery,
                };
                last_json(&fix, m.source.as_deref().and_then(Source::from_name).unwrap_or(Source::App))
            }),
            track: thinned(fixes.remove(&m.id).unwrap_or_default(), from, full_from, SNAPSHOT_STEP_S),
            id: m.id,
            name: m.name,
            group_id: m.group_id,
        })
        .collect();
    #[derive(Serialize)]
    struct Snapshot<'a> {
        r#type: &'static str,
        operation_id: Option<Uuid>,
        server_time: DateTime<Utc>,
        stale_after_s: u32,
        offline_after_s: u32,
        track_minutes: u32,
        volunteers: &'a [Shown],
    }
    let message = Snapshot {
        r#type: "map.snapshot",
        operation_id: operation,
        server_time: now,
        stale_after_s: state.config.stale_after_s,
        offline_after_s: state.config.offline_after_s,
        track_minutes: state.config.live_track_minutes,
        volunteers: &volunteers,
    };
    let message = serde_json::to_string(&message).expect("a snapshot serialises");
    Ok((Watch { operation, members: members.into_iter().collect() }, message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_track_keeps_recent_fixes_and_the_latest_of_each_step_before() {
        // Fixes every 10 s from t = 0 to 200, given out of order and one twice; the window starts
        // after 15, every fix after 150, one per 60 s before.
        let mut fixes: Vec<TrackFix> = (0..=20).rev().map(|i| (36.8, 56.1, f64::from(i) * 10.0, Some(5.0))).collect();
        fixes.push((36.9, 56.2, 170.0, None));
        let times: Vec<f64> = thinned(fixes, 15.0, 150.0, 60.0).iter().map(|f| f.2).collect();
        assert_eq!(times, [50.0, 110.0, 150.0, 160.0, 170.0, 180.0, 190.0, 200.0]);
    }

    #[test]
    fn a_snapshot_track_is_rounded_to_a_centimetre_and_a_millisecond() {
        let track = thinned(vec![(36.812345678, 56.123456789, 1_790_000_000.123_45, None)], 0.0, 0.0, 30.0);
        assert_eq!(track, [(36.8123457, 56.1234568, 1_790_000_000.123, None)]);
    }
}
