//! Over 10,000 malformed, oversized and hostile messages on every input (the phone protocol,
//! OsmAnd/Traccar, OwnTracks, GPX, photo uploads, CSV import, every JSON route): no crash, no
//! 5xx, each answered with a clear error, and the server still serves a good request after.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::StatusCode;
use serde_json::json;
use sweep::auth::Role;

use crate::helpers::{json_body, spawn_app};
use crate::tracking::{fix, volunteer_with_device, Phone};

/// Hostile texts: broken JSON, wrong types, absurd numbers, deep nesting, odd characters.
fn hostile_texts(rng: &mut StdRng, count: usize) -> Vec<String> {
    let fixed = [
        String::new(),
        "{".into(),
        "null".into(),
        "[]".into(),
        "\"text\"".into(),
        "{\"type\": 5}".into(),
        "{\"type\": \"positions\", \"seq\": -1, \"fixes\": []}".into(),
        "{\"type\": \"positions\", \"seq\": 1e400, \"fixes\": [{}]}".into(),
        "{\"type\": \"positions\", \"seq\": 1, \"fixes\": [{\"time\": \"yesterday\", \"lat\": \"x\"}]}".into(),
        "{\"type\": \"positions\", \"seq\": 1, \"fixes\": [{\"time\": \"2026-01-01T00:00:00Z\", \"lat\": 1e308, \"lon\": -1e308}]}".into(),
        "{\"type\": \"alert_answer\", \"alert_id\": \"not-a-uuid\"}".into(),
        "{\"type\": \"report\", \"id\": \"00000000-0000-0000-0000-000000000000\", \"text\": \"\\u0000\"}".into(),
        format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)),
        format!("{{\"a\": \"{}\"}}", "€".repeat(50_000)),
        "{\"name\": \"\\ud800\"}".into(),
        "{\"__proto__\": {\"admin\": true}}".into(),
        "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">]><x>&b;</x>".into(),
    ];
    let mut texts: Vec<String> = fixed.to_vec();
    while texts.len() < count {
        let base = &fixed[rng.gen_range(0..fixed.len())];
        let mut bytes: Vec<u8> = base.bytes().take(2000).collect();
        // Mutate: flip, insert or cut a few bytes, keeping it UTF-8 text.
        for _ in 0..rng.gen_range(1..6) {
            if bytes.is_empty() {
                bytes.push(b'{');
            }
            let at = rng.gen_range(0..bytes.len());
            match rng.gen_range(0..3) {
                0 => {
                    let alphabet = b"{}[]\":,09eE.+-ntf\\u ";
                    bytes[at] = alphabet[rng.gen_range(0..alphabet.len())]
                }
                1 => bytes.insert(at, b"{}[]\":,"[rng.gen_range(0..7)]),
                _ => bytes.truncate(at),
            }
        }
        texts.push(String::from_utf8_lossy(&bytes).into_owned());
    }
    texts
}

/// A 4xx with a JSON error and a message.
async fn clear_refusal(what: &str, response: reqwest::Response) {
    let status = response.status();
    assert!(!status.is_server_error(), "{what}: {status}");
    if status.is_client_error() {
        let body = json_body(response).await;
        assert!(body["error"].is_string() && body["message"].is_string(), "{what}: {body}");
    }
}

