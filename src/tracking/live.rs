//! The live map's data: a batch of fixes, once committed, goes to this instance's consoles from
//! memory and to other instances as a small notice (the chunk's id) that they read back; a
//! console that opens or falls behind gets a snapshot of everyone's last position and recent
//! track. Dispatchers are told when a volunteer opens the phone app or comes back after being
//! offline.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use mobile_api::Fix;
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
        lons: Vec<f64>,
        lats: Vec<f64>,
        times: Vec<f64>,
        accuracy: Vec<Option<f32>>,
        speed: Vec<Option<f32>>,
        heading: Vec<Option<f32>>,
        battery: Vec<Option<f32>>,
    }
    let row: Option<ChunkRow> = sqlx::query_as(
        "SELECT c.volunteer_id, u.display_name AS name, c.source,
                coalesce(p.at = c.last_at, false) AS newest,
                array(SELECT ST_X(d.geom) FROM ST_DumpPoints(c.fixes) d ORDER BY d.path) AS lons,
                array(SELECT ST_Y(d.geom) FROM ST_DumpPoints(c.fixes) d ORDER BY d.path) AS lats,
                array(SELECT ST_M(d.geom) FROM ST_DumpPoints(c.fixes) d ORDER BY d.path) AS times,
                c.accuracy, c.speed, c.heading, c.battery
         FROM track_chunks c JOIN users u ON u.id = c.volunteer_id
         LEFT JOIN last_positions p ON p.volunteer_id = c.volunteer_id
         WHERE c.id = $1",
    )
    .bind(chunk_id)
    .fetch_optional(&state.db)
    .await?;
    let Some(row) = row else { return Ok(true) };
    let fixes: Vec<Fix> = (0..row.times.len())
        .map(|i| Fix {
            time: DateTime::from_timestamp_micros((row.times[i] * 1e6).round() as i64).unwrap_or_default(),
            lat: row.lats[i],
            lon: row.lons[i],
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

/// The snapshot a console gets when it starts watching (or falls behind): `map.snapshot`.
pub async fn snapshot(
    conn: &mut PgConnection,
    state: &AppState,
    operation: Option<Uuid>,
) -> sqlx::Result<(Watch, Value)> {
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
    let volunteers: Value = sqlx::query_scalar(
        "WITH v AS (SELECT u.id, u.display_name, m.group_id FROM users u
                    LEFT JOIN operation_members m ON m.volunteer_id = u.id AND m.left_at IS NULL
                    WHERE u.id = ANY($1)),
         points AS (
             -- Chunks older than the full-track time give every few fixes (about one per step),
             -- not each: `kept` then keeps one per step.
             SELECT c.volunteer_id, ST_M(p.geom) AS t, ST_X(p.geom) AS lon, ST_Y(p.geom) AS lat,
                    c.accuracy[i] AS accuracy
             FROM track_chunks c,
                  LATERAL generate_series(1, c.fix_count,
                      CASE WHEN c.last_at > now() - make_interval(secs => $3) OR c.fix_count < 3 THEN 1
                           ELSE greatest(1, floor($4 * (c.fix_count - 1)
                                                  / greatest(extract(epoch FROM c.last_at - c.first_at), 1)))::int
                      END) AS i,
                  LATERAL (SELECT CASE WHEN c.fix_count = 1 THEN c.fixes ELSE ST_PointN(c.fixes, i) END AS geom) p
             WHERE c.volunteer_id IN (SELECT unnest($1::uuid[])) AND c.last_at > now() - make_interval(mins => $2)),
         kept AS (
             SELECT DISTINCT ON (volunteer_id, CASE WHEN t > extract(epoch FROM now()) - $3 THEN t ELSE floor(t / $4) END) *
             FROM points WHERE t > extract(epoch FROM now() - make_interval(mins => $2))
             ORDER BY volunteer_id, CASE WHEN t > extract(epoch FROM now()) - $3 THEN t ELSE floor(t / $4) END, t DESC),
         tracks AS (
             SELECT volunteer_id,
                    json_agg(json_build_array(round(lon::numeric, 7), round(lat::numeric, 7), round(t::numeric, 3), accuracy)
                             ORDER BY t) AS track
             FROM kept GROUP BY volunteer_id)
         SELECT coalesce(json_agg(json_build_object(
                    'id', v.id, 'name', v.display_name, 'group_id', v.group_id,
                    'last', CASE WHEN p.volunteer_id IS NULL THEN NULL ELSE json_build_object(
                        'at', p.at, 'lat', ST_Y(p.point), 'lon', ST_X(p.point), 'accuracy', p.accuracy, 'speed', p.speed,
                        'heading', p.heading, 'battery', p.battery, 'source', p.source) END,
                    'track', coalesce(t.track, '[]'::json)) ORDER BY v.display_name), '[]'::json)::jsonb
         FROM v LEFT JOIN last_positions p ON p.volunteer_id = v.id LEFT JOIN tracks t ON t.volunteer_id = v.id",
    )
    .bind(&members)
    .bind(state.config.live_track_minutes as i32)
    .bind(SNAPSHOT_FULL_S)
    .bind(SNAPSHOT_STEP_S)
    .fetch_one(&mut *conn)
    .await?;
    let message = json!({
        "type": "map.snapshot",
        "operation_id": operation,
        "server_time": Utc::now(),
        "stale_after_s": state.config.stale_after_s,
        "offline_after_s": state.config.offline_after_s,
        "track_minutes": state.config.live_track_minutes,
        "volunteers": volunteers,
    });
    Ok((Watch { operation, members: members.into_iter().collect() }, message))
}
