//! The test harness: one embedded PostgreSQL + PostGIS cluster per test process, a fresh
//! database per test (copied from a migrated template), and the real server on 127.0.0.1:0.

#![allow(dead_code)]

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::sync::OnceLock;

use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::{Connection, PgConnection, PgPool};
use sweep::auth::Role;
use sweep::db::embedded::{self, EmbeddedCluster};
use sweep::{AppState, Config};
use tokio::sync::oneshot;
use uuid::Uuid;

/// The password every test account gets.
pub const PASSWORD: &str = "correct horse battery";
const TEMPLATE: &str = "sweep_template";

/// The cluster shared by all tests in this process.
pub struct TestCluster {
    pub cluster: EmbeddedCluster,
    pub data_dir: PathBuf,
}

/// Starts the cluster and the template database once per process.
pub fn cluster() -> &'static TestCluster {
    static CLUSTER: OnceLock<TestCluster> = OnceLock::new();
    CLUSTER.get_or_init(|| {
        // A thread of its own: the cluster outlives any one test's runtime.
        std::thread::spawn(|| {
            let data_dir = tempfile::Builder::new().prefix("sweep-test-").tempdir().expect("temp dir").keep();
            // The postgres user (when tests run as root) must be able to enter it.
            std::fs::set_permissions(&data_dir, std::fs::Permissions::from_mode(0o755)).unwrap();
            let bin =
                PathBuf::from(std::env::var("SWEEP_PG_BIN").unwrap_or_else(|_| "/usr/lib/postgresql/15/bin".into()));
            let cluster = EmbeddedCluster::start(&data_dir, &bin).expect("starting the test PostgreSQL cluster");
            cluster.stop_when_process_exits(std::process::id(), Some(&data_dir)).expect("watchdog");
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async {
                cluster.bootstrap().await.expect("bootstrap");
                let mut admin = PgConnection::connect_with(&cluster.connect_options("postgres", embedded::SUPERUSER))
                    .await
                    .unwrap();
                embedded::create_database(&mut admin, TEMPLATE, embedded::APP_ROLE, None).await.unwrap();
                // As in the embedded default: the superuser owns the schema, the server's role has grants.
                let owner = sweep::db::connect(cluster.connect_options(TEMPLATE, embedded::SUPERUSER)).await.unwrap();
                sweep::db::prepare(&owner, Some(embedded::APP_ROLE))
                    .await
                    .expect("migrations apply to an empty database");
                owner.close().await;
                admin.close().await.unwrap();
            });
            TestCluster { cluster, data_dir }
        })
        .join()
        .expect("test cluster set-up")
    })
}

/// A fresh, migrated database; returns its name.
pub async fn fresh_database() -> String {
    let cluster = cluster();
    let name = format!("test_{}", Uuid::new_v4().simple());
    let mut admin =
        PgConnection::connect_with(&cluster.cluster.connect_options("postgres", embedded::SUPERUSER)).await.unwrap();
    embedded::create_database(&mut admin, &name, embedded::APP_ROLE, Some(TEMPLATE)).await.unwrap();
    admin.close().await.unwrap();
    name
}

/// A running server on its own database.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    /// The application's pool (role `sweep`, like the server).
    pub db: PgPool,
    /// The database's name.
    pub db_name: String,
    /// The configuration the server runs with.
    pub config: Config,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

/// Starts a server with the test defaults.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts a server after `adjust` changes its configuration.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    let db_name = fresh_database().await;
    let mut config = Config::defaults();
    config.database_url = Some(cluster().cluster.url(&db_name, embedded::APP_ROLE));
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.web_dir = Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("web"));
    adjust(&mut config);
    let db = sweep::db::connect(config.database_url.as_ref().unwrap().parse().unwrap()).await.unwrap();
    let listener = tokio::net::TcpListener::bind(config.listen).await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    config.public_url.get_or_insert_with(|| url.clone());
    let (tx, rx) = oneshot::channel::<()>();
    let state = AppState::new(db.clone(), config.clone());
    let server = tokio::spawn(sweep::serve(listener, state, async {
        let _ = rx.await;
    }));
    TestApp { url, db, db_name, config, shutdown: Some(tx), server: Some(server) }
}