#[tokio::test]
async fn ten_thousand_hostile_messages_get_clear_errors_and_the_server_keeps_serving() {
    let app = spawn_app().await;
    let mut rng = StdRng::seed_from_u64(7);
    let (_, token) = volunteer_with_device(&app, "target").await;
    let admin = app.logged_in(Role::Admin).await;
    let mut sent = 0usize;

    // The phone protocol: each hostile frame is refused with a code; the connection stays usable.
    let server = app.url.replace("http://", "ws://");
    let ws = format!("{server}/mobile/v1/ws");
    let (mut phone, welcome) = Phone::hello(&server, &token).await;
    assert_eq!(welcome["type"], "welcome");
    for text in hostile_texts(&mut rng, 3000) {
        phone.send_text(text.clone()).await;
        sent += 1;
        if sent % 200 == 0 {
            // Still alive and speaking: a ping after the noise gets a pong, errors in between.
            phone.send(json!({"type": "ping"})).await;
            loop {
                let reply = phone.receive().await;
                match reply["type"].as_str() {
                    Some("pong") => break,
                    Some("error") => assert!(reply["code"].is_string() && reply["message"].is_string(), "{reply}"),
                    _ => {}
                }
            }
        }
    }
    // Before hello, an oversized frame closes the connection with a clear error, not a crash.
    let (mut early, _) = tokio_tungstenite::connect_async(&ws).await.unwrap();
    use futures::SinkExt;
    let _ = early.send(tokio_tungstenite::tungstenite::Message::Text("x".repeat(5 << 20).into())).await;
    sent += 1;

    // OsmAnd/Traccar over GET, OwnTracks and GPX over POST, photos and CSV.
    let http = app.client();
    for text in hostile_texts(&mut rng, 2000) {
        // Within what an HTTP client sends as an address.
        let text: String = text.chars().take(1000).collect();
        let query = serde_urlencoded::to_string([
            ("id", token.as_str()),
            ("lat", &text),
            ("lon", "37.6"),
            ("timestamp", &text),
        ])
        .unwrap();
        clear_refusal("osmand", http.get(app.at(&format!("/ingest/osmand?{query}"))).send().await.unwrap()).await;
        sent += 1;
    }
    for text in hostile_texts(&mut rng, 2000) {
        let response = http
            .post(app.at("/ingest/owntracks"))
            .basic_auth("volunteer", Some(&token))
            .header("content-type", "application/json")
            .body(text)
            .send()
            .await
            .unwrap();
        clear_refusal("owntracks", response).await;
        sent += 1;
    }
    for text in hostile_texts(&mut rng, 500) {
        let gpx = format!("<?xml version=\"1.0\"?><gpx version=\"1.1\"><trk><trkseg>{text}</trkseg></trk></gpx>");
        let response = admin
            .post(app.at("/api/gpx"))
            .header("content-type", "application/gpx+xml")
            .body(gpx)
            .send()
            .await
            .unwrap();
        clear_refusal("gpx", response).await;
        sent += 1;
    }
    for text in hostile_texts(&mut rng, 300) {
        let response = http
            .post(app.at(&format!("/mobile/v1/photos?id={}", uuid::Uuid::new_v4())))
            .bearer_auth(&token)
            .header("content-type", "image/jpeg")
            .body(text.into_bytes())
            .send()
            .await
            .unwrap();
        clear_refusal("photo", response).await;
        sent += 1;
    }
    for text in hostile_texts(&mut rng, 300) {
        let response = admin
            .post(app.at("/api/registry/import?dry_run=true"))
            .header("content-type", "text/csv")
            .body(format!("name,phone\n{text}\n"))
            .send()
            .await
            .unwrap();
        clear_refusal("csv", response).await;
        sent += 1;
    }

    // Every JSON route of the API description, as an administrator, with hostile bodies and ids.
    let spec = json_body(http.get(app.at("/api/openapi.json")).send().await.unwrap()).await;
    let bodies = hostile_texts(&mut rng, 40);
    let mut routes = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for method in ["post", "put", "patch"] {
            if item.get(method).is_none() || path.contains("logout") {
                continue;
            }
            routes += 1;
            for body in &bodies {
                let mut concrete = path.clone();
                while let (Some(open), Some(close)) = (concrete.find('{'), concrete.find('}')) {
                    let id = if rng.gen_bool(0.5) { uuid::Uuid::new_v4().to_string() } else { "%00..%2F".to_string() };
                    concrete.replace_range(open..=close, &id);
                }
                let request = admin
                    .request(reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(), app.at(&concrete))
                    .header("content-type", "application/json")
                    .body(body.clone());
                let response = request.send().await.unwrap();
                clear_refusal(&format!("{method} {path}"), response).await;
                sent += 1;
            }
        }
    }
    assert!(routes > 50, "only {routes} routes with a body");
    assert!(sent >= 10_000, "only {sent} messages");

    // After all that, a good batch is stored and acknowledged.
    let (mut fresh, _) = Phone::hello(&server, &token).await;
    let at = chrono::Utc::now() - chrono::Duration::seconds(5);
    fresh.send(json!({"type": "positions", "seq": 1, "fixes": [fix(at, 56.0, 37.0)]})).await;
    assert_eq!(fresh.next_of("ack").await["seq"], 1);
    let health = http.get(app.at("/readyz")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
}
