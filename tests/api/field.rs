//! The field over the phone protocol: a volunteer's task from the operation they are in,
//! alerts to the operation or a group with read receipts and answers, reports and photos that
//! land in the case's log once.

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sweep::auth::Role;
use uuid::Uuid;

use crate::helpers::{expect_error, json_body, spawn_app, TestApp};
use crate::tracking::{fix, volunteer_with_device, Phone};

/// A case with an operation and a group; returns (case id, operation id, group id, the
/// coordinator's client).
pub async fn case_with_operation(app: &TestApp) -> (String, String, String, reqwest::Client) {
    let coordinator = app.logged_in(Role::Coordinator).await;
    let case = json_body(
        coordinator
            .post(app.at("/api/cases"))
            .json(&json!({"full_name": "Соколова Анна", "category": "teenager", "estimated_age": 15}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let case_id = case["id"].as_str().unwrap().to_string();
    let created = coordinator
        .post(app.at(&format!("/api/cases/{case_id}/operations")))
        .json(&json!({"name": "Лес у Дубков"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let operation = json_body(created).await;
    let operation_id = operation["id"].as_str().unwrap().to_string();
    assert_eq!(operation["status"], "active");
    let with_group = json_body(
        coordinator
            .post(app.at(&format!("/api/operations/{operation_id}/groups")))
            .json(&json!({"name": "Группа 3", "instructions": "Квадраты Б-7 и Б-8 цепью"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let group_id = with_group["groups"][0]["id"].as_str().unwrap().to_string();
    (case_id, operation_id, group_id, coordinator)
}

pub async fn join(app: &TestApp, client: &reqwest::Client, operation: &str, volunteer: Uuid, group: Option<&str>) {
    let response = client
        .put(app.at(&format!("/api/operations/{operation}/members/{volunteer}")))
        .json(&json!({"group_id": group}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{}", response.text().await.unwrap());
}

async fn journal(app: &TestApp, client: &reqwest::Client, case: &str) -> Vec<Value> {
    let log = json_body(client.get(app.at(&format!("/api/cases/{case}/journal"))).send().await.unwrap()).await;
    log["entries"].as_array().unwrap().clone()
}

#[tokio::test]
async fn the_phone_shows_the_volunteers_task_and_follows_its_changes() {
    let app = spawn_app().await;
    let (volunteer, token) = volunteer_with_device(&app, "sokol").await;
    let (case_id, operation, group, coordinator) = case_with_operation(&app).await;

    let mut phone = Phone::connect(&app.url).await;
    phone.send(json!({"type": "hello", "protocol": 1, "device_token": token})).await;
    assert_eq!(phone.receive().await["type"], "welcome");
    assert_eq!(phone.receive().await, json!({"type": "task", "task": null}), "no operation, no task");

    join(&app, &coordinator, &operation, volunteer, Some(&group)).await;
    let task = phone.next_of("task").await["task"].clone();
    assert_eq!(task["operation_name"], "Лес у Дубков");
    assert_eq!(task["case_id"], case_id);
    assert_eq!(task["case_name"], "Соколова Анна");
    assert_eq!(task["group"], "Группа 3");
    assert_eq!(task["instructions"], "Квадраты Б-7 и Б-8 цепью");

    // The coordinator changes the group's instructions: the phone shows the new ones.
    let changed = coordinator
        .patch(app.at(&format!("/api/operations/{operation}/groups/{group}")))
        .json(&json!({"instructions": "Вернуться в штаб к 18:00"}))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::OK);
    assert_eq!(phone.next_of("task").await["task"]["instructions"], "Вернуться в штаб к 18:00");

    // The operation ends: the task is gone; the case's log tells the story.
    let finished = coordinator
        .patch(app.at(&format!("/api/operations/{operation}")))
        .json(&json!({"status": "finished"}))
        .send()
        .await
        .unwrap();
    assert_eq!(finished.status(), StatusCode::OK);
    assert_eq!(json_body(finished).await["members"], json!([]));
    assert_eq!(phone.next_of("task").await["task"], Value::Null);
    let events: Vec<String> = journal(&app, &coordinator, &case_id)
        .await
        .iter()
        .filter(|e| e["kind"] == "operation")
        .map(|e| e["details"]["event"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(events, ["operation_created", "group_created", "member_joined", "group_changed", "operation_changed"]);
}

#[tokio::test]
async fn an_alert_reaches_its_groups_phones_now_or_after_a_reconnect_and_answers_show_live() {
    let app = spawn_app().await;
    let (in_group, token) = volunteer_with_device(&app, "group-member").await;
    let (elsewhere, other_token) = volunteer_with_device(&app, "other-member").await;
    let (offline, offline_token) = volunteer_with_device(&app, "offline-member").await;
    let (_, operation, group, coordinator) = case_with_operation(&app).await;
    join(&app, &coordinator, &operation, in_group, Some(&group)).await;
    join(&app, &coordinator, &operation, elsewhere, None).await;
    join(&app, &coordinator, &operation, offline, Some(&group)).await;
    let (mut phone, _) = Phone::hello(&app.url, &token).await;
    let (mut other, _) = Phone::hello(&app.url, &other_token).await;
    app.create_user("watcher", Role::Coordinator).await;
    let cookie = app.session_cookie("watcher").await;
    let mut console = app.live(&cookie).await;

    let sent = coordinator
        .post(app.at(&format!("/api/operations/{operation}/alerts")))
        .json(&json!({"text": "Проверьте сарай у точки", "group_id": group, "asks_answer": true,
                      "location": {"lat": 56.1003, "lon": 36.7951}}))
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), StatusCode::CREATED);
    let sent = json_body(sent).await;
    let alert_id = sent["id"].as_str().unwrap().to_string();
    let mut recipients: Vec<&str> =
        sent["recipients"].as_array().unwrap().iter().map(|r| r["volunteer_id"].as_str().unwrap()).collect();
    recipients.sort();
    let mut members = [in_group.to_string(), offline.to_string()];
    members.sort();
    assert_eq!(recipients, members, "the group's two members");

    let alert = phone.next_of("alert").await;
    assert_eq!(alert["id"], alert_id);
    assert_eq!(alert["text"], "Проверьте сарай у точки");
    assert_eq!(alert["asks_answer"], true);
    assert_eq!(alert["location"], json!({"lat": 56.1003, "lon": 36.7951}));
    // Not in the group: nothing comes.
    assert_eq!(other.silent_for(std::time::Duration::from_millis(700)).await, None);

    // Read, then answered: the console sees both, live.
    phone.send(json!({"type": "alert_read", "alert_id": alert_id})).await;
    let read = console.next_of("alert.answer").await;
    assert!(read["recipient"]["read_at"].is_string());
    let eta = (Utc::now() + Duration::minutes(40)).to_rfc3339();
    phone.send(json!({"type": "alert_answer", "alert_id": alert_id, "answer": "going", "eta": eta})).await;
    assert_eq!(phone.reply().await, json!({"type": "answer_ack", "alert_id": alert_id}));
    let answered = console.next_of("alert.answer").await;
    assert_eq!(answered["recipient"]["answer"], "going");
    assert_eq!(answered["recipient"]["volunteer_id"], in_group.to_string());
    // A read receipt sent again (after a reconnect) is no news.
    phone.send(json!({"type": "alert_read", "alert_id": alert_id})).await;
    console.none_of("alert.answer", std::time::Duration::from_millis(500)).await;

    // Someone who did not get it cannot answer it.
    other.send(json!({"type": "alert_answer", "alert_id": alert_id, "answer": "cant"})).await;
    let refused = other.reply().await;
    assert_eq!((refused["code"].as_str(), refused["id"].as_str()), (Some("unknown_alert"), Some(alert_id.as_str())));

    // The member who was offline gets it when their phone connects, and again until read.
    for _ in 0..2 {
        let mut late = Phone::connect(&app.url).await;
        late.send(json!({"type": "hello", "protocol": 1, "device_token": offline_token})).await;
        assert_eq!(late.receive().await["type"], "welcome");
        assert_eq!(late.receive().await["type"], "task");
        assert_eq!(late.receive().await["id"], alert_id);
    }
    let list =
        json_body(coordinator.get(app.at(&format!("/api/operations/{operation}/alerts"))).send().await.unwrap()).await;
    let recipients = &list[0]["recipients"];
    let late = recipients.as_array().unwrap().iter().find(|r| r["volunteer_id"] == offline.to_string()).unwrap();
    assert!(late["delivered_at"].is_string() && late["read_at"].is_null());

    // Someone outside the operation is refused; a group with nobody in it reaches no one.
    let outsider = coordinator
        .post(app.at(&format!("/api/operations/{operation}/alerts")))
        .json(&json!({"text": "x", "volunteer_ids": [Uuid::new_v4()]}))
        .send()
        .await
        .unwrap();
    expect_error(outsider, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
    let with_empty = coordinator
        .post(app.at(&format!("/api/operations/{operation}/groups")))
        .json(&json!({"name": "Резерв"}))
        .send()
        .await
        .unwrap();
    let groups = json_body(with_empty).await["groups"].clone();
    let empty = groups.as_array().unwrap().iter().find(|g| g["name"] == "Резерв").unwrap()["id"].clone();
    let nobody = coordinator
        .post(app.at(&format!("/api/operations/{operation}/alerts")))
        .json(&json!({"text": "x", "group_id": empty}))
        .send()
        .await
        .unwrap();
    expect_error(nobody, StatusCode::UNPROCESSABLE_ENTITY, "no_recipients").await;

    // An arrival time no one could mean is refused, not retried forever.
    let year_3000 = "3000-01-01T00:00:00Z";
    phone.send(json!({"type": "alert_answer", "alert_id": alert_id, "answer": "going", "eta": year_3000})).await;
    assert_eq!(phone.reply().await["code"], "invalid_eta");
}

#[tokio::test]
async fn reports_and_photos_from_the_phone_land_in_the_case_log_once() {
    let app = spawn_app().await;
    let (volunteer, token) = volunteer_with_device(&app, "finder").await;
    let (_, loner_token) = volunteer_with_device(&app, "loner").await;
    let (case_id, operation, _, coordinator) = case_with_operation(&app).await;
    join(&app, &coordinator, &operation, volunteer, None).await;
    let (mut phone, _) = Phone::hello(&app.url, &token).await;

    let report = json!({"type": "report", "id": Uuid::new_v4(), "kind": "clue", "text": "Следы у ручья",
                        "location": {"lat": 56.1, "lon": 36.8}, "time": Utc::now().to_rfc3339()});
    for _ in 0..3 {
        phone.send(report.clone()).await;
        assert_eq!(phone.reply().await, json!({"type": "report_ack", "id": report["id"]}));
    }
    let entries = journal(&app, &coordinator, &case_id).await;
    let clues: Vec<&Value> = entries.iter().filter(|e| e["kind"] == "clue").collect();
    assert_eq!(clues.len(), 1, "a resent report is stored once");
    assert_eq!(clues[0]["text"], "Следы у ручья");
    assert_eq!(clues[0]["author_name"], "Test finder");
    assert_eq!(clues[0]["location"], json!({"lat": 56.1, "lon": 36.8}));

    // A volunteer in no operation must say which case; an empty report is refused.
    let (mut loner, _) = Phone::hello(&app.url, &loner_token).await;
    let id = Uuid::new_v4();
    loner.send(json!({"type": "report", "id": id, "text": "hi", "time": Utc::now().to_rfc3339()})).await;
    assert_eq!(loner.reply().await["code"], "no_case");
    loner
        .send(json!({"type": "report", "id": id, "case_id": case_id, "text": "hi", "time": Utc::now().to_rfc3339()}))
        .await;
    assert_eq!(loner.reply().await["code"], "case_not_open", "not a case this volunteer searches for");
    phone.send(json!({"type": "report", "id": Uuid::new_v4(), "text": "  ", "time": Utc::now().to_rfc3339()})).await;
    assert_eq!(phone.reply().await["code"], "invalid_report");

    // A photo over HTTP, with the device token; sent twice, stored once.
    let mut png = Vec::new();
    image::RgbImage::from_pixel(40, 30, image::Rgb([200, 30, 30]))
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let photo_id = Uuid::new_v4();
    let url = app.at(&format!("/mobile/v1/photos?id={photo_id}&kind=clue&caption=Куртка&lat=56.1&lon=36.8"));
    let client = reqwest::Client::new();
    let first = client
        .post(&url)
        .bearer_auth(&token)
        .header("content-type", "image/png")
        .body(png.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let stored = json_body(first).await;
    let again = client
        .post(&url)
        .bearer_auth(&token)
        .header("content-type", "image/png")
        .body(png.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(json_body(again).await, stored);
    let ancient = app.at(&format!("/mobile/v1/photos?id={}&time=1500-01-01T00:00:00Z", Uuid::new_v4()));
    let ancient = client.post(ancient).bearer_auth(&token).header("content-type", "image/png").body(png.clone());
    expect_error(ancient.send().await.unwrap(), StatusCode::BAD_REQUEST, "time_out_of_range").await;
    let without = client.post(&url).header("content-type", "image/png").body(png.clone()).send().await.unwrap();
    expect_error(without, StatusCode::UNAUTHORIZED, "device_token_required").await;
    let not_image = client
        .post(app.at(&format!("/mobile/v1/photos?id={}", Uuid::new_v4())))
        .bearer_auth(&token)
        .header("content-type", "image/png")
        .body("hello")
        .send()
        .await
        .unwrap();
    expect_error(not_image, StatusCode::UNPROCESSABLE_ENTITY, "not_an_image").await;

    let entries = journal(&app, &coordinator, &case_id).await;
    let photo_entry =
        entries.iter().find(|e| e["details"]["photo"] == photo_id.to_string()).expect("the photo's entry");
    assert_eq!(photo_entry["id"], stored["entry_id"]);
    assert_eq!(photo_entry["text"], "Куртка");
    let file = coordinator.get(app.at(&format!("/api/cases/{case_id}/field-photos/{photo_id}"))).send().await.unwrap();
    assert_eq!(file.status(), StatusCode::OK);
    assert_eq!(file.bytes().await.unwrap().to_vec(), png);
    let thumb = coordinator
        .get(app.at(&format!("/api/cases/{case_id}/field-photos/{photo_id}?thumbnail=true")))
        .send()
        .await
        .unwrap();
    assert_eq!(thumb.headers()["content-type"], "image/jpeg");
}

async fn geojson(response: reqwest::Response) -> Value {
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/geo+json");
    serde_json::from_str(&response.text().await.unwrap()).unwrap()
}

#[tokio::test]
async fn an_operations_tracks_export_as_gpx_and_geojson_while_its_members_were_in_it() {
    let app = spawn_app().await;
    let (volunteer, token) = volunteer_with_device(&app, "walker").await;
    let (_, operation, group, coordinator) = case_with_operation(&app).await;
    let (mut phone, _) = Phone::hello(&app.url, &token).await;
    // Before joining: not the operation's.
    let before = Utc::now() - Duration::minutes(30);
    assert_eq!(phone.batch(1, vec![fix(before, 55.0, 37.0)]).await["type"], "ack");
    join(&app, &coordinator, &operation, volunteer, Some(&group)).await;
    let _ = phone.next_of("task").await;
    let now = Utc::now();
    let walk: Vec<Value> = (0..5).map(|i| fix(now + Duration::seconds(i * 2), 56.1 + i as f64 * 1e-4, 36.8)).collect();
    assert_eq!(phone.batch(2, walk).await["type"], "ack");

    let gpx = coordinator.get(app.at(&format!("/api/tracks/export?operation_id={operation}"))).send().await.unwrap();
    assert_eq!(gpx.status(), StatusCode::OK);
    assert_eq!(gpx.headers()["content-type"], "application/gpx+xml");
    let text = gpx.text().await.unwrap();
    assert_eq!(text.matches("<trkpt").count(), 5, "only the fixes while in the operation: {text}");
    assert!(text.contains("<name>Test walker</name>"));

    let geo = geojson(
        coordinator.get(app.at(&format!("/api/tracks/export?group_id={group}&format=geojson"))).send().await.unwrap(),
    )
    .await;
    assert_eq!(geo["features"][0]["properties"]["fixes"], 5);
    let own = geojson(
        coordinator
            .get(app.at(&format!("/api/tracks/export?volunteer_id={volunteer}&format=geojson")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(own["features"][0]["properties"]["fixes"], 6, "a volunteer's own export has all of their last day");

    // A volunteer exports their own tracks, not another's, nor an operation's.
    let own_client = app.login("walker", crate::helpers::PASSWORD).await;
    let mine = own_client.get(app.at(&format!("/api/tracks/export?volunteer_id={volunteer}"))).send().await.unwrap();
    assert_eq!(mine.status(), StatusCode::OK);
    assert_eq!(mine.text().await.unwrap().matches("<trkpt").count(), 6);
    let other = app.create_user("other-walker", Role::Volunteer).await;
    let theirs = own_client.get(app.at(&format!("/api/tracks/export?volunteer_id={other}"))).send().await.unwrap();
    expect_error(theirs, StatusCode::FORBIDDEN, "forbidden").await;
    let whole = own_client.get(app.at(&format!("/api/tracks/export?operation_id={operation}"))).send().await.unwrap();
    expect_error(whole, StatusCode::FORBIDDEN, "forbidden").await;
    let ancient = app.at(&format!("/api/tracks/export?volunteer_id={volunteer}&to=0001-01-01T00:00:00Z"));
    expect_error(coordinator.get(ancient).send().await.unwrap(), StatusCode::BAD_REQUEST, "invalid_period").await;

    let bad = coordinator
        .get(app.at(&format!("/api/tracks/export?operation_id={operation}&format=kml")))
        .send()
        .await
        .unwrap();
    expect_error(bad, StatusCode::BAD_REQUEST, "invalid_format").await;
    let both = coordinator
        .get(app.at(&format!("/api/tracks/export?operation_id={operation}&volunteer_id={volunteer}")))
        .send()
        .await
        .unwrap();
    expect_error(both, StatusCode::BAD_REQUEST, "invalid_scope").await;
}
