//! The volunteer's phone app in Chromium with its location overridden: it shares positions over
//! the phone protocol, keeps them while the server is unreachable (through a reload, too), and
//! sends each exactly once when the server is back.

use std::time::Duration;

use serde_json::json;
use sweep::auth::Role;

use crate::driver::{Browser, BrowserOptions};
use crate::helpers::{json_body, spawn_app, spawn_app_with, TestApp};

async fn stored_fixes(app_db: &sqlx::PgPool) -> i64 {
    sqlx::query_scalar("SELECT coalesce(sum(fix_count), 0)::bigint FROM track_chunks").fetch_one(app_db).await.unwrap()
}

async fn wait_for_stored(db: &sqlx::PgPool, at_least: i64) -> i64 {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let stored = stored_fixes(db).await;
        if stored >= at_least {
            return stored;
        }
        assert!(tokio::time::Instant::now() < deadline, "only {stored} fixes stored, waited for {at_least}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn issue_link(app: &TestApp, volunteer: uuid::Uuid) -> String {
    let dispatcher = app.logged_in(Role::Dispatcher).await;
    let issued = dispatcher
        .post(app.at("/api/devices"))
        .json(&json!({"user_id": volunteer, "label": "phone"}))
        .send()
        .await
        .unwrap();
    json_body(issued).await["setup"]["phone_app_link"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn the_phone_app_shares_positions_keeps_them_offline_through_a_reload_and_flushes_them_once() {
    let app = spawn_app().await;
    let volunteer = app.create_user("sokol", Role::Volunteer).await;
    let link = issue_link(&app, volunteer).await;
    let origin = app.url.clone();
    let browser = Browser::start(BrowserOptions::default()).await;
    browser.cdp("Browser.grantPermissions", json!({"origin": origin, "permissions": ["geolocation"]})).await;
    browser.set_location(56.1000, 36.8000, 5.0).await;

    browser.client.goto(&link).await.unwrap();
    browser.wait_until("document.querySelector('#connection-state')?.dataset.state === 'online'").await;
    assert!(browser.text("#volunteer-name").await.contains("Test sokol"));
    assert!(!browser.eval("location.hash.includes('dev_')").await.as_bool().unwrap(), "the token left the address");

    // Sharing: the positions reach the server.
    browser.visible("#share-toggle").await.click().await.unwrap();
    // The first time, the app asks for consent to tracking and records it.
    browser.visible("#consent-agree").await.click().await.unwrap();
    for step in 1..=3 {
        browser.set_location(56.1000 + step as f64 * 1e-4, 36.8000, 5.0).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    browser.eval("window.sweepPhone.flushNow()").await;
    let online = wait_for_stored(&app.db, 3).await;
    browser.wait_until("document.querySelector('#pending-count').dataset.fixes === '0'").await;

    // The server goes away: positions wait on the phone, also through a reload.
    let db = app.db.clone();
    let database_url = app.config.database_url.clone();
    app.stop().await;
    browser.wait_until("document.querySelector('#connection-state').dataset.state === 'offline'").await;
    for step in 1..=5 {
        browser.set_location(56.1010 + step as f64 * 1e-4, 36.8010, 5.0).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    browser.wait_until("Number(document.querySelector('#pending-count').dataset.fixes) >= 5").await;
    browser.client.refresh().await.unwrap();
    browser.wait_until("document.querySelector('#pending-count') && Number(document.querySelector('#pending-count').dataset.fixes) >= 5").await;
    let waiting =
        browser.eval("Number(document.querySelector('#pending-count').dataset.fixes)").await.as_i64().unwrap();
    assert_eq!(stored_fixes(&db).await, online, "nothing reached the server while it was down");

    // Back on the same address: the queue is flushed, each fix stored once.
    let back = spawn_app_with(|c| {
        c.listen = origin.trim_start_matches("http://").parse().unwrap();
        c.database_url = database_url.clone();
        c.public_url = Some(origin.clone());
    })
    .await;
    browser.eval("window.dispatchEvent(new Event('online'))").await;
    browser.wait_until("document.querySelector('#connection-state').dataset.state === 'online'").await;
    browser.eval("window.sweepPhone.flushNow()").await;
    browser.wait_until("document.querySelector('#pending-count').dataset.fixes === '0'").await;
    let total = wait_for_stored(&back.db, online + waiting).await;
    assert!(total >= online + waiting, "every waiting fix arrived");
    let offline_points: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM track_chunks c, ST_DumpPoints(c.fixes) d WHERE ST_Y(d.geom) > 56.10105",
    )
    .fetch_one(&back.db)
    .await
    .unwrap();
    assert!(offline_points >= 5, "the positions taken offline are stored ({offline_points})");
    let twice: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT device_id, seq FROM track_chunks GROUP BY device_id, seq HAVING count(*) > 1) t",
    )
    .fetch_one(&back.db)
    .await
    .unwrap();
    assert_eq!(twice, 0);
    let distinct_times: i64 =
        sqlx::query_scalar("SELECT count(DISTINCT ST_M(d.geom)) FROM track_chunks c, ST_DumpPoints(c.fixes) d")
            .fetch_one(&back.db)
            .await
            .unwrap();
    let chunks: Vec<(i64, String)> = sqlx::query_as(
        "SELECT c.seq, string_agg(ST_M(d.geom)::text || '@' || round(ST_Y(d.geom)::numeric, 5)::text, ' ') FROM track_chunks c, ST_DumpPoints(c.fixes) d GROUP BY c.id, c.seq ORDER BY c.id",
    )
    .fetch_all(&back.db)
    .await
    .unwrap();
    assert_eq!(distinct_times, stored_fixes(&back.db).await, "no fix stored twice: {chunks:?}");

    // A report from the phone lands in the log of the volunteer's case.
    let coordinator = back.logged_in(Role::Coordinator).await;
    let case = json_body(
        coordinator
            .post(back.at("/api/cases"))
            .json(&json!({"full_name": "Петров Иван", "category": "adult"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let case_id = case["id"].as_str().unwrap();
    let operation = json_body(
        coordinator
            .post(back.at(&format!("/api/cases/{case_id}/operations")))
            .json(&json!({"name": "Поиск"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let operation_id = operation["id"].as_str().unwrap();
    coordinator
        .put(back.at(&format!("/api/operations/{operation_id}/members/{volunteer}")))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    browser.wait_until("document.querySelector('#task').textContent.includes('Петров Иван')").await;
    let text = browser.visible("#report-text").await;
    text.send_keys("Нашли следы у ручья").await.unwrap();
    browser.visible("#report-submit").await.click().await.unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let log =
            json_body(coordinator.get(back.at(&format!("/api/cases/{case_id}/journal"))).send().await.unwrap()).await;
        let found = log["entries"].as_array().unwrap().iter().any(|e| e["text"] == "Нашли следы у ручья");
        if found {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the report reached the case log");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    browser.close().await;
}
