//! Faults: PostgreSQL restarted while phones send. Sweep keeps running, `/readyz` reports the
//! outage, phones are told to send again later, ingestion resumes by itself, and nothing that
//! was acknowledged is lost or stored twice.

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use sweep::db::embedded::{self, EmbeddedCluster};

use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::spawn_app_with;
use crate::tracking::fix;

/// A PostgreSQL cluster of this test's own (the shared one must not be restarted under others).
async fn own_cluster() -> (EmbeddedCluster, PathBuf) {
    tokio::task::spawn_blocking(|| {
        let dir = tempfile::Builder::new().prefix("sweep-fault-").tempdir().unwrap().keep();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let bin = PathBuf::from(std::env::var("SWEEP_PG_BIN").unwrap_or_else(|_| "/usr/lib/postgresql/15/bin".into()));
        let cluster = EmbeddedCluster::start(&dir, &bin).expect("a cluster of the test's own");
        cluster.stop_when_process_exits(std::process::id(), Some(&dir)).unwrap();
        (cluster, dir)
    })
    .await
    .unwrap()
}

/// A server on a migrated database of a cluster of the test's own.
async fn app_on_own_cluster() -> (crate::helpers::TestApp, EmbeddedCluster, PathBuf) {
    let (cluster, dir) = own_cluster().await;
    cluster.bootstrap().await.unwrap();
    let owner = sweep::db::connect(cluster.connect_options(embedded::APP_DATABASE, embedded::SUPERUSER)).await.unwrap();
    sweep::db::prepare(&owner, Some(embedded::APP_ROLE)).await.unwrap();
    owner.close().await;
    let url = cluster.url(embedded::APP_DATABASE, embedded::APP_ROLE);
    let app = spawn_app_with(move |c| c.database_url = Some(url)).await;
    (app, cluster, dir)
}

