//! Alerts the field raises by itself: a volunteer away from the task's squares for too long, a
//! group not heard from for too long; raised once, shown live, cleared, acknowledged and logged.

use std::time::Duration as Wait;

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sweep::auth::Role;

use crate::field::{case_with_operation, join};
use crate::helpers::{expect_error, json_body, spawn_app_with};
use crate::tracking::{fix, volunteer_with_device, Phone};

#[tokio::test]
async fn a_volunteer_off_the_task_and_a_silent_group_raise_alerts_that_a_dispatcher_acknowledges() {
    let app = spawn_app_with(|config| config.field_alert_check_s = 1).await;
    let (case_id, operation, group, coordinator) = case_with_operation(&app).await;
    let ring = [[36.79, 56.095], [36.81, 56.095], [36.81, 56.105], [36.79, 56.105], [36.79, 56.095]];
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
    coordinator.post(app.at(&format!("/api/areas/{area_id}/grid"))).json(&json!({})).send().await.unwrap();
    let (square, lat, lon): (i64, f64, f64) = sqlx::query_as(
        "SELECT id, ST_Y(ST_Centroid(geom)), ST_X(ST_Centroid(geom)) FROM grid_cells WHERE area_m2 > 62499 LIMIT 1",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    let patched = coordinator
        .patch(app.at(&format!("/api/operations/{operation}")))
        .json(&json!({"off_task_after_s": 60, "silent_after_s": 600}))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), StatusCode::OK);
    let (walker, token) = volunteer_with_device(&app, "wanderer").await;
    join(&app, &coordinator, &operation, walker, Some(&group)).await;
    // A second group, on a task, whose only member's phone never says a word.
    let groups = json_body(
        coordinator
            .post(app.at(&format!("/api/operations/{operation}/groups")))
            .json(&json!({"name": "Тихая"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let quiet = groups["groups"].as_array().unwrap().iter().find(|g| g["name"] == "Тихая").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (mute, mute_token) = volunteer_with_device(&app, "mute").await;
    join(&app, &coordinator, &operation, mute, Some(&quiet)).await;
    sqlx::query("UPDATE operation_members SET joined_at = now() - interval '2 hours'").execute(&app.db).await.unwrap();

    app.create_user("olga", Role::Dispatcher).await;
    let cookie = app.session_cookie("olga").await;
    let mut console = app.live(&cookie).await;

    for (group, title) in [(&group, "Квадрат"), (&quiet, "Дорога")] {
        let task = json_body(
            coordinator
                .post(app.at(&format!("/api/operations/{operation}/tasks")))
                .json(&json!({"title": title, "search_type": "line", "group_id": group, "square_ids": [square]}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        let id = task["id"].as_str().unwrap();
        let started = coordinator
            .post(app.at(&format!("/api/tasks/{id}/status")))
            .json(&json!({"status": "in_progress"}))
            .send()
            .await;
        assert_eq!(started.unwrap().status(), StatusCode::OK);
    }
    sqlx::query("UPDATE tasks SET started_at = now() - interval '30 minutes'").execute(&app.db).await.unwrap();

    // In the square 25 to 20 minutes ago, then a kilometre away ever since.
    let now = Utc::now();
    let mut fixes: Vec<Value> = (0..6).map(|m| fix(now - Duration::minutes(25 - m), lat, lon)).collect();
    fixes.extend((0..19).map(|m| fix(now - Duration::minutes(19 - m), lat + 0.009, lon)));
    let (mut phone, _) = Phone::hello(&app.url, &token).await;
    assert_eq!(phone.batch(1, fixes).await["type"], "ack");

    let mut seen = std::collections::HashMap::new();
    while seen.len() < 2 {
        let message = console.next_of("field_alert").await;
        let alert = message["alert"].clone();
        seen.insert(alert["kind"].as_str().unwrap().to_string(), alert);
    }
    let off = &seen["off_task"];
    assert_eq!(off["volunteer_name"], "Test wanderer");
    let since = chrono::DateTime::parse_from_rfc3339(off["since"].as_str().unwrap()).unwrap();
    assert!(
        (since.with_timezone(&Utc) - (now - Duration::minutes(20))).num_seconds().abs() <= 1,
        "away since the last fix inside"
    );
    assert_eq!(seen["silent_group"]["group_name"], "Тихая");

    // Raised once, however often the field is checked.
    tokio::time::sleep(Wait::from_millis(2500)).await;
    let list =
        json_body(coordinator.get(app.at(&format!("/api/operations/{operation}/field-alerts"))).send().await.unwrap())
            .await;
    assert_eq!(list.as_array().unwrap().len(), 2);

    // The mute phone speaks: its group's alert clears by itself.
    let (mut mute_phone, _) = Phone::hello(&app.url, &mute_token).await;
    assert_eq!(mute_phone.batch(1, vec![fix(Utc::now(), lat, lon)]).await["type"], "ack");
    let deadline = tokio::time::Instant::now() + Wait::from_secs(10);
    loop {
        let cleared: Option<chrono::DateTime<Utc>> =
            sqlx::query_scalar("SELECT cleared_at FROM field_alerts WHERE kind = 'silent_group'")
                .fetch_one(&app.db)
                .await
                .unwrap();
        if cleared.is_some() {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the silent group's alert clears once it is heard from");
        tokio::time::sleep(Wait::from_millis(250)).await;
    }

    // The dispatcher acknowledges the wanderer's alert; the log tells it all.
    let id = off["id"].as_str().unwrap();
    let acknowledge = |note: &str| {
        coordinator.post(app.at(&format!("/api/field-alerts/{id}/acknowledge"))).json(&json!({"note": note})).send()
    };
    let done = json_body(acknowledge("Связались по рации: обходит болото").await.unwrap()).await;
    assert!(done["acknowledged_at"].is_string());
    expect_error(acknowledge("again").await.unwrap(), StatusCode::CONFLICT, "already_acknowledged").await;
    let log = json_body(coordinator.get(app.at(&format!("/api/cases/{case_id}/journal"))).send().await.unwrap()).await;
    let events: Vec<&str> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["details"]["event"].as_str())
        .filter(|e| e.starts_with("field_alert"))
        .collect();
    assert_eq!(events.iter().filter(|e| **e == "field_alert").count(), 2);
    assert!(events.contains(&"field_alert_acknowledged"));
}
