//! A call-out from the console reaches a volunteer's phone app; they answer "going" there and the
//! coordinator's answer board counts them, live. Then the answer page behind an e-mail link.

use serde_json::json;
use sweep::auth::Role;

use crate::driver::{Browser, BrowserOptions};
use crate::helpers::{json_body, spawn_app, PASSWORD};

async fn type_into(browser: &Browser, css: &str, text: &str) {
    let field = browser.visible(css).await;
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

#[tokio::test]
async fn a_coordinator_calls_out_a_volunteer_answers_in_the_phone_app_and_the_board_counts_them_live() {
    let app = spawn_app().await;
    let sokol = app.create_user("sokol", Role::Volunteer).await;
    app.create_user("orel", Role::Volunteer).await;
    app.create_user("vector", Role::Coordinator).await;
    let dispatcher = app.logged_in(Role::Dispatcher).await;
    let issued = dispatcher
        .post(app.at("/api/devices"))
        .json(&json!({"user_id": sokol, "label": "phone"}))
        .send()
        .await
        .unwrap();
    let link = json_body(issued).await["setup"]["phone_app_link"].as_str().unwrap().to_string();

    // The volunteer's phone is open.
    let phone = Browser::start(BrowserOptions::default()).await;
    phone.client.goto(&link).await.unwrap();
    phone.wait_until("document.querySelector('#connection-state')?.dataset.state === 'online'").await;

    // The coordinator composes a call-out to every approved volunteer, in the app.
    let console = Browser::start(BrowserOptions::default()).await;
    console.client.goto(&format!("{}/#/callouts", app.url)).await.unwrap();
    console.wait_until("document.body.dataset.screen === 'login'").await;
    type_into(&console, "#login", "vector").await;
    type_into(&console, "#password", PASSWORD).await;
    console.visible("#login-submit").await.click().await.unwrap();
    console.wait_until("document.body.dataset.screen === 'main'").await;
    console.visible("#nav-callouts").await.click().await.unwrap();
    type_into(&console, "#callout-title", "Ищем Анну, 7 лет").await;
    type_into(&console, "#callout-text", "Сбор в 18:00 у станции Подрезково").await;
    console.eval("document.querySelector('#callout-target-all').click()").await;
    console.eval("(() => { const e = document.querySelector('#callout-channel-email'); if (e.checked) e.click(); return true; })()").await;
    type_into(&console, "#callout-needed", "1").await;
    // Before sending, how many it reaches: both volunteers, one of them in the app.
    console
        .wait_until(
            "document.querySelector('#callout-preview')?.dataset.state === 'ready' \
             && document.querySelector('#callout-preview').dataset.people === '2' \
             && document.querySelector('#callout-preview-app').textContent.includes('1')",
        )
        .await;
    console.visible("#callout-send").await.click().await.unwrap();
    console.wait_until("location.hash.startsWith('#/callouts/') && document.querySelector('#board-going')").await;
    console.wait_until("document.querySelector('#board-going').dataset.going === '0'").await;
    let alert_id = console.eval("location.hash.split('/').pop()").await.as_str().unwrap().to_string();

    // The phone shows it and the volunteer answers "going".
    let answer = format!("#alerts li.alert[data-alert-id='{alert_id}'] button.answer-going");
    phone.visible(&answer).await.click().await.unwrap();
    phone
        .wait_until(&format!(
            "document.querySelector(\"#alerts li.alert[data-alert-id='{alert_id}'] .alert-answered\")"
        ))
        .await;

    // The board counts them without a reload.
    console.wait_until("document.querySelector('#board-going').dataset.going === '1'").await;
    console
        .wait_until(&format!(
            "document.querySelector(\".board-recipient[data-volunteer-id='{sokol}']\")?.dataset.answer === 'going'"
        ))
        .await;
    let stored: (String, String) = sqlx::query_as(
        "SELECT answer, answered_via FROM alert_recipients WHERE alert_id = $1::uuid AND volunteer_id = $2",
    )
    .bind(&alert_id)
    .bind(sokol)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(stored, ("going".to_string(), "app".to_string()));
    phone.close().await;
    console.close().await;
}

#[tokio::test]
async fn the_answer_page_behind_a_link_answers_and_changes_preferences() {
    let app = spawn_app().await;
    let volunteer = app.create_user("luna", Role::Volunteer).await;
    let coordinator = app.logged_in(Role::Coordinator).await;
    let sent = coordinator
        .post(app.at("/api/callouts"))
        .json(&json!({"title": "Нужны водители", "text": "Сбор у школы", "channels": ["app"], "target": {"all": true}}))
        .send()
        .await
        .unwrap();
    let alert: String = json_body(sent).await["id"].as_str().unwrap().to_string();
    // A link as an e-mail would carry it (the sender makes one per message; here, by hand).
    let token = "test-link-token-0123456789";
    sqlx::query(
        "INSERT INTO answer_links (token_hash, alert_id, volunteer_id) VALUES (sha256($1::bytea), $2::uuid, $3)",
    )
    .bind(token.as_bytes())
    .bind(&alert)
    .bind(volunteer)
    .execute(&app.db)
    .await
    .unwrap();
    let browser = Browser::start(BrowserOptions::default()).await;
    browser.client.goto(&format!("{}/r/{token}", app.url)).await.unwrap();
    browser.wait_until("document.body.dataset.state === 'ready'").await;
    assert!(browser.text("body").await.contains("Нужны водители"));
    browser.visible("#answer-cant").await.click().await.unwrap();
    browser.wait_until("document.querySelector('#answer-current')?.dataset.answer === 'cant'").await;
    browser.eval("(() => { const c = document.querySelector(\"#preferences-form input[name=channel][value=sms]\"); if (c.checked) c.click(); return true; })()").await;
    browser.visible("#pref-save").await.click().await.unwrap();
    browser.wait_until("document.querySelector('#pref-saved') && !document.querySelector('#pref-saved').hidden").await;
    let (answer, via): (String, String) =
        sqlx::query_as("SELECT answer, answered_via FROM alert_recipients WHERE alert_id = $1::uuid")
            .bind(&alert)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!((answer.as_str(), via.as_str()), ("cant", "link"));
    let channels: Vec<String> = sqlx::query_scalar("SELECT channels FROM volunteer_profiles WHERE user_id = $1")
        .bind(volunteer)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert!(!channels.contains(&"sms".to_string()), "{channels:?}");
    // An unknown link says so.
    browser.client.goto(&format!("{}/r/no-such-token", app.url)).await.unwrap();
    browser.wait_until("document.body.dataset.state === 'failed'").await;
    browser.wait_until("document.querySelector('#answer-failure')?.dataset.kind === 'unknown'").await;
    browser.close().await;
}
