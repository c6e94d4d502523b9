//! The live map: a console watching an operation gets a snapshot, then each stored batch; the
//! dispatcher is told when a volunteer opens the app or comes back; two instances on one
//! database show each other's phones.

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};
use sweep::auth::Role;

use crate::field::{case_with_operation, join};
use crate::helpers::{spawn_app, spawn_app_with};
use crate::tracking::{fix, volunteer_with_device, Phone};

#[tokio::test]
async fn a_console_watching_an_operation_gets_a_snapshot_then_its_members_positions_only() {
    let app = spawn_app().await;
    let (member, token) = volunteer_with_device(&app, "member").await;
    let (_, outsider_token) = volunteer_with_device(&app, "outsider").await;
    let (_, operation, _, coordinator) = case_with_operation(&app).await;
    join(&app, &coordinator, &operation, member, None).await;
    let (mut phone, _) = Phone::hello(&app.url, &token).await;
    let (mut outsider, _) = Phone::hello(&app.url, &outsider_token).await;
    let earlier = Utc::now() - Duration::minutes(5);
    let track: Vec<Value> =
        (0..3).map(|i| fix(earlier + Duration::seconds(i * 5), 56.1 + i as f64 * 1e-4, 36.8)).collect();
    assert_eq!(phone.batch(1, track).await["type"], "ack");

    app.create_user("watcher", Role::Coordinator).await;
    let cookie = app.session_cookie("watcher").await;
    let mut console = app.live(&cookie).await;
    console.send(json!({"type": "map.watch", "operation_id": operation})).await;
    let snapshot = console.next_of("map.snapshot").await;
    assert_eq!(snapshot["operation_id"], operation);
    assert_eq!((snapshot["stale_after_s"].as_u64(), snapshot["offline_after_s"].as_u64()), (Some(120), Some(600)));
    let volunteers = snapshot["volunteers"].as_array().unwrap();
    assert_eq!(volunteers.len(), 1, "only the operation's members: {volunteers:?}");
    assert_eq!(volunteers[0]["name"], "Test member");
    assert_eq!(volunteers[0]["track"].as_array().unwrap().len(), 3);
    assert!((volunteers[0]["last"]["lat"].as_f64().unwrap() - 56.1002).abs() < 1e-9);

    // The outsider's fixes do not come; the member's do, as soon as they are stored.
    assert_eq!(outsider.batch(1, vec![fix(Utc::now(), 55.0, 37.0)]).await["type"], "ack");
    let now = Utc::now();
    assert_eq!(
        phone.batch(2, vec![fix(now - Duration::seconds(1), 56.1004, 36.8), fix(now, 56.1005, 36.8)]).await["type"],
        "ack"
    );
    let delta = console.next_of("map.positions").await;
    assert_eq!(delta["volunteer"]["name"], "Test member");
    assert_eq!(delta["fixes"].as_array().unwrap().len(), 2);
    assert_eq!(delta["fixes"][1][1], 56.1005);
    assert_eq!(delta["last"]["lat"], 56.1005);
    assert_eq!(delta["last"]["source"], "app");

    // A late batch (from before the last position) is drawn on the track without moving the marker.
    assert_eq!(phone.batch(3, vec![fix(earlier - Duration::minutes(1), 56.0999, 36.8)]).await["type"], "ack");
    let late = console.next_of("map.positions").await;
    assert_eq!(late["last"], Value::Null);

    // The whole team's map shows both.
    console.send(json!({"type": "map.watch", "operation_id": null})).await;
    let team = console.next_of("map.snapshot").await;
    let names: Vec<&str> = team["volunteers"].as_array().unwrap().iter().map(|v| v["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Test member", "Test outsider"]);
}

