//! The phone protocol: hello, batches acknowledged once stored, replays stored once, late and
//! out-of-order batches placed by time, bad input refused with the connection still usable.

use chrono::{DateTime, Duration, Utc};
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use sweep::auth::Role;
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::{json_body, spawn_app, TestApp};

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A phone speaking the protocol.
pub struct Phone {
    socket: Socket,
}

impl Phone {
    pub async fn connect(url: &str) -> Self {
        let (socket, _) = tokio_tungstenite::connect_async(format!("{}/mobile/v1/ws", url.replace("http://", "ws://")))
            .await
            .unwrap();
        Self { socket }
    }

    pub async fn send(&mut self, message: Value) {
        self.socket.send(Message::Text(message.to_string().into())).await.unwrap();
    }

    pub async fn send_text(&mut self, text: String) {
        self.socket.send(Message::Text(text.into())).await.unwrap();
    }

    pub async fn receive(&mut self) -> Value {
        self.receive_within(std::time::Duration::from_secs(5)).await
    }

    /// The next message, waiting at most `wait`.
    pub async fn receive_within(&mut self, wait: std::time::Duration) -> Value {
        loop {
            let message = tokio::time::timeout(wait, self.socket.next())
                .await
                .unwrap_or_else(|_| panic!("an answer within {wait:?}"));
            match message.expect("the connection is open").unwrap() {
                Message::Text(text) => return serde_json::from_str(&text).unwrap(),
                Message::Close(_) => panic!("the server closed the connection"),
                _ => continue,
            }
        }
    }

    /// Whether the server closes the connection (within 5 s).
    pub async fn closes(&mut self) -> bool {
        loop {
            match tokio::time::timeout(std::time::Duration::from_secs(5), self.socket.next()).await {
                Ok(None) | Ok(Some(Err(_))) | Ok(Some(Ok(Message::Close(_)))) => return true,
                Ok(Some(Ok(_))) => continue,
                Err(_) => return false,
            }
        }
    }

    /// Says hello; after a `welcome`, also reads the `task` that follows it.
    pub async fn hello(url: &str, token: &str) -> (Self, Value) {
        let mut phone = Self::connect(url).await;
        phone.send(json!({"type": "hello", "protocol": 1, "device_token": token, "app": "test"})).await;
        let welcome = phone.receive().await;
        if welcome["type"] == "welcome" {
            let task = phone.receive().await;
            assert_eq!(task["type"], "task", "the task follows the welcome: {task}");
        }
        (phone, welcome)
    }

    /// The next answer to something the phone sent: a task pushed meanwhile (the server's news
    /// of a change can come a moment after the hello) is skipped.
    pub async fn reply(&mut self) -> Value {
        loop {
            let message = self.receive().await;
            if message["type"] != "task" {
                return message;
            }
        }
    }

    /// Whether the server sends nothing but task updates for `wait`; the first other message if
    /// it does.
    pub async fn silent_for(&mut self, wait: std::time::Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let message = tokio::time::timeout_at(deadline, self.socket.next()).await.ok()?;
            if let Some(Ok(Message::Text(text))) = message {
                let message: Value = serde_json::from_str(&text).unwrap();
                if message["type"] != "task" {
                    return Some(message);
                }
            }
        }
    }

    /// The next message of `kind`, skipping others.
    pub async fn next_of(&mut self, kind: &str) -> Value {
        loop {
            let message = self.receive().await;
            if message["type"] == kind {
                return message;
            }
        }
    }

    /// Sends a batch; returns the answer to it (a task or alert pushed meanwhile is skipped).
    pub async fn batch(&mut self, seq: u64, fixes: Vec<Value>) -> Value {
        self.send(json!({"type": "positions", "seq": seq, "fixes": fixes})).await;
        self.reply().await
    }
}

pub fn fix(at: DateTime<Utc>, lat: f64, lon: f64) -> Value {
    json!({"time": at.to_rfc3339(), "lat": lat, "lon": lon, "accuracy": 5.0, "speed": 1.2, "battery": 80})
}

