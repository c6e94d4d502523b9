//! Squares over a search area: drawn in the area's UTM zone, clipped to it, labelled from the
//! top-left («А-1»), stable when redrawn; on either side of a zone line and south of the equator.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::field::case_with_operation;
use crate::helpers::{expect_error, json_body, spawn_app, TestApp};

/// A square area `side_m` wide around a point, as a GeoJSON polygon.
fn square_around(lat: f64, lon: f64, side_m: f64) -> Value {
    let dlat = side_m / 2.0 / 111_320.0;
    let dlon = side_m / 2.0 / (111_320.0 * lat.to_radians().cos());
    let ring = [
        [lon - dlon, lat - dlat],
        [lon + dlon, lat - dlat],
        [lon + dlon, lat + dlat],
        [lon - dlon, lat + dlat],
        [lon - dlon, lat - dlat],
    ];
    json!({"type": "Polygon", "coordinates": [ring]})
}

async fn area(app: &TestApp, client: &reqwest::Client, operation: &str, geometry: Value) -> Value {
    let response = client
        .post(app.at(&format!("/api/operations/{operation}/areas")))
        .json(&json!({"name": "Лес", "geometry": geometry}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    json_body(response).await
}

async fn draw(app: &TestApp, client: &reqwest::Client, area: &Value, size: i32) -> Value {
    let id = area["id"].as_str().unwrap();
    let response =
        client.post(app.at(&format!("/api/areas/{id}/grid"))).json(&json!({"cell_size_m": size})).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    json_body(response).await
}

async fn squares(app: &TestApp, client: &reqwest::Client, operation: &str, language: &str) -> Vec<Value> {
    let url = app.at(&format!("/api/operations/{operation}/squares?language={language}"));
    json_body(client.get(url).send().await.unwrap()).await["features"].as_array().unwrap().clone()
}

/// The mean latitude of a square's outline.
fn mean_latitude(square: &Value) -> f64 {
    let ring = square["geometry"]["coordinates"][0][0].as_array().unwrap();
    ring.iter().map(|p| p[1].as_f64().unwrap()).sum::<f64>() / ring.len() as f64
}

fn labels(squares: &[Value]) -> Vec<String> {
    squares.iter().map(|s| s["properties"]["label"].as_str().unwrap().to_string()).collect()
}

fn total_area(squares: &[Value]) -> f64 {
    squares.iter().map(|s| s["properties"]["area_m2"].as_f64().unwrap()).sum()
}

#[tokio::test]
async fn an_area_is_split_into_labelled_squares_that_cover_it_exactly_and_keep_their_labels() {
    let app = spawn_app().await;
    let (_, operation, _, coordinator) = case_with_operation(&app).await;
    let forest = area(&app, &coordinator, &operation, square_around(56.1, 36.8, 1000.0)).await;
    assert!((forest["area_m2"].as_f64().unwrap() - 1e6).abs() < 1e4, "{forest}");

    let grid = draw(&app, &coordinator, &forest, 250).await;
    assert_eq!((grid["srid"].as_i64(), grid["cell_size_m"].as_i64()), (Some(32637), Some(250)));
    let drawn = squares(&app, &coordinator, &operation, "ru").await;
    // A 1 km square not aligned with the UTM grid: 16 whole squares' worth, in 16 to 25 pieces.
    assert!((16..=25).contains(&drawn.len()), "{} squares", drawn.len());
    let covered = total_area(&drawn);
    assert!((covered - forest["area_m2"].as_f64().unwrap()).abs() / covered < 0.005, "squares cover {covered} m²");
    assert!(drawn.iter().all(|s| s["properties"]["area_m2"].as_f64().unwrap() <= 62_500.5));
    let ru = labels(&drawn);
    assert!(ru.contains(&"А-1".to_string()) && ru.contains(&"Б-2".to_string()), "{ru:?}");
    let mut unique = ru.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ru.len(), "every label once");
    // The top row is А: its squares lie north of row Б's.
    let latitude = |label: &str| -> f64 {
        let square = drawn.iter().find(|s| s["properties"]["label"] == label).unwrap();
        mean_latitude(square)
    };
    assert!(latitude("А-2") > latitude("Б-2"));
    let en = labels(&squares(&app, &coordinator, &operation, "en").await);
    assert!(en.contains(&"B-2".to_string()));

    // The operation's areas say how they are split.
    let areas =
        json_body(coordinator.get(app.at(&format!("/api/operations/{operation}/areas"))).send().await.unwrap()).await;
    assert_eq!(areas[0]["id"], forest["id"]);
    assert_eq!((areas[0]["cell_size_m"].as_i64(), areas[0]["squares"].as_u64()), (Some(250), Some(drawn.len() as u64)));
    assert_eq!(areas[0]["geometry"]["type"], "Polygon");
    assert_eq!(drawn[0]["properties"]["area_name"], "Лес");

    // Drawn again at the same size: the same squares, ids and labels.
    draw(&app, &coordinator, &forest, 250).await;
    let again = squares(&app, &coordinator, &operation, "ru").await;
    let ids = |s: &[Value]| s.iter().map(|s| (s["id"].clone(), s["properties"]["label"].clone())).collect::<Vec<_>>();
    assert_eq!(ids(&again), ids(&drawn));

    // Another size replaces the grid.
    let coarse = draw(&app, &coordinator, &forest, 500).await;
    assert_ne!(coarse["id"], grid["id"]);
    let bigger = squares(&app, &coordinator, &operation, "ru").await;
    assert!((4..=9).contains(&bigger.len()), "{} squares of 500 m", bigger.len());
    assert!((total_area(&bigger) - covered).abs() / covered < 0.001);
}

#[tokio::test]
async fn squares_are_drawn_across_a_utm_zone_line_and_south_of_the_equator() {
    let app = spawn_app().await;
    let (_, operation, _, coordinator) = case_with_operation(&app).await;
    // Astride 36° E, the line between zones 36 and 37.
    let astride = area(&app, &coordinator, &operation, square_around(56.1, 36.0, 2000.0)).await;
    let grid = draw(&app, &coordinator, &astride, 250).await;
    assert!([32636, 32637].contains(&grid["srid"].as_i64().unwrap()));
    let drawn = squares(&app, &coordinator, &operation, "en").await;
    let expected = astride["area_m2"].as_f64().unwrap();
    assert!((total_area(&drawn) - expected).abs() / expected < 0.005, "{} vs {expected}", total_area(&drawn));

    // Cape Town: zone 34 south.
    let (_, south, _, _) = case_with_operation(&app).await;
    let table_mountain = area(&app, &coordinator, &south, square_around(-33.96, 18.40, 1000.0)).await;
    let grid = draw(&app, &coordinator, &table_mountain, 250).await;
    assert_eq!(grid["srid"], 32734);
    let drawn = squares(&app, &coordinator, &south, "en").await;
    let north_of = |label: &str| -> f64 {
        let square = drawn.iter().find(|s| s["properties"]["label"] == label).unwrap();
        mean_latitude(square)
    };
    assert!(north_of("A-2") > north_of("B-2"), "row A is the northernmost south of the equator too");
}

#[tokio::test]
async fn shapes_that_are_not_areas_and_impossible_sizes_are_refused() {
    let app = spawn_app().await;
    let (_, operation, _, coordinator) = case_with_operation(&app).await;
    let post = |geometry: Value| {
        coordinator
            .post(app.at(&format!("/api/operations/{operation}/areas")))
            .json(&json!({"name": "x", "geometry": geometry}))
    };
    let point = post(json!({"type": "Point", "coordinates": [36.8, 56.1]})).send().await.unwrap();
    expect_error(point, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
    let bowtie = json!({"type": "Polygon", "coordinates": [[[36.0, 56.0], [36.1, 56.1], [36.1, 56.0], [36.0, 56.1], [36.0, 56.0]]]});
    expect_error(post(bowtie).send().await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
    let garbage = json!({"type": "Polygon", "coordinates": "north"});
    expect_error(post(garbage).send().await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
    let huge = square_around(56.0, 37.0, 100_000.0);
    expect_error(post(huge).send().await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;

    let forest = area(&app, &coordinator, &operation, square_around(56.1, 36.8, 1000.0)).await;
    let id = forest["id"].as_str().unwrap();
    let tiny = coordinator
        .post(app.at(&format!("/api/areas/{id}/grid")))
        .json(&json!({"cell_size_m": 10}))
        .send()
        .await
        .unwrap();
    expect_error(tiny, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
}

#[tokio::test]
async fn areas_are_imported_from_kml_and_gpx_files() {
    let app = spawn_app().await;
    let (_, operation, _, coordinator) = case_with_operation(&app).await;
    let url = app.at(&format!("/api/operations/{operation}/areas/import"));
    let kml = r#"<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><name>Квадрат из CalTopo</name>
        <Polygon><outerBoundaryIs><LinearRing><coordinates>36.79,56.09,0 36.81,56.09,0 36.81,56.1,0 36.79,56.1,0 36.79,56.09,0</coordinates>
        </LinearRing></outerBoundaryIs></Polygon></Placemark></kml>"#;
    let imported = coordinator
        .post(&url)
        .header("content-type", "application/vnd.google-earth.kml+xml")
        .body(kml)
        .send()
        .await
        .unwrap();
    assert_eq!(imported.status(), StatusCode::CREATED);
    let area = json_body(imported).await;
    assert_eq!(area["name"], "Квадрат из CalTopo");
    assert!((area["area_m2"].as_f64().unwrap() - 1.38e6).abs() < 0.05e6, "{area}");

    let gpx = r#"<gpx version="1.1"><trk><trkseg><trkpt lat="56.12" lon="36.79"/><trkpt lat="56.12" lon="36.80"/>
        <trkpt lat="56.125" lon="36.80"/><trkpt lat="56.125" lon="36.79"/></trkseg></trk></gpx>"#;
    let walked = coordinator
        .post(format!("{url}?name=Обход"))
        .header("content-type", "application/gpx+xml")
        .body(gpx)
        .send()
        .await
        .unwrap();
    assert_eq!(walked.status(), StatusCode::CREATED);
    assert_eq!(json_body(walked).await["name"], "Обход");
    let areas =
        json_body(coordinator.get(app.at(&format!("/api/operations/{operation}/areas"))).send().await.unwrap()).await;
    assert_eq!(areas.as_array().unwrap().len(), 2);

    let plain = coordinator.post(&url).header("content-type", "text/plain").body(kml).send().await.unwrap();
    expect_error(plain, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type").await;
    let point = r#"<kml><Placemark><Point><coordinates>36.8,56.1</coordinates></Point></Placemark></kml>"#;
    let nothing = coordinator.post(&url).header("content-type", "application/xml").body(point).send().await.unwrap();
    expect_error(nothing, StatusCode::UNPROCESSABLE_ENTITY, "invalid_file").await;
}

#[tokio::test]
async fn an_area_is_redrawn_until_its_squares_are_searched() {
    let app = spawn_app().await;
    let (_, operation, _, coordinator) = case_with_operation(&app).await;
    let forest = area(&app, &coordinator, &operation, square_around(56.1, 36.8, 1000.0)).await;
    draw(&app, &coordinator, &forest, 250).await;
    let before = labels(&squares(&app, &coordinator, &operation, "ru").await);
    let id = forest["id"].as_str().unwrap();
    let grown = coordinator
        .patch(app.at(&format!("/api/areas/{id}")))
        .json(&json!({"name": "Лес побольше", "geometry": square_around(56.1, 36.8, 1500.0)}))
        .send()
        .await
        .unwrap();
    assert_eq!(grown.status(), StatusCode::OK);
    let grown = json_body(grown).await;
    assert_eq!(grown["name"], "Лес побольше");
    assert!(grown["area_m2"].as_f64().unwrap() > 2.2e6);
    let after = squares(&app, &coordinator, &operation, "ru").await;
    assert!(after.len() > before.len(), "the squares were drawn again over the larger outline");
    assert!((total_area(&after) - grown["area_m2"].as_f64().unwrap()).abs() / total_area(&after) < 0.005);

    // Once searched, the outline stays.
    sqlx::query(
        "INSERT INTO square_coverage (cell_id, swept, geometric) SELECT id, geom_utm, 1 FROM grid_cells LIMIT 1",
    )
    .execute(&app.db)
    .await
    .unwrap();
    let moved = coordinator
        .patch(app.at(&format!("/api/areas/{id}")))
        .json(&json!({"geometry": square_around(56.2, 36.8, 1000.0)}))
        .send()
        .await
        .unwrap();
    expect_error(moved, StatusCode::CONFLICT, "area_searched").await;
}
