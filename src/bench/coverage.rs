//! `sweep bench coverage`: a generated operation (about 5,000 squares, 500 volunteers, 8 hours
//! of tracks at a fix every 5 s), then:
//!
//! - **full recompute** of its coverage, beside the straightforward query (the union of every
//!   whole track buffered by half the sweep width, intersected with every square), with the
//!   largest difference between their results;
//! - **incremental**: one second's fixes (a fifth of the volunteers send one) through the phone
//!   protocol, and the time until the server applied them, beside that straightforward query
//!   (what recomputing on each batch would cost);
//! - **console start**: the time a console takes to get the operation's live map snapshot and
//!   squares with their coverage, beside loading the operation's whole tracks (its export).

use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use chrono::{DateTime, Utc};
use futures::SinkExt;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use sqlx::PgPool;
use tokio_tungstenite::tungstenite::Message;
use uuid::Uuid;

use super::{connect_console, connect_phones, next_json, quantile, staff, volunteers, ServerProcess, Socket};
use crate::config::Config;
use crate::db::Database;

/// What `sweep bench coverage` runs.
#[derive(clap::Args, Debug, Clone)]
pub struct CoverageArgs {
    /// Squares (about: the area is a square of whole 100 m squares).
    #[arg(long, default_value_t = 5000)]
    pub squares: usize,
    /// Volunteers in the operation.
    #[arg(long, default_value_t = 500)]
    pub volunteers: usize,
    /// Hours of tracks.
    #[arg(long, default_value_t = 8.0)]
    pub hours: f64,
    /// Seconds between two fixes of a volunteer.
    #[arg(long, default_value_t = 5)]
    pub every_s: u32,
    /// Seconds of fixes applied incrementally, one after another.
    #[arg(long, default_value_t = 10)]
    pub rounds: u32,
    /// The straightforward query is stopped after this many seconds (its figure is then "more
    /// than" this); by default after 10.5 times the full recompute's time (at least 60 s), so a
    /// baseline that is stopped still shows whether the recompute is 10 times faster.
    #[arg(long)]
    pub baseline_timeout_s: Option<u64>,
}

const CELL_M: f64 = 100.0;
const METRES_PER_DEGREE: f64 = 111_320.0;
const FIXES_PER_CHUNK: usize = 24;