#[tokio::test]
async fn the_dispatcher_is_told_when_a_volunteer_opens_the_app_and_when_their_first_fix_arrives() {
    // Offline after 2 seconds of silence, so the test can wait that long.
    let app = spawn_app_with(|config| {
        config.stale_after_s = 1;
        config.offline_after_s = 2;
    })
    .await;
    let (_, token) = volunteer_with_device(&app, "newcomer").await;
    app.create_user("watcher", Role::Dispatcher).await;
    let cookie = app.session_cookie("watcher").await;
    let mut console = app.live(&cookie).await;

    let (mut phone, _) = Phone::hello(&app.url, &token).await;
    let opened = console.next_of("volunteer.app_opened").await;
    assert_eq!(opened["volunteer"]["name"], "Test newcomer");
    assert_eq!(phone.batch(1, vec![fix(Utc::now(), 56.1, 36.8)]).await["type"], "ack");
    let first = console.next_of("volunteer.first_fix").await;
    assert_eq!((first["volunteer"]["name"].as_str(), first["lat"].as_f64()), (Some("Test newcomer"), Some(56.1)));

    // A reconnect soon after, and the next fixes, are not news.
    let (mut again, _) = Phone::hello(&app.url, &token).await;
    assert_eq!(again.batch(2, vec![fix(Utc::now(), 56.1001, 36.8)]).await["type"], "ack");
    console.none_of("volunteer.app_opened", std::time::Duration::from_millis(500)).await;
    console.none_of("volunteer.first_fix", std::time::Duration::from_millis(100)).await;

    // Back after longer than the offline time: news again.
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let (mut back, _) = Phone::hello(&app.url, &token).await;
    assert_eq!(console.next_of("volunteer.app_opened").await["volunteer"]["name"], "Test newcomer");
    assert_eq!(back.batch(3, vec![fix(Utc::now(), 56.1002, 36.8)]).await["type"], "ack");
    assert_eq!(console.next_of("volunteer.first_fix").await["lat"], 56.1002);
}

#[tokio::test]
async fn a_console_on_one_instance_sees_a_phone_on_another_live() {
    let first = spawn_app().await;
    let second = spawn_app_with(|config| config.database_url = first.config.database_url.clone()).await;
    let (member, token) = volunteer_with_device(&first, "far-away").await;
    let (_, operation, _, coordinator) = case_with_operation(&first).await;
    join(&first, &coordinator, &operation, member, None).await;

    first.create_user("watcher", Role::Coordinator).await;
    let cookie = second.session_cookie("watcher").await;
    let mut console = second.live(&cookie).await;
    console.send(json!({"type": "map.watch", "operation_id": operation})).await;
    assert_eq!(console.next_of("map.snapshot").await["volunteers"][0]["name"], "Test far-away");

    let (mut phone, _) = Phone::hello(&first.url, &token).await;
    assert_eq!(console.next_of("volunteer.app_opened").await["volunteer"]["name"], "Test far-away");
    let now = Utc::now();
    let fixes: Vec<Value> = (0..4).map(|i| fix(now - Duration::seconds(4 - i), 56.2 + i as f64 * 1e-4, 36.9)).collect();
    assert_eq!(phone.batch(1, fixes).await["type"], "ack");
    // Positions and news travel on separate streams: either may come first.
    let (mut delta, mut first_fix) = (Value::Null, Value::Null);
    while delta.is_null() || first_fix.is_null() {
        let message = console.next_message().await;
        match message["type"].as_str() {
            Some("map.positions") => delta = message,
            Some("volunteer.first_fix") => first_fix = message,
            _ => {}
        }
    }
    assert_eq!(delta["volunteer"]["name"], "Test far-away");
    assert_eq!(delta["fixes"].as_array().unwrap().len(), 4);
    assert!((delta["last"]["lat"].as_f64().unwrap() - 56.2003).abs() < 1e-9);
    assert_eq!(delta["last"]["battery"], 80.0);
    assert_eq!(first_fix["volunteer"]["name"], "Test far-away");
}

