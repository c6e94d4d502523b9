//! The console's live map with a simulated volunteer: the marker moves as positions arrive, then
//! turns stale when they stop.

use std::time::Duration;

use mobile_api::sim::{self, SimConfig};
use mobile_api::Point;
use serde_json::json;
use sweep::auth::Role;

use crate::driver::{Browser, BrowserOptions};
use crate::helpers::{json_body, spawn_app_with, PASSWORD};

/// Where the marker stands: its latitude and longitude, as the map placed it.
const MARKER_AT: &str = "(() => { const m = document.querySelector('.volunteer-marker'); \
                          return [m.dataset.lat, m.dataset.lon].join(','); })()";

#[tokio::test]
async fn the_console_map_shows_a_simulated_volunteer_moving_then_turning_stale() {
    // Stale after 4 seconds without a fix, so the test need not wait two minutes.
    let app = spawn_app_with(|config| {
        config.stale_after_s = 4;
        config.map_center = (56.1, 36.8);
    })
    .await;
    let volunteer = app.create_user("walker", Role::Volunteer).await;
    app.create_user("olga", Role::Dispatcher).await;
    let dispatcher = app.login("olga", PASSWORD).await;
    let issued =
        dispatcher.post(app.at("/api/devices")).json(&json!({"user_id": volunteer, "label": "sim"})).send().await;
    let token = json_body(issued.unwrap()).await["token"].as_str().unwrap().to_string();

    // The volunteer walks (a fix a second, sent every second) until told to stop.
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let config = SimConfig {
        server: app.url.clone(),
        center: Point { lat: 56.1, lon: 36.8 },
        square_m: 400.0,
        speed_mps: 3.0,
        batch_every_s: 1.0,
        gap_every_s: 0.0,
        noise_m: 1.0,
        seed: 3,
        ..Default::default()
    };
    let walking = tokio::spawn(sim::run(config, vec![token], async {
        let _ = stopped.await;
    }));

    let browser = Browser::start(BrowserOptions::default()).await;
    browser.client.goto(&format!("{}/#/map", app.url)).await.unwrap();
    browser.wait_until("document.body.dataset.screen === 'login'").await;
    browser.visible("#login").await.send_keys("olga").await.unwrap();
    browser.visible("#password").await.send_keys(PASSWORD).await.unwrap();
    browser.visible("#login-submit").await.click().await.unwrap();
    browser.wait_until("document.body.dataset.screen === 'main'").await;

    // The volunteer appears, live, named, and moves.
    browser.wait_until("document.querySelector('.volunteer-marker[data-state=\"live\"]')").await;
    let marker = browser.find(".volunteer-marker").await;
    assert_eq!(marker.attr("data-volunteer-id").await.unwrap(), Some(volunteer.to_string()));
    let label = browser.eval("document.querySelector('.volunteer-marker').closest('.leaflet-marker-icon, .volunteer-marker').textContent").await;
    assert!(label.as_str().unwrap().contains("Test walker"), "{label}");
    let first = browser.eval(MARKER_AT).await;
    browser.wait_until(&format!("JSON.stringify({MARKER_AT}) !== '{first}'")).await;

    // The walker stops sending: the marker turns stale and stays where it was last seen.
    stop.send(()).unwrap();
    walking.await.unwrap().expect("the walk ends cleanly");
    // The last batch reaches the console.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let last = browser.eval(MARKER_AT).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        if browser.eval("document.querySelector('.volunteer-marker').dataset.state").await == "stale" {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the marker turned stale");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(browser.eval(MARKER_AT).await, last, "a stale marker stays at the last position");
    browser.close().await;
}
