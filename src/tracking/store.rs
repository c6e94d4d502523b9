//! Storing fixes: one row per batch, in one statement, exactly once.

use chrono::{DateTime, Utc};
use mobile_api::Fix;
use sqlx::PgConnection;
use uuid::Uuid;

/// Where fixes came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The phone protocol.
    App,
    /// OsmAnd or Traccar Client.
    OsmAnd,
    /// OwnTracks.
    OwnTracks,
    /// An imported GPX file.
    Gpx,
}

impl Source {
    /// Its name in the database and on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::App => "app",
            Source::OsmAnd => "osmand",
            Source::OwnTracks => "owntracks",
            Source::Gpx => "gpx",
        }
    }

    /// The source of this name.
    pub fn from_name(name: &str) -> Option<Self> {
        [Source::App, Source::OsmAnd, Source::OwnTracks, Source::Gpx].into_iter().find(|s| s.as_str() == name)
    }
}

/// What storing a batch did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stored {
    /// A new row.
    New(NewChunk),
    /// The batch was there already (a replay): nothing written.
    Replay,
}

/// A chunk just written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NewChunk {
    /// Its row.
    pub id: i64,
    /// Whether it moved the volunteer's last position (it is newer than any fix before).
    pub newest: bool,
    /// When it moved it: the time of the last position before (`None` for a first fix ever).
    pub previous: Option<DateTime<Utc>>,
}

impl NewChunk {
    /// Whether it brings the volunteer back: a newest fix after `gap` without one (or ever).
    pub fn brings_back(&self, newest_fix: DateTime<Utc>, gap: chrono::Duration) -> bool {
        self.newest && self.previous.is_none_or(|previous| newest_fix - previous >= gap)
    }
}

/// Where a chunk came from: a device, or an imported file.
#[derive(Clone, Copy, Debug)]
pub enum Origin {
    /// A device (phone or tracker app).
    Device(Uuid),
    /// A GPX import.
    Import(Uuid),
}

/// Stores a checked batch of fixes as one chunk (sorted by time) and moves the volunteer's
/// last position forward if the batch is newer. Call inside the transaction that is committed
/// before the batch is acknowledged.
pub async fn store(
    conn: &mut PgConnection,
    volunteer: Uuid,
    origin: Origin,
    source: Source,
    seq: Option<u64>,
    fixes: &[Fix],
) -> sqlx::Result<Stored> {
    // Callers check batches hold fixes; an empty one writes nothing rather than failing.
    if fixes.is_empty() {
        return Ok(Stored::Replay);
    }
    let (device, import) = match origin {
        Origin::Device(id) => (Some(id), None),
        Origin::Import(id) => (None, Some(id)),
    };
    let mut sorted: Vec<&Fix> = fixes.iter().collect();
    sorted.sort_by_key(|f| f.time);
    let column = |get: fn(&Fix) -> Option<f32>| sorted.iter().map(|f| get(f)).collect::<Vec<Option<f32>>>();
    let times: Vec<f64> = sorted.iter().map(|f| f.time.timestamp_micros() as f64 / 1e6).collect();
    let lats: Vec<f64> = sorted.iter().map(|f| f.lat).collect();
    let lons: Vec<f64> = sorted.iter().map(|f| f.lon).collect();
    let id: Option<i64> = sqlx::query_scalar(
        "WITH f AS (SELECT * FROM unnest($5::float8[], $6::float8[], $7::float8[]) WITH ORDINALITY AS f(t, lat, lon, n))
         INSERT INTO track_chunks (volunteer_id, device_id, gpx_import_id, source, seq, first_at, last_at, fix_count, fixes,
                                   accuracy, altitude, speed, heading, battery)
         SELECT $1, $2, $13, $3, $4, to_timestamp(min(t)), to_timestamp(max(t)), count(*),
                CASE WHEN count(*) = 1 THEN ST_SetSRID(ST_MakePointM(min(lon), min(lat), min(t)), 4326)
                     ELSE ST_SetSRID(ST_MakeLine(array_agg(ST_MakePointM(lon, lat, t) ORDER BY n)), 4326) END,
                $8, $9, $10, $11, $12
         FROM f
         ON CONFLICT DO NOTHING
         RETURNING id",
    )
    .bind(volunteer)
    .bind(device)
    .bind(source.as_str())
    .bind(seq.map(|s| s as i64))
    .bind(&times)
    .bind(&lats)
    .bind(&lons)
    .bind(column(|f| f.accuracy))
    .bind(column(|f| f.altitude))
    .bind(column(|f| f.speed))
    .bind(column(|f| f.heading))
    .bind(column(|f| f.battery))
    .bind(import)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(id) = id else { return Ok(Stored::Replay) };
    let last = sorted.last().expect("a batch has fixes");
    // The CTE reads the row as it was before the upsert; no row comes back when the batch is
    // older than the last position.
    let moved: Option<Option<DateTime<Utc>>> = sqlx::query_scalar(
        "WITH before AS (SELECT at FROM last_positions WHERE volunteer_id = $1)
         INSERT INTO last_positions (volunteer_id, device_id, at, point, accuracy, speed, heading, battery, source)
         VALUES ($1, $2, $3, ST_SetSRID(ST_MakePoint($5, $4), 4326), $6, $7, $8, $9, $10)
         ON CONFLICT (volunteer_id) DO UPDATE SET
             device_id = EXCLUDED.device_id, at = EXCLUDED.at, received_at = now(), point = EXCLUDED.point,
             accuracy = EXCLUDED.accuracy, speed = EXCLUDED.speed, heading = EXCLUDED.heading,
             battery = EXCLUDED.battery, source = EXCLUDED.source
         WHERE last_positions.at < EXCLUDED.at
         RETURNING (SELECT at FROM before)",
    )
    .bind(volunteer)
    .bind(device)
    .bind(last.time)
    .bind(last.lat)
    .bind(last.lon)
    .bind(last.accuracy)
    .bind(last.speed)
    .bind(last.heading)
    .bind(last.battery)
    .bind(source.as_str())
    .fetch_optional(&mut *conn)
    .await?;
    crate::operations::coverage::queue(conn, id).await?;
    Ok(Stored::New(NewChunk { id, newest: moved.is_some(), previous: moved.flatten() }))
}
