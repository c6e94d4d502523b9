//! The simulator against the real server: simulated volunteers walk a line search over the phone
//! protocol, with signal gaps, and everything they recorded is stored once, in the square.

use mobile_api::sim::{self, SimConfig};
use mobile_api::Point;

use crate::helpers::spawn_app;
use crate::tracking::volunteer_with_device;

#[tokio::test]
async fn simulated_volunteers_walk_a_line_search_and_every_fix_they_recorded_is_stored_once() {
    let app = spawn_app().await;
    let mut tokens = Vec::new();
    for login in ["sim-1", "sim-2", "sim-3"] {
        tokens.push(volunteer_with_device(&app, login).await.1);
    }
    // Twenty minutes of walking in two seconds of real time, with gaps in the signal.
    let config = SimConfig {
        server: app.url.clone(),
        center: Point { lat: 56.1, lon: 36.8 },
        square_m: 300.0,
        duration_s: 1200.0,
        speedup: 600.0,
        gap_every_s: 240.0,
        gap_length_s: 60.0,
        seed: 42,
        ..Default::default()
    };
    let summary = sim::run(config, tokens, std::future::pending()).await.expect("the walk runs");
    assert!(summary.flushed, "{summary}");
    let recorded = summary.last.fixes_recorded as i64;
    assert!(recorded >= 3 * 1100, "about one fix a second each: {summary}");
    assert_eq!(summary.last.fixes_acked as i64, recorded, "{summary}");

    let (stored, volunteers, inside): (i64, i64, i64) = sqlx::query_as(
        "SELECT coalesce(sum(fix_count), 0)::bigint, count(DISTINCT volunteer_id),
                count(*) FILTER (WHERE ST_Within(fixes, ST_Expand(ST_SetSRID(ST_MakePoint(36.8, 56.1), 4326), 0.004)))
         FROM track_chunks",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!((stored, volunteers), (recorded, 3), "every acknowledged fix stored once");
    let chunks: i64 = sqlx::query_scalar("SELECT count(*) FROM track_chunks").fetch_one(&app.db).await.unwrap();
    assert_eq!(inside, chunks, "the walks stay in the square (with GPS noise)");
    let distinct: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT DISTINCT c.volunteer_id, ST_M(d.geom) FROM track_chunks c, ST_DumpPoints(c.fixes) d) t",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(distinct, stored, "no fix twice");
}

#[tokio::test]
async fn the_demo_has_an_operation_whose_volunteers_walk_onto_the_live_map() {
    let app = spawn_app().await;
    sweep::demo::seed(&app.db).await.unwrap();
    sweep::demo::seed(&app.db).await.expect("loading it again changes nothing");
    let (operations, members): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM operations), (SELECT count(*) FROM operation_members WHERE left_at IS NULL)",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!((operations, members), (1, 6));

    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let db = app.db.clone();
    let url = app.url.clone();
    let walking = tokio::spawn(async move {
        sweep::demo::walk(&db, url, async {
            let _ = stopped.await;
        })
        .await
    });
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let walkers: i64 = sqlx::query_scalar("SELECT count(*) FROM last_positions").fetch_one(&app.db).await.unwrap();
        if walkers == 6 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{walkers} of 6 demo volunteers sent positions");
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    stop.send(()).unwrap();
    walking.await.unwrap().unwrap();
}
