//! Load: many phones at once on a real `sweep serve` process. A server killed (`kill -9`) while
//! many phones stream loses no acknowledged fix and stores none twice; 2,000 phones connecting
//! at once are all served; a console that stops reading holds up neither ingestion nor the
//! other consoles. Sizes are CI-sized; `SWEEP_LOAD_PHONES` makes the first bigger.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use chrono::Utc;
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;
use uuid::Uuid;

use crate::helpers::{spawn_app, spawn_app_with, TestApp};
use crate::tracking::{fix, start_server_with, Phone};

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// `count` approved volunteers with a device each, written straight into the database (the API
/// path is tested elsewhere; here only their number matters). Returns (volunteer, device token).
async fn volunteers(app: &TestApp, count: usize) -> Vec<(Uuid, String)> {
    let logins: Vec<String> = (0..count).map(|i| format!("load-{i:05}")).collect();
    let ids: Vec<Uuid> = sqlx::query_scalar(
        "INSERT INTO users (login, display_name, role) SELECT l, l, 'volunteer' FROM unnest($1::text[]) AS l
         RETURNING id",
    )
    .bind(&logins)
    .fetch_all(&app.db)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO volunteer_profiles (user_id, vetting, tracking_consent_at) SELECT u, 'approved', now()
         FROM unnest($1::uuid[]) AS u",
    )
    .bind(&ids)
    .execute(&app.db)
    .await
    .unwrap();
    let tokens: Vec<String> = ids.iter().map(|_| sweep::auth::secret::new_secret("dev_")).collect();
    let hashes: Vec<Vec<u8>> = tokens.iter().map(|t| sweep::auth::secret::hash_secret(t)).collect();
    sqlx::query(
        "INSERT INTO devices (user_id, label, token_hash, prefix)
         SELECT u, 'phone', h, 'dev_' FROM unnest($1::uuid[], $2::bytea[]) AS t(u, h)",
    )
    .bind(&ids)
    .bind(&hashes)
    .execute(&app.db)
    .await
    .unwrap();
    ids.into_iter().zip(tokens).collect()
}

/// `hello` → the server's first answer (a `welcome`, or the refusal).
async fn hello(url: &str, token: &str) -> Result<Socket, String> {
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await.map_err(|e| format!("connect: {e}"))?;
    let hello = json!({"type": "hello", "protocol": 1, "device_token": token, "app": "load test"});
    socket.send(Message::Text(hello.to_string().into())).await.map_err(|e| format!("send: {e}"))?;
    loop {
        match tokio::time::timeout(Duration::from_secs(60), socket.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => {
                let answer: Value = serde_json::from_str(&text).unwrap();
                match answer["type"].as_str() {
                    Some("welcome") => return Ok(socket),
                    Some("error") => return Err(answer.to_string()),
                    _ => {}
                }
            }
            Ok(Some(Ok(_))) => {}
            other => return Err(format!("no welcome: {other:?}")),
        }
    }
}

fn ws_url(http: &str) -> String {
    format!("{}/mobile/v1/ws", http.replace("http://", "ws://"))
}

