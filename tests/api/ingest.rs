//! Tracker apps' own protocols, with requests exactly as the apps send them.

use base64::Engine;
use chrono::{TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{expect_error, spawn_app, TestApp};
use crate::tracking::volunteer_with_device;

async fn positions(app: &TestApp, volunteer: uuid::Uuid) -> Vec<(String, f64, f64, Option<f32>)> {
    sqlx::query_as(
        "SELECT source, ST_Y(fixes), ST_X(fixes), speed[1] FROM track_chunks WHERE volunteer_id = $1 ORDER BY first_at",
    )
    .bind(volunteer)
    .fetch_all(&app.db)
    .await
    .unwrap()
}

#[tokio::test]
async fn osmand_and_traccar_requests_become_the_volunteers_positions_once() {
    let app = spawn_app().await;
    let (volunteer, token) = volunteer_with_device(&app, "osmand").await;
    let client = reqwest::Client::new();
    let t = |minutes: i64| Utc::now() - chrono::Duration::minutes(minutes);

    // OsmAnd's online tracking: GET with its placeholders filled, timestamp in milliseconds.
    let osmand = format!(
        "/ingest/osmand?id={token}&lat=56.10412&lon=36.80133&timestamp={}&hdop=1.5&altitude=182&speed=1.2&bearing=270",
        t(30).timestamp_millis()
    );
    assert_eq!(client.get(app.at(&osmand)).send().await.unwrap().status(), StatusCode::OK);
    // OsmAnd retrying the same fix: stored once.
    assert_eq!(client.get(app.at(&osmand)).send().await.unwrap().status(), StatusCode::OK);

    // Traccar Client (classic): POST with the parameters in the query and an empty body, seconds.
    let traccar = format!(
        "/ingest/osmand?id={token}&timestamp={}&lat=56.105&lon=36.802&speed=2.0&bearing=90&altitude=180&accuracy=8&batt=74",
        t(20).timestamp()
    );
    assert_eq!(client.post(app.at(&traccar)).send().await.unwrap().status(), StatusCode::OK);

    // A form body, with location=lat,lon and deviceid.
    let form = [("deviceid", token.as_str()), ("location", "56.106,36.803"), ("timestamp", &t(15).to_rfc3339())];
    assert_eq!(client.post(app.at("/ingest/osmand")).form(&form).send().await.unwrap().status(), StatusCode::OK);

    // Newer Traccar Client: JSON.
    let body = json!({
        "location": {"timestamp": t(10).to_rfc3339(), "is_moving": true, "event": "motionchange", "odometer": 0,
                     "coords": {"latitude": 56.107, "longitude": 36.804, "accuracy": 6, "speed": 1.5, "heading": 45, "altitude": 175},
                     "battery": {"level": 0.73, "is_charging": false}, "activity": {"type": "walking"}},
        "device_id": token
    });
    assert_eq!(client.post(app.at("/ingest/osmand")).json(&body).send().await.unwrap().status(), StatusCode::OK);

    let stored = positions(&app, volunteer).await;
    assert_eq!(stored.len(), 4, "{stored:?}");
    assert!(stored.iter().all(|p| p.0 == "osmand"));
    assert_eq!((stored[0].1, stored[0].2), (56.10412, 36.80133));
    assert!((stored[0].3.unwrap() - 0.617).abs() < 0.001, "1.2 knots in m/s: {:?}", stored[0].3);
    assert_eq!(stored[3].3, Some(1.5), "Traccar JSON speed is m/s already");
    let battery: Option<f32> = sqlx::query_scalar("SELECT battery FROM last_positions WHERE volunteer_id = $1")
        .bind(volunteer)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(battery, Some(73.0));

    let unknown = client.get(app.at("/ingest/osmand?id=dev_nope&lat=56&lon=36")).send().await.unwrap();
    expect_error(unknown, StatusCode::UNAUTHORIZED, "device_unknown").await;
    let impossible = client.get(app.at(&format!("/ingest/osmand?id={token}&lat=156&lon=36"))).send().await.unwrap();
    expect_error(impossible, StatusCode::BAD_REQUEST, "impossible_coordinates").await;
    let unreadable = client.get(app.at(&format!("/ingest/osmand?id={token}&lat=north&lon=36"))).send().await.unwrap();
    expect_error(unreadable, StatusCode::BAD_REQUEST, "unreadable_fix").await;
}

#[tokio::test]
async fn owntracks_locations_are_stored_and_answered_with_an_empty_list() {
    let app = spawn_app().await;
    let (volunteer, token) = volunteer_with_device(&app, "owntracks").await;
    let client = reqwest::Client::new();
    let tst = Utc::now().timestamp() - 600;
    let message = json!({"_type": "location", "tid": "IS", "lat": 56.1, "lon": 36.8, "tst": tst, "acc": 12, "alt": 170,
                         "batt": 64, "bs": 1, "vac": 4, "vel": 5, "conn": "m", "t": "u", "topic": "owntracks/ilya/phone"});
    let basic = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("ilya:{token}")));
    let post = |body: serde_json::Value| {
        client
            .post(app.at("/ingest/owntracks"))
            .header("authorization", basic.clone())
            .header("x-limit-u", "ilya")
            .header("x-limit-d", "phone")
            .json(&body)
            .send()
    };
    let answer = post(message.clone()).await.unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(answer.text().await.unwrap(), "[]");
    assert_eq!(post(message).await.unwrap().status(), StatusCode::OK, "a resend is fine and stored once");
    let transition = post(json!({"_type": "transition", "event": "enter", "tst": tst})).await.unwrap();
    assert_eq!(transition.status(), StatusCode::OK, "other message kinds are answered and ignored");
    let stored = positions(&app, volunteer).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].0, "owntracks");
    assert!((stored[0].3.unwrap() - 5.0 / 3.6).abs() < 0.001, "km/h in m/s");
    let at: chrono::DateTime<Utc> =
        sqlx::query_scalar("SELECT first_at FROM track_chunks").fetch_one(&app.db).await.unwrap();
    assert_eq!(at, Utc.timestamp_opt(tst, 0).unwrap());

    let anonymous = client
        .post(app.at("/ingest/owntracks"))
        .json(&json!({"_type": "location", "lat": 1, "lon": 2, "tst": tst}))
        .send()
        .await
        .unwrap();
    expect_error(anonymous, StatusCode::UNAUTHORIZED, "device_unknown").await;
}

#[tokio::test]
async fn the_osmand_protocol_is_also_served_at_the_root_of_its_own_listener() {
    let app = spawn_app().await;
    let (volunteer, token) = volunteer_with_device(&app, "root").await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let state = sweep::AppState::new(app.db.clone(), app.config.clone());
    tokio::spawn(async move {
        axum::serve(
            listener,
            sweep::tracking::osmand_root(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap();
    });
    let url = format!("http://{address}/?id={token}&lat=56.2&lon=36.9&timestamp={}", Utc::now().timestamp() - 60);
    assert_eq!(reqwest::get(&url).await.unwrap().status(), StatusCode::OK);
    assert_eq!(positions(&app, volunteer).await.len(), 1);
    let bad = reqwest::get(format!("http://{address}/?id={token}")).await.unwrap();
    expect_error(bad, StatusCode::BAD_REQUEST, "unreadable_fix").await;
}
