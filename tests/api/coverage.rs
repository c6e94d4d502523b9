//! Coverage from tracks, against figures worked out by hand: a straight track through a square,
//! two passes over it, and what must not count (driving, poor accuracy, a long gap).

use chrono::{DateTime, Duration, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::field::{case_with_operation, join};
use crate::helpers::{json_body, spawn_app, TestApp};
use crate::tracking::{volunteer_with_device, Phone};

const METRES_PER_DEGREE: f64 = 111_320.0;

/// A walk due north from `(lat, lon)` over `metres`, a fix every `every_s` seconds at `speed`.
fn walk(start: DateTime<Utc>, lat: f64, lon: f64, metres: f64, speed: f64, every_s: i64, accuracy: f64) -> Vec<Value> {
    let step = speed * every_s as f64;
    let count = (metres / step).round() as i64;
    (0..=count)
        .map(|n| {
            json!({"time": (start + Duration::seconds(n * every_s)).to_rfc3339(),
                   "lat": lat + (n as f64 * step) / METRES_PER_DEGREE, "lon": lon, "accuracy": accuracy})
        })
        .collect()
}

/// Metres east of `lon` at latitude `lat`, in degrees.
fn east(lat: f64, metres: f64) -> f64 {
    metres / (METRES_PER_DEGREE * lat.to_radians().cos())
}

struct Search {
    app: TestApp,
    operation: String,
    coordinator: reqwest::Client,
    /// The full square nearest the area's centre, and its centre.
    square: i64,
    centre: (f64, f64),
}

async fn search() -> Search {
    let app = spawn_app().await;
    let (_, operation, _, coordinator) = case_with_operation(&app).await;
    let (lat, lon) = (56.1, 36.8);
    let (dlat, dlon) = (600.0 / METRES_PER_DEGREE, east(lat, 600.0));
    let ring = [
        [lon - dlon, lat - dlat],
        [lon + dlon, lat - dlat],
        [lon + dlon, lat + dlat],
        [lon - dlon, lat + dlat],
        [lon - dlon, lat - dlat],
    ];
    let area = json_body(
        coordinator
            .post(app.at(&format!("/api/operations/{operation}/areas")))
            .json(&json!({"name": "Лес", "geometry": {"type": "Polygon", "coordinates": [ring]}}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let area_id = area["id"].as_str().unwrap();
    let drawn = coordinator.post(app.at(&format!("/api/areas/{area_id}/grid"))).json(&json!({})).send().await.unwrap();
    assert_eq!(drawn.status(), StatusCode::OK);
    let (square, clat, clon): (i64, f64, f64) = sqlx::query_as(
        "SELECT id, ST_Y(ST_Centroid(geom)), ST_X(ST_Centroid(geom)) FROM grid_cells
         WHERE area_m2 > 62499 ORDER BY ST_Distance(ST_Centroid(geom), ST_SetSRID(ST_MakePoint($2, $1), 4326)) LIMIT 1",
    )
    .bind(lat)
    .bind(lon)
    .fetch_one(&app.db)
    .await
    .unwrap();
    Search { app, operation, coordinator, square, centre: (clat, clon) }
}

impl Search {
    /// A volunteer in the operation (since two hours ago) who sends `fixes`.
    async fn volunteer_sends(&self, login: &str, fixes: Vec<Value>) {
        let (volunteer, token) = volunteer_with_device(&self.app, login).await;
        join(&self.app, &self.coordinator, &self.operation, volunteer, None).await;
        sqlx::query("UPDATE operation_members SET joined_at = now() - interval '2 hours' WHERE volunteer_id = $1")
            .bind(volunteer)
            .execute(&self.app.db)
            .await
            .unwrap();
        let (mut phone, _) = Phone::hello(&self.app.url, &token).await;
        for (seq, batch) in fixes.chunks(500).enumerate() {
            assert_eq!(phone.batch(seq as u64 + 1, batch.to_vec()).await["type"], "ack");
        }
    }

    /// Recomputes, then answers the square's (geometric, effort, pod, sorties).
    async fn square(&self) -> (f64, f64, f64, i64) {
        let url = self.app.at(&format!("/api/operations/{}/coverage/recompute", self.operation));
        let recomputed = self.coordinator.post(url).send().await.unwrap();
        assert_eq!(recomputed.status(), StatusCode::OK, "{}", recomputed.text().await.unwrap());
        let url = self.app.at(&format!("/api/operations/{}/squares", self.operation));
        let squares = json_body(self.coordinator.get(url).send().await.unwrap()).await;
        let square = squares["features"].as_array().unwrap().iter().find(|s| s["id"] == self.square).unwrap().clone();
        let p = &square["properties"];
        (
            p["geometric"].as_f64().unwrap(),
            p["effort"].as_f64().unwrap(),
            p["pod"].as_f64().unwrap(),
            p["sorties"].as_i64().unwrap(),
        )
    }
}

fn near(value: f64, expected: f64, tolerance: f64) -> bool {
    (value - expected).abs() <= expected * tolerance
}

#[tokio::test]
async fn a_straight_track_through_a_square_and_a_second_pass_give_the_textbook_coverage() {
    let search = search().await;
    let (lat, lon) = search.centre;
    let start = Utc::now() - Duration::hours(1);
    // 1 km due north through the middle of a 250 m square, a fix every 5 s at 1.2 m/s; W = 20 m.
    let line = walk(start, lat - 500.0 / METRES_PER_DEGREE, lon, 1000.0, 1.2, 5, 5.0);
    search.volunteer_sends("first", line.clone()).await;
    let (geometric, effort, pod, sorties) = search.square().await;
    // By hand: the track crosses the square, L = 250 m (the meridian is ~1.8° off the grid's
    // north here: 250 / cos 1.8° = 250.1 m). C = 20 × 250 / 62,500 = 0.08; POD = 1 − e^(−0.08)
    // = 7.69%; the swept strip is 20 m × 250 m = 5,000 m², 8% of the square.
    assert_eq!(sorties, 1);
    assert!(near(effort, 0.08, 0.01), "effort coverage {effort}");
    assert!(near(pod, 0.0769, 0.01), "POD {pod}");
    assert!(near(geometric, 0.08, 0.01), "geometric coverage {geometric}");

    // A second volunteer walks the same line: the strip is not counted twice, the effort is.
    let later = walk(start + Duration::minutes(20), lat - 500.0 / METRES_PER_DEGREE, lon, 1000.0, 1.2, 5, 5.0);
    search.volunteer_sends("second", later).await;
    let (geometric, effort, pod, sorties) = search.square().await;
    assert_eq!(sorties, 2);
    assert!(near(geometric, 0.08, 0.01), "geometric coverage does not double-count: {geometric}");
    assert!(near(effort, 0.16, 0.01), "effort coverage {effort}");
    // Cumulative POD: 1 − (1 − 0.0769)² = 1 − e^(−0.16) = 14.79%.
    assert!(near(pod, 0.1479, 0.01), "cumulative POD {pod}");
    // Who searched it, and when.
    let url = search.app.at(&format!("/api/squares/{}/sorties", search.square));
    let sorties = json_body(search.coordinator.get(url).send().await.unwrap()).await;
    let names: Vec<&str> = sorties.as_array().unwrap().iter().map(|s| s["volunteer_name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Test first", "Test second"]);
    assert!(near(sorties[0]["effort"].as_f64().unwrap(), 0.08, 0.01));

    // The coordinator widens the sweep (open forest): everything is computed again at once.
    let url = search.app.at(&format!("/api/operations/{}", search.operation));
    let widened = search.coordinator.patch(&url).json(&json!({"sweep_width_m": 40})).send().await.unwrap();
    assert_eq!(json_body(widened).await["sweep_width_m"], 40.0);
    let (geometric, effort, _, _) = search.square().await;
    assert!(near(geometric, 0.16, 0.01) && near(effort, 0.32, 0.01), "{geometric} {effort}");
    let zero = search.coordinator.patch(&url).json(&json!({"sweep_width_m": 0})).send().await.unwrap();
    crate::helpers::expect_error(zero, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
}

#[tokio::test]
async fn driving_poor_accuracy_and_a_long_gap_do_not_count_as_searching() {
    let search = search().await;
    let (lat, lon) = search.centre;
    let start = Utc::now() - Duration::hours(1);
    let south = lat - 500.0 / METRES_PER_DEGREE;
    // Driven at 15 m/s (54 km/h), 40 m east of the middle.
    search.volunteer_sends("driver", walk(start, south, lon + east(lat, 40.0), 1000.0, 15.0, 1, 5.0)).await;
    // Walked, but every fix ±80 m, 60 m west of the middle.
    search.volunteer_sends("foggy", walk(start, south, lon - east(lat, 60.0), 1000.0, 1.2, 5, 80.0)).await;
    // Two fixes 10 minutes apart on either side of the square: not joined by a line.
    let gap = vec![
        json!({"time": start.to_rfc3339(), "lat": lat - 200.0 / METRES_PER_DEGREE, "lon": lon, "accuracy": 5.0}),
        json!({"time": (start + Duration::minutes(10)).to_rfc3339(), "lat": lat + 200.0 / METRES_PER_DEGREE, "lon": lon, "accuracy": 5.0}),
    ];
    search.volunteer_sends("silent", gap).await;
    assert_eq!(search.square().await, (0.0, 0.0, 0.0, 0), "nothing there counts");

    // The same walk at walking pace with good fixes does count.
    search.volunteer_sends("walker", walk(start, south, lon + east(lat, 40.0), 1000.0, 1.2, 5, 5.0)).await;
    let (geometric, effort, _, sorties) = search.square().await;
    assert_eq!(sorties, 1);
    assert!(near(effort, 0.08, 0.01) && near(geometric, 0.08, 0.01), "{effort} {geometric}");
}

#[tokio::test]
async fn coverage_follows_each_stored_batch_and_equals_a_full_recompute() {
    let search = search().await;
    let mut tokens = Vec::new();
    for login in ["line-1", "line-2", "line-3"] {
        let (volunteer, token) = volunteer_with_device(&search.app, login).await;
        join(&search.app, &search.coordinator, &search.operation, volunteer, None).await;
        tokens.push(token);
    }
    sqlx::query("UPDATE operation_members SET joined_at = now() - interval '2 hours'")
        .execute(&search.app.db)
        .await
        .unwrap();
    // Twenty minutes of a line search in ten seconds, with signal gaps (late batches).
    let config = mobile_api::sim::SimConfig {
        server: search.app.url.clone(),
        center: mobile_api::Point { lat: 56.1, lon: 36.8 },
        square_m: 600.0,
        duration_s: 1200.0,
        speedup: 120.0,
        gap_every_s: 120.0,
        gap_length_s: 40.0,
        seed: 11,
        ..Default::default()
    };
    let summary = mobile_api::sim::run(config, tokens, std::future::pending()).await.unwrap();
    assert!(summary.flushed, "{summary}");

    // The worker applies every stored batch (each square only from the batches that touch it).
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let queued: i64 =
            sqlx::query_scalar("SELECT count(*) FROM coverage_queue").fetch_one(&search.app.db).await.unwrap();
        if queued == 0 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{queued} batches still waiting for coverage");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let read = || async {
        let url = search.app.at(&format!("/api/operations/{}/squares", search.operation));
        let squares = json_body(search.coordinator.get(url).send().await.unwrap()).await;
        squares["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                let p = &s["properties"];
                (
                    s["id"].as_i64().unwrap(),
                    p["geometric"].as_f64().unwrap(),
                    p["effort"].as_f64().unwrap(),
                    p["sorties"].as_i64().unwrap(),
                )
            })
            .collect::<Vec<_>>()
    };
    let incremental = read().await;
    assert!(incremental.iter().filter(|s| s.1 > 0.0).count() >= 3, "the walk covered squares: {incremental:?}");

    let url = search.app.at(&format!("/api/operations/{}/coverage/recompute", search.operation));
    assert_eq!(search.coordinator.post(url).send().await.unwrap().status(), StatusCode::OK);
    let full = read().await;
    assert_eq!(incremental.len(), full.len());
    for (a, b) in incremental.iter().zip(&full) {
        assert_eq!((a.0, a.3), (b.0, b.3), "square {}: sorties", a.0);
        // Strips are buffered a run of segments at a time, and a run cut at a batch's end has
        // round caps where the whole run has a round join: well under a square metre apart.
        assert!((a.1 - b.1).abs() < 1e-4, "square {}: geometric {} incremental, {} recomputed", a.0, a.1, b.1);
        assert!((a.2 - b.2).abs() < 1e-6, "square {}: effort {} incremental, {} recomputed", a.0, a.2, b.2);
    }
}

#[tokio::test]
async fn probability_of_area_moves_out_of_searched_squares_and_always_adds_up_to_one() {
    let search = search().await;
    let (lat, lon) = search.centre;
    let operation = &search.operation;
    let other: i64 = sqlx::query_scalar("SELECT id FROM grid_cells WHERE id <> $1 ORDER BY id LIMIT 1")
        .bind(search.square)
        .fetch_one(&search.app.db)
        .await
        .unwrap();
    // By hand: three parts in the square that will be searched, one in another.
    let weights = json!({"squares": [{"id": search.square, "weight": 3}, {"id": other, "weight": 1}]});
    let set =
        search.coordinator.put(search.app.at(&format!("/api/operations/{operation}/poa"))).json(&weights).send().await;
    assert_eq!(set.unwrap().status(), StatusCode::NO_CONTENT);
    let start = Utc::now() - Duration::hours(1);
    search.volunteer_sends("searcher", walk(start, lat - 500.0 / METRES_PER_DEGREE, lon, 1000.0, 1.2, 5, 5.0)).await;
    search.square().await;
    let squares = json_body(
        search.coordinator.get(search.app.at(&format!("/api/operations/{operation}/squares"))).send().await.unwrap(),
    )
    .await;
    let props =
        |id: i64| squares["features"].as_array().unwrap().iter().find(|s| s["id"] == id).unwrap()["properties"].clone();
    let (searched, elsewhere) = (props(search.square), props(other));
    assert_eq!((searched["poa_initial"].as_f64(), elsewhere["poa_initial"].as_f64()), (Some(0.75), Some(0.25)));
    // Bayes by hand: 0.75 × (1 − 0.0769) = 0.6923 stays; 0.25 elsewhere; total 0.9423.
    let pod = searched["pod"].as_f64().unwrap();
    let expected = 0.75 * (1.0 - pod) / (0.75 * (1.0 - pod) + 0.25);
    assert!((searched["poa"].as_f64().unwrap() - expected).abs() < 1e-9);
    assert!(elsewhere["poa"].as_f64().unwrap() > 0.25, "the unsearched square's POA rises");
    let total: f64 =
        squares["features"].as_array().unwrap().iter().map(|s| s["properties"]["poa"].as_f64().unwrap()).sum();
    assert!((total - 1.0).abs() < 1e-9, "POA adds up to 1: {total}");
    assert!((searched["pos"].as_f64().unwrap() - 0.75 * pod).abs() < 1e-9, "POS = POA × POD");

    // By distance rings from the last-seen point: none yet, then one in the middle.
    let rings = search.app.at(&format!("/api/operations/{operation}/poa/rings"));
    let refused = search.coordinator.post(&rings).json(&json!({})).send().await.unwrap();
    crate::helpers::expect_error(refused, StatusCode::UNPROCESSABLE_ENTITY, "no_last_seen_point").await;
    let case: String = sqlx::query_scalar("SELECT case_id::text FROM operations WHERE id = $1::uuid")
        .bind(operation)
        .fetch_one(&search.app.db)
        .await
        .unwrap();
    let card =
        json_body(search.coordinator.get(search.app.at(&format!("/api/cases/{case}"))).send().await.unwrap()).await;
    let seen = search
        .coordinator
        .patch(search.app.at(&format!("/api/cases/{case}")))
        .json(&json!({"version": card["version"], "last_seen": {"lat": lat, "lon": lon}}))
        .send()
        .await
        .unwrap();
    assert_eq!(seen.status(), StatusCode::OK, "{}", seen.text().await.unwrap());
    let bad = search.coordinator.post(&rings).json(&json!({"rings_m": [500, 300, 900, 1200]})).send().await.unwrap();
    crate::helpers::expect_error(bad, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
    let set = search.coordinator.post(&rings).json(&json!({"rings_m": [100, 200, 400, 800]})).send().await.unwrap();
    assert_eq!(set.status(), StatusCode::NO_CONTENT);
    let squares = json_body(
        search.coordinator.get(search.app.at(&format!("/api/operations/{operation}/squares"))).send().await.unwrap(),
    )
    .await;
    let features = squares["features"].as_array().unwrap();
    let initial: f64 = features.iter().map(|s| s["properties"]["poa_initial"].as_f64().unwrap()).sum();
    assert!((initial - 1.0).abs() < 1e-9, "initial POA adds up to 1: {initial}");
    let best = features
        .iter()
        .max_by(|a, b| {
            a["properties"]["poa_initial"].as_f64().partial_cmp(&b["properties"]["poa_initial"].as_f64()).unwrap()
        })
        .unwrap();
    assert_eq!(best["id"], search.square, "the square at the last-seen point is the likeliest");
}

#[tokio::test]
async fn a_tasks_search_is_its_own_sortie_with_the_tasks_sweep_width() {
    let search = search().await;
    let (lat, lon) = search.centre;
    let group: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM operation_groups LIMIT 1").fetch_one(&search.app.db).await.unwrap();
    let (volunteer, token) = volunteer_with_device(&search.app, "in-group").await;
    join(&search.app, &search.coordinator, &search.operation, volunteer, Some(&group.to_string())).await;
    sqlx::query("UPDATE operation_members SET joined_at = now() - interval '2 hours'")
        .execute(&search.app.db)
        .await
        .unwrap();
    // Open forest for this task: 40 m.
    let task = json_body(
        search
            .coordinator
            .post(search.app.at(&format!("/api/operations/{}/tasks", search.operation)))
            .json(&json!({"title": "Квадрат", "search_type": "line", "group_id": group, "sweep_width_m": 40, "square_ids": [search.square]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let task_id = task["id"].as_str().unwrap();
    let started = search
        .coordinator
        .post(search.app.at(&format!("/api/tasks/{task_id}/status")))
        .json(&json!({"status": "in_progress"}))
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), StatusCode::OK);
    // The group started ninety minutes ago (the walk below is an hour old).
    sqlx::query("UPDATE tasks SET started_at = now() - interval '90 minutes'").execute(&search.app.db).await.unwrap();
    let (mut phone, _) = Phone::hello(&search.app.url, &token).await;
    let line = walk(Utc::now() - Duration::hours(1), lat - 500.0 / METRES_PER_DEGREE, lon, 1000.0, 1.2, 5, 5.0);
    assert_eq!(phone.batch(1, line).await["type"], "ack");
    let (geometric, effort, _, sorties) = search.square().await;
    // By hand: C = 40 × 250 / 62,500 = 0.16; the strip is 40 m wide: 16% of the square.
    assert_eq!(sorties, 1);
    assert!(near(effort, 0.16, 0.01) && near(geometric, 0.16, 0.01), "{effort} {geometric}");
    let sortie: (String, f32) = sqlx::query_as("SELECT sortie, sweep_width_m FROM square_sorties WHERE cell_id = $1")
        .bind(search.square)
        .fetch_one(&search.app.db)
        .await
        .unwrap();
    assert_eq!(sortie, (format!("task:{task_id}"), 40.0));
}

#[tokio::test]
async fn an_operation_exports_its_areas_squares_and_tracks_as_geojson_kml_and_gpx() {
    let search = search().await;
    let (lat, lon) = search.centre;
    search
        .volunteer_sends(
            "exported",
            walk(Utc::now() - Duration::hours(1), lat - 500.0 / METRES_PER_DEGREE, lon, 1000.0, 1.2, 5, 5.0),
        )
        .await;
    search.square().await;
    let url = |format: &str| search.app.at(&format!("/api/operations/{}/export?format={format}", search.operation));

    let geo = search.coordinator.get(url("geojson")).send().await.unwrap();
    assert_eq!(geo.headers()["content-type"], "application/geo+json");
    let geo: Value = serde_json::from_str(&geo.text().await.unwrap()).unwrap();
    let kinds: std::collections::BTreeSet<&str> =
        geo["features"].as_array().unwrap().iter().map(|f| f["properties"]["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds.into_iter().collect::<Vec<_>>(), ["area", "square", "track"]);
    let covered = geo["features"].as_array().unwrap().iter().find(|f| f["id"] == search.square).unwrap();
    assert!(covered["properties"]["geometric"].as_f64().unwrap() > 0.07);

    let kml = search.coordinator.get(url("kml")).send().await.unwrap().text().await.unwrap();
    let mut reader = quick_xml::Reader::from_str(&kml);
    let mut placemarks = 0;
    loop {
        match reader.read_event().expect("well-formed KML") {
            quick_xml::events::Event::Start(e) if e.local_name().as_ref() == b"Placemark" => placemarks += 1,
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    let squares = geo["features"].as_array().unwrap().iter().filter(|f| f["properties"]["kind"] == "square").count();
    assert_eq!(placemarks, 1 + squares + 1, "the area, every square, the track");
    assert!(kml.contains("<Data name=\"coverage\">"));

    let gpx = search.coordinator.get(url("gpx")).send().await.unwrap().text().await.unwrap();
    let parsed = sweep::tracking::gpx::parse(gpx.as_bytes(), Utc::now()).expect("valid GPX");
    assert_eq!(parsed.tracks, 2, "the volunteer's track and the area's outline");
    assert_eq!(parsed.segments[0].len(), 168, "every fix of the walk");

    let bad = search.coordinator.get(url("shp")).send().await.unwrap();
    crate::helpers::expect_error(bad, StatusCode::BAD_REQUEST, "invalid_format").await;
}
