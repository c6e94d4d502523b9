//! What the police see: only shared cases, the log without volunteers' phones and e-mails,
//! every read audited; read-only links that expire and can be revoked.

use reqwest::StatusCode;
use serde_json::{json, Value};
use sweep::auth::Role;

use crate::helpers::{expect_error, json_body, spawn_app, TestApp, PASSWORD};

async fn case_with_log(app: &TestApp, staff: &reqwest::Client) -> Value {
    let case = json_body(
        staff
            .post(app.at("/api/cases"))
            .json(&json!({"full_name": "Лебедева Ольга", "category": "teenager", "estimated_age": 15,
                          "contacts": [{"name": "мать", "phone": "+7 903 111-22-33"}]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let id = case["id"].as_str().unwrap();
    staff
        .post(app.at(&format!("/api/cases/{id}/journal")))
        .json(&json!({"kind": "dispatch", "text": "Отправлен Сокол (+7 916 123-45-67, sokol@example.org) на вокзал"}))
        .send()
        .await
        .unwrap();
    case
}

async fn audited_reads(app: &TestApp, case_id: &str) -> Vec<(String, Option<String>)> {
    sqlx::query_as(
        "SELECT actor_kind, actor_label FROM audit_log WHERE action = 'case.read' AND record_id = $1 ORDER BY id",
    )
    .bind(case_id)
    .fetch_all(&app.db)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_liaison_reads_only_shared_cases_with_the_log_redacted_and_every_read_audited() {
    let app = spawn_app().await;
    let staff = app.logged_in(Role::Dispatcher).await;
    let shared = case_with_log(&app, &staff).await;
    let other = case_with_log(&app, &staff).await;
    let (shared_id, other_id) = (shared["id"].as_str().unwrap(), other["id"].as_str().unwrap());
    app.create_user("krylov", Role::PoliceLiaison).await;
    let police = app.login("krylov", PASSWORD).await;

    assert_eq!(json_body(police.get(app.at("/api/cases")).send().await.unwrap()).await["cases"], json!([]));
    expect_error(
        police.get(app.at(&format!("/api/cases/{shared_id}"))).send().await.unwrap(),
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    let share = staff
        .post(app.at(&format!("/api/cases/{shared_id}/shares")))
        .json(&json!({"police_unit": "Test police unit"}))
        .send()
        .await
        .unwrap();
    assert_eq!(share.status(), StatusCode::CREATED);
    let share = json_body(share).await;

    let list = json_body(police.get(app.at("/api/cases")).send().await.unwrap()).await;
    let ids: Vec<&str> = list["cases"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [shared_id]);
    let task = shared["tasks"][0]["id"].as_str().unwrap();
    staff
        .patch(app.at(&format!("/api/cases/{shared_id}/tasks/{task}")))
        .json(&json!({"state": "done", "comment": "звонила Луна, +7 905 765-43-21"}))
        .send()
        .await
        .unwrap();
    let card = json_body(police.get(app.at(&format!("/api/cases/{shared_id}"))).send().await.unwrap()).await;
    let done = card["tasks"].as_array().unwrap().iter().find(|t| t["id"] == task).unwrap();
    assert_eq!(done["comment"], "звонила Луна, […]", "the team's notes on the card lose phones too");
    assert_eq!(card["contacts"][0]["phone"], "+7 903 111-22-33", "the relatives' phones are what the police need");
    let listed: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'case.list' AND actor_label = 'krylov'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(listed, 2, "both looks at the list are audited");
    let log = json_body(police.get(app.at(&format!("/api/cases/{shared_id}/journal"))).send().await.unwrap()).await;
    let dispatch = log["entries"].as_array().unwrap().iter().find(|e| e["kind"] == "dispatch").unwrap();
    assert_eq!(dispatch["text"], "Отправлен Сокол ([…], […]) на вокзал");
    let staff_log =
        json_body(staff.get(app.at(&format!("/api/cases/{shared_id}/journal"))).send().await.unwrap()).await;
    assert!(staff_log.to_string().contains("sokol@example.org"), "staff see the log as written");
    expect_error(
        police.get(app.at(&format!("/api/cases/{other_id}/journal"))).send().await.unwrap(),
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_eq!(audited_reads(&app, shared_id).await, vec![("user".to_string(), Some("krylov".to_string())); 2]);
    assert!(audited_reads(&app, other_id).await.is_empty(), "a refused read reads nothing");

    // A police note, and nothing else.
    let note = police
        .post(app.at(&format!("/api/cases/{shared_id}/journal")))
        .json(&json!({"kind": "police_note", "text": "Объявлена в розыск"}))
        .send()
        .await
        .unwrap();
    assert_eq!(note.status(), StatusCode::CREATED);
    let other_kind = police
        .post(app.at(&format!("/api/cases/{shared_id}/journal")))
        .json(&json!({"kind": "note", "text": "x"}))
        .send()
        .await
        .unwrap();
    expect_error(other_kind, StatusCode::FORBIDDEN, "forbidden").await;
    let unshared_note = police
        .post(app.at(&format!("/api/cases/{other_id}/journal")))
        .json(&json!({"kind": "police_note", "text": "x"}))
        .send()
        .await
        .unwrap();
    expect_error(unshared_note, StatusCode::NOT_FOUND, "not_found").await;
    let edit = police
        .patch(app.at(&format!("/api/cases/{shared_id}")))
        .json(&json!({"version": 1, "clothing": "x"}))
        .send()
        .await
        .unwrap();
    expect_error(edit, StatusCode::FORBIDDEN, "forbidden").await;

    // Revoked, the case disappears again.
    let revoke = staff
        .post(app.at(&format!("/api/cases/{shared_id}/shares/{}/revoke", share["id"].as_str().unwrap())))
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status(), StatusCode::NO_CONTENT);
    expect_error(
        police.get(app.at(&format!("/api/cases/{shared_id}"))).send().await.unwrap(),
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let shares = json_body(staff.get(app.at(&format!("/api/cases/{shared_id}/shares"))).send().await.unwrap()).await;
    assert!(shares["shares"][0]["revoked_at"].is_string(), "the share's record stays");
}

#[tokio::test]
async fn a_case_shared_with_one_liaison_is_not_seen_by_the_rest_of_the_unit() {
    let app = spawn_app().await;
    let staff = app.logged_in(Role::Coordinator).await;
    let case = case_with_log(&app, &staff).await;
    let id = case["id"].as_str().unwrap();
    let chosen = app.create_user("chosen", Role::PoliceLiaison).await;
    app.create_user("colleague", Role::PoliceLiaison).await;
    let volunteer = app.create_user("vol", Role::Volunteer).await;
    let to_volunteer = staff
        .post(app.at(&format!("/api/cases/{id}/shares")))
        .json(&json!({"user_id": volunteer}))
        .send()
        .await
        .unwrap();
    expect_error(to_volunteer, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
    let both = staff
        .post(app.at(&format!("/api/cases/{id}/shares")))
        .json(&json!({"user_id": chosen, "police_unit": "x"}))
        .send()
        .await
        .unwrap();
    expect_error(both, StatusCode::UNPROCESSABLE_ENTITY, "invalid_share").await;
    staff.post(app.at(&format!("/api/cases/{id}/shares"))).json(&json!({"user_id": chosen})).send().await.unwrap();
    let chosen_client = app.login("chosen", PASSWORD).await;
    assert_eq!(chosen_client.get(app.at(&format!("/api/cases/{id}"))).send().await.unwrap().status(), StatusCode::OK);
    let colleague = app.login("colleague", PASSWORD).await;
    assert_eq!(
        colleague.get(app.at(&format!("/api/cases/{id}"))).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_share_link_reads_one_case_redacted_until_it_expires_or_is_revoked_and_every_use_is_audited() {
    let app = spawn_app().await;
    let staff = app.logged_in(Role::Dispatcher).await;
    let case = case_with_log(&app, &staff).await;
    let id = case["id"].as_str().unwrap();
    let make = |hours: i64| {
        staff
            .post(app.at(&format!("/api/cases/{id}/share-links")))
            .json(&json!({"label": "следователь Петров", "expires_in_hours": hours}))
            .send()
    };
    expect_error(make(0).await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
    let issued = make(24).await.unwrap();
    assert_eq!(issued.status(), StatusCode::CREATED);
    let issued = json_body(issued).await;
    let url = issued["url"].as_str().unwrap();
    assert!(url.starts_with(&format!("{}/shared.html#", app.url)), "{url}");
    let secret = url.split('#').nth(1).unwrap().to_string();

    let stranger = reqwest::Client::new();
    let open =
        |secret: String| stranger.post(app.at("/api/share-links/open")).json(&json!({ "secret": secret })).send();
    let shared = json_body(open(secret.clone()).await.unwrap()).await;
    assert_eq!(shared["case"]["id"], id);
    let dispatch = shared["journal"].as_array().unwrap().iter().find(|e| e["kind"] == "dispatch").unwrap();
    assert!(!dispatch["text"].as_str().unwrap().contains("916"), "{dispatch}");
    json_body(open(secret.clone()).await.unwrap()).await;
    assert_eq!(
        audited_reads(&app, id).await,
        vec![("share_link".to_string(), Some("следователь Петров".to_string())); 2]
    );

    expect_error(open("not-a-real-secret".into()).await.unwrap(), StatusCode::NOT_FOUND, "share_link_unknown").await;
    sqlx::query("UPDATE share_links SET expires_at = now() - interval '1 second'").execute(&app.db).await.unwrap();
    expect_error(open(secret.clone()).await.unwrap(), StatusCode::GONE, "share_link_expired").await;

    let second = json_body(make(1).await.unwrap()).await;
    let second_secret = second["url"].as_str().unwrap().split('#').nth(1).unwrap().to_string();
    let revoke = staff
        .post(app.at(&format!("/api/cases/{id}/share-links/{}/revoke", second["link"]["id"].as_str().unwrap())))
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status(), StatusCode::NO_CONTENT);
    expect_error(open(second_secret).await.unwrap(), StatusCode::GONE, "share_link_revoked").await;
    assert_eq!(audited_reads(&app, id).await.len(), 2, "refused uses read nothing");
    let links = json_body(staff.get(app.at(&format!("/api/cases/{id}/share-links"))).send().await.unwrap()).await;
    assert_eq!(links["links"].as_array().unwrap().len(), 2);
    assert!(links.to_string().find(&secret).is_none(), "the secret is shown only once");
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let mut image = image::RgbImage::new(width, height);
    for (x, y, pixel) in image.enumerate_pixels_mut() {
        *pixel = image::Rgb([(x % 256) as u8, (y % 256) as u8, 90]);
    }
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

#[tokio::test]
async fn a_photo_is_checked_stored_once_thumbnailed_shown_to_a_liaison_with_an_audit_and_withdrawn_not_deleted() {
    let app = spawn_app().await;
    let staff = app.logged_in(Role::Dispatcher).await;
    let case = case_with_log(&app, &staff).await;
    let id = case["id"].as_str().unwrap();
    let url = app.at(&format!("/api/cases/{id}/photos"));
    let bytes = png(1200, 900);
    let upload = |body: Vec<u8>, content_type: &'static str| {
        staff.post(&url).header("content-type", content_type).body(body).send()
    };

    let first = upload(bytes.clone(), "image/png").await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let photo = json_body(first).await;
    assert_eq!((photo["width"].as_i64(), photo["height"].as_i64()), (Some(1200), Some(900)));
    let again = upload(bytes.clone(), "image/png").await.unwrap();
    assert_eq!(again.status(), StatusCode::OK, "the same file is stored once");
    assert_eq!(json_body(again).await["id"], photo["id"]);
    expect_error(upload(bytes.clone(), "image/jpeg").await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY, "not_an_image")
        .await;
    expect_error(
        upload(b"<svg/>".to_vec(), "image/svg+xml").await.unwrap(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
    expect_error(
        upload(vec![0u8; 11 * 1024 * 1024], "image/png").await.unwrap(),
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    )
    .await;

    let card = json_body(staff.get(app.at(&format!("/api/cases/{id}"))).send().await.unwrap()).await;
    assert_eq!(card["photos"].as_array().unwrap().len(), 1);
    let photo_id = photo["id"].as_str().unwrap();
    let original = staff.get(app.at(&format!("/api/cases/{id}/photos/{photo_id}"))).send().await.unwrap();
    assert_eq!(original.headers()["content-type"], "image/png");
    assert_eq!(original.bytes().await.unwrap().as_ref(), bytes.as_slice());
    let thumb = staff.get(app.at(&format!("/api/cases/{id}/photos/{photo_id}/thumbnail"))).send().await.unwrap();
    assert_eq!(thumb.headers()["content-type"], "image/jpeg");
    let thumb = image::load_from_memory(&thumb.bytes().await.unwrap()).unwrap();
    assert_eq!((thumb.width(), thumb.height()), (320, 240));

    app.create_user("krylov", Role::PoliceLiaison).await;
    let police = app.login("krylov", PASSWORD).await;
    let thumb_url = app.at(&format!("/api/cases/{id}/photos/{photo_id}/thumbnail"));
    assert_eq!(police.get(&thumb_url).send().await.unwrap().status(), StatusCode::NOT_FOUND, "not shared yet");
    staff.post(app.at(&format!("/api/cases/{id}/shares"))).json(&json!({"user_id": sqlx::query_scalar::<_, uuid::Uuid>("SELECT id FROM users WHERE login = 'krylov'").fetch_one(&app.db).await.unwrap()})).send().await.unwrap();
    assert_eq!(police.get(&thumb_url).send().await.unwrap().status(), StatusCode::OK);
    let audited: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'case.read' AND details->>'part' = 'photo'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(audited, 1);

    let withdraw = staff.post(app.at(&format!("/api/cases/{id}/photos/{photo_id}/withdraw"))).send().await.unwrap();
    assert_eq!(withdraw.status(), StatusCode::NO_CONTENT);
    let card = json_body(staff.get(app.at(&format!("/api/cases/{id}"))).send().await.unwrap()).await;
    assert_eq!(card["photos"], json!([]));
    let kept: i64 = sqlx::query_scalar("SELECT count(*) FROM case_photos WHERE withdrawn_at IS NOT NULL")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(kept, 1, "withdrawn, not deleted");
    let back = upload(bytes.clone(), "image/png").await.unwrap();
    assert_eq!(back.status(), StatusCode::CREATED, "uploaded again, a withdrawn photo comes back");
    let card = json_body(staff.get(app.at(&format!("/api/cases/{id}"))).send().await.unwrap()).await;
    assert_eq!(card["photos"][0]["id"], photo["id"]);
}
