//! A dispatcher's call to card, as a person does it: the telephony pop-up, the report, the
//! card, the checklist; then a police liaison reads the card with the log redacted.

use std::time::Duration;

use fantoccini::Locator;
use serde_json::json;
use sweep::auth::Role;

use crate::driver::{Browser, BrowserOptions};
use crate::helpers::{json_body, spawn_app, PASSWORD};

async fn log_in(browser: &Browser, login: &str) {
    browser.wait_until("document.body.dataset.screen === 'login'").await;
    type_into(browser, "#login", login).await;
    type_into(browser, "#password", PASSWORD).await;
    browser.visible("#login-submit").await.click().await.unwrap();
    browser.wait_until("document.body.dataset.screen === 'main'").await;
}

async fn type_into(browser: &Browser, css: &str, text: &str) {
    let field = browser.visible(css).await;
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

#[tokio::test]
async fn a_call_becomes_a_report_then_a_card_with_its_checklist_and_a_liaison_reads_it_redacted() {
    let app = spawn_app().await;
    app.create_user("olga", Role::Dispatcher).await;
    app.create_user("pbx", Role::Dispatcher).await;
    app.create_user("krylov", Role::PoliceLiaison).await;
    let token = app.scoped_token_for("pbx", "calls").await;
    let browser = Browser::start(BrowserOptions::default()).await;
    browser.client.goto(&app.url).await.unwrap();
    log_in(&browser, "olga").await;
    // The console's live channel is open before the call comes in.
    browser
        .wait_until(
            "document.querySelector('#live-status') && document.querySelector('#live-status').dataset.state === 'open'",
        )
        .await;

    let call =
        json!({"call_id": "pbx-7781", "caller_number": "+7 926 555-01-02", "location": {"lat": 55.76, "lon": 37.64}});
    let announced =
        reqwest::Client::new().post(app.at("/api/intake/calls")).bearer_auth(&token).json(&call).send().await.unwrap();
    assert_eq!(announced.status(), 202);

    // The pop-up shows the number; one click opens a report filled from the call.
    let popup = browser.find("#call-popups .call-popup:not([hidden])").await;
    assert!(popup.text().await.unwrap().contains("+7 926 555-01-02"));
    browser.visible("#call-popups .call-popup:not([hidden]) .call-new-report").await.click().await.unwrap();
    browser.find("#report-form").await;
    browser.wait_until("document.querySelector('#report-form-caller_phone').value === '+7 926 555-01-02'").await;
    assert_eq!(browser.eval("document.querySelector('#report-form-channel').value").await, "phone");
    type_into(&browser, "#report-form-text", "Пропал сын, 15 лет, ушёл из дома вечером").await;
    browser.visible("#report-form-submit").await.click().await.unwrap();
    browser.find("#report-view").await;
    browser.wait_until("document.querySelectorAll('#call-popups .call-popup:not([hidden])').length === 0").await;

    // Turn it into a card.
    browser.visible("#report-case-button").await.click().await.unwrap();
    browser.find("#case-form").await;
    type_into(&browser, "#case-form-full_name", "Смирнов Артём").await;
    browser.visible("#case-form-category").await.select_by_value("teenager").await.unwrap();
    type_into(&browser, "#case-form-estimated_age", "15").await;
    browser.visible("#case-form-submit").await.click().await.unwrap();
    browser.wait_until("document.querySelector('#case-view-name') && document.querySelector('#case-view-name').textContent.includes('Смирнов Артём')").await;

    // The first checks started by themselves.
    browser.visible("#case-tab-tasks").await.click().await.unwrap();
    browser.wait_until("document.querySelectorAll('#task-list .task').length === 4").await;
    let tasks = browser.text("#task-list").await;
    assert!(tasks.contains("Обзвонить больницы") && tasks.contains("Сообщить в полицию"), "{tasks}");
    let case_id: String = sqlx::query_scalar("SELECT id::text FROM cases WHERE full_name = 'Смирнов Артём'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let report_outcome: String =
        sqlx::query_scalar("SELECT outcome FROM reports WHERE call_id = 'pbx-7781'").fetch_one(&app.db).await.unwrap();
    assert_eq!(report_outcome, "became_case");

    // A log entry naming a volunteer's phone, written in the console.
    browser.visible("#case-tab-journal").await.click().await.unwrap();
    browser.visible("#journal-kind").await.select_by_value("dispatch").await.unwrap();
    type_into(&browser, "#journal-text", "Отправлен Сокол, тел. +7 916 123-45-67, на вокзал").await;
    browser.visible("#journal-submit").await.click().await.unwrap();
    browser.wait_until("[...document.querySelectorAll('#case-journal .journal-entry')].some(e => e.textContent.includes('на вокзал'))").await;

    // The same caller rings again: while the number is typed into a new report, the case made
    // from their first call (they are its contact) is offered.
    browser.client.goto(&format!("{}/#/reports/new", app.url)).await.unwrap();
    type_into(&browser, "#report-form-caller_phone", "89265550102").await;
    browser.wait_until("[...document.querySelectorAll('#report-similar-list .similar-link')].some(a => a.textContent.includes('Смирнов Артём'))").await;

    // Shared with the liaison's unit, the liaison sees it, without the volunteer's phone.
    let staff = app.login("olga", PASSWORD).await;
    let shared = staff
        .post(app.at(&format!("/api/cases/{case_id}/shares")))
        .json(&json!({"police_unit": "Test police unit"}))
        .send()
        .await
        .unwrap();
    assert_eq!(json_body(shared).await["police_unit"], "Test police unit");
    browser.visible("#logout").await.click().await.unwrap();
    log_in(&browser, "krylov").await;
    browser.client.goto(&format!("{}/#/cases/{case_id}", app.url)).await.unwrap();
    browser.wait_until("document.querySelector('#case-view-name') && document.querySelector('#case-view-name').textContent.includes('Смирнов Артём')").await;
    browser.visible("#case-tab-journal").await.click().await.unwrap();
    browser.wait_until("[...document.querySelectorAll('#case-journal .journal-entry')].some(e => e.textContent.includes('на вокзал'))").await;
    let journal = browser.text("#case-journal").await;
    assert!(journal.contains("Отправлен Сокол, тел. […], на вокзал"), "{journal}");
    assert!(!journal.contains("916"), "{journal}");
    let buttons = browser.client.find_all(Locator::Css(".transition-button")).await.unwrap();
    let mut visible = 0;
    for button in buttons {
        if button.is_displayed().await.unwrap() {
            visible += 1;
        }
    }
    assert_eq!(visible, 0, "a liaison cannot move the case");
    let reads: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE action = 'case.read' AND actor_label = 'krylov' AND record_id = $1",
    )
    .bind(&case_id)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert!(reads >= 2, "the card and its log were read, and audited: {reads}");
    tokio::time::sleep(Duration::from_millis(10)).await;
    browser.close().await;
}
