//! The volunteer registry: profiles, vetting (only approved volunteers get field work), CSV
//! import with a report of refused rows, consent to tracking, and the phone's own profile.

use reqwest::StatusCode;
use serde_json::{json, Value};
use sweep::auth::Role;

use crate::helpers::{expect_error, json_body, spawn_app, TestApp};
use crate::tracking::{fix, volunteer_with_device};

/// Adds a volunteer through the registry and approves them; returns their id.
pub async fn registered(app: &TestApp, dispatcher: &reqwest::Client, profile: Value) -> String {
    let created = dispatcher.post(app.at("/api/registry")).json(&profile).send().await.unwrap();
    assert_eq!(created.status(), StatusCode::CREATED, "{}", created.text().await.unwrap());
    let created = json_body(created).await;
    assert_eq!(created["vetting"], "pending");
    let id = created["id"].as_str().unwrap().to_string();
    let approved = dispatcher
        .post(app.at(&format!("/api/registry/{id}/vetting")))
        .json(&json!({"vetting": "approved", "note": "interview done"}))
        .send()
        .await
        .unwrap();
    assert_eq!(approved.status(), StatusCode::OK);
    id
}

#[tokio::test]
async fn a_profile_is_kept_and_only_approved_volunteers_get_field_work() {
    let app = spawn_app().await;
    let dispatcher = app.logged_in(Role::Dispatcher).await;
    let created = dispatcher
        .post(app.at("/api/registry"))
        .json(&json!({
            "name": "Ирина Котова", "call_sign": "Лиса", "phones": ["+7 (916) 123-45-67"], "email": "Irina@Example.ORG",
            "home_label": "Химки", "home": {"type": "Point", "coordinates": [37.44, 55.89]},
            "skills": ["navigator", "Dog handler"], "vehicles": [{"name": "Niva", "seats": 4, "four_by_four": true}],
            "channels": ["app", "sms"], "quiet_from": "23:00", "quiet_to": "07:00", "time_zone": "Europe/Moscow"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let profile = json_body(created).await;
    assert_eq!(profile["phones"], json!(["+79161234567"]));
    assert_eq!(profile["email"], "Irina@example.org");
    assert_eq!(profile["skills"], json!(["navigator", "dog_handler"]));
    assert_eq!(profile["home"]["type"], "Point");
    assert_eq!(profile["quiet_from"], "23:00");
    assert_eq!(profile["vetting"], "pending");
    let id = profile["id"].as_str().unwrap().to_string();

    // Bad input is refused field by field.
    for (patch, field) in [
        (json!({"phones": ["call me"]}), "phones"),
        (json!({"email": "irina"}), "email"),
        (json!({"channels": ["pigeon"]}), "channels"),
        (json!({"quiet_from": "23:00"}), "quiet_from"),
        (json!({"time_zone": "Mars/Olympus"}), "time_zone"),
        (json!({"vehicles": [{"name": "Bus", "seats": 0}]}), "vehicles"),
        (json!({"home": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}}), "home"),
    ] {
        let refused = dispatcher.patch(app.at(&format!("/api/registry/{id}"))).json(&patch).send().await.unwrap();
        let body = expect_error(refused, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
        assert_eq!(body["details"]["field"], field, "{patch}");
    }
    // The same phone on someone else is refused.
    let twin = dispatcher
        .post(app.at("/api/registry"))
        .json(&json!({"name": "Двойник", "phones": ["89161234567"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(twin.status(), StatusCode::CREATED, "another number is fine");
    let clash = dispatcher
        .post(app.at("/api/registry"))
        .json(&json!({"name": "Клон", "phones": ["+7 916 123 45 67"]}))
        .send()
        .await
        .unwrap();
    expect_error(clash, StatusCode::CONFLICT, "already_exists").await;

    // Pending: not in an operation.
    let (_, operation, _, coordinator) = crate::field::case_with_operation(&app).await;
    let join = |who: String| {
        let coordinator = coordinator.clone();
        let url = app.at(&format!("/api/operations/{operation}/members/{who}"));
        async move { coordinator.put(url).json(&json!({})).send().await.unwrap() }
    };
    expect_error(join(id.clone()).await, StatusCode::CONFLICT, "volunteer_not_approved").await;
    // A coordinator may not vet; a dispatcher may.
    let refused = coordinator
        .post(app.at(&format!("/api/registry/{id}/vetting")))
        .json(&json!({"vetting": "approved"}))
        .send()
        .await
        .unwrap();
    expect_error(refused, StatusCode::FORBIDDEN, "forbidden").await;
    let approved = json_body(
        dispatcher
            .post(app.at(&format!("/api/registry/{id}/vetting")))
            .json(&json!({"vetting": "approved", "note": "interview done"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(approved["vetting"], "approved");
    assert!(approved["vetting_by_name"].as_str().unwrap().starts_with("Test "));
    assert_eq!(join(id.clone()).await.status(), StatusCode::OK);
    // Suspended: out of the operation, in its log.
    let suspended = json_body(
        dispatcher
            .post(app.at(&format!("/api/registry/{id}/vetting")))
            .json(&json!({"vetting": "suspended", "note": "complaint"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(suspended["vetting"], "suspended");
    assert!(suspended["operation_id"].is_null(), "out of the operation: {suspended}");
    let decisions: Vec<String> = sqlx::query_scalar(
        "SELECT details->>'to' FROM audit_log WHERE action = 'volunteer.vetting' AND record_id = $1 ORDER BY id",
    )
    .bind(&id)
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(decisions, ["approved", "suspended"]);

    // The list filters by skill, vetting and text.
    let by_skill = json_body(dispatcher.get(app.at("/api/registry?skill=dog_handler")).send().await.unwrap()).await;
    assert_eq!(by_skill.as_array().unwrap().len(), 1);
    let by_text = json_body(dispatcher.get(app.at("/api/registry?q=%D0%9B%D0%B8%D1%81")).send().await.unwrap()).await;
    assert_eq!(by_text[0]["call_sign"], "Лиса", "found by call sign");
    let pending = json_body(dispatcher.get(app.at("/api/registry?vetting=pending")).send().await.unwrap()).await;
    assert!(pending.as_array().unwrap().iter().all(|v| v["vetting"] == "pending"));
    // A police liaison sees none of it.
    let police = app.logged_in(Role::PoliceLiaison).await;
    expect_error(police.get(app.at("/api/registry")).send().await.unwrap(), StatusCode::FORBIDDEN, "forbidden").await;
}

#[tokio::test]
async fn a_spreadsheet_is_imported_and_every_refused_row_is_reported_with_its_line_and_reason() {
    let app = spawn_app().await;
    let dispatcher = app.logged_in(Role::Dispatcher).await;
    registered(&app, &dispatcher, json!({"name": "Уже есть", "email": "old@example.org"})).await;
    let csv = "\u{feff}ФИО;Позывной;Телефон;Почта;Район;Навыки;Машина;Проверка\n\
               Вера Кузнецова;Луна;+7 900 111-22-33;vera@example.org;55.75, 37.62;\"Навигатор; медик\";Niva 4x4 4;одобрен\n\
               ;Никто;+7 900 000-00-01;;;;;\n\
               Пётр Сидоров;;позвоните мне;;;;;\n\
               Анна Белова;;+7 900 222-33-44;old@example.org;;;;\n\
               Олег Титов;;+7 900 111-22-33;;;;;\n\
               Илья Орлов;Орёл;;ilya@example.org;Химки;жонглёр;;\n\
               Мария Зайцева;;+7 900 555-66-77;;Химки;кинолог;UAZ 4х4 5;maybe\n\
               Дарья Лис;Лиса;+7 900 777-88-99;;Химки;водитель;Lada 4;\n";
    let post = |dry: bool| {
        dispatcher
            .post(app.at(&format!("/api/registry/import?dry_run={dry}")))
            .header("content-type", "text/csv")
            .body(csv)
            .send()
    };
    let dry = json_body(post(true).await.unwrap()).await;
    assert_eq!(dry["created"], 2, "{dry}");
    assert_eq!(dry["dry_run"], true);
    let count = |app: &TestApp| {
        let db = app.db.clone();
        async move { sqlx::query_scalar::<_, i64>("SELECT count(*) FROM volunteer_profiles").fetch_one(&db).await.unwrap() }
    };
    assert_eq!(count(&app).await, 1, "a dry run stores nothing");
    let report = json_body(post(false).await.unwrap()).await;
    assert_eq!(report["created"], 2);
    let refused: Vec<(u64, String)> = report["refused"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["line"].as_u64().unwrap(), r["reason"].as_str().unwrap().to_string()))
        .collect();
    let lines: Vec<u64> = refused.iter().map(|(l, _)| *l).collect();
    assert_eq!(lines, [3, 4, 5, 6, 7, 8], "{report}");
    assert!(refused[0].1.contains("no name"));
    assert!(refused[1].1.contains("phone number"), "{}", refused[1].1);
    assert!(refused[2].1.contains("already in the registry"), "{}", refused[2].1);
    assert!(refused[3].1.contains("earlier row"), "{}", refused[3].1);
    assert!(refused[4].1.contains("skill"), "{}", refused[4].1);
    assert!(refused[5].1.contains("vetting"), "{}", refused[5].1);
    assert_eq!(count(&app).await, 3);
    let vera = json_body(dispatcher.get(app.at("/api/registry?q=vera")).send().await.unwrap()).await;
    let vera = &vera[0];
    assert_eq!(vera["vetting"], "approved");
    assert_eq!(vera["skills"], json!(["navigator", "medic"]));
    assert_eq!(vera["vehicles"], json!([{"name": "Niva 4x4", "seats": 4, "four_by_four": true}]));
    assert_eq!(vera["home"]["coordinates"], json!([37.62, 55.75]));
    let darya =
        json_body(dispatcher.get(app.at("/api/registry?q=%D0%94%D0%B0%D1%80%D1%8C%D1%8F")).send().await.unwrap()).await;
    assert_eq!(darya[0]["vetting"], "pending");
    assert_eq!(darya[0]["home_label"], "Химки");
    // A form post from another site cannot import.
    let form = dispatcher
        .post(app.at("/api/registry/import"))
        .header("content-type", "text/plain")
        .body(csv)
        .send()
        .await
        .unwrap();
    expect_error(form, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type").await;
    let headless = dispatcher
        .post(app.at("/api/registry/import"))
        .header("content-type", "text/csv")
        .body("shoe size,colour\n42,red\n")
        .send()
        .await
        .unwrap();
    expect_error(headless, StatusCode::UNPROCESSABLE_ENTITY, "csv_invalid").await;
}

#[tokio::test]
async fn a_volunteer_edits_their_profile_from_the_phone_and_withdrawn_consent_stops_tracking() {
    let app = spawn_app().await;
    let (_, token) = volunteer_with_device(&app, "sokol").await;
    let phone = reqwest::Client::new();
    let bearer = format!("Bearer {token}");
    let mine =
        json_body(phone.get(app.at("/mobile/v1/profile")).header("authorization", &bearer).send().await.unwrap()).await;
    assert_eq!(mine["login"], "sokol");
    let changed = json_body(
        phone
            .patch(app.at("/mobile/v1/profile"))
            .header("authorization", &bearer)
            .json(&json!({"call_sign": "Сокол", "skills": ["medic"], "tracking_consent": true, "muted_until": null}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(changed["call_sign"], "Сокол");
    assert!(changed["tracking_consent_at"].is_string());
    // Not their own vetting, name or the dispatchers' notes.
    let rename = phone
        .patch(app.at("/mobile/v1/profile"))
        .header("authorization", &bearer)
        .json(&json!({"name": "Boss"}))
        .send()
        .await
        .unwrap();
    expect_error(rename, StatusCode::UNPROCESSABLE_ENTITY, "not_yours").await;
    let vet = phone
        .patch(app.at("/mobile/v1/profile"))
        .header("authorization", &bearer)
        .json(&json!({"vetting": "approved"}))
        .send()
        .await
        .unwrap();
    assert_eq!(vet.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let unknown = phone.get(app.at("/mobile/v1/profile")).header("authorization", "Bearer nope").send().await.unwrap();
    expect_error(unknown, StatusCode::UNAUTHORIZED, "device_unknown").await;

    // Positions flow; consent withdrawn, they are refused (tracker apps and the phone alike); given again, they flow.
    let osmand = |at: chrono::DateTime<chrono::Utc>| {
        let f = fix(at, 55.75, 37.62);
        app.at(&format!("/ingest/osmand?id={token}&lat={}&lon={}&timestamp={}", f["lat"], f["lon"], at.timestamp()))
    };
    let now = chrono::Utc::now();
    assert_eq!(phone.get(osmand(now - chrono::Duration::seconds(30))).send().await.unwrap().status(), StatusCode::OK);
    let withdrawn = json_body(
        phone
            .patch(app.at("/mobile/v1/profile"))
            .header("authorization", &bearer)
            .json(&json!({"tracking_consent": false}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(withdrawn["tracking_consent_withdrawn_at"].is_string());
    let refused = phone.get(osmand(now - chrono::Duration::seconds(20))).send().await.unwrap();
    expect_error(refused, StatusCode::FORBIDDEN, "tracking_consent_withdrawn").await;
    let given = json_body(
        phone
            .patch(app.at("/mobile/v1/profile"))
            .header("authorization", &bearer)
            .json(&json!({"tracking_consent": true}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(given["tracking_consent_withdrawn_at"].is_null());
    assert_eq!(phone.get(osmand(now - chrono::Duration::seconds(10))).send().await.unwrap().status(), StatusCode::OK);
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM track_chunks").fetch_one(&app.db).await.unwrap();
    assert_eq!(stored, 2, "the fix sent without consent was not stored");
    let audit: Vec<String> =
        sqlx::query_scalar("SELECT action FROM audit_log WHERE action LIKE 'volunteer.tracking%' ORDER BY id")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(
        audit,
        [
            "volunteer.tracking_consent_given",
            "volunteer.tracking_consent_withdrawn",
            "volunteer.tracking_consent_given"
        ]
    );
}
