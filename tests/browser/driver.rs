//! A real headless Chromium driven through chromedriver (Debian's `chromium` and
//! `chromium-driver`), for tests that use the console as a person would.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// A browser session; the driver process ends with it.
pub struct Browser {
    pub client: Client,
    driver: Child,
    driver_url: String,
    _profile: tempfile::TempDir,
}

/// The browser's language and window size.
pub struct BrowserOptions {
    pub language: &'static str,
    pub width: u32,
    pub height: u32,
}

impl Default for BrowserOptions {
    fn default() -> Self {
        Self { language: "ru-RU", width: 1280, height: 800 }
    }
}

impl Browser {
    /// Starts chromedriver and a headless Chromium.
    pub async fn start(options: BrowserOptions) -> Self {
        sweep::install_crypto_provider();
        for program in [CHROMIUM, CHROMEDRIVER] {
            assert!(
                Path::new(program).exists(),
                "{program} is missing: install the Debian packages chromium and chromium-driver (scripts/setup.sh does)"
            );
        }
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting chromedriver");
        let profile = tempfile::tempdir().unwrap();
        let capabilities = json!({
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-quic", "--no-first-run", "--disable-extensions",
                    format!("--user-data-dir={}", profile.path().display()),
                    format!("--window-size={},{}", options.width, options.height),
                    format!("--lang={}", options.language),
                ],
                "prefs": { "intl.accept_languages": options.language },
            }
        });
        let Value::Object(capabilities) = capabilities else { unreachable!() };
        let url = format!("http://127.0.0.1:{port}");
        let mut last_error = None;
        for _ in 0..100 {
            match ClientBuilder::rustls().unwrap().capabilities(capabilities.clone()).connect(&url).await {
                Ok(client) => return Self { client, driver, driver_url: url, _profile: profile },
                Err(error) => last_error = Some(error),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("could not start a Chromium session through chromedriver: {last_error:?}");
    }

    /// Waits (up to 10 s) for an element matching `css` and returns it.
    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css}: {e}"))
    }

    /// Waits (up to 10 s) for an element matching `css` that is displayed, as a person would
    /// before typing into it or clicking it.
    pub async fn visible(&self, css: &str) -> fantoccini::elements::Element {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(element) = self.client.find(Locator::Css(css)).await {
                if element.is_displayed().await.unwrap_or(false) && element.is_enabled().await.unwrap_or(false) {
                    return element;
                }
            }
            if tokio::time::Instant::now() >= deadline {
                self.wait_until(&format!("false /* {css} never became visible */")).await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits (up to 10 s) until `script` (an expression) is true in the page.
    pub async fn wait_until(&self, script: &str) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let value = self.client.execute(&format!("return !!({script});"), vec![]).await.unwrap();
            if value == Value::Bool(true) {
                return;
            }
            if tokio::time::Instant::now() >= deadline {
                let shot = std::env::temp_dir().join(format!("sweep-browser-timeout-{}.png", std::process::id()));
                if let Ok(png) = self.client.screenshot().await {
                    let _ = std::fs::write(&shot, png);
                }
                panic!("timed out waiting for: {script} (screenshot: {})", shot.display());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The value of a JavaScript expression in the page.
    pub async fn eval(&self, script: &str) -> Value {
        self.client.execute(&format!("return ({script});"), vec![]).await.unwrap()
    }

    /// The visible text of the element matching `css`.
    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.unwrap()
    }

    /// Runs a Chrome DevTools Protocol command in the page (through chromedriver's
    /// `goog/cdp/execute`): geolocation overrides, permissions.
    pub async fn cdp(&self, command: &str, params: Value) -> Value {
        let session = self.client.session_id().await.unwrap().expect("a session");
        let response = reqwest::Client::new()
            .post(format!("{}/session/{session}/goog/cdp/execute", self.driver_url))
            .json(&json!({ "cmd": command, "params": params }))
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert!(status.is_success(), "{command}: {status} {body}");
        body["value"].clone()
    }

    /// Puts the device at `lat`, `lon` for the page's Geolocation API.
    pub async fn set_location(&self, lat: f64, lon: f64, accuracy: f64) {
        self.cdp(
            "Emulation.setGeolocationOverride",
            json!({ "latitude": lat, "longitude": lon, "accuracy": accuracy }),
        )
        .await;
    }

    /// Ends the session and the driver.
    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}
