//! `sweep bench`: figures anyone can reproduce on their own machine, each printed beside a
//! baseline measured in the same run on the same database, and the ratio.
//!
//! The server runs as its own `sweep serve` process (so its memory and CPU are its own), and
//! the simulated phones and consoles run in the benchmark's process:
//!
//! - `sweep bench ingest`: fixes per second over the phone protocol ([`ingest`]);
//! - `sweep bench latency`: phone → console time on the live map ([`latency`]);
//! - `sweep bench coverage`: coverage of a large operation, and a console's start on it
//!   ([`coverage`]).

pub mod coverage;
pub mod ingest;
pub mod latency;

use std::io::BufRead;
use std::time::Duration;

use anyhow::{bail, Context};
use futures::{SinkExt, StreamExt};
use serde_json::Value;
use sqlx::{Connection, PgConnection, PgPool};
use tokio_tungstenite::tungstenite::Message;
use uuid::Uuid;

use crate::auth::secret::{hash_secret, new_secret};
use crate::config::Config;
use crate::db::embedded::{self, EmbeddedCluster};
use crate::db::{Database, Usage};

pub use coverage::CoverageArgs;
pub use ingest::IngestArgs;
pub use latency::LatencyArgs;

/// Every account a benchmark makes has a login that starts so.
const LOGIN_PREFIX: &str = "bench-";

/// Opens the benchmark's database (refusing a team's), runs `bench` on it and closes it,
/// whatever happened.
pub async fn on_database(
    config: &Config,
    bench: impl AsyncFnOnce(&Database) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    crate::cli::raise_file_limit();
    let db = Database::open(config, Usage::Command).await?;
    let result = match refuse_real_accounts(&db.pool).await {
        Ok(()) => bench(&db).await,
        Err(error) => Err(error),
    };
    db.close().await;
    result
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

/// `count` accounts of `role` named `bench-<kind>-00000`…, made once and reused; returns their
/// ids in login order.
async fn accounts(pool: &PgPool, kind: &str, role: &str, count: usize) -> anyhow::Result<Vec<Uuid>> {
    let logins: Vec<String> = (0..count).map(|i| format!("{LOGIN_PREFIX}{kind}-{i:05}")).collect();
    sqlx::query(
        "INSERT INTO users (login, display_name, role) SELECT l, l, $2 FROM unnest($1::text[]) AS l
         ON CONFLICT (lower(login)) DO NOTHING",
    )
    .bind(&logins)
    .bind(role)
    .execute(pool)
    .await?;
    if role == "volunteer" {
        sqlx::query(
            "INSERT INTO volunteer_profiles (user_id, vetting, tracking_consent_at)
             SELECT id, 'approved', now() FROM users WHERE login = ANY($1) ON CONFLICT (user_id) DO NOTHING",
        )
        .bind(&logins)
        .execute(pool)
        .await?;
    }
    Ok(sqlx::query_scalar("SELECT id FROM users WHERE login = ANY($1) ORDER BY login")
        .bind(&logins)
        .fetch_all(pool)
        .await?)
}

/// `count` approved volunteers with a fresh phone-app device each; returns their ids and
/// device tokens.
async fn volunteers(pool: &PgPool, count: usize) -> anyhow::Result<Vec<(Uuid, String)>> {
    let owners = accounts(pool, "volunteer", "volunteer", count).await?;
    let tokens: Vec<String> = owners.iter().map(|_| new_secret("dev_")).collect();
    let hashes: Vec<Vec<u8>> = tokens.iter().map(|t| hash_secret(t)).collect();
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
    Ok(owners.into_iter().zip(tokens).collect())
}

/// `count` accounts of `role` (dispatcher, coordinator, admin) with an API token each; returns
/// the tokens.
async fn staff(pool: &PgPool, role: &str, count: usize) -> anyhow::Result<Vec<String>> {
    let owners = accounts(pool, role, role, count).await?;
    let tokens: Vec<String> = owners.iter().map(|_| new_secret(crate::auth::tokens::TOKEN_PREFIX)).collect();
    let hashes: Vec<Vec<u8>> = tokens.iter().map(|t| hash_secret(t)).collect();
    let prefixes: Vec<String> =
        tokens.iter().map(|t| t[..crate::auth::tokens::TOKEN_PREFIX.len() + 6].to_string()).collect();
    sqlx::query(
        "INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_by, scope)
         SELECT u, 'bench', h, p, u, 'full' FROM unnest($1::uuid[], $2::bytea[], $3::text[]) AS t(u, h, p)",
    )
    .bind(&owners)
    .bind(&hashes)
    .bind(&prefixes)
    .execute(pool)
    .await?;
    Ok(tokens)
}

/// `sweep serve` as a process of its own on a loopback port, on the benchmark's database.
struct ServerProcess {
    child: std::process::Child,
    /// `http://127.0.0.1:<port>`.
    url: String,
}

impl ServerProcess {
    async fn start(db: &Database, config: &Config) -> anyhow::Result<Self> {
        let database_url = match (&db.cluster, &config.database_url) {
            (Some(cluster), _) => cluster.url(embedded::APP_DATABASE, embedded::APP_ROLE),
            (None, Some(url)) => url.clone(),
            (None, None) => bail!("no database to give the server"),
        };
        let mut child = std::process::Command::new(std::env::current_exe()?)
            .args(["--database-url", &database_url, "--listen", "127.0.0.1:0", "--log-level", "warn", "serve"])
            .env_remove("SWEEP_PUBLIC_URL")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .context("starting sweep serve")?;
        let stdout = child.stdout.take().expect("piped");
        let (found, address) = tokio::sync::oneshot::channel();
        // The first line says where it listens; the rest is read (and dropped) so it never blocks.
        std::thread::spawn(move || {
            let mut lines = std::io::BufReader::new(stdout).lines();
            let first = lines.next().and_then(|l| l.ok()).unwrap_or_default();
            let _ = found.send(first.strip_prefix("Sweep is running at ").map(str::to_string));
            for _ in lines {}
        });
        let url = tokio::time::timeout(Duration::from_secs(60), address)
            .await
            .context("sweep serve did not start within 60 s")?
            .ok()
            .flatten();
        let Some(url) = url else {
            let _ = child.kill();
            bail!("sweep serve did not say where it listens");
        };
        Ok(Self { child, url })
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Resident memory now, MiB.
    fn resident_mib(&self) -> Option<f64> {
        process_status(self.pid(), "VmRSS:")
    }

    /// The most resident memory so far, MiB.
    fn peak_mib(&self) -> Option<f64> {
        process_status(self.pid(), "VmHWM:")
    }

    /// CPU time used so far (user and system), seconds.
    fn cpu_seconds(&self) -> Option<f64> {
        cpu_seconds(self.pid())
    }

    fn ws_url(&self, path: &str) -> String {
        format!("{}{path}", self.url.replacen("http://", "ws://", 1))
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(self.child.id() as i32),
            nix::sys::signal::Signal::SIGTERM,
        );
        let _ = self.child.wait();
    }
}

/// A line of `/proc/<pid>/status` in kB, as MiB.
fn process_status(pid: u32, key: &str) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// User and system CPU time of a process, seconds (Linux).
fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // After the command name in parentheses: state is field 3, utime 14, stime 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    let per_second = nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK).ok().flatten().unwrap_or(100) as f64;
    Some(ticks / per_second)
}

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A phone on the phone protocol, after `hello` → `welcome`.
async fn connect_phone(url: &str, token: &str) -> anyhow::Result<Socket> {
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await.context("connecting a phone")?;
    let hello = serde_json::json!({ "type": "hello", "protocol": mobile_api::PROTOCOL_VERSION,
                                    "device_token": token, "app": "sweep-bench" });
    socket.send(Message::Text(hello.to_string().into())).await?;
    loop {
        let message = next_json(&mut socket).await?;
        match message["type"].as_str() {
            Some("welcome") => return Ok(socket),
            Some("error") => bail!("the server refused the hello: {message}"),
            _ => {}
        }
    }
}

