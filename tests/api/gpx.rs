//! GPX imports: multi-track, multi-segment files with repeated and missing times keep every
//! point; waypoints become clues; the same file is imported once.

use reqwest::StatusCode;
use serde_json::json;
use sweep::auth::Role;

use crate::helpers::{expect_error, json_body, spawn_app, PASSWORD};

const FILE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<gpx xmlns="http://www.topografix.com/GPX/1/1" version="1.1" creator="OsmAnd 4.8">
  <wpt lat="56.1001" lon="36.8002"><time>2026-11-21T10:05:00Z</time><name>Следы</name><desc>следы сапог у ручья</desc></wpt>
  <trk><name>Квадрат Б-7</name>
    <trkseg>
      <trkpt lat="56.1000" lon="36.8000"><ele>180</ele><time>2026-11-21T10:00:00Z</time><extensions><osmand:speed>1.1</osmand:speed></extensions></trkpt>
      <trkpt lat="56.1001" lon="36.8001"></trkpt>
      <trkpt lat="56.1002" lon="36.8002"><time>2026-11-21T10:00:10Z</time></trkpt>
      <trkpt lat="56.1003" lon="36.8003"><time>2026-11-21T10:00:10Z</time></trkpt>
    </trkseg>
    <trkseg><trkpt lat="56.2000" lon="36.9000"><time>2026-11-21T11:00:00Z</time></trkpt></trkseg>
  </trk>
  <trk><trkseg><trkpt lat="56.3" lon="36.7"/><trkpt lat="56.31" lon="36.71"/></trkseg></trk>
</gpx>"#;

#[tokio::test]
async fn a_navigators_file_keeps_every_point_adds_its_waypoints_as_clues_and_is_imported_once() {
    let app = spawn_app().await;
    let volunteer = app.create_user("navigator", Role::Volunteer).await;
    let dispatcher = app.logged_in(Role::Dispatcher).await;
    let case = json_body(
        dispatcher
            .post(app.at("/api/cases"))
            .json(&json!({"full_name": "Тест", "category": "adult"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let case_id = case["id"].as_str().unwrap();
    let url = app.at(&format!("/api/gpx?volunteer_id={volunteer}&case_id={case_id}&file_name=eTrex.gpx"));
    let first = dispatcher.post(&url).header("content-type", "application/gpx+xml").body(FILE).send().await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let import = json_body(first).await;
    assert_eq!(
        (
            import["tracks"].as_i64(),
            import["segments"].as_i64(),
            import["points"].as_i64(),
            import["waypoints"].as_i64()
        ),
        (Some(2), Some(3), Some(7), Some(1))
    );

    let chunks: Vec<(i32, String)> = sqlx::query_as(
        "SELECT fix_count, source FROM track_chunks WHERE volunteer_id = $1 ORDER BY first_at, fix_count",
    )
    .bind(volunteer)
    .fetch_all(&app.db)
    .await
    .unwrap();
    let total: i32 = chunks.iter().map(|c| c.0).sum();
    assert_eq!(total, 7, "every point is kept: {chunks:?}");
    assert!(chunks.iter().all(|c| c.1 == "gpx"));
    let log = json_body(dispatcher.get(app.at(&format!("/api/cases/{case_id}/journal"))).send().await.unwrap()).await;
    let clue = log["entries"].as_array().unwrap().iter().find(|e| e["kind"] == "clue").expect("the waypoint is a clue");
    assert_eq!(clue["text"], "Следы: следы сапог у ручья");
    assert_eq!(clue["location"]["lat"], 56.1001);

    let again = dispatcher.post(&url).header("content-type", "application/gpx+xml").body(FILE).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(json_body(again).await["id"], import["id"]);
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM track_chunks").fetch_one(&app.db).await.unwrap();
    assert_eq!(count, 3, "imported once");

    let broken = dispatcher
        .post(&url)
        .header("content-type", "application/gpx+xml")
        .body("<gpx><trk><trkseg><trkpt lat=\"north\" lon=\"1\"/></trkseg></trk></gpx>")
        .send()
        .await
        .unwrap();
    expect_error(broken, StatusCode::UNPROCESSABLE_ENTITY, "invalid_gpx").await;
    let not_gpx = dispatcher.post(&url).header("content-type", "application/xml").body("<kml/>").send().await.unwrap();
    expect_error(not_gpx, StatusCode::UNPROCESSABLE_ENTITY, "invalid_gpx").await;
    let impossible = dispatcher
        .post(&url)
        .header("content-type", "text/xml")
        .body("<gpx><trk><trkseg><trkpt lat=\"95\" lon=\"1\"/></trkseg></trk></gpx>")
        .send()
        .await
        .unwrap();
    expect_error(impossible, StatusCode::UNPROCESSABLE_ENTITY, "impossible_coordinates").await;

    // A volunteer imports their own tracks, not someone else's.
    let own = app.login("navigator", PASSWORD).await;
    let gpx = |url: String, body: String| own.post(url).header("content-type", "application/gpx+xml").body(body);
    let mine = gpx(app.at("/api/gpx"), FILE.replace("Квадрат Б-7", "Квадрат Б-8")).send().await.unwrap();
    assert_eq!(mine.status(), StatusCode::CREATED);
    // Not as a form or plain text, which a page on another site could send with the cookie.
    let plain = own.post(app.at("/api/gpx")).header("content-type", "text/plain").body(FILE).send().await.unwrap();
    expect_error(plain, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type").await;
    let other = app.create_user("someone", Role::Volunteer).await;
    let theirs = gpx(app.at(&format!("/api/gpx?volunteer_id={other}")), FILE.to_string()).send().await.unwrap();
    expect_error(theirs, StatusCode::FORBIDDEN, "forbidden").await;
}