/// Starts the stopped cluster in `dir` again.
async fn start_again(dir: PathBuf) -> EmbeddedCluster {
    tokio::task::spawn_blocking(move || {
        let bin = PathBuf::from(std::env::var("SWEEP_PG_BIN").unwrap_or_else(|_| "/usr/lib/postgresql/15/bin".into()));
        EmbeddedCluster::start(&dir, &bin).unwrap()
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn postgres_restarted_under_load_loses_nothing_acknowledged_and_ingestion_resumes_by_itself() {
    let (app, cluster, dir) = app_on_own_cluster().await;
    let (_, token) = crate::tracking::volunteer_with_device(&app, "steady").await;
    let http = reqwest::Client::new();
    assert_eq!(http.get(app.at("/readyz")).send().await.unwrap().status(), StatusCode::OK);

    let ws_url = format!("{}/mobile/v1/ws", app.url.replace("http://", "ws://"));
    let mut phone = Sender { url: ws_url, token, socket: None, refused: 0, reconnects: 0 };
    let t0 = chrono::Utc::now() - chrono::Duration::minutes(30);
    let batch = |seq: u64| {
        json!({"type": "positions", "seq": seq,
                                   "fixes": [fix(t0 + chrono::Duration::seconds(seq as i64), 56.0 + seq as f64 * 1e-5, 37.0)]})
    };
    let mut acked = BTreeSet::new();
    let mut seq = 0u64;
    for _ in 0..20 {
        seq += 1;
        phone.until_acked(batch(seq), seq).await;
        acked.insert(seq);
    }
    assert_eq!(phone.refused, 0);
    // PostgreSQL goes away.
    let cluster_dir = dir.clone();
    tokio::task::spawn_blocking(move || cluster.stop().unwrap()).await.unwrap();
    let ready = http.get(app.at("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE, "the outage is reported");
    assert_eq!(http.get(app.at("/healthz")).send().await.unwrap().status(), StatusCode::OK, "sweep itself runs on");
    // A batch sent now is refused, to be sent again: never acknowledged.
    seq += 1;
    let reply = phone.exchange_once(batch(seq)).await;
    assert_eq!(reply["type"], "error", "{reply}");
    assert_eq!(reply["code"], "storage_unavailable", "{reply}");
    // PostgreSQL comes back; the phone's retries get through without anyone restarting Sweep.
    let restarted = start_again(cluster_dir).await;
    phone.until_acked(batch(seq), seq).await;
    acked.insert(seq);
    for _ in 0..10 {
        seq += 1;
        phone.until_acked(batch(seq), seq).await;
        acked.insert(seq);
    }
    assert_eq!(http.get(app.at("/readyz")).send().await.unwrap().status(), StatusCode::OK);
    let stored: Vec<i64> =
        sqlx::query_scalar("SELECT seq FROM track_chunks ORDER BY seq").fetch_all(&app.db).await.unwrap();
    let stored: Vec<u64> = stored.into_iter().map(|s| s as u64).collect();
    assert_eq!(stored, acked.into_iter().collect::<Vec<_>>(), "every acknowledged batch stored, once");
    drop(restarted);
}

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A phone that behaves as the app does: sends a batch until it is acknowledged, waits after a
/// refusal, and reconnects when the server closes the connection.
struct Sender {
    url: String,
    token: String,
    socket: Option<Socket>,
    refused: u32,
    reconnects: u32,
}

impl Sender {
    /// The next message that answers what was sent (pushed tasks and alerts skipped); `None`
    /// when the connection ends.
    async fn next_answer(socket: &mut Socket) -> Option<Value> {
        use futures::StreamExt;
        loop {
            // While the database is away, an answer can take the pool's 5-second wait.
            let message = tokio::time::timeout(Duration::from_secs(20), socket.next()).await.ok()??.ok()?;
            match message {
                Message::Text(text) => {
                    let value: Value = serde_json::from_str(&text).ok()?;
                    if !matches!(value["type"].as_str(), Some("task" | "alert")) {
                        return Some(value);
                    }
                }
                Message::Close(_) => return None,
                _ => {}
            }
        }
    }

    async fn connect(&mut self) -> bool {
        use futures::SinkExt;
        let Ok((mut socket, _)) = tokio_tungstenite::connect_async(&self.url).await else { return false };
        let hello = json!({"type": "hello", "protocol": 1, "device_token": self.token, "app": "test"});
        if socket.send(Message::Text(hello.to_string().into())).await.is_err() {
            return false;
        }
        match Self::next_answer(&mut socket).await {
            Some(welcome) if welcome["type"] == "welcome" => {
                self.socket = Some(socket);
                true
            }
            _ => false,
        }
    }

    /// Sends once and returns the answer (connecting first if needed).
    async fn exchange_once(&mut self, message: Value) -> Value {
        use futures::SinkExt;
        if self.socket.is_none() {
            assert!(self.connect().await, "connected");
        }
        let socket = self.socket.as_mut().unwrap();
        socket.send(Message::Text(message.to_string().into())).await.unwrap();
        Self::next_answer(socket).await.expect("an answer")
    }

    async fn until_acked(&mut self, message: Value, seq: u64) {
        use futures::SinkExt;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
        loop {
            assert!(tokio::time::Instant::now() < deadline, "batch {seq} never acknowledged");
            if self.socket.is_none() && !self.connect().await {
                self.reconnects += 1;
                tokio::time::sleep(Duration::from_millis(300)).await;
                continue;
            }
            let socket = self.socket.as_mut().unwrap();
            if socket.send(Message::Text(message.to_string().into())).await.is_err() {
                self.socket = None;
                continue;
            }
            match Self::next_answer(socket).await {
                Some(reply) if reply["type"] == "ack" && reply["seq"] == seq => return,
                Some(reply) if reply["type"] == "error" => {
                    assert_eq!(reply["code"], "storage_unavailable", "only a retry is asked for: {reply}");
                    self.refused += 1;
                    if reply["fatal"] == true {
                        self.socket = None;
                    }
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Some(_) => {}
                None => self.socket = None,
            }
        }
    }
}

#[tokio::test]
async fn postgres_restarted_while_many_phones_send_and_a_console_watches_loses_nothing_and_all_resume() {
    const PHONES: usize = 8;
    const BATCHES: u64 = 60;
    let (app, cluster, dir) = app_on_own_cluster().await;
    app.create_user("watcher", sweep::auth::Role::Dispatcher).await;
    let mut console = app.live(&app.session_cookie("watcher").await).await;
    console.send(json!({"type": "map.watch", "operation_id": null})).await;
    console.next_of("map.snapshot").await;

    // Every phone sends batch after batch, as the app does: each until it is acknowledged.
    let ws_url = format!("{}/mobile/v1/ws", app.url.replace("http://", "ws://"));
    let t0 = chrono::Utc::now() - chrono::Duration::minutes(30);
    let progress = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let mut phones = Vec::new();
    for n in 0..PHONES {
        let (volunteer, token) = crate::tracking::volunteer_with_device(&app, &format!("steady-{n}")).await;
        let (ws_url, progress) = (ws_url.clone(), progress.clone());
        phones.push(tokio::spawn(async move {
            let mut phone = Sender { url: ws_url, token, socket: None, refused: 0, reconnects: 0 };
            for seq in 1..=BATCHES {
                let at = t0 + chrono::Duration::seconds(seq as i64);
                let batch = json!({"type": "positions", "seq": seq,
                                   "fixes": [fix(at, 56.0 + n as f64 * 1e-3 + seq as f64 * 1e-5, 37.0)]});
                phone.until_acked(batch, seq).await;
                progress.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            (volunteer, phone.refused)
        }));
    }
    // Mid-way, PostgreSQL goes away for a few seconds.
    while progress.load(std::sync::atomic::Ordering::Relaxed) < (PHONES as u64 * BATCHES) / 4 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let cluster_dir = dir.clone();
    tokio::task::spawn_blocking(move || cluster.stop().unwrap()).await.unwrap();
    let http = reqwest::Client::new();
    assert_eq!(http.get(app.at("/readyz")).send().await.unwrap().status(), StatusCode::SERVICE_UNAVAILABLE);
    let during = progress.load(std::sync::atomic::Ordering::Relaxed);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(progress.load(std::sync::atomic::Ordering::Relaxed), during, "nothing is acknowledged while it is away");
    let restarted = start_again(cluster_dir).await;

    // Every phone gets through the rest by itself, and the console sees positions again.
    let mut refused = 0;
    for phone in phones {
        let (_, refusals) =
            tokio::time::timeout(Duration::from_secs(120), phone).await.expect("all phones finish").unwrap();
        refused += refusals;
    }
    assert!(refused > 0, "the phones were told to send again during the outage");
    assert_eq!(http.get(app.at("/readyz")).send().await.unwrap().status(), StatusCode::OK);
    let after: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT u.login, count(*), count(DISTINCT c.seq) FROM track_chunks c JOIN users u ON u.id = c.volunteer_id
         GROUP BY u.login ORDER BY u.login",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(after.len(), PHONES);
    for (login, rows, distinct) in after {
        assert_eq!((rows, distinct), (BATCHES as i64, BATCHES as i64), "{login}: every batch stored, once");
    }
    let mut seen = false;
    for _ in 0..(PHONES as u64 * BATCHES) {
        let message = console.next_message().await;
        if message["type"] == "map.positions"
            && message["fixes"][0][2].as_f64().unwrap() >= (t0.timestamp() + BATCHES as i64 - 1) as f64
        {
            seen = true;
            break;
        }
    }
    assert!(seen, "the console got the phones' last batches after the restart");
    drop(restarted);
}