/// A volunteer with a device; returns their id and the device token.
pub async fn volunteer_with_device(app: &TestApp, login: &str) -> (uuid::Uuid, String) {
    let volunteer = app.create_user(login, Role::Volunteer).await;
    let dispatcher = app.logged_in(Role::Dispatcher).await;
    let issued = dispatcher
        .post(app.at("/api/devices"))
        .json(&json!({"user_id": volunteer, "label": "phone"}))
        .send()
        .await
        .unwrap();
    assert_eq!(issued.status(), 201);
    let issued = json_body(issued).await;
    (volunteer, issued["token"].as_str().unwrap().to_string())
}

async fn chunks(app: &TestApp) -> Vec<(i64, i32, DateTime<Utc>, DateTime<Utc>)> {
    sqlx::query_as("SELECT seq, fix_count, first_at, last_at FROM track_chunks ORDER BY first_at")
        .fetch_all(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_batch_is_acknowledged_once_stored_and_a_replay_is_stored_once() {
    let app = spawn_app().await;
    let (volunteer, token) = volunteer_with_device(&app, "sokol").await;
    let (mut phone, welcome) = Phone::hello(&app.url, &token).await;
    assert_eq!(welcome["type"], "welcome");
    assert_eq!(welcome["volunteer"]["id"], volunteer.to_string());
    assert_eq!(welcome["volunteer"]["name"], "Test sokol");

    let t0 = Utc::now() - Duration::minutes(10);
    let fixes: Vec<Value> =
        (0..3).map(|i| fix(t0 + Duration::seconds(5 * i), 56.1 + i as f64 * 0.0001, 36.8)).collect();
    assert_eq!(phone.batch(1, fixes.clone()).await, json!({"type": "ack", "seq": 1}));
    let stored = chunks(&app).await;
    assert_eq!(stored.len(), 1);
    assert_eq!((stored[0].0, stored[0].1), (1, 3));

    // The fixes are one line whose M is each fix's time; the extras are in the same order.
    let (kind, m0, m2, speeds): (String, f64, f64, Vec<Option<f32>>) = sqlx::query_as(
        "SELECT ST_GeometryType(fixes), ST_M(ST_PointN(fixes, 1)), ST_M(ST_PointN(fixes, 3)), speed FROM track_chunks",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(kind, "ST_LineString");
    let seconds = |at: DateTime<Utc>| at.timestamp_micros() as f64 / 1e6;
    assert!((m0 - seconds(t0)).abs() < 0.001 && (m2 - seconds(t0 + Duration::seconds(10))).abs() < 0.001, "{m0} {m2}");
    assert_eq!(speeds, vec![Some(1.2); 3]);

    // Replayed on the same connection and after a reconnect: acknowledged again, stored once.
    assert_eq!(phone.batch(1, fixes.clone()).await["type"], "ack");
    let (mut again, _) = Phone::hello(&app.url, &token).await;
    assert_eq!(again.batch(1, fixes).await, json!({"type": "ack", "seq": 1}));
    assert_eq!(chunks(&app).await.len(), 1);

    let (lat, at): (f64, DateTime<Utc>) =
        sqlx::query_as("SELECT ST_Y(point), at FROM last_positions WHERE volunteer_id = $1")
            .bind(volunteer)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!((lat - 56.1002).abs() < 1e-9);
    assert_eq!(at.timestamp(), (t0 + Duration::seconds(10)).timestamp());
}

#[tokio::test]
async fn late_and_out_of_order_batches_are_kept_and_placed_by_fix_time() {
    let app = spawn_app().await;
    let (volunteer, token) = volunteer_with_device(&app, "luna").await;
    let (mut phone, _) = Phone::hello(&app.url, &token).await;
    let now = Utc::now();
    // Batch 3 arrives first, then 1 recorded nine hours ago (offline all day), then 2.
    assert_eq!(phone.batch(3, vec![fix(now - Duration::minutes(1), 56.2, 36.9)]).await["seq"], 3);
    assert_eq!(
        phone
            .batch(
                1,
                vec![
                    fix(now - Duration::hours(9), 56.0, 36.7),
                    fix(now - Duration::hours(9) + Duration::seconds(5), 56.0001, 36.7)
                ]
            )
            .await["seq"],
        1
    );
    assert_eq!(phone.batch(2, vec![fix(now - Duration::hours(4), 56.1, 36.8)]).await["seq"], 2);
    let order: Vec<i64> = chunks(&app).await.iter().map(|c| c.0).collect();
    assert_eq!(order, [1, 2, 3], "placed by the fixes' own times");
    // The last position is the newest fix, not the last batch to arrive.
    let lat: f64 = sqlx::query_scalar("SELECT ST_Y(point) FROM last_positions WHERE volunteer_id = $1")
        .bind(volunteer)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(lat, 56.2);
    // Fixes within a batch are sorted by time too.
    let t = Utc::now() - Duration::minutes(30);
    phone.batch(4, vec![fix(t + Duration::seconds(10), 56.3, 36.9), fix(t, 56.29, 36.9)]).await;
    let first_lat: f64 = sqlx::query_scalar("SELECT ST_Y(ST_PointN(fixes, 1)) FROM track_chunks WHERE seq = 4")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(first_lat, 56.29);
}

#[tokio::test]
async fn bad_input_is_refused_with_a_clear_code_and_the_connection_stays_usable() {
    let app = spawn_app().await;
    let (_, token) = volunteer_with_device(&app, "orel").await;
    let (mut phone, _) = Phone::hello(&app.url, &token).await;
    let now = Utc::now();
    let cases = [
        (json!({"type": "positions", "seq": 5, "fixes": [fix(now, 95.0, 36.8)]}), "impossible_coordinates", Some(5)),
        (
            json!({"type": "positions", "seq": 6, "fixes": [fix(now + Duration::hours(2), 56.0, 36.8)]}),
            "time_in_future",
            Some(6),
        ),
        (json!({"type": "positions", "seq": 7, "fixes": []}), "invalid_batch", Some(7)),
        (json!({"type": "positions", "seq": 0, "fixes": [fix(now, 56.0, 36.8)]}), "invalid_seq", Some(0)),
        (
            json!({"type": "positions", "seq": 8, "fixes": [{"time": now.to_rfc3339(), "lat": 56.0, "lon": 36.8, "battery": 300}]}),
            "impossible_value",
            Some(8),
        ),
        (json!({"type": "teleport", "to": "home"}), "invalid_message", None),
        (json!({"type": "hello", "protocol": 1, "device_token": token}), "already_authenticated", None),
    ];
    for (message, code, seq) in cases {
        phone.send(message).await;
        let answer = phone.receive().await;
        assert_eq!((answer["type"].as_str(), answer["code"].as_str()), (Some("error"), Some(code)), "{answer}");
        assert_eq!(answer["seq"].as_u64(), seq, "{answer}");
        assert_eq!(answer["fatal"], false);
        assert!(!answer["message"].as_str().unwrap().is_empty());
    }
    phone.send_text("{not json".into()).await;
    assert_eq!(phone.receive().await["code"], "invalid_message");
    phone.send_text(format!("{{\"type\":\"ping\",\"pad\":\"{}\"}}", "x".repeat(300 * 1024))).await;
    assert_eq!(phone.receive().await["code"], "too_large");
    // Still usable.
    phone.send(json!({"type": "ping", "id": 9})).await;
    assert_eq!(phone.receive().await, json!({"type": "pong", "id": 9}));
    assert_eq!(phone.batch(9, vec![fix(now, 56.0, 36.8)]).await, json!({"type": "ack", "seq": 9}));
    assert_eq!(chunks(&app).await.len(), 1, "nothing refused was stored");
}

#[tokio::test]
async fn a_connection_must_say_hello_with_a_known_live_token_first() {
    let app = spawn_app().await;
    let (_, token) = volunteer_with_device(&app, "belka").await;
    let mut early = Phone::connect(&app.url).await;
    early.send(json!({"type": "positions", "seq": 1, "fixes": [fix(Utc::now(), 56.0, 36.8)]})).await;
    let answer = early.receive().await;
    assert_eq!((answer["code"].as_str(), answer["fatal"].as_bool()), (Some("not_authenticated"), Some(true)));
    assert!(early.closes().await);

    let (mut stranger, answer) = Phone::hello(&app.url, "dev_not-a-token").await;
    assert_eq!((answer["code"].as_str(), answer["fatal"].as_bool()), (Some("device_unknown"), Some(true)));
    assert!(stranger.closes().await);

    let mut old = Phone::connect(&app.url).await;
    old.send(json!({"type": "hello", "protocol": 99, "device_token": token})).await;
    assert_eq!(old.receive().await["code"], "unsupported_protocol");

    let (mut good, welcome) = Phone::hello(&app.url, &token).await;
    assert_eq!(welcome["type"], "welcome");
    good.send(json!({"type": "ping"})).await;
    assert_eq!(good.receive().await["type"], "pong");
    let dispatcher = app.logged_in(Role::Dispatcher).await;
    let list = json_body(dispatcher.get(app.at("/api/devices")).send().await.unwrap()).await;
    let device = list["devices"][0]["id"].as_str().unwrap().to_string();
    assert!(list["devices"][0]["last_seen_at"].is_string(), "the hello was noted");
    assert_eq!(dispatcher.post(app.at(&format!("/api/devices/{device}/revoke"))).send().await.unwrap().status(), 204);
    let (_, answer) = Phone::hello(&app.url, &token).await;
    assert_eq!(answer["code"], "device_revoked");
}

#[tokio::test]
async fn a_volunteer_manages_only_their_own_devices() {
    let app = spawn_app().await;
    let (other, _) = volunteer_with_device(&app, "zayats").await;
    app.create_user("moroz", Role::Volunteer).await;
    let moroz = app.login("moroz", crate::helpers::PASSWORD).await;
    let own = moroz.post(app.at("/api/devices")).json(&json!({"label": "my phone"})).send().await.unwrap();
    assert_eq!(own.status(), 201);
    let theirs =
        moroz.post(app.at("/api/devices")).json(&json!({"label": "x", "user_id": other})).send().await.unwrap();
    crate::helpers::expect_error(theirs, reqwest::StatusCode::FORBIDDEN, "forbidden").await;
    let list = json_body(moroz.get(app.at("/api/devices")).send().await.unwrap()).await;
    assert_eq!(list["devices"].as_array().unwrap().len(), 1, "only their own");
    let their_device: String = sqlx::query_scalar("SELECT id::text FROM devices WHERE user_id = $1")
        .bind(other)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let revoke = moroz.post(app.at(&format!("/api/devices/{their_device}/revoke"))).send().await.unwrap();
    assert_eq!(revoke.status(), 404);
}

pub struct Server {
    pub child: std::process::Child,
    pub url: String,
}

impl Drop for Server {
    // A test that fails half-way must not leave a server running (it would hold the test
    // runner's output open).
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_server(database_url: &str) -> Server {
    start_server_with(database_url, &[])
}

/// Runs the real `sweep serve` binary on `database_url` with extra environment settings.
pub fn start_server_with(database_url: &str, env: &[(&str, &str)]) -> Server {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_sweep"))
        .args(["--database-url", database_url, "--listen", "127.0.0.1:0", "--log-level", "warn", "serve"])
        .env_remove("SWEEP_PUBLIC_URL")
        .envs(env.iter().copied())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().expect("sweep printed its address").unwrap();
    let url = first.strip_prefix("Sweep is running at ").expect("the address line").to_string();
    Server { child, url }
}

#[tokio::test]
async fn a_server_killed_mid_stream_loses_no_acknowledged_fix_and_stores_each_replayed_batch_once() {
    let app = spawn_app().await;
    let (_, token) = volunteer_with_device(&app, "vector").await;
    let database_url = app.config.database_url.clone().unwrap();
    let t0 = Utc::now() - Duration::hours(1);
    let batch = |seq: u64| -> Vec<Value> {
        (0..5).map(|i| fix(t0 + Duration::seconds((seq * 25 + i * 5) as i64), 56.0 + seq as f64 * 1e-4, 36.8)).collect()
    };
    const TOTAL: u64 = 120;

    let mut server = start_server(&database_url);
    let (mut phone, _) = Phone::hello(&server.url, &token).await;
    let mut acked = std::collections::BTreeSet::new();
    // Send without waiting for acks, as a phone flushing its queue does, and kill the server
    // while answers are still coming.
    for seq in 1..=TOTAL {
        phone.send(json!({"type": "positions", "seq": seq, "fixes": batch(seq)})).await;
    }
    while acked.len() < 30 {
        let answer = phone.receive().await;
        assert_eq!(answer["type"], "ack", "{answer}");
        acked.insert(answer["seq"].as_u64().unwrap());
    }
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    // Whatever else was acknowledged before the kill reached us is acknowledged too.
    while let Ok(Some(Ok(Message::Text(text)))) =
        tokio::time::timeout(std::time::Duration::from_millis(200), phone.socket.next()).await
    {
        let answer: Value = serde_json::from_str(&text).unwrap();
        if answer["type"] == "ack" {
            acked.insert(answer["seq"].as_u64().unwrap());
        }
    }
    assert!(acked.len() < TOTAL as usize, "the kill came mid-stream ({} acked)", acked.len());

    // Every acknowledged batch is in the database.
    let stored: Vec<i64> =
        sqlx::query_scalar("SELECT seq FROM track_chunks ORDER BY seq").fetch_all(&app.db).await.unwrap();
    for seq in &acked {
        assert!(stored.contains(&(*seq as i64)), "batch {seq} was acknowledged but not stored");
    }

    // Restarted, the phone replays everything not acknowledged (and, as phones do after a
    // crash, some that were): each batch ends up stored exactly once.
    let server = start_server(&database_url);
    let (mut phone, welcome) = Phone::hello(&server.url, &token).await;
    assert_eq!(welcome["type"], "welcome");
    for seq in (1..=TOTAL).filter(|s| !acked.contains(s) || s % 10 == 0) {
        assert_eq!(phone.batch(seq, batch(seq)).await, json!({"type": "ack", "seq": seq}));
    }
    let per_seq: Vec<(i64, i64)> = sqlx::query_as("SELECT seq, count(*) FROM track_chunks GROUP BY seq ORDER BY seq")
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert_eq!(per_seq.len(), TOTAL as usize);
    assert!(per_seq.iter().all(|(_, n)| *n == 1), "a batch stored twice: {per_seq:?}");
    let fixes: i64 = sqlx::query_scalar("SELECT sum(fix_count) FROM track_chunks").fetch_one(&app.db).await.unwrap();
    assert_eq!(fixes, TOTAL as i64 * 5);
    let mut server = server;
    server.child.kill().unwrap();
    server.child.wait().unwrap();
}

#[tokio::test]
async fn a_device_revoked_or_a_volunteer_disabled_mid_connection_stores_nothing_more() {
    let app = spawn_app().await;
    let (volunteer, token) = volunteer_with_device(&app, "stolen").await;
    let (mut phone, _) = Phone::hello(&app.url, &token).await;
    let now = Utc::now();
    assert_eq!(phone.batch(1, vec![fix(now, 56.0, 36.8)]).await["type"], "ack");
    let dispatcher = app.logged_in(Role::Dispatcher).await;
    let device: String = sqlx::query_scalar("SELECT id::text FROM devices WHERE user_id = $1")
        .bind(volunteer)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(dispatcher.post(app.at(&format!("/api/devices/{device}/revoke"))).send().await.unwrap().status(), 204);
    let answer = phone.batch(2, vec![fix(now, 56.01, 36.8)]).await;
    assert_eq!((answer["code"].as_str(), answer["fatal"].as_bool()), (Some("device_revoked"), Some(true)));
    assert!(phone.closes().await);
    assert_eq!(chunks(&app).await.len(), 1);

    // Disabling the volunteer revokes their devices, for good.
    let admin = app.logged_in(Role::Admin).await;
    let second = json_body(
        dispatcher
            .post(app.at("/api/devices"))
            .json(&json!({"user_id": volunteer, "label": "new phone"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let second_token = second["token"].as_str().unwrap().to_string();
    admin.patch(app.at(&format!("/api/users/{volunteer}"))).json(&json!({"disabled": true})).send().await.unwrap();
    admin.patch(app.at(&format!("/api/users/{volunteer}"))).json(&json!({"disabled": false})).send().await.unwrap();
    let (_, answer) = Phone::hello(&app.url, &second_token).await;
    assert_eq!(answer["code"], "device_revoked");
}
