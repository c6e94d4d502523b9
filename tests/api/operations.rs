//! The console's map layers and case list, on the demo data set.

use reqwest::StatusCode;

use crate::helpers::{json_body, spawn_app};

#[tokio::test]
async fn the_demo_search_shows_its_area_last_seen_point_and_headquarters_on_the_map() {
    let app = spawn_app().await;
    sweep::demo::seed(&app.db).await.unwrap();
    sweep::demo::seed(&app.db).await.unwrap(); // loading twice changes nothing
    let dispatcher = app.login("dispatcher", sweep::demo::DEMO_PASSWORD).await;

    let map = json_body(dispatcher.get(app.at("/api/map/features")).send().await.unwrap()).await;
    assert_eq!(map["type"], "FeatureCollection");
    let kinds: Vec<&str> =
        map["features"].as_array().unwrap().iter().map(|f| f["properties"]["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "search_area").count(), 1, "{kinds:?}");
    assert_eq!(kinds.iter().filter(|k| **k == "last_seen").count(), 1, "{kinds:?}");
    assert_eq!(kinds.iter().filter(|k| **k == "meeting_point").count(), 1, "{kinds:?}");
    let area = map["features"].as_array().unwrap().iter().find(|f| f["properties"]["kind"] == "search_area").unwrap();
    assert_eq!(area["geometry"]["type"], "Polygon");

    let cases = json_body(dispatcher.get(app.at("/api/cases")).send().await.unwrap()).await;
    let case = &cases["cases"][0];
    assert_eq!(cases["cases"].as_array().unwrap().len(), 1);
    assert_eq!(case["full_name"], "Иванова Мария Петровна");
    assert_eq!(case["category"], "dementia");
    assert!(case["age"].as_i64().unwrap() >= 79);
    let [lat, lon] = [case["last_seen"]["lat"].as_f64().unwrap(), case["last_seen"]["lon"].as_f64().unwrap()];
    assert_eq!(case["urgency"], "critical", "an elderly woman with dementia");
    assert_eq!(case["status"], "search_active");
    assert!(case["open_tasks"].as_i64().unwrap() >= 5, "{case}");
    assert!((lat - 56.0968).abs() < 1e-6 && (lon - 36.7862).abs() < 1e-6, "{lat},{lon}");
}

#[tokio::test]
async fn a_police_liaison_does_not_see_the_operational_map() {
    let app = spawn_app().await;
    sweep::demo::seed(&app.db).await.unwrap();
    let police = app.login("police", sweep::demo::DEMO_PASSWORD).await;
    assert_eq!(police.get(app.at("/api/map/features")).send().await.unwrap().status(), StatusCode::FORBIDDEN);
    // The cases list shows a liaison only what is shared with their unit: the demo case is.
    let cases = json_body(police.get(app.at("/api/cases")).send().await.unwrap()).await;
    let names: Vec<&str> =
        cases["cases"].as_array().unwrap().iter().map(|c| c["full_name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Иванова Мария Петровна"]);
}

#[tokio::test]
async fn the_demo_refuses_a_database_with_real_accounts() {
    let app = spawn_app().await;
    app.create_user("real.dispatcher", sweep::auth::Role::Dispatcher).await;
    let error = sweep::demo::seed(&app.db).await.unwrap_err().to_string();
    assert!(error.contains("not demo accounts"), "{error}");
    let demo_accounts: i64 =
        sqlx::query_scalar("SELECT count(*) FROM users WHERE login = 'dispatcher'").fetch_one(&app.db).await.unwrap();
    assert_eq!(demo_accounts, 0);
}