/// Connects a phone for each token, 200 at a time.
async fn connect_phones(url: &str, tokens: &[&str]) -> anyhow::Result<Vec<Socket>> {
    let mut phones = Vec::with_capacity(tokens.len());
    for chunk in tokens.chunks(200) {
        for phone in futures::future::join_all(chunk.iter().map(|t| connect_phone(url, t))).await {
            phones.push(phone?);
        }
    }
    Ok(phones)
}

/// A console's live channel (`/api/live`) with an API token, after its hello.
async fn connect_console(server: &ServerProcess, token: &str) -> anyhow::Result<Socket> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut request = server.ws_url("/api/live").into_client_request()?;
    request.headers_mut().insert("authorization", format!("Bearer {token}").parse()?);
    // A snapshot of a large operation can be bigger than the library's default limit (16 MiB).
    let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
        .max_message_size(Some(256 << 20))
        .max_frame_size(Some(256 << 20));
    let (mut socket, _) = tokio_tungstenite::connect_async_with_config(request, Some(config), false)
        .await
        .context("opening the live channel")?;
    let hello = next_json(&mut socket).await?;
    if hello["type"] != "hello" {
        bail!("the live channel did not say hello: {hello}");
    }
    Ok(socket)
}

async fn next_json(socket: &mut Socket) -> anyhow::Result<Value> {
    Ok(serde_json::from_str(&next_text(socket).await?)?)
}

async fn next_text(socket: &mut Socket) -> anyhow::Result<String> {
    loop {
        match socket.next().await {
            Some(Ok(Message::Text(text))) => return Ok(text.to_string()),
            Some(Ok(Message::Close(_))) | None => bail!("the server closed the connection"),
            Some(Ok(_)) => {}
            Some(Err(error)) => return Err(error.into()),
        }
    }
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

/// The value at quantile `q` (0..1) of sorted `values`.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}