/// Runs the coverage and console-start benchmarks and prints their figures.
pub async fn coverage(db: &Database, config: &Config, args: CoverageArgs) -> anyhow::Result<()> {
    if args.squares < 4 || args.volunteers == 0 || args.hours <= 0.0 || args.every_s == 0 || args.rounds == 0 {
        bail!("--squares at least 4; --volunteers, --hours, --every-s and --rounds above 0");
    }
    let pool = db.pool.clone();
    println!("setting up {} volunteers and a coordinator…", args.volunteers);
    let volunteers = volunteers(&pool, args.volunteers).await?;
    let coordinator = staff(&pool, "coordinator", 1).await?.remove(0);
    let server = ServerProcess::start(db, config).await?;
    let api = Api::new(&server, &coordinator)?;

    let side = (args.squares as f64).sqrt().ceil() as usize;
    let (lat0, lon0) = (56.0, 37.0);
    let area = Area::new(lat0, lon0, side as f64 * CELL_M);
    let operation = api.operation(&area, &volunteers).await?;
    let squares: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM grid_cells c JOIN grids g ON g.id = c.grid_id JOIN search_areas a ON a.id = g.area_id
         WHERE a.operation_id = $1 AND g.replaced_at IS NULL AND c.retired_at IS NULL",
    )
    .bind(operation)
    .fetch_one(&pool)
    .await?;
    // In it since before the tracks begin.
    sqlx::query("UPDATE operation_members SET joined_at = now() - make_interval(hours => $2) WHERE operation_id = $1")
        .bind(operation)
        .bind(args.hours.ceil() as i32 + 1)
        .execute(&pool)
        .await?;
    // Tracks up to now: a console opening during the search gets their last hour.
    let end = Utc::now() - chrono::Duration::seconds(30);
    println!(
        "generating {:.0} h of tracks for {} volunteers, a fix every {} s…",
        args.hours, args.volunteers, args.every_s
    );
    let walkers = generate_tracks(&pool, &volunteers, &area, &args, end).await?;
    let fixes: i64 = sqlx::query_scalar(
        "SELECT coalesce(sum(fix_count), 0)::bigint FROM track_chunks c JOIN operation_members m
         ON m.volunteer_id = c.volunteer_id WHERE m.operation_id = $1",
    )
    .bind(operation)
    .fetch_one(&pool)
    .await?;

    println!("console start…");
    let (start_ms, snapshot_bytes, squares_bytes) = console_start(&server, &api, &coordinator, operation).await?;
    let started = Instant::now();
    let export_bytes = api.get_bytes(&format!("/api/operations/{operation}/export")).await?;
    let export_ms = started.elapsed().as_secs_f64() * 1000.0;

    println!("full recompute…");
    let started = Instant::now();
    let mut tx = pool.begin().await?;
    crate::operations::coverage::recompute(&mut tx, operation).await?;
    tx.commit().await?;
    let recompute_s = started.elapsed().as_secs_f64();
    let covered = geometric(&pool, operation).await?;

    let timeout_s = args.baseline_timeout_s.unwrap_or((recompute_s * 10.5).ceil().max(60.0) as u64);
    println!("the straightforward query (stopped after {timeout_s} s)…");
    let started = Instant::now();
    let naive = naive(&pool, operation, timeout_s).await?;
    let naive_s = started.elapsed().as_secs_f64();
    let difference = naive.as_ref().map(|naive| largest_difference(&covered, naive));

    println!("incremental: {} seconds of fixes…", args.rounds);
    let (per_round, per_round_total) =
        incremental(&pool, &server, operation, &volunteers, Tracks { walkers, end }, &area, &args).await?;
    let rss = server.resident_mib();
    drop(server);

    println!();
    println!(
        "coverage: {squares} squares of {CELL_M:.0} m, {} volunteers, {:.0} h of tracks ({fixes} fixes)",
        args.volunteers, args.hours
    );
    let naive_text = match naive {
        Some(_) => format!("{naive_s:>9.1} s"),
        None => format!("> {timeout_s} s (stopped)"),
    };
    println!("  sweep, full recompute                          {recompute_s:>9.1} s");
    println!(
        "  baseline: union of buffered whole tracks ∩ squares {naive_text}   sweep is {}{:.1}× faster",
        if naive.is_none() { "more than " } else { "" },
        naive_s / recompute_s
    );
    match difference {
        Some((largest, over)) => println!(
            "  results: largest difference in a square's geometric coverage {:.4} ({over} squares differ by more than 0.01)",
            largest
        ),
        None => println!("  results: not compared (the baseline did not finish)"),
    }
    let per_fix = args.volunteers as f64 / args.every_s as f64;
    println!(
        "  sweep, incremental: one second's fixes ({per_fix:.0}) applied after their acknowledgement  p50 {:>6.1} ms   max {:>6.1} ms",
        quantile(&per_round, 0.5),
        quantile(&per_round, 1.0)
    );
    println!(
        "      from the phones' sending to applied                                p50 {:>6.1} ms   max {:>6.1} ms",
        quantile(&per_round_total, 0.5),
        quantile(&per_round_total, 1.0)
    );
    println!(
        "  baseline: recomputing with the straightforward query on each batch {naive_text}   incremental is {}{:.0}× faster",
        if naive.is_none() { "more than " } else { "" },
        naive_s * 1000.0 / quantile(&per_round, 0.5)
    );
    println!();
    println!("console start: live map snapshot and squares of this operation, {} runs", CONSOLE_RUNS);
    println!(
        "  sweep, map.snapshot + squares with coverage     p50 {:>7.1} ms   max {:>7.1} ms   ({} + {} KiB)",
        quantile(&start_ms, 0.5),
        quantile(&start_ms, 1.0),
        snapshot_bytes / 1024,
        squares_bytes / 1024
    );
    println!(
        "  baseline: the operation with every whole track (export) {:>7.1} ms   ({} KiB)   sweep is {:.1}× faster",
        export_ms,
        export_bytes / 1024,
        export_ms / quantile(&start_ms, 0.5)
    );
    if let Some(rss) = rss {
        println!("  sweep serve's resident memory at the end: {rss:.0} MiB");
    }
    Ok(())
}

