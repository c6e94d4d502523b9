//! `sweep bench ingest`: fixes per second from N phones over the phone protocol, counted when
//! the server acknowledged them (committed), against the same fixes inserted one row per
//! statement (the way a simple tracking server stores them) and against PostgreSQL `COPY` (the
//! ceiling). The server is a `sweep serve` process of its own: its resident memory is printed
//! idle, with every phone connected, and at its peak under the load.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::bail;
use chrono::Utc;
use futures::SinkExt;
use serde_json::Value;
use sqlx::PgPool;
use tokio_tungstenite::tungstenite::Message;
use uuid::Uuid;

use super::{as_owner, connect_phones, next_json, volunteers, ServerProcess, Socket};
use crate::config::Config;
use crate::db::embedded::{self, EmbeddedCluster};
use crate::db::Database;

/// What `sweep bench ingest` runs.
#[derive(clap::Args, Debug, Clone)]
pub struct IngestArgs {
    /// Phones connected at once.
    #[arg(long, default_value_t = 2000)]
    pub phones: usize,
    /// Fixes in each batch a phone sends (a phone catching up after a time without signal sends
    /// full batches).
    #[arg(long, default_value_t = 25)]
    pub batch: usize,
    /// Batches each phone keeps in flight (sent, not yet acknowledged).
    #[arg(long, default_value_t = 2)]
    pub window: usize,
    /// Seconds the phones send.
    #[arg(long, default_value_t = 20)]
    pub seconds: u64,
    /// Rows the one-INSERT-per-fix baseline writes (it is slow; its rate is what counts).
    #[arg(long, default_value_t = 50_000)]
    pub insert_rows: usize,
}

/// Runs the ingest benchmark and prints its figures.
pub async fn ingest(db: &Database, config: &Config, args: IngestArgs) -> anyhow::Result<()> {
    if args.phones == 0 || args.batch == 0 || args.batch > mobile_api::MAX_FIXES_PER_BATCH || args.window == 0 {
        bail!("--phones and --window must be at least 1, --batch 1 to {}", mobile_api::MAX_FIXES_PER_BATCH);
    }
    let pool = db.pool.clone();
    println!("setting up {} volunteers with a device each…", args.phones);
    let volunteers = volunteers(&pool, args.phones).await?;
    let server = ServerProcess::start(db, config).await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_idle = server.resident_mib();

    println!("connecting {} phones to {}…", args.phones, server.url);
    let tokens: Vec<&str> = volunteers.iter().map(|(_, t)| t.as_str()).collect();
    let phones = connect_phones(&server.ws_url(mobile_api::WEBSOCKET_PATH), &tokens).await?;
    let rss_connected = server.resident_mib();
    println!("sending for {} s…", args.seconds);
    let acked = Arc::new(AtomicU64::new(0));
    let cpu_before = (server.cpu_seconds(), super::cpu_seconds(std::process::id()));
    let started = Instant::now();
    let deadline = started + Duration::from_secs(args.seconds);
    let base = Utc::now() - chrono::Duration::hours(6);
    let runs: Vec<_> = phones
        .into_iter()
        .enumerate()
        .map(|(i, phone)| {
            let acked = acked.clone();
            let args = args.clone();
            tokio::spawn(async move { send_until(phone, i, &args, base, deadline, &acked).await })
        })
        .collect();
    let mut last_ack = started;
    let mut failures = 0;
    for run in runs {
        match run.await {
            Ok(Ok(at)) => last_ack = last_ack.max(at),
            Ok(Err(error)) => {
                failures += 1;
                if failures <= 3 {
                    eprintln!("a phone failed: {error:#}");
                }
            }
            Err(error) => bail!("a phone's task failed: {error}"),
        }
    }
    let fixes = acked.load(Ordering::Relaxed);
    let elapsed = last_ack.duration_since(started).as_secs_f64();
    let cpu = (
        server.cpu_seconds().zip(cpu_before.0).map(|(a, b)| a - b),
        super::cpu_seconds(std::process::id()).zip(cpu_before.1).map(|(a, b)| a - b),
    );
    let rss_peak = server.peak_mib();
    drop(server);
    let stored: i64 = sqlx::query_scalar(
        "SELECT coalesce(sum(c.fix_count), 0)::bigint FROM track_chunks c JOIN users u ON u.id = c.volunteer_id
         WHERE u.login LIKE 'bench-%' AND c.received_at >= now() - make_interval(secs => $1)",
    )
    .bind(elapsed + 60.0)
    .fetch_one(&pool)
    .await?;
    let sweep_rate = fixes as f64 / elapsed;

    println!("measuring the baselines…");
    let rows = baseline_rows(fixes as usize);
    let cluster = db.cluster.as_ref();
    let insert_rate = one_insert_per_fix(&pool, cluster, &rows[..rows.len().min(args.insert_rows)]).await?;
    let copy_rate = copy(&pool, cluster, &rows).await?;
    drop_table(&pool, cluster).await?;

    println!();
    println!(
        "ingest: {} phones, batches of {}, {} in flight each, {:.1} s",
        args.phones, args.batch, args.window, elapsed
    );
    println!(
        "  sweep, phone protocol, acknowledged     {:>12.0} fixes/s  ({fixes} fixes, {stored} stored)",
        sweep_rate
    );
    println!(
        "  baseline: one INSERT per fix (8 conns)  {:>12.0} rows/s   sweep is {:.1}× it",
        insert_rate,
        sweep_rate / insert_rate
    );
    println!(
        "  ceiling: COPY                           {:>12.0} rows/s   sweep / COPY = {:.2}",
        copy_rate,
        sweep_rate / copy_rate
    );
    let mib = |m: Option<f64>| m.map_or("?".to_string(), |m| format!("{m:.0}"));
    println!(
        "  sweep serve's resident memory: {} MiB idle, {} MiB with {} phones connected, {} MiB at its peak",
        mib(rss_idle),
        mib(rss_connected),
        args.phones,
        mib(rss_peak)
    );
    if let (Some(server_cpu), Some(phones_cpu)) = cpu {
        println!(
            "  CPU seconds while sending: sweep serve {server_cpu:.1}, the phones {phones_cpu:.1}, of {:.1} on {} cores",
            elapsed * std::thread::available_parallelism().map_or(1, |n| n.get()) as f64,
            std::thread::available_parallelism().map_or(1, |n| n.get())
        );
    }
    if failures > 0 {
        println!("  {failures} phones failed (see above)");
    }
    if stored < fixes as i64 {
        bail!("{} acknowledged fixes are not stored", fixes as i64 - stored);
    }
    Ok(())
}

