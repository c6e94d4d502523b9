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

/// A checked batch of fixes to store.
#[derive(Clone, Copy, Debug)]
pub struct Batch<'a> {
    /// Whose fixes they are.
    pub volunteer: Uuid,
    /// Where they came from.
    pub origin: Origin,
    /// Which protocol brought them.
    pub source: Source,
    /// The phone protocol's batch number (`None` for single fixes and imports).
    pub seq: Option<u64>,
    /// The fixes (at least one), in any order.
    pub fixes: &'a [Fix],
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
    let stored = store_many(conn, &[Batch { volunteer, origin, source, seq, fixes }]).await?;
    Ok(stored[0])
}

/// Stores batches together, each as one chunk, in a fixed number of statements whatever their
/// number (the group commit of concurrent batches): a batch already stored (a replay, also one
/// twice in `batches`) is [`Stored::Replay`]. Each volunteer's last position moves to their
/// newest new fix, and each new chunk is queued for coverage. Answers in the order of `batches`.
pub async fn store_many(conn: &mut PgConnection, batches: &[Batch<'_>]) -> sqlx::Result<Vec<Stored>> {
    // Callers check batches hold fixes; an empty one writes nothing rather than failing.
    let wanted: Vec<usize> = (0..batches.len()).filter(|i| !batches[*i].fixes.is_empty()).collect();
    let mut stored = vec![Stored::Replay; batches.len()];
    if wanted.is_empty() {
        return Ok(stored);
    }
    // Ids are drawn first, so each inserted row is known by the batch it came from.
    let ids: Vec<i64> = sqlx::query_scalar("SELECT nextval('track_chunks_id_seq') FROM generate_series(1, $1)")
        .bind(wanted.len() as i32)
        .fetch_all(&mut *conn)
        .await?;
    let sorted: Vec<Vec<&Fix>> = wanted
        .iter()
        .map(|i| {
            let mut fixes: Vec<&Fix> = batches[*i].fixes.iter().collect();
            fixes.sort_by_key(|f| f.time);
            fixes
        })
        .collect();
    let per_fix = |get: &dyn Fn(&Fix) -> Option<f32>| -> Vec<Option<f32>> {
        sorted.iter().flat_map(|fixes| fixes.iter().map(|f| get(f))).collect()
    };
    let of: Vec<i64> = sorted.iter().zip(&ids).flat_map(|(fixes, id)| fixes.iter().map(move |_| *id)).collect();
    let times: Vec<f64> =
        sorted.iter().flat_map(|fixes| fixes.iter().map(|f| f.time.timestamp_micros() as f64 / 1e6)).collect();
    let lats: Vec<f64> = sorted.iter().flat_map(|fixes| fixes.iter().map(|f| f.lat)).collect();
    let lons: Vec<f64> = sorted.iter().flat_map(|fixes| fixes.iter().map(|f| f.lon)).collect();
    let (mut devices, mut imports, mut volunteers, mut sources, mut seqs) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for i in &wanted {
        let batch = &batches[*i];
        let (device, import) = match batch.origin {
            Origin::Device(id) => (Some(id), None),
            Origin::Import(id) => (None, Some(id)),
        };
        devices.push(device);
        imports.push(import);
        volunteers.push(batch.volunteer);
        sources.push(batch.source.as_str());
        seqs.push(batch.seq.map(|s| s as i64));
    }
    let inserted: Vec<i64> = sqlx::query_scalar(
        "WITH f AS (SELECT * FROM unnest($1::int8[], $2::float8[], $3::float8[], $4::float8[], $5::real[], $6::real[],
                                         $7::real[], $8::real[], $9::real[])
                                  WITH ORDINALITY AS f(k, t, lat, lon, accuracy, altitude, speed, heading, battery, n)),
              b AS (SELECT * FROM unnest($10::int8[], $11::uuid[], $12::uuid[], $13::uuid[], $14::text[], $15::int8[])
                                  WITH ORDINALITY AS b(k, volunteer, device, import, source, seq, o))
         INSERT INTO track_chunks (id, volunteer_id, device_id, gpx_import_id, source, seq, first_at, last_at, fix_count,
                                   fixes, accuracy, altitude, speed, heading, battery)
         SELECT b.k, b.volunteer, b.device, b.import, b.source, b.seq, to_timestamp(min(f.t)), to_timestamp(max(f.t)),
                count(*),
                CASE WHEN count(*) = 1 THEN ST_SetSRID(ST_MakePointM(min(f.lon), min(f.lat), min(f.t)), 4326)
                     ELSE ST_SetSRID(ST_MakeLine(array_agg(ST_MakePointM(f.lon, f.lat, f.t) ORDER BY f.n)), 4326) END,
                array_agg(f.accuracy ORDER BY f.n), array_agg(f.altitude ORDER BY f.n), array_agg(f.speed ORDER BY f.n),
                array_agg(f.heading ORDER BY f.n), array_agg(f.battery ORDER BY f.n)
         FROM b JOIN f ON f.k = b.k
         GROUP BY b.k, b.volunteer, b.device, b.import, b.source, b.seq, b.o
         ORDER BY b.o
         ON CONFLICT DO NOTHING
         RETURNING id",
    )
    .bind(&of)
    .bind(&times)
    .bind(&lats)
    .bind(&lons)
    .bind(per_fix(&|f| f.accuracy))
    .bind(per_fix(&|f| f.altitude))
    .bind(per_fix(&|f| f.speed))
    .bind(per_fix(&|f| f.heading))
    .bind(per_fix(&|f| f.battery))
    .bind(&ids)
    .bind(&volunteers)
    .bind(&devices)
    .bind(&imports)
    .bind(&sources)
    .bind(&seqs)
    .fetch_all(&mut *conn)
    .await?;
    let inserted: std::collections::HashSet<i64> = inserted.into_iter().collect();
    // Each volunteer's newest new fix moves their last position (once per volunteer, in a fixed
    // order so concurrent groups take the rows' locks alike).
    let mut newest: std::collections::BTreeMap<Uuid, usize> = std::collections::BTreeMap::new();
    for (n, id) in ids.iter().enumerate() {
        if !inserted.contains(id) {
            continue;
        }
        let last = sorted[n].last().expect("a batch has fixes").time;
        let volunteer = batches[wanted[n]].volunteer;
        if newest.get(&volunteer).is_none_or(|m| sorted[*m].last().expect("fixes").time < last) {
            newest.insert(volunteer, n);
        }
    }
    let last_of = |n: &usize| *sorted[*n].last().expect("a batch has fixes");
    let candidates: Vec<usize> = newest.values().copied().collect();
    let moved: Vec<(Uuid, Option<DateTime<Utc>>)> = sqlx::query_as(
        "WITH before AS (SELECT volunteer_id, at FROM last_positions WHERE volunteer_id = ANY($1))
         INSERT INTO last_positions AS p (volunteer_id, device_id, at, point, accuracy, speed, heading, battery, source)
         SELECT v, d, a, ST_SetSRID(ST_MakePoint(lon, lat), 4326), acc, sp, hd, bt, src
         FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::float8[], $5::float8[], $6::real[], $7::real[],
                     $8::real[], $9::real[], $10::text[]) AS u(v, d, a, lat, lon, acc, sp, hd, bt, src)
         ON CONFLICT (volunteer_id) DO UPDATE SET
             device_id = EXCLUDED.device_id, at = EXCLUDED.at, received_at = now(), point = EXCLUDED.point,
             accuracy = EXCLUDED.accuracy, speed = EXCLUDED.speed, heading = EXCLUDED.heading,
             battery = EXCLUDED.battery, source = EXCLUDED.source
         WHERE p.at < EXCLUDED.at
         RETURNING p.volunteer_id, (SELECT b.at FROM before b WHERE b.volunteer_id = p.volunteer_id)",
    )
    .bind(candidates.iter().map(|n| batches[wanted[*n]].volunteer).collect::<Vec<_>>())
    .bind(candidates.iter().map(|n| devices[*n]).collect::<Vec<_>>())
    .bind(candidates.iter().map(|n| last_of(n).time).collect::<Vec<_>>())
    .bind(candidates.iter().map(|n| last_of(n).lat).collect::<Vec<_>>())
    .bind(candidates.iter().map(|n| last_of(n).lon).collect::<Vec<_>>())
    .bind(candidates.iter().map(|n| last_of(n).accuracy).collect::<Vec<_>>())
    .bind(candidates.iter().map(|n| last_of(n).speed).collect::<Vec<_>>())
    .bind(candidates.iter().map(|n| last_of(n).heading).collect::<Vec<_>>())
    .bind(candidates.iter().map(|n| last_of(n).battery).collect::<Vec<_>>())
    .bind(candidates.iter().map(|n| sources[*n]).collect::<Vec<_>>())
    .fetch_all(&mut *conn)
    .await?;
    let moved: std::collections::HashMap<Uuid, Option<DateTime<Utc>>> = moved.into_iter().collect();
    let new_ids: Vec<i64> = ids.iter().copied().filter(|id| inserted.contains(id)).collect();
    crate::operations::coverage::queue(conn, &new_ids).await?;
    for (n, id) in ids.iter().enumerate() {
        if !inserted.contains(id) {
            continue;
        }
        let volunteer = batches[wanted[n]].volunteer;
        let is_newest = newest.get(&volunteer) == Some(&n);
        let previous = if is_newest { moved.get(&volunteer) } else { None };
        stored[wanted[n]] =
            Stored::New(NewChunk { id: *id, newest: previous.is_some(), previous: previous.copied().flatten() });
    }
    Ok(stored)
}