#[tokio::test]
async fn a_server_killed_while_many_phones_stream_loses_no_acknowledged_fix_and_stores_none_twice() {
    // Thousands of sockets in this process need more than 1024 descriptors.
    sweep::cli::raise_file_limit();
    let phones: usize = std::env::var("SWEEP_LOAD_PHONES").ok().and_then(|v| v.parse().ok()).unwrap_or(40);
    const BATCHES: u64 = 30;
    let app = spawn_app().await;
    let volunteers = volunteers(&app, phones).await;
    let database_url = app.config.database_url.clone().unwrap();
    let t0 = Utc::now() - chrono::Duration::hours(2);
    let batch = move |phone: usize, seq: u64| -> Value {
        let fixes: Vec<Value> = (0..10)
            .map(|i| {
                let at = t0 + chrono::Duration::seconds((seq * 10 + i) as i64);
                fix(at, 56.0 + phone as f64 * 1e-3 + (seq * 10 + i) as f64 * 1e-6, 37.0)
            })
            .collect();
        json!({"type": "positions", "seq": seq, "fixes": fixes})
    };

    let mut server = start_server_with(&database_url, &[]);
    let url = ws_url(&server.url);
    let mut sockets = Vec::new();
    for (_, token) in &volunteers {
        sockets.push(hello(&url, token).await.expect("welcomed"));
    }
    // Every phone sends its whole queue without waiting, as a phone back in signal does.
    for (phone, socket) in sockets.iter_mut().enumerate() {
        for seq in 1..=BATCHES {
            socket.send(Message::Text(batch(phone, seq).to_string().into())).await.unwrap();
        }
    }
    // Acknowledgements come in; the server is killed while they still do.
    let total = phones as u64 * BATCHES;
    let (acks, mut streams): (tokio::sync::mpsc::UnboundedSender<(usize, u64)>, _) =
        tokio::sync::mpsc::unbounded_channel();
    let readers: Vec<_> = sockets
        .into_iter()
        .enumerate()
        .map(|(phone, mut socket)| {
            let acks = acks.clone();
            tokio::spawn(async move {
                while let Some(Ok(Message::Text(text))) = socket.next().await {
                    let answer: Value = serde_json::from_str(&text).unwrap();
                    if answer["type"] == "ack" {
                        let _ = acks.send((phone, answer["seq"].as_u64().unwrap()));
                    }
                }
            })
        })
        .collect();
    drop(acks);
    let mut acked: BTreeSet<(usize, u64)> = BTreeSet::new();
    while (acked.len() as u64) < total / 3 {
        acked.insert(streams.recv().await.expect("acknowledgements"));
    }
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    for reader in readers {
        reader.await.unwrap();
    }
    while let Ok(ack) = streams.try_recv() {
        acked.insert(ack);
    }
    assert!((acked.len() as u64) < total, "the kill came mid-stream ({} of {total} acknowledged)", acked.len());

    // Every acknowledged batch is stored.
    let devices: HashMap<Uuid, usize> = {
        let rows: Vec<(Uuid, Uuid)> =
            sqlx::query_as("SELECT id, user_id FROM devices").fetch_all(&app.db).await.unwrap();
        let phone_of: HashMap<Uuid, usize> = volunteers.iter().enumerate().map(|(i, (v, _))| (*v, i)).collect();
        rows.into_iter().map(|(device, user)| (device, phone_of[&user])).collect()
    };
    let stored = |rows: Vec<(Uuid, i64, i64)>| -> HashMap<(usize, u64), i64> {
        rows.into_iter().map(|(device, seq, n)| ((devices[&device], seq as u64), n)).collect()
    };
    let query = "SELECT device_id, seq, count(*) FROM track_chunks GROUP BY device_id, seq";
    let before = stored(sqlx::query_as(query).fetch_all(&app.db).await.unwrap());
    for key in &acked {
        assert!(before.contains_key(key), "batch {key:?} was acknowledged but is not stored");
    }

    // Restarted, every phone sends again what was not acknowledged, and (as after a crash of the
    // phone itself) every fifth that was: each batch ends up stored exactly once.
    let server = start_server_with(&database_url, &[]);
    let resent = volunteers.iter().enumerate().map(|(phone, (_, token))| {
        let (url, acked) = (&server.url, &acked);
        async move {
            let (mut socket, _) = Phone::hello(url, token).await;
            for seq in (1..=BATCHES).filter(|seq| !acked.contains(&(phone, *seq)) || seq % 5 == 0) {
                let answer = socket.batch(seq, batch(phone, seq)["fixes"].as_array().unwrap().clone()).await;
                assert_eq!(answer, json!({"type": "ack", "seq": seq}));
            }
        }
    });
    futures::future::join_all(resent).await;
    let after = stored(sqlx::query_as(query).fetch_all(&app.db).await.unwrap());
    assert_eq!(after.len() as u64, total, "every batch stored");
    let twice: Vec<_> = after.iter().filter(|(_, n)| **n != 1).collect();
    assert!(twice.is_empty(), "batches stored more than once: {twice:?}");
    let fixes: i64 = sqlx::query_scalar("SELECT sum(fix_count) FROM track_chunks").fetch_one(&app.db).await.unwrap();
    assert_eq!(fixes as u64, total * 10);
    drop(server);
}