#[tokio::test]
async fn a_stalled_console_never_holds_up_the_phones_and_gets_a_fresh_snapshot_when_it_reads_again() {
    // A small backlog (32 position batches) makes "falling behind" quick to reach.
    let app = spawn_app_with(|config| config.live_backlog = 2).await;
    let (member, token) = volunteer_with_device(&app, "steady").await;
    let (_, operation, _, coordinator) = case_with_operation(&app).await;
    join(&app, &coordinator, &operation, member, None).await;
    app.create_user("watcher", Role::Coordinator).await;
    let cookie = app.session_cookie("watcher").await;
    let mut stalled = app.live(&cookie).await;
    stalled.send(json!({"type": "map.watch", "operation_id": operation})).await;
    assert_eq!(stalled.next_of("map.snapshot").await["volunteers"][0]["name"], "Test steady");

    // The phone sends far more than the stalled console's connection can hold (about 9 MB of
    // positions), and every batch is acknowledged all the same.
    let (mut phone, _) = Phone::hello(&app.url, &token).await;
    let start = Utc::now() - Duration::hours(3);
    let mut last_lat = 0.0;
    for seq in 1..=400u64 {
        let fixes: Vec<Value> = (0..500)
            .map(|i| {
                let n = (seq - 1) * 500 + i;
                last_lat = 56.0 + n as f64 * 1e-6;
                fix(start + Duration::milliseconds(n as i64 * 50), last_lat, 36.8)
            })
            .collect();
        assert_eq!(phone.batch(seq, fixes).await, json!({"type": "ack", "seq": seq}));
    }

    // Reading again, the console gets what its connection held, then a fresh snapshot with
    // where the volunteer is now.
    let mut positions = 0;
    let snapshot = loop {
        let message = stalled.next_message().await;
        match message["type"].as_str() {
            Some("map.positions") => positions += 1,
            Some("map.snapshot") => break message,
            _ => {}
        }
    };
    assert!(positions < 400, "it fell behind and skipped ahead ({positions} batches came)");
    let now = snapshot["volunteers"][0]["last"]["lat"].as_f64().unwrap();
    assert!((now - last_lat).abs() < 1e-9, "the snapshot has the newest position: {now} vs {last_lat}");
}

#[tokio::test]
async fn a_snapshot_has_every_fix_of_the_last_ten_minutes_and_one_per_half_minute_before() {
    let app = spawn_app().await;
    let (member, token) = volunteer_with_device(&app, "walker").await;
    let (_, operation, _, coordinator) = case_with_operation(&app).await;
    join(&app, &coordinator, &operation, member, None).await;
    let (mut phone, _) = Phone::hello(&app.url, &token).await;
    // 50 minutes of a walk, a fix every 5 s.
    let now = Utc::now();
    let sent: Vec<DateTime<Utc>> = (0..600).rev().map(|i| now - Duration::seconds(i * 5 + 2)).collect();
    for (n, part) in sent.chunks(300).enumerate() {
        let fixes = part.iter().map(|at| fix(*at, 56.1, 36.8)).collect();
        assert_eq!(phone.batch(n as u64 + 1, fixes).await["type"], "ack");
    }
    app.create_user("watcher", Role::Coordinator).await;
    let mut console = app.live(&app.session_cookie("watcher").await).await;
    console.send(json!({"type": "map.watch", "operation_id": operation})).await;
    let snapshot = console.next_of("map.snapshot").await;
    let track: Vec<f64> =
        snapshot["volunteers"][0]["track"].as_array().unwrap().iter().map(|f| f[2].as_f64().unwrap()).collect();
    let cut = (now - Duration::seconds(600)).timestamp() as f64;
    let (older, recent): (Vec<f64>, Vec<f64>) = track.iter().partition(|t| **t <= cut);
    let sent_recent = sent.iter().filter(|at| at.timestamp() as f64 > cut).count();
    assert!(recent.len().abs_diff(sent_recent) <= 1, "every recent fix: {} of {sent_recent}", recent.len());
    // 40 minutes before that: one fix per half minute of the clock (80), each a fix that was sent.
    assert!((78..=82).contains(&older.len()), "{} older fixes", older.len());
    let buckets: std::collections::BTreeSet<i64> = older.iter().map(|t| (t / 30.0).floor() as i64).collect();
    assert_eq!(buckets.len(), older.len(), "at most one per half minute: {older:?}");
    assert!(older.windows(2).all(|w| w[1] - w[0] < 60.0), "no half minute left out: {older:?}");
    let sent_times: Vec<f64> = sent.iter().map(|at| at.timestamp_micros() as f64 / 1e6).collect();
    assert!(track.iter().all(|t| sent_times.iter().any(|s| (s - t).abs() < 0.01)), "only fixes that were sent");
    assert!(track.windows(2).all(|w| w[0] < w[1]), "oldest first");
}
