//! The coordinator's map of an operation: its squares take colour as a simulated volunteer walks
//! through them, batch by batch.

use std::time::Duration;

use mobile_api::sim::{self, SimConfig};
use mobile_api::Point;
use serde_json::json;
use sweep::auth::Role;

use crate::driver::{Browser, BrowserOptions};
use crate::helpers::{json_body, spawn_app_with, PASSWORD};

/// The most covered square: its id and coverage (0..1), as the map shows them.
const MOST_COVERED: &str = "(() => { let best = null; \
    for (const s of document.querySelectorAll('path.square[data-square-id]')) { \
      const c = Number(s.dataset.coverage); if (!best || c > best[1]) best = [s.dataset.squareId, c, s.dataset.step]; } \
    return best; })()";

#[tokio::test]
async fn squares_take_colour_as_a_simulated_volunteer_walks_through_them() {
    let app = spawn_app_with(|config| config.map_center = (56.1, 36.8)).await;
    app.create_user("andrey", Role::Coordinator).await;
    let coordinator = app.login("andrey", PASSWORD).await;
    let case = json_body(
        coordinator
            .post(app.at("/api/cases"))
            .json(&json!({"full_name": "Иванова Мария", "category": "dementia"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let case_id = case["id"].as_str().unwrap();
    let operation = json_body(
        coordinator
            .post(app.at(&format!("/api/cases/{case_id}/operations")))
            .json(&json!({"name": "Лес"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let operation_id = operation["id"].as_str().unwrap().to_string();
    let (dlat, dlon) = (0.0027, 0.0048);
    let ring = [
        [36.8 - dlon, 56.1 - dlat],
        [36.8 + dlon, 56.1 - dlat],
        [36.8 + dlon, 56.1 + dlat],
        [36.8 - dlon, 56.1 + dlat],
        [36.8 - dlon, 56.1 - dlat],
    ];
    let area = json_body(
        coordinator
            .post(app.at(&format!("/api/operations/{operation_id}/areas")))
            .json(&json!({"name": "Лес к северу", "geometry": {"type": "Polygon", "coordinates": [ring]}}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let area_id = area["id"].as_str().unwrap();
    coordinator
        .post(app.at(&format!("/api/areas/{area_id}/grid")))
        .json(&json!({"cell_size_m": 250}))
        .send()
        .await
        .unwrap();
    let volunteer = app.create_user("walker", Role::Volunteer).await;
    let joined = coordinator
        .put(app.at(&format!("/api/operations/{operation_id}/members/{volunteer}")))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(joined.status(), 200);
    let issued =
        coordinator.post(app.at("/api/devices")).json(&json!({"user_id": volunteer, "label": "sim"})).send().await;
    let token = json_body(issued.unwrap()).await["token"].as_str().unwrap().to_string();

    let browser = Browser::start(BrowserOptions::default()).await;
    browser.client.goto(&format!("{}/#/map?watch={operation_id}", app.url)).await.unwrap();
    browser.wait_until("document.body.dataset.screen === 'login'").await;
    browser.visible("#login").await.send_keys("andrey").await.unwrap();
    browser.visible("#password").await.send_keys(PASSWORD).await.unwrap();
    browser.visible("#login-submit").await.click().await.unwrap();
    browser.wait_until("document.querySelectorAll('path.square[data-square-id]').length >= 6").await;
    browser.wait_until("document.querySelector('#square-legend') !== null").await;
    assert_eq!(browser.eval(&format!("{MOST_COVERED}[1]")).await, 0.0, "nothing searched yet");

    // The volunteer walks (a batch a second) until told to stop.
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let config = SimConfig {
        server: app.url.clone(),
        center: Point { lat: 56.1, lon: 36.8 },
        square_m: 300.0,
        speed_mps: 2.0,
        batch_every_s: 1.0,
        gap_every_s: 0.0,
        noise_m: 1.0,
        seed: 5,
        ..Default::default()
    };
    let walking = tokio::spawn(sim::run(config, vec![token], async {
        let _ = stopped.await;
    }));

    // A square takes colour, then more as the walk goes on.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let first = loop {
        let best = browser.eval(MOST_COVERED).await;
        if best[1].as_f64().unwrap_or(0.0) > 0.0 {
            break best;
        }
        assert!(tokio::time::Instant::now() < deadline, "no square took colour");
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    assert_ne!(first[2], "0", "a searched square leaves the lightest colour step: {first}");
    let square = first[0].as_str().unwrap().to_string();
    let coverage_of =
        format!("Number(document.querySelector('path.square[data-square-id=\"{square}\"]').dataset.coverage)");
    browser.wait_until(&format!("{coverage_of} > {}", first[1])).await;
    stop.send(()).unwrap();
    walking.await.unwrap().unwrap();

    // What the map shows is what the server computed.
    let shown = browser.eval(&coverage_of).await.as_f64().unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let squares =
        json_body(coordinator.get(app.at(&format!("/api/operations/{operation_id}/squares"))).send().await.unwrap())
            .await;
    let stored = squares["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"].as_i64().map(|id| id.to_string()).as_deref() == Some(square.as_str()))
        .unwrap()["properties"]["geometric"]
        .as_f64()
        .unwrap();
    assert!(stored >= shown && shown > 0.0, "the map shows {shown}, the server has {stored}");
    browser.close().await;
}