#[tokio::test]
async fn two_thousand_phones_connecting_at_once_are_all_served_and_again_after_a_restart() {
    // Thousands of sockets in this process need more than 1024 descriptors.
    sweep::cli::raise_file_limit();
    const PHONES: usize = 2000;
    let app = spawn_app().await;
    let volunteers = volunteers(&app, PHONES).await;
    let database_url = app.config.database_url.clone().unwrap();
    let mut server = start_server_with(&database_url, &[]);
    for round in ["first", "after the restart"] {
        let url = ws_url(&server.url);
        let started = std::time::Instant::now();
        let answers = futures::future::join_all(volunteers.iter().map(|(_, token)| hello(&url, token))).await;
        let refused: Vec<&String> = answers.iter().filter_map(|a| a.as_ref().err()).collect();
        assert!(refused.is_empty(), "{round}: {} of {PHONES} phones not served, e.g. {}", refused.len(), refused[0]);
        eprintln!("{round}: {PHONES} phones welcomed in {:.1} s", started.elapsed().as_secs_f64());
        // Each is really in: a batch from every phone is acknowledged.
        let mut sockets: Vec<Socket> = answers.into_iter().map(Result::unwrap).collect();
        let now = Utc::now();
        let sent = sockets.iter_mut().enumerate().map(|(i, socket)| async move {
            let seq = if round == "first" { 1 } else { 2 };
            let batch = json!({"type": "positions", "seq": seq, "fixes": [fix(now, 56.0 + i as f64 * 1e-4, 37.0)]});
            socket.send(Message::Text(batch.to_string().into())).await.unwrap();
            loop {
                let Some(Ok(Message::Text(text))) = socket.next().await else { panic!("the connection ended") };
                let answer: Value = serde_json::from_str(&text).unwrap();
                if answer["type"] == "ack" || answer["type"] == "error" {
                    return answer;
                }
            }
        });
        let answers = futures::future::join_all(sent).await;
        assert!(
            answers.iter().all(|a| a["type"] == "ack"),
            "{round}: {:?}",
            answers.iter().find(|a| a["type"] != "ack")
        );
        // The server goes away (an update, a crash): every phone reconnects at the same moment.
        drop(sockets);
        server.child.kill().unwrap();
        server.child.wait().unwrap();
        server = start_server_with(&database_url, &[]);
    }
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM track_chunks").fetch_one(&app.db).await.unwrap();
    assert_eq!(stored, 2 * PHONES as i64);
}

#[tokio::test]
async fn a_console_that_stops_reading_holds_up_neither_ingestion_nor_other_consoles() {
    // A console may fall 32 × 16 = 512 position batches behind before it gets a fresh snapshot.
    let app = spawn_app_with(|c| c.live_backlog = 32).await;
    let (_, token) = crate::tracking::volunteer_with_device(&app, "steady").await;
    app.create_user("watcher", sweep::auth::Role::Dispatcher).await;
    app.create_user("asleep", sweep::auth::Role::Dispatcher).await;
    let watching = app.session_cookie("watcher").await;
    let asleep = app.session_cookie("asleep").await;
    let mut live = app.live(&watching).await;
    live.send(json!({"type": "map.watch", "operation_id": null})).await;
    live.next_of("map.snapshot").await;
    // This console asks for the map and then never reads again.
    let mut stalled = app.live(&asleep).await;
    stalled.send(json!({"type": "map.watch", "operation_id": null})).await;

    // Far more than the stalled socket's buffers hold: 1,000 batches of 500 fixes, about 20 MB
    // of map updates.
    const BATCHES: u64 = 1000;
    let (mut phone, _) = Phone::hello(&app.url, &token).await;
    let t0 = Utc::now() - chrono::Duration::hours(15);
    let reader = tokio::spawn(async move {
        let mut seen = 0u64;
        let mut snapshots = 0;
        while seen < BATCHES {
            let message = tokio::time::timeout(Duration::from_secs(30), live.next_message())
                .await
                .expect("the reading console keeps getting positions");
            match message["type"].as_str() {
                Some("map.positions") => seen += 1,
                Some("map.snapshot") => snapshots += 1,
                _ => {}
            }
        }
        (seen, snapshots)
    });
    for seq in 1..=BATCHES {
        let fixes: Vec<Value> = (0..500)
            .map(|i| {
                let n = (seq * 500 + i) as i64;
                fix(t0 + chrono::Duration::milliseconds(n * 100), 56.0 + n as f64 * 1e-7, 37.0)
            })
            .collect();
        let answer = tokio::time::timeout(Duration::from_secs(10), phone.batch(seq, fixes))
            .await
            .expect("each batch acknowledged promptly");
        assert_eq!(answer["type"], "ack", "{answer}");
    }
    let (seen, snapshots) = tokio::time::timeout(Duration::from_secs(60), reader).await.unwrap().unwrap();
    assert_eq!((seen, snapshots), (BATCHES, 0), "the reading console got every batch, without falling behind");
    // The stalled console, reading again, finds it fell behind: it is given a fresh snapshot
    // instead of what it missed.
    let mut positions = 0;
    loop {
        let message = stalled.next_message().await;
        match message["type"].as_str() {
            Some("map.snapshot") if positions > 0 => break,
            Some("map.positions") => positions += 1,
            _ => {}
        }
    }
    assert!(positions < BATCHES, "it did fall behind ({positions} batches before the fresh snapshot)");
}
