//! The year's figures on a known data set give exactly the expected numbers.

use reqwest::StatusCode;
use serde_json::{json, Value};
use sweep::auth::Role;

use crate::helpers::{expect_error, json_body, spawn_app, TestApp};

async fn case(
    app: &TestApp,
    client: &reqwest::Client,
    category: &str,
    age: Option<i32>,
    path: &[(&str, Option<&str>)],
) -> String {
    let mut card = json!({"full_name": format!("{category} {age:?}"), "category": category});
    if let Some(age) = age {
        card["estimated_age"] = json!(age);
    }
    let created = json_body(client.post(app.at("/api/cases")).json(&card).send().await.unwrap()).await;
    let id = created["id"].as_str().unwrap().to_string();
    for (to, outcome) in path {
        let mut body = json!({"to": to, "reason": "test"});
        if let Some(outcome) = outcome {
            body["outcome"] = json!(outcome);
        }
        let moved = client.post(app.at(&format!("/api/cases/{id}/transitions"))).json(&body).send().await.unwrap();
        assert_eq!(moved.status(), StatusCode::OK);
    }
    id
}

fn group<'a>(stats: &'a Value, section: &str, name: &str) -> &'a Value {
    stats[section].as_array().unwrap().iter().find(|g| g["group"] == name).unwrap()
}

fn counts(value: &Value) -> [i64; 10] {
    [
        "cases",
        "searches",
        "found_alive",
        "found_dead",
        "found_by_police",
        "returned_home",
        "not_found",
        "cancelled",
        "still_open",
        "still_missing",
    ]
    .map(|k| value[k].as_i64().unwrap())
}

#[tokio::test]
async fn a_known_year_gives_exactly_the_expected_figures_by_outcome_age_band_and_category() {
    let app = spawn_app().await;
    let dispatcher = app.logged_in(Role::Dispatcher).await;
    const SEARCH: (&str, Option<&str>) = ("search_active", None);
    case(&app, &dispatcher, "child", Some(9), &[SEARCH, ("closed", Some("found_alive"))]).await;
    case(&app, &dispatcher, "child", Some(12), &[("closed", Some("returned_home"))]).await;
    case(&app, &dispatcher, "teenager", Some(15), &[SEARCH, ("closed", Some("found_dead"))]).await;
    case(&app, &dispatcher, "teenager", Some(16), &[SEARCH]).await;
    case(&app, &dispatcher, "adult", Some(40), &[SEARCH, ("closed", Some("not_found"))]).await;
    case(&app, &dispatcher, "dementia", Some(80), &[SEARCH, ("closed", Some("found_by_police"))]).await;
    case(&app, &dispatcher, "adult", None, &[("closed", Some("cancelled"))]).await;
    for _ in 0..4 {
        dispatcher
            .post(app.at("/api/reports"))
            .json(&json!({"channel": "phone", "text": "звонок"}))
            .send()
            .await
            .unwrap();
    }
    // Last decade's case and report are not this year's.
    let old = case(&app, &dispatcher, "adult", Some(30), &[SEARCH]).await;
    sqlx::query("UPDATE cases SET created_at = '2020-05-01T10:00:00Z' WHERE id = $1::uuid")
        .bind(&old)
        .execute(&app.db)
        .await
        .unwrap();
    let old_report = json_body(
        dispatcher
            .post(app.at("/api/reports"))
            .json(&json!({"channel": "sms", "text": "old", "received_at": "2020-05-01T09:00:00Z"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(old_report["received_at"], "2020-05-01T09:00:00Z");

    let stats = json_body(dispatcher.get(app.at("/api/statistics")).send().await.unwrap()).await;
    assert_eq!(stats["reports"], 4);
    //                               cases search alive dead police home notfound cancel open missing
    assert_eq!(counts(&stats["total"]), [7, 5, 1, 1, 1, 1, 1, 1, 1, 2]);
    assert_eq!(counts(group(&stats, "by_age_band", "under_14")), [2, 1, 1, 0, 0, 1, 0, 0, 0, 0]);
    assert_eq!(counts(group(&stats, "by_age_band", "14_17")), [2, 2, 0, 1, 0, 0, 0, 0, 1, 1]);
    assert_eq!(counts(group(&stats, "by_age_band", "18_plus")), [2, 2, 0, 0, 1, 0, 1, 0, 0, 1]);
    assert_eq!(counts(group(&stats, "by_age_band", "unknown")), [1, 0, 0, 0, 0, 0, 0, 1, 0, 0]);
    assert_eq!(counts(group(&stats, "by_category", "child")), [2, 1, 1, 0, 0, 1, 0, 0, 0, 0]);
    assert_eq!(counts(group(&stats, "by_category", "adult")), [2, 1, 0, 0, 0, 0, 1, 1, 0, 1]);
    assert_eq!(counts(group(&stats, "by_category", "elderly")), [0; 10]);

    let old_year =
        json_body(dispatcher.get(app.at("/api/statistics?from=2020-01-01&to=2020-12-31")).send().await.unwrap()).await;
    assert_eq!(
        (old_year["reports"].as_i64(), old_year["total"]["cases"].as_i64(), old_year["total"]["still_open"].as_i64()),
        (Some(1), Some(1), Some(1))
    );

    let csv = dispatcher.get(app.at("/api/statistics.csv")).send().await.unwrap();
    assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert!(csv.headers()["content-disposition"].to_str().unwrap().contains("sweep-statistics-"));
    let csv = csv.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "section,group,reports,cases,searches,found_alive,found_dead,found_by_police,returned_home,not_found,cancelled,still_open,still_missing");
    assert_eq!(lines[1], "total,all,4,7,5,1,1,1,1,1,1,1,2");
    assert_eq!(lines[2], "age_band,under_14,,2,1,1,0,0,1,0,0,0,0");
    assert_eq!(lines.len(), 1 + 1 + 4 + 5);

    let backwards = dispatcher.get(app.at("/api/statistics?from=2026-12-31&to=2026-01-01")).send().await.unwrap();
    expect_error(backwards, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
    let not_a_date = dispatcher.get(app.at("/api/statistics?from=yesterday")).send().await.unwrap();
    expect_error(not_a_date, StatusCode::BAD_REQUEST, "invalid_query").await;
}
