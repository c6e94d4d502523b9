//! Tasks of an operation: a group's squares in order, moved from planned to done (or partly done
//! with a reason), written into the case's log.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::field::case_with_operation;
use crate::helpers::{expect_error, json_body, spawn_app};

#[tokio::test]
async fn a_task_gives_a_group_squares_in_order_and_moves_from_assigned_to_partly_done() {
    let app = spawn_app().await;
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
    let squares =
        json_body(coordinator.get(app.at(&format!("/api/operations/{operation}/squares"))).send().await.unwrap()).await;
    let features = squares["features"].as_array().unwrap();
    let (first, second) = (&features[3], &features[1]);

    let create =
        |body: Value| coordinator.post(app.at(&format!("/api/operations/{operation}/tasks"))).json(&body).send();
    let created = create(json!({"title": "Прочесать два квадрата", "search_type": "line", "group_id": group,
                                "square_ids": [first["id"], second["id"]], "instructions": "Цепью, шаг 20 м"}))
    .await
    .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let task = json_body(created).await;
    assert_eq!((task["number"].as_i64(), task["status"].as_str()), (Some(1), Some("assigned")));
    assert_eq!(task["group_name"], "Группа 3");
    let labels: Vec<&str> = task["squares"].as_array().unwrap().iter().map(|s| s["label"].as_str().unwrap()).collect();
    assert_eq!(
        labels,
        [first["properties"]["label"].as_str().unwrap(), second["properties"]["label"].as_str().unwrap()]
    );
    let planned =
        json_body(create(json!({"title": "Дорога к ферме", "search_type": "road_patrol"})).await.unwrap()).await;
    assert_eq!((planned["number"].as_i64(), planned["status"].as_str()), (Some(2), Some("planned")));

    // Refused: unknown squares, a search type that does not exist, a task finished before started.
    let stranger = create(json!({"title": "x", "search_type": "line", "square_ids": [999999]})).await.unwrap();
    expect_error(stranger, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
    let typo = create(json!({"title": "x", "search_type": "swim"})).await.unwrap();
    assert_eq!(typo.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let move_to = |id: &Value, body: Value| {
        coordinator.post(app.at(&format!("/api/tasks/{}/status", id.as_str().unwrap()))).json(&body).send()
    };
    expect_error(
        move_to(&planned["id"], json!({"status": "done"})).await.unwrap(),
        StatusCode::CONFLICT,
        "invalid_transition",
    )
    .await;

    // The group goes out and comes back having done part of it.
    assert_eq!(move_to(&task["id"], json!({"status": "in_progress"})).await.unwrap().status(), StatusCode::OK);
    let silent = move_to(&task["id"], json!({"status": "partly_done"})).await.unwrap();
    expect_error(silent, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
    let partly =
        move_to(&task["id"], json!({"status": "partly_done", "reason": "А-2: болото, не прошли"})).await.unwrap();
    let partly = json_body(partly).await;
    assert_eq!(
        (partly["status"].as_str(), partly["status_reason"].as_str()),
        (Some("partly_done"), Some("А-2: болото, не прошли"))
    );
    let late = coordinator
        .patch(app.at(&format!("/api/tasks/{}", task["id"].as_str().unwrap())))
        .json(&json!({"title": "другое"}))
        .send()
        .await
        .unwrap();
    expect_error(late, StatusCode::CONFLICT, "task_finished").await;

    let list =
        json_body(coordinator.get(app.at(&format!("/api/operations/{operation}/tasks"))).send().await.unwrap()).await;
    assert_eq!(list.as_array().unwrap().len(), 2);
    let log = json_body(coordinator.get(app.at(&format!("/api/cases/{case_id}/journal"))).send().await.unwrap()).await;
    let events: Vec<&str> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["details"]["event"].as_str())
        .filter(|e| e.starts_with("task_"))
        .collect();
    assert_eq!(events, ["task_created", "task_created", "task_status", "task_status"]);
}

#[tokio::test]
async fn the_group_leader_sees_the_task_on_the_phone_and_reports_its_progress() {
    use crate::field::join;
    use crate::tracking::{volunteer_with_device, Phone};
    let app = spawn_app().await;
    let (_, operation, group, coordinator) = case_with_operation(&app).await;
    let (leader, leader_token) = volunteer_with_device(&app, "leader").await;
    let (member, member_token) = volunteer_with_device(&app, "member").await;
    join(&app, &coordinator, &operation, leader, Some(&group)).await;
    join(&app, &coordinator, &operation, member, Some(&group)).await;
    let named = coordinator
        .patch(app.at(&format!("/api/operations/{operation}/groups/{group}")))
        .json(&json!({"leader_id": leader}))
        .send()
        .await
        .unwrap();
    assert_eq!(named.status(), StatusCode::OK);
    let (mut phone, _) = Phone::hello(&app.url, &leader_token).await;
    let (mut other, _) = Phone::hello(&app.url, &member_token).await;

    let task = json_body(
        coordinator
            .post(app.at(&format!("/api/operations/{operation}/tasks")))
            .json(&json!({"title": "Вдоль ручья", "search_type": "hasty", "group_id": group, "instructions": "До фермы и обратно"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let task_id = task["id"].as_str().unwrap();
    let shown = loop {
        let message = phone.next_of("task").await;
        if !message["task"]["assignment"].is_null() {
            break message["task"].clone();
        }
    };
    assert_eq!(shown["assignment"]["title"], "Вдоль ручья");
    assert_eq!(shown["assignment"]["status"], "assigned");
    assert_eq!(shown["instructions"], "До фермы и обратно");
    assert_eq!(shown["leader"], true);

    // Only the leader reports; "partly done" says why.
    other.send(json!({"type": "task_status", "task_id": task_id, "status": "in_progress"})).await;
    assert_eq!(other.reply().await["code"], "not_group_leader");
    phone.send(json!({"type": "task_status", "task_id": task_id, "status": "in_progress"})).await;
    assert_eq!(phone.reply().await, json!({"type": "task_status_ack", "task_id": task_id}));
    let going = loop {
        let message = other.next_of("task").await;
        if message["task"]["assignment"]["status"] == "in_progress" {
            break message;
        }
    };
    assert_eq!(going["task"]["leader"], false);
    phone.send(json!({"type": "task_status", "task_id": task_id, "status": "partly_done"})).await;
    assert_eq!(phone.reply().await["code"], "reason_required");
    phone
        .send(json!({"type": "task_status", "task_id": task_id, "status": "partly_done", "reason": "Ручей разлился"}))
        .await;
    assert_eq!(phone.reply().await["type"], "task_status_ack");
    let done =
        json_body(coordinator.get(app.at(&format!("/api/operations/{operation}/tasks"))).send().await.unwrap()).await;
    assert_eq!(
        (done[0]["status"].as_str(), done[0]["status_reason"].as_str()),
        (Some("partly_done"), Some("Ручей разлился"))
    );
}

#[tokio::test]
async fn an_operation_has_a_search_leader_and_its_groups_radio_channels_and_equipment_handed_out_and_back() {
    let app = spawn_app().await;
    let (case_id, operation, group, coordinator) = case_with_operation(&app).await;
    let leader = app.create_user("vektor", sweep::auth::Role::Coordinator).await;
    let led = coordinator
        .patch(app.at(&format!("/api/operations/{operation}")))
        .json(&json!({"leader_id": leader}))
        .send()
        .await;
    let led = json_body(led.unwrap()).await;
    assert_eq!(led["leader_name"], "Test vektor");
    let radio = coordinator
        .patch(app.at(&format!("/api/operations/{operation}/groups/{group}")))
        .json(&json!({"radio": "канал 3, позывной «Сокол»"}))
        .send()
        .await
        .unwrap();
    assert_eq!(json_body(radio).await["groups"][0]["radio"], "канал 3, позывной «Сокол»");

    let issue = coordinator
        .post(app.at(&format!("/api/operations/{operation}/groups/{group}/equipment")))
        .json(&json!({"item": "Рация Motorola", "quantity": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(issue.status(), StatusCode::CREATED);
    let operation_now = json_body(issue).await;
    let item = &operation_now["groups"][0]["equipment"][0];
    assert_eq!((item["item"].as_str(), item["quantity"].as_i64()), (Some("Рация Motorola"), Some(2)));
    let back = |id: &str| coordinator.post(app.at(&format!("/api/equipment/{id}/return"))).send();
    let id = item["id"].as_str().unwrap();
    let returned = json_body(back(id).await.unwrap()).await;
    assert!(returned["groups"][0]["equipment"][0]["returned_at"].is_string());
    expect_error(back(id).await.unwrap(), StatusCode::CONFLICT, "already_returned").await;
    let zero = coordinator
        .post(app.at(&format!("/api/operations/{operation}/groups/{group}/equipment")))
        .json(&json!({"item": "Фонарь", "quantity": 0}))
        .send()
        .await
        .unwrap();
    expect_error(zero, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;

    let log = json_body(coordinator.get(app.at(&format!("/api/cases/{case_id}/journal"))).send().await.unwrap()).await;
    let kinds: Vec<&str> = log["entries"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"equipment_issued") && kinds.contains(&"equipment_returned"), "{kinds:?}");
}