impl TestApp {
    /// The full address of `path`.
    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// A client with no credentials (keeps cookies it is given).
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder().cookie_store(true).build().unwrap()
    }

    /// Creates an account with [`PASSWORD`]; returns its id.
    pub async fn create_user(&self, login: &str, role: Role) -> Uuid {
        let new = sweep::users::NewAccount {
            login: login.into(),
            display_name: format!("Test {login}"),
            role,
            password: Some(PASSWORD.into()),
            language: "en".into(),
            police_unit: (role == Role::PoliceLiaison).then(|| "Test police unit".to_string()),
        };
        let id = sweep::users::accounts::create(&self.db, new, &sweep::audit::Actor::System, None).await.unwrap().id;
        if role == Role::Volunteer {
            // Test volunteers are approved for field work; vetting tests make pending ones.
            sqlx::query("UPDATE volunteer_profiles SET vetting = 'approved', vetting_at = now() WHERE user_id = $1")
                .bind(id)
                .execute(&self.db)
                .await
                .unwrap();
        }
        id
    }

    /// A client logged in as a new account with `role`.
    pub async fn logged_in(&self, role: Role) -> reqwest::Client {
        let login = format!("{}-{}", role.as_str().replace('_', "-"), &Uuid::new_v4().simple().to_string()[..6]);
        self.create_user(&login, role).await;
        self.login(&login, PASSWORD).await
    }

    /// A client logged in as `login`.
    pub async fn login(&self, login: &str, password: &str) -> reqwest::Client {
        let client = self.client();
        let response = client
            .post(self.at("/api/auth/login"))
            .json(&json!({ "login": login, "password": password }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "login of {login} failed: {}", response.text().await.unwrap());
        client
    }

    /// A connection to this test's database as the cluster's superuser.
    pub async fn superuser(&self) -> PgConnection {
        PgConnection::connect_with(&cluster().cluster.connect_options(&self.db_name, embedded::SUPERUSER))
            .await
            .unwrap()
    }

    /// Stops the server and waits for it.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.unwrap().unwrap();
        }
    }
}

/// The JSON body of a response, asserting it is JSON.
pub async fn json_body(response: reqwest::Response) -> Value {
    let content_type =
        response.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    let status = response.status();
    let text = response.text().await.unwrap();
    assert!(
        content_type.starts_with("application/json"),
        "status {status} answered {content_type:?}, not JSON: {text}"
    );
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("invalid JSON ({e}): {text}"))
}

/// Asserts a response is an error with `status` and `code` and a message, and returns its body.
pub async fn expect_error(response: reqwest::Response, status: StatusCode, code: &str) -> Value {
    let got = response.status();
    let body = json_body(response).await;
    assert_eq!(got, status, "unexpected status, body {body}");
    assert_eq!(body["error"], code, "unexpected error code in {body}");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "no message in {body}");
    body
}