/// Sends until `deadline`, keeping `window` batches in flight; returns when the last
/// acknowledgement came.
async fn send_until(
    mut socket: Socket,
    index: usize,
    args: &IngestArgs,
    base: chrono::DateTime<Utc>,
    deadline: Instant,
    acked: &AtomicU64,
) -> anyhow::Result<Instant> {
    let mut seq = 0u64;
    let mut in_flight = 0usize;
    let mut last = Instant::now();
    let lat = 56.0 + (index % 100) as f64 * 0.001;
    let lon = 37.0 + (index / 100) as f64 * 0.001;
    loop {
        while in_flight < args.window && Instant::now() < deadline {
            seq += 1;
            let fixes: Vec<Value> = (0..args.batch)
                .map(|i| {
                    let n = (seq - 1) * args.batch as u64 + i as u64;
                    let at = base + chrono::Duration::milliseconds(n as i64 * 200);
                    serde_json::json!({ "time": at, "lat": lat + n as f64 * 1e-6, "lon": lon,
                                        "accuracy": 5.0, "speed": 1.2, "battery": 80.0 })
                })
                .collect();
            let batch = serde_json::json!({ "type": "positions", "seq": seq, "fixes": fixes });
            socket.send(Message::Text(batch.to_string().into())).await?;
            in_flight += 1;
        }
        if in_flight == 0 {
            let _ = socket.close(None).await;
            return Ok(last);
        }
        let reply = tokio::time::timeout(Duration::from_secs(60), next_json(&mut socket))
            .await
            .map_err(|_| anyhow::anyhow!("no acknowledgement within 60 s"))??;
        match reply["type"].as_str() {
            Some("ack") => {
                in_flight -= 1;
                acked.fetch_add(args.batch as u64, Ordering::Relaxed);
                last = Instant::now();
            }
            Some("error") => bail!("the server refused a batch: {reply}"),
            _ => {}
        }
    }
}