/// A square search area, in degrees.
#[derive(Clone, Copy)]
struct Area {
    south: f64,
    west: f64,
    dlat: f64,
    dlon: f64,
}

impl Area {
    fn new(lat: f64, lon: f64, side_m: f64) -> Self {
        let dlat = side_m / METRES_PER_DEGREE;
        let dlon = side_m / (METRES_PER_DEGREE * lat.to_radians().cos());
        Self { south: lat - dlat / 2.0, west: lon - dlon / 2.0, dlat, dlon }
    }

    fn ring(&self) -> Value {
        let (s, w, n, e) = (self.south, self.west, self.south + self.dlat, self.west + self.dlon);
        json!([[[w, s], [e, s], [e, n], [w, n], [w, s]]])
    }
}

/// The server's API, as the coordinator.
struct Api {
    client: reqwest::Client,
    base: String,
}

impl Api {
    fn new(server: &ServerProcess, token: &str) -> anyhow::Result<Self> {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(reqwest::header::AUTHORIZATION, format!("Bearer {token}").parse()?);
        let client = reqwest::Client::builder().default_headers(headers).build()?;
        Ok(Self { client, base: server.url.clone() })
    }

    async fn send(&self, method: reqwest::Method, path: &str, body: Value) -> anyhow::Result<Value> {
        let response = self.client.request(method, format!("{}{path}", self.base)).json(&body).send().await?;
        let status = response.status();
        let text = response.text().await?;
        if !status.is_success() {
            bail!("{path}: {status}: {text}");
        }
        Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn get_bytes(&self, path: &str) -> anyhow::Result<usize> {
        let response = self.client.get(format!("{}{path}", self.base)).send().await?;
        if !response.status().is_success() {
            bail!("{path}: {}", response.status());
        }
        Ok(response.bytes().await?.len())
    }

    /// A case, its operation, the area with its squares, and the volunteers in it (since long
    /// before the tracks).
    async fn operation(&self, area: &Area, volunteers: &[(Uuid, String)]) -> anyhow::Result<Uuid> {
        use reqwest::Method;
        let case = self
            .send(
                Method::POST,
                "/api/cases",
                json!({"full_name": "Bench Case", "category": "adult", "estimated_age": 70}),
            )
            .await?;
        let case = case["id"].as_str().context("a case id")?;
        let operation =
            self.send(Method::POST, &format!("/api/cases/{case}/operations"), json!({"name": "Bench forest"})).await?;
        let operation: Uuid = operation["id"].as_str().context("an operation id")?.parse()?;
        let added = self
            .send(
                Method::POST,
                &format!("/api/operations/{operation}/areas"),
                json!({"name": "Bench area", "geometry": {"type": "Polygon", "coordinates": area.ring()}}),
            )
            .await?;
        let added = added["id"].as_str().context("an area id")?;
        self.send(Method::POST, &format!("/api/areas/{added}/grid"), json!({"cell_size_m": CELL_M as i32})).await?;
        for (volunteer, _) in volunteers {
            self.send(Method::PUT, &format!("/api/operations/{operation}/members/{volunteer}"), json!({})).await?;
        }
        Ok(operation)
    }
}

/// A volunteer walking about the area: a heading that drifts, turning back at its edges.
#[derive(Clone)]
struct Walker {
    lat: f64,
    lon: f64,
    heading: f64,
    device: Uuid,
    seq: i64,
}

impl Walker {
    fn step(&mut self, rng: &mut impl Rng, area: &Area, seconds: f64) {
        self.heading += rng.gen_range(-0.35..0.35);
        let metres = rng.gen_range(1.0..1.4) * seconds;
        let cos_lat = self.lat.to_radians().cos();
        let mut lat = self.lat + metres * self.heading.cos() / METRES_PER_DEGREE;
        let mut lon = self.lon + metres * self.heading.sin() / (METRES_PER_DEGREE * cos_lat);
        if lat < area.south || lat > area.south + area.dlat {
            self.heading = std::f64::consts::PI - self.heading;
            lat = self.lat;
        }
        if lon < area.west || lon > area.west + area.dlon {
            self.heading = -self.heading;
            lon = self.lon;
        }
        self.lat = lat;
        self.lon = lon;
    }
}

/// Where the generated tracks stopped: each walker, and the time of their last fixes.
struct Tracks {
    walkers: Vec<Walker>,
    end: DateTime<Utc>,
}

/// Writes every volunteer's tracks as chunks (`FIXES_PER_CHUNK` fixes each), ending at `end`,
/// and their last positions; returns the walkers where they stopped.
async fn generate_tracks(
    pool: &PgPool,
    volunteers: &[(Uuid, String)],
    area: &Area,
    args: &CoverageArgs,
    end: DateTime<Utc>,
) -> anyhow::Result<Vec<Walker>> {
    let ids: Vec<Uuid> = volunteers.iter().map(|(id, _)| *id).collect();
    let devices: Vec<(Uuid, Uuid)> = sqlx::query_as(
        "SELECT user_id, id FROM devices WHERE revoked_at IS NULL AND user_id = ANY($1) ORDER BY user_id",
    )
    .bind(&ids)
    .fetch_all(pool)
    .await?;
    let device_of: std::collections::HashMap<Uuid, Uuid> = devices.into_iter().collect();
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let count = (args.hours * 3600.0 / args.every_s as f64) as i64;
    let start = end - chrono::Duration::seconds(count * args.every_s as i64);
    let mut walkers = Vec::with_capacity(volunteers.len());
    for (volunteer, _) in volunteers {
        let mut walker = Walker {
            lat: area.south + rng.gen_range(0.05..0.95) * area.dlat,
            lon: area.west + rng.gen_range(0.05..0.95) * area.dlon,
            heading: rng.gen_range(0.0..std::f64::consts::TAU),
            device: device_of[volunteer],
            seq: 0,
        };
        // Chunks of this volunteer, written a few hundred at a time.
        let (mut keys, mut owners, mut devices, mut seqs) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let (mut of, mut times, mut lats, mut lons) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for n in 0..=count {
            if n as usize % FIXES_PER_CHUNK == 0 {
                walker.seq += 1;
                keys.push(walker.seq as i32);
                owners.push(*volunteer);
                devices.push(walker.device);
                seqs.push(walker.seq);
            }
            let at = start + chrono::Duration::seconds(n * args.every_s as i64);
            of.push(walker.seq as i32);
            times.push(at.timestamp() as f64);
            lats.push(walker.lat);
            lons.push(walker.lon);
            walker.step(&mut rng, area, args.every_s as f64);
        }
        sqlx::query(
            "WITH f AS (SELECT * FROM unnest($1::int[], $2::float8[], $3::float8[], $4::float8[]) AS f(k, t, lat, lon)),
                  k AS (SELECT * FROM unnest($5::int[], $6::uuid[], $7::uuid[], $8::bigint[]) AS k(k, volunteer, device, seq))
             INSERT INTO track_chunks (volunteer_id, device_id, source, seq, first_at, last_at, fix_count, fixes, accuracy,
                                       altitude, speed, heading, battery)
             SELECT k.volunteer, k.device, 'app', k.seq, to_timestamp(min(f.t)), to_timestamp(max(f.t)), count(*),
                    CASE WHEN count(*) = 1 THEN ST_SetSRID(ST_MakePointM(min(f.lon), min(f.lat), min(f.t)), 4326)
                         ELSE ST_SetSRID(ST_MakeLine(array_agg(ST_MakePointM(f.lon, f.lat, f.t) ORDER BY f.t)), 4326) END,
                    array_fill(5::real, ARRAY[count(*)::int]), array_fill(NULL::real, ARRAY[count(*)::int]),
                    array_fill(1.2::real, ARRAY[count(*)::int]), array_fill(NULL::real, ARRAY[count(*)::int]),
                    array_fill(NULL::real, ARRAY[count(*)::int])
             FROM k JOIN f USING (k) GROUP BY k.k, k.volunteer, k.device, k.seq",
        )
        .bind(&of)
        .bind(&times)
        .bind(&lats)
        .bind(&lons)
        .bind(&keys)
        .bind(&owners)
        .bind(&devices)
        .bind(&seqs)
        .execute(pool)
        .await?;
        walkers.push(walker);
    }
    sqlx::query(
        "INSERT INTO last_positions (volunteer_id, device_id, at, point, accuracy, source)
         SELECT DISTINCT ON (volunteer_id) volunteer_id, device_id, last_at,
                CASE WHEN fix_count = 1 THEN ST_Force2D(fixes) ELSE ST_Force2D(ST_EndPoint(fixes)) END, 5, 'app'
         FROM track_chunks WHERE volunteer_id = ANY($1) ORDER BY volunteer_id, last_at DESC
         ON CONFLICT (volunteer_id) DO UPDATE SET device_id = EXCLUDED.device_id, at = EXCLUDED.at,
             point = EXCLUDED.point, accuracy = EXCLUDED.accuracy, source = EXCLUDED.source",
    )
    .bind(&ids)
    .execute(pool)
    .await?;
    Ok(walkers)
}

/// Each square's geometric coverage.
async fn geometric(pool: &PgPool, operation: Uuid) -> anyhow::Result<Vec<(i64, f64)>> {
    Ok(sqlx::query_as(
        "SELECT c.id, coalesce(sc.geometric, 0)
         FROM grid_cells c JOIN grids g ON g.id = c.grid_id JOIN search_areas a ON a.id = g.area_id
         LEFT JOIN square_coverage sc ON sc.cell_id = c.id
         WHERE a.operation_id = $1 AND g.replaced_at IS NULL AND c.retired_at IS NULL ORDER BY c.id",
    )
    .bind(operation)
    .fetch_all(pool)
    .await?)
}

/// The straightforward query: every member's whole track as one line, buffered by half the
/// sweep width, united, and intersected with every square. `None` if it ran out of time.
async fn naive(pool: &PgPool, operation: Uuid, timeout_s: u64) -> anyhow::Result<Option<Vec<(i64, f64)>>> {
    let mut tx = pool.begin().await?;
    sqlx::query(&format!("SET LOCAL statement_timeout = '{timeout_s}s'")).execute(&mut *tx).await?;
    let result = sqlx::query_as(
        "WITH op AS (SELECT sweep_width_m AS w FROM operations WHERE id = $1),
         cells AS (
             SELECT c.id, c.geom_utm, c.area_m2, g.srid
             FROM grid_cells c JOIN grids g ON g.id = c.grid_id JOIN search_areas a ON a.id = g.area_id
             WHERE a.operation_id = $1 AND g.replaced_at IS NULL AND c.retired_at IS NULL),
         tracks AS (
             SELECT c.volunteer_id, ST_MakeLine(array_agg(ST_Force2D(d.geom) ORDER BY ST_M(d.geom))) AS line
             FROM operation_members m JOIN track_chunks c ON c.volunteer_id = m.volunteer_id, ST_DumpPoints(c.fixes) d
             WHERE m.operation_id = $1
             GROUP BY c.volunteer_id),
         swept AS (
             SELECT ST_Union(ST_Buffer(ST_Transform(ST_SetSRID(t.line, 4326), (SELECT min(srid) FROM cells)), op.w / 2)) AS u
             FROM tracks t, op)
         SELECT cells.id, least(ST_Area(ST_Intersection(cells.geom_utm, swept.u)) / cells.area_m2, 1)
         FROM cells, swept ORDER BY cells.id",
    )
    .bind(operation)
    .fetch_all(&mut *tx)
    .await;
    match result {
        Ok(rows) => {
            tx.commit().await?;
            Ok(Some(rows))
        }
        Err(sqlx::Error::Database(error)) if error.code().as_deref() == Some("57014") => Ok(None),
        Err(error) => Err(error.into()),
    }
}

/// The largest difference between two results, and how many squares differ by more than 0.01.
fn largest_difference(a: &[(i64, f64)], b: &[(i64, f64)]) -> (f64, usize) {
    let b: std::collections::HashMap<i64, f64> = b.iter().copied().collect();
    let differences: Vec<f64> = a.iter().map(|(id, v)| (v - b.get(id).copied().unwrap_or(0.0)).abs()).collect();
    (differences.iter().copied().fold(0.0, f64::max), differences.iter().filter(|d| **d > 0.01).count())
}

const CONSOLE_RUNS: usize = 5;

/// A console opening the operation: `map.watch` → `map.snapshot` on the live channel, and the
/// squares with their coverage, at the same time (as the console asks for them). Returns the
/// times (ms) and the sizes of the two.
async fn console_start(
    server: &ServerProcess,
    api: &Api,
    token: &str,
    operation: Uuid,
) -> anyhow::Result<(Vec<f64>, usize, usize)> {
    let squares_path = format!("/api/operations/{operation}/squares");
    let mut times = Vec::new();
    let (mut snapshot_bytes, mut squares_bytes) = (0, 0);
    for _ in 0..CONSOLE_RUNS {
        let mut console = connect_console(server, token).await?;
        let started = Instant::now();
        let watch = async {
            let request = json!({ "type": "map.watch", "operation_id": operation });
            console.send(Message::Text(request.to_string().into())).await?;
            loop {
                let text = super::next_text(&mut console).await?;
                if text.contains("\"map.snapshot\"") {
                    return Ok::<_, anyhow::Error>(text.len());
                }
            }
        };
        let squares = api.get_bytes(&squares_path);
        let (snapshot, squares) = tokio::try_join!(watch, squares)?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        (snapshot_bytes, squares_bytes) = (snapshot, squares);
        let _ = console.close(None).await;
    }
    times.sort_by(f64::total_cmp);
    Ok((times, snapshot_bytes, squares_bytes))
}

/// One second's fixes at a time (the volunteers whose turn it is send one each, through the
/// phone protocol), timed from their acknowledgement, and from their sending, to the moment
/// the server's coverage queue for the operation is empty.
async fn incremental(
    pool: &PgPool,
    server: &ServerProcess,
    operation: Uuid,
    volunteers: &[(Uuid, String)],
    tracks: Tracks,
    area: &Area,
    args: &CoverageArgs,
) -> anyhow::Result<(Vec<f64>, Vec<f64>)> {
    let Tracks { mut walkers, end } = tracks;
    let tokens: Vec<&str> = volunteers.iter().map(|(_, t)| t.as_str()).collect();
    let mut phones: Vec<Socket> = connect_phones(&server.ws_url(mobile_api::WEBSOCKET_PATH), &tokens).await?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    let mut after_ack = Vec::new();
    let mut total = Vec::new();
    let every = args.every_s as usize;
    for round in 0..args.rounds as usize {
        // Each volunteer's next fix, `every_s` after their last one.
        let at = end + chrono::Duration::seconds(((round / every + 1) * every) as i64);
        let turn: Vec<usize> = (0..volunteers.len()).filter(|i| i % every == round % every).collect();
        let started = Instant::now();
        let sends = phones.iter_mut().enumerate().filter(|(i, _)| turn.contains(i)).map(|(i, phone)| {
            let walker = &mut walkers[i];
            walker.seq += 1;
            let fix = json!({ "time": at, "lat": walker.lat, "lon": walker.lon, "accuracy": 5.0 });
            let batch = json!({ "type": "positions", "seq": walker.seq, "fixes": [fix] });
            async move {
                phone.send(Message::Text(batch.to_string().into())).await?;
                loop {
                    let reply = next_json(phone).await?;
                    match reply["type"].as_str() {
                        Some("ack") => return Ok::<_, anyhow::Error>(()),
                        Some("error") => bail!("the server refused a fix: {reply}"),
                        _ => {}
                    }
                }
            }
        });
        futures::future::try_join_all(sends).await?;
        let acked = Instant::now();
        let deadline = acked + Duration::from_secs(120);
        loop {
            let queued: i64 = sqlx::query_scalar("SELECT count(*) FROM coverage_queue WHERE operation_id = $1")
                .bind(operation)
                .fetch_one(pool)
                .await?;
            if queued == 0 {
                break;
            }
            if Instant::now() > deadline {
                bail!("the server did not apply one second's fixes within 120 s");
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        after_ack.push(acked.elapsed().as_secs_f64() * 1000.0);
        total.push(started.elapsed().as_secs_f64() * 1000.0);
        for i in &turn {
            walkers[*i].step(&mut rng, area, args.every_s as f64);
        }
        // The next second.
        tokio::time::sleep_until((started + Duration::from_secs(1)).into()).await;
    }
    after_ack.sort_by(f64::total_cmp);
    total.sort_by(f64::total_cmp);
    Ok((after_ack, total))
}
