//! The console shell as a dispatcher uses it: log in, see the map, switch languages.

use serde_json::Value;

use crate::driver::{Browser, BrowserOptions};
use crate::helpers::spawn_app;

/// The translation tables the console uses.
fn table(language: &str) -> Value {
    let path = format!("{}/web/i18n/{language}.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn tr(language: &str, key: &str) -> String {
    table(language)[key].as_str().unwrap_or_else(|| panic!("no {key} in {language}")).to_string()
}

#[tokio::test]
async fn a_dispatcher_logs_in_sees_the_search_on_the_map_and_switches_language() {
    let app = spawn_app().await;
    sweep::demo::seed(&app.db).await.unwrap();
    let browser = Browser::start(BrowserOptions::default()).await;
    browser.client.goto(&app.url).await.unwrap();

    // A Russian browser gets the Russian login page.
    browser.wait_until("document.body.dataset.screen === 'login'").await;
    assert_eq!(browser.eval("document.documentElement.lang").await, "ru");
    assert_eq!(browser.text("#login-submit").await, tr("ru", "login.submit"));

    // A wrong password says so, in Russian.
    browser.find("#login").await.send_keys("dispatcher").await.unwrap();
    browser.find("#password").await.send_keys("wrong password").await.unwrap();
    browser.find("#login-submit").await.click().await.unwrap();
    browser.wait_until("!document.querySelector('#login-error').hidden").await;
    assert_eq!(browser.text("#login-error").await, tr("ru", "login.error.invalid_credentials"));

    browser.find("#password").await.clear().await.unwrap();
    browser.find("#password").await.send_keys(sweep::demo::DEMO_PASSWORD).await.unwrap();
    browser.find("#login-submit").await.click().await.unwrap();

    // The main layout: map pane with the demo search drawn on a plain background, side panel.
    browser.wait_until("document.body.dataset.screen === 'main'").await;
    browser.find("#map.leaflet-container").await;
    browser.find("#map .leaflet-overlay-pane path").await;
    browser.find("#map .marker-last-seen").await;
    browser.find("#map .marker-meeting-point").await;
    browser.find("#map .leaflet-control-scale-line").await;
    assert_eq!(
        browser.eval("document.querySelectorAll('#map .leaflet-tile').length").await,
        0,
        "no tiles without a tile server"
    );
    assert!(browser.find("#side-panel").await.is_displayed().await.unwrap());
    assert_eq!(browser.text("#user-name").await, "Ольга Смирнова");
    assert_eq!(browser.text("#user-role").await, tr("ru", "role.dispatcher"));
    browser.find(".case-item .case-name").await;
    assert_eq!(browser.text(".case-item .case-name").await, "Иванова Мария Петровна");
    assert_eq!(browser.text(".case-item .case-status").await, tr("ru", "case.status.search_active"));

    // To English and back, without a reload.
    browser.find("[data-lang='en']").await.click().await.unwrap();
    browser.wait_until("document.documentElement.lang === 'en'").await;
    assert_eq!(browser.text("#logout").await, tr("en", "user.logout"));
    assert_eq!(browser.text("#user-role").await, tr("en", "role.dispatcher"));
    assert_eq!(browser.text(".case-item .case-status").await, tr("en", "case.status.search_active"));
    assert_eq!(browser.eval("document.querySelector(\"[data-lang='en']\").getAttribute('aria-pressed')").await, "true");

    browser.find("[data-lang='ru']").await.click().await.unwrap();
    browser.wait_until("document.documentElement.lang === 'ru'").await;
    assert_eq!(browser.text("#logout").await, tr("ru", "user.logout"));

    // A reload keeps the session and the chosen language.
    browser.find("[data-lang='en']").await.click().await.unwrap();
    browser.client.refresh().await.unwrap();
    browser.wait_until("document.body.dataset.screen === 'main'").await;
    assert_eq!(browser.eval("document.documentElement.lang").await, "en");

    // Logging out returns to the login page, and the session is gone on the server too.
    browser.find("#logout").await.click().await.unwrap();
    browser.wait_until("document.body.dataset.screen === 'login'").await;
    browser.client.refresh().await.unwrap();
    browser.wait_until("document.body.dataset.screen === 'login'").await;
    browser.close().await;
}

#[tokio::test]
async fn on_a_phone_sized_screen_the_map_fills_the_screen_and_the_panel_folds_away() {
    let app = spawn_app().await;
    sweep::demo::seed(&app.db).await.unwrap();
    let browser = Browser::start(BrowserOptions { language: "en-US", width: 360, height: 640 }).await;
    browser.client.goto(&app.url).await.unwrap();
    browser.wait_until("document.body.dataset.screen === 'login'").await;
    assert_eq!(browser.eval("document.documentElement.lang").await, "en");
    browser.find("#login").await.send_keys("coordinator").await.unwrap();
    browser.find("#password").await.send_keys(sweep::demo::DEMO_PASSWORD).await.unwrap();
    browser.find("#login-submit").await.click().await.unwrap();
    browser.wait_until("document.body.dataset.screen === 'main'").await;
    browser.find("#map.leaflet-container").await;
    let map_width =
        browser.eval("document.querySelector('#map').getBoundingClientRect().width").await.as_f64().unwrap();
    assert!(map_width >= 340.0, "map is {map_width}px wide on a 360px screen");
    assert!(!browser.find("#side-panel").await.is_displayed().await.unwrap(), "the panel starts folded on a phone");
    browser.find("#panel-toggle").await.click().await.unwrap();
    browser.wait_until("!document.querySelector('#side-panel').hidden").await;
    assert_eq!(browser.text(".case-item .case-name").await, "Иванова Мария Петровна");
    browser.close().await;
}