/// The same number of fixes, as rows of a plain table.
fn baseline_rows(count: usize) -> Vec<(Uuid, chrono::DateTime<Utc>, f64, f64)> {
    let devices: Vec<Uuid> = (0..64).map(|_| Uuid::new_v4()).collect();
    let base = Utc::now() - chrono::Duration::hours(6);
    (0..count.max(1))
        .map(|i| {
            (
                devices[i % devices.len()],
                base + chrono::Duration::milliseconds(i as i64 * 200),
                56.0 + i as f64 * 1e-7,
                37.0,
            )
        })
        .collect()
}

/// A plain, logged table for the baselines, empty.
async fn fresh_table(pool: &PgPool, cluster: Option<&EmbeddedCluster>) -> anyhow::Result<()> {
    let mut statements = vec![
        "DROP TABLE IF EXISTS bench_fixes".to_string(),
        "CREATE TABLE bench_fixes (id bigserial PRIMARY KEY, device_id uuid NOT NULL, at timestamptz NOT NULL,
             lat float8 NOT NULL, lon float8 NOT NULL, accuracy real, speed real, battery real)"
            .to_string(),
        "CREATE INDEX ON bench_fixes (device_id, at)".to_string(),
    ];
    // Made by the superuser, for the server's role to write.
    if cluster.is_some() {
        statements.push(format!("GRANT ALL ON bench_fixes, bench_fixes_id_seq TO {}", embedded::APP_ROLE));
    }
    as_owner(pool, cluster, &statements).await
}

async fn drop_table(pool: &PgPool, cluster: Option<&EmbeddedCluster>) -> anyhow::Result<()> {
    as_owner(pool, cluster, &["DROP TABLE IF EXISTS bench_fixes".to_string()]).await
}

/// One INSERT statement per fix, committed on its own, from 8 connections.
async fn one_insert_per_fix(
    pool: &PgPool,
    cluster: Option<&EmbeddedCluster>,
    rows: &[(Uuid, chrono::DateTime<Utc>, f64, f64)],
) -> anyhow::Result<f64> {
    fresh_table(pool, cluster).await?;
    let started = Instant::now();
    let parts: Vec<_> = rows.chunks(rows.len().div_ceil(8)).map(|c| c.to_vec()).collect();
    let tasks: Vec<_> = parts
        .into_iter()
        .map(|part| {
            let pool = pool.clone();
            tokio::spawn(async move {
                let mut conn = pool.acquire().await?;
                for (device, at, lat, lon) in part {
                    sqlx::query(
                        "INSERT INTO bench_fixes (device_id, at, lat, lon, accuracy, speed, battery)
                         VALUES ($1, $2, $3, $4, 5, 1.2, 80)",
                    )
                    .bind(device)
                    .bind(at)
                    .bind(lat)
                    .bind(lon)
                    .execute(&mut *conn)
                    .await?;
                }
                Ok::<_, sqlx::Error>(())
            })
        })
        .collect();
    for task in tasks {
        task.await??;
    }
    Ok(rows.len() as f64 / started.elapsed().as_secs_f64())
}

/// The same rows through `COPY … FROM STDIN`, in one transaction.
async fn copy(
    pool: &PgPool,
    cluster: Option<&EmbeddedCluster>,
    rows: &[(Uuid, chrono::DateTime<Utc>, f64, f64)],
) -> anyhow::Result<f64> {
    fresh_table(pool, cluster).await?;
    let started = Instant::now();
    let mut conn = pool.acquire().await?;
    let mut copy =
        conn.copy_in_raw("COPY bench_fixes (device_id, at, lat, lon, accuracy, speed, battery) FROM STDIN").await?;
    let mut buffer = String::with_capacity(1 << 20);
    for (device, at, lat, lon) in rows {
        buffer.push_str(&format!("{device}\t{}\t{lat}\t{lon}\t5\t1.2\t80\n", at.to_rfc3339()));
        if buffer.len() > (1 << 20) - 256 {
            copy.send(buffer.as_bytes()).await?;
            buffer.clear();
        }
    }
    if !buffer.is_empty() {
        copy.send(buffer.as_bytes()).await?;
    }
    copy.finish().await?;
    Ok(rows.len() as f64 / started.elapsed().as_secs_f64())
}
