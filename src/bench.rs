//! `sweep bench`: figures anyone can reproduce on their own machine, each printed beside a
//! baseline measured in the same run on the same database, and the ratio.
//!
//! `sweep bench ingest`: fixes per second from N phones over the phone protocol, counted when
//! the server acknowledged them (committed), against the same fixes inserted one row per
//! statement (the way a simple tracking server stores them) and against PostgreSQL `COPY` (the
//! ceiling). It also prints the resident memory of the process with every phone connected.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use chrono::Utc;
use futures::{SinkExt, StreamExt};
use rand::RngCore;
use serde_json::Value;
use sqlx::{Connection, PgConnection, PgPool};
use tokio_tungstenite::tungstenite::Message;
use uuid::Uuid;

use crate::auth::secret::hash_secret;
use crate::config::Config;
use crate::db::embedded::{self, EmbeddedCluster};
use crate::db::{Database, Usage};
use crate::state::AppState;

/// What `sweep bench ingest` runs.
#[derive(clap::Args, Debug, Clone)]
pub struct IngestArgs {
    /// Phones connected at once.
    #[arg(long, default_value_t = 2000)]
    pub phones: usize,
    /// Fixes in each batch a phone sends.
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

const LOGIN_PREFIX: &str = "bench-";

/// Runs the ingest benchmark and prints its figures.
pub async fn ingest(mut config: Config, args: IngestArgs) -> anyhow::Result<()> {
    if args.phones == 0 || args.batch == 0 || args.batch > mobile_api::MAX_FIXES_PER_BATCH || args.window == 0 {
        bail!("--phones and --window must be at least 1, --batch 1 to {}", mobile_api::MAX_FIXES_PER_BATCH);
    }
    raise_file_limit();
    let db = Database::open(&config, Usage::Server).await?;
    let pool = db.pool.clone();
    refuse_real_accounts(&pool).await?;
    println!("setting up {} volunteers with a device each…", args.phones);
    let tokens = volunteers(&pool, args.phones).await?;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    config.public_url = Some(format!("http://{address}"));
    let state = AppState::new(pool.clone(), config);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(crate::serve(listener, state, async {
        let _ = stopped.await;
    }));

    let url = format!("ws://{address}{}", mobile_api::WEBSOCKET_PATH);
    println!("connecting {} phones…", args.phones);
    let mut phones = Vec::with_capacity(tokens.len());
    for chunk in tokens.chunks(200) {
        let connected = futures::future::join_all(chunk.iter().map(|t| Phone::connect(&url, t))).await;
        for phone in connected {
            phones.push(phone?);
        }
    }
    let rss_connected = resident_kib();
    println!("sending for {} s…", args.seconds);
    let acked = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + Duration::from_secs(args.seconds);
    let base = Utc::now() - chrono::Duration::hours(6);
    let runs: Vec<_> = phones
        .into_iter()
        .enumerate()
        .map(|(i, phone)| {
            let acked = acked.clone();
            let args = args.clone();
            tokio::spawn(async move { phone.run(i, &args, base, deadline, &acked).await })
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
    let sweep_rate = fixes as f64 / elapsed;
    let stored: i64 = sqlx::query_scalar(
        "SELECT coalesce(sum(c.fix_count), 0)::bigint FROM track_chunks c JOIN users u ON u.id = c.volunteer_id
         WHERE u.login LIKE 'bench-%' AND c.received_at >= now() - make_interval(secs => $1)",
    )
    .bind(elapsed + 60.0)
    .fetch_one(&pool)
    .await?;
    let _ = stop.send(());
    server.await??;

    println!("measuring the baselines…");
    let rows = baseline_rows(fixes as usize);
    let cluster = db.cluster.as_ref();
    let insert_rate = one_insert_per_fix(&pool, cluster, &rows[..rows.len().min(args.insert_rows)]).await?;
    let copy_rate = copy(&pool, cluster, &rows).await?;
    drop_table(&pool, cluster).await?;
    db.close().await;

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
        "  ceiling: COPY                           {:>12.0} rows/s   sweep is {:.2}× below it",
        copy_rate,
        copy_rate / sweep_rate
    );
    if let Some(kib) = rss_connected {
        println!(
            "  resident memory with every phone connected (server and phones in this process): {} MiB",
            kib / 1024
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

/// A benchmark writes accounts: never into a team's database.
async fn refuse_real_accounts(pool: &PgPool) -> anyhow::Result<()> {
    let others: i64 =
        sqlx::query_scalar("SELECT count(*) FROM users WHERE login NOT LIKE 'bench-%'").fetch_one(pool).await?;
    if others > 0 {
        bail!(
            "this database holds {others} account(s) that are not the benchmark's: run benchmarks on a database of \
             their own (e.g. --data-dir /tmp/sweep-bench)"
        );
    }
    Ok(())
}

/// `count` approved volunteers with a fresh device each; returns the device tokens.
async fn volunteers(pool: &PgPool, count: usize) -> anyhow::Result<Vec<String>> {
    let logins: Vec<String> = (0..count).map(|i| format!("{LOGIN_PREFIX}{i:05}")).collect();
    sqlx::query(
        "INSERT INTO users (login, display_name, role) SELECT l, l, 'volunteer' FROM unnest($1::text[]) AS l
         ON CONFLICT (lower(login)) DO NOTHING",
    )
    .bind(&logins)
    .execute(pool)
    .await?;
    sqlx::query(
        "INSERT INTO volunteer_profiles (user_id, vetting, tracking_consent_at)
         SELECT id, 'approved', now() FROM users WHERE login = ANY($1) ON CONFLICT (user_id) DO NOTHING",
    )
    .bind(&logins)
    .execute(pool)
    .await?;
    let ids: Vec<(String, Uuid)> = sqlx::query_as("SELECT login, id FROM users WHERE login = ANY($1) ORDER BY login")
        .bind(&logins)
        .fetch_all(pool)
        .await?;
    let mut tokens = Vec::with_capacity(count);
    let mut hashes = Vec::with_capacity(count);
    let mut owners = Vec::with_capacity(count);
    for (_, id) in &ids {
        let mut secret = [0u8; 24];
        rand::thread_rng().fill_bytes(&mut secret);
        let token =
            format!("dev_{}", base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, secret));
        hashes.push(hash_secret(&token));
        owners.push(*id);
        tokens.push(token);
    }
    sqlx::query("UPDATE devices SET revoked_at = now() WHERE revoked_at IS NULL AND user_id = ANY($1)")
        .bind(&owners)
        .execute(pool)
        .await?;
    sqlx::query(
        "INSERT INTO devices (user_id, label, token_hash, prefix)
         SELECT u, 'bench', h, 'dev_' FROM unnest($1::uuid[], $2::bytea[]) AS t(u, h)",
    )
    .bind(&owners)
    .bind(&hashes)
    .execute(pool)
    .await?;
    Ok(tokens)
}

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// One simulated phone on the phone protocol.
struct Phone {
    socket: Socket,
}

impl Phone {
    async fn connect(url: &str, token: &str) -> anyhow::Result<Self> {
        let (mut socket, _) = tokio_tungstenite::connect_async(url).await.context("connecting a phone")?;
        let hello = serde_json::json!({ "type": "hello", "protocol": mobile_api::PROTOCOL_VERSION,
                                        "device_token": token, "app": "sweep-bench" });
        socket.send(Message::Text(hello.to_string().into())).await?;
        loop {
            let message = next_json(&mut socket).await?;
            match message["type"].as_str() {
                Some("welcome") => return Ok(Self { socket }),
                Some("error") => bail!("the server refused the hello: {message}"),
                _ => {}
            }
        }
    }

    /// Sends until `deadline`, keeping `window` batches in flight; returns when the last
    /// acknowledgement came.
    async fn run(
        mut self,
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
                self.socket.send(Message::Text(batch.to_string().into())).await?;
                in_flight += 1;
            }
            if in_flight == 0 {
                let _ = self.socket.close(None).await;
                return Ok(last);
            }
            let reply = tokio::time::timeout(Duration::from_secs(60), next_json(&mut self.socket))
                .await
                .context("no acknowledgement within 60 s")??;
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
}

async fn next_json(socket: &mut Socket) -> anyhow::Result<Value> {
    loop {
        match socket.next().await {
            Some(Ok(Message::Text(text))) => return Ok(serde_json::from_str(&text)?),
            Some(Ok(Message::Close(_))) | None => bail!("the server closed the connection"),
            Some(Ok(_)) => {}
            Some(Err(error)) => return Err(error.into()),
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

/// Runs DDL as whoever may create tables: the embedded cluster's superuser (the server's role
/// may not), or the server's role on an external database it owns.
async fn as_owner(pool: &PgPool, cluster: Option<&EmbeddedCluster>, statements: &[String]) -> anyhow::Result<()> {
    match cluster {
        Some(cluster) => {
            let mut owner =
                PgConnection::connect_with(&cluster.connect_options(embedded::APP_DATABASE, embedded::SUPERUSER))
                    .await?;
            for statement in statements {
                sqlx::query(statement).execute(&mut owner).await?;
            }
            owner.close().await?;
        }
        None => {
            for statement in statements {
                sqlx::query(statement).execute(pool).await.context(
                    "creating the baselines' table: the database's role must be allowed to create tables (own the \
                     database), or use the embedded default",
                )?;
            }
        }
    }
    Ok(())
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

/// This process's resident memory, KiB (Linux).
fn resident_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Two thousand phones and their server sockets need more than the usual 1024 descriptors.
fn raise_file_limit() {
    use nix::sys::resource::{getrlimit, setrlimit, Resource};
    if let Ok((_, hard)) = getrlimit(Resource::RLIMIT_NOFILE) {
        let _ = setrlimit(Resource::RLIMIT_NOFILE, hard, hard);
    }
}