impl TestApp {
    /// Logs in as `login` and returns the session cookie (`sweep_session=…`).
    pub async fn session_cookie(&self, login: &str) -> String {
        let response = reqwest::Client::new()
            .post(self.at("/api/auth/login"))
            .json(&json!({ "login": login, "password": PASSWORD }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let cookie = response.headers().get("set-cookie").unwrap().to_str().unwrap();
        cookie.split(';').next().unwrap().to_string()
    }

    /// A client that sends `cookie` with every request.
    pub fn with_cookie(&self, cookie: &str) -> reqwest::Client {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(reqwest::header::COOKIE, cookie.parse().unwrap());
        reqwest::Client::builder().default_headers(headers).build().unwrap()
    }

    /// An API token for `login`, issued from a session.
    pub async fn token_for(&self, login: &str) -> String {
        self.scoped_token_for(login, "full").await
    }

    /// An API token for `login` with `scope` (`full` or `calls`).
    pub async fn scoped_token_for(&self, login: &str, scope: &str) -> String {
        let session = self.login(login, PASSWORD).await;
        let issued =
            session.post(self.at("/api/tokens")).json(&json!({ "name": "test", "scope": scope })).send().await.unwrap();
        json_body(issued).await["secret"].as_str().unwrap().to_string()
    }

    /// Opens the console's live channel with a session cookie; returns it after its hello.
    pub async fn live(&self, cookie: &str) -> Live {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let mut request = format!("{}/api/live", self.url.replace("http://", "ws://")).into_client_request().unwrap();
        request.headers_mut().insert("cookie", cookie.parse().unwrap());
        let (socket, _) = tokio_tungstenite::connect_async(request).await.expect("the live channel opens");
        let mut live = Live { socket };
        let hello = live.next_message().await;
        assert_eq!(hello["type"], "hello");
        live
    }
}

/// A console's live channel.
pub struct Live {
    socket: tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
}

impl Live {
    /// Sends a request to the server.
    pub async fn send(&mut self, message: Value) {
        use futures::SinkExt;
        let text = tokio_tungstenite::tungstenite::Message::Text(message.to_string().into());
        self.socket.send(text).await.unwrap();
    }

    /// The next JSON message, waiting at most 5 seconds.
    pub async fn next_message(&mut self) -> Value {
        use futures::StreamExt;
        loop {
            let message = tokio::time::timeout(std::time::Duration::from_secs(5), self.socket.next())
                .await
                .expect("a live message within 5 s")
                .expect("the channel is open")
                .unwrap_or_else(|e| panic!("the live channel failed: {e}"));
            if let tokio_tungstenite::tungstenite::Message::Text(text) = message {
                return serde_json::from_str(&text).unwrap();
            }
        }
    }

    /// The next message of `kind`, skipping others, waiting at most 5 seconds in all.
    pub async fn next_of(&mut self, kind: &str) -> Value {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            assert!(tokio::time::Instant::now() < deadline, "no {kind} message within 5 s");
            let message = self.next_message().await;
            if message["type"] == kind {
                return message;
            }
        }
    }

    /// Asserts no message of `kind` arrives within `wait`.
    pub async fn none_of(&mut self, kind: &str, wait: std::time::Duration) {
        use futures::StreamExt;
        let deadline = tokio::time::Instant::now() + wait;
        while let Ok(Some(Ok(message))) = tokio::time::timeout_at(deadline, self.socket.next()).await {
            if let tokio_tungstenite::tungstenite::Message::Text(text) = message {
                let value: Value = serde_json::from_str(&text).unwrap();
                assert_ne!(value["type"], kind, "unexpected {value}");
            }
        }
    }
}

/// A real SMTP server on loopback (Debian's python3-aiosmtpd) that keeps what it receives in a
/// Maildir.
pub struct SmtpServer {
    /// `smtp://127.0.0.1:PORT`
    pub url: String,
    maildir: tempfile::TempDir,
    child: std::process::Child,
}

impl SmtpServer {
    /// Starts the server and waits until it accepts connections.
    pub async fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let maildir = tempfile::tempdir().unwrap();
        // Debian's interpreter, which has the python3-aiosmtpd package (not a pyenv shim).
        let mut child = std::process::Command::new("/usr/bin/python3")
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(maildir.path().join("mail"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("starting aiosmtpd: install python3-aiosmtpd (scripts/setup.sh does)");
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return Self { url: format!("smtp://127.0.0.1:{port}"), maildir, child };
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("aiosmtpd did not start on port {port}");
    }

    /// The raw messages received so far.
    pub fn messages(&self) -> Vec<String> {
        let new = self.maildir.path().join("mail/new");
        let Ok(entries) = std::fs::read_dir(new) else { return Vec::new() };
        entries.map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap()).collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
