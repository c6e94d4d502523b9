//! The embedded default database, through the real `sweep` binary: created on first use,
//! stopped when `sweep` stops, reused with its data on the next start; as root, as a normal
//! user, and when the `postgres` user cannot enter the data folder.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use nix::unistd::{Uid, User};
use reqwest::StatusCode;
use serde_json::json;

const SWEEP: &str = env!("CARGO_BIN_EXE_sweep");

fn public_dir() -> PathBuf {
    let dir = tempfile::Builder::new().prefix("sweep-embedded-").tempdir().unwrap().keep();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

/// Runs `sweep` with `args` on `data_dir`, feeding `stdin`, optionally as another user.
fn sweep(binary: &Path, data_dir: &Path, args: &[&str], stdin: &str, as_user: Option<&str>) -> Output {
    let mut command = match as_user {
        Some(user) => {
            let mut c = Command::new("runuser");
            c.args(["-u", user, "--"]).arg(binary);
            c
        }
        None => Command::new(binary),
    };
    command
        .arg("--data-dir")
        .arg(data_dir)
        .args(["--log-level", "warn"])
        .args(args)
        .env_remove("DATABASE_URL")
        .current_dir("/");
    let mut child = command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

fn cluster_is_stopped(data_dir: &Path) -> bool {
    !data_dir.join("postgres/postmaster.pid").exists()
}

fn cleanup(data_dir: &Path) {
    if let Ok(target) = std::fs::read_link(data_dir.join("postgres")) {
        let _ = std::fs::remove_dir_all(target);
    }
    let _ = std::fs::remove_dir_all(data_dir);
}

#[test]
fn commands_create_the_cluster_keep_its_data_and_leave_it_stopped() {
    let data_dir = public_dir();
    let add =
        sweep(Path::new(SWEEP), &data_dir, &["user", "add", "keeper", "--role", "admin"], "keeper password\n", None);
    assert!(add.status.success(), "{}", text(&add));
    assert!(text(&add).contains("created keeper (admin)"), "{}", text(&add));
    assert!(cluster_is_stopped(&data_dir), "a command that started the cluster stops it again");
    if Uid::effective().is_root() {
        let postgres = User::from_name("postgres").unwrap().unwrap();
        let owner = nix::sys::stat::stat(&data_dir.join("postgres/PG_VERSION")).unwrap().st_uid;
        assert_eq!(owner, postgres.uid.as_raw(), "as root, the cluster belongs to the postgres user");
    }

    let list = sweep(Path::new(SWEEP), &data_dir, &["user", "list"], "", None);
    assert!(list.status.success(), "{}", text(&list));
    assert!(text(&list).contains("keeper") && text(&list).contains("admin"), "{}", text(&list));

    let duplicate =
        sweep(Path::new(SWEEP), &data_dir, &["user", "add", "KEEPER", "--role", "volunteer"], "other password\n", None);
    assert_eq!(duplicate.status.code(), Some(2));
    assert!(text(&duplicate).contains("already exists"), "{}", text(&duplicate));

    let no_password = sweep(Path::new(SWEEP), &data_dir, &["user", "add", "empty", "--role", "volunteer"], "", None);
    assert_eq!(no_password.status.code(), Some(2));
    assert!(text(&no_password).contains("no password on standard input"), "{}", text(&no_password));
    cleanup(&data_dir);
}

struct Server {
    child: Child,
    url: String,
}

fn start_server(data_dir: &Path) -> Server {
    let mut child = Command::new(SWEEP)
        .arg("--data-dir")
        .arg(data_dir)
        .args(["--listen", "127.0.0.1:0", "--log-level", "warn", "serve"])
        .env_remove("DATABASE_URL")
        .env_remove("SWEEP_PUBLIC_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().expect("sweep printed nothing").unwrap();
    let url = first
        .strip_prefix("Sweep is running at ")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_string();
    Server { child, url }
}

fn stop_server(mut server: Server) {
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(server.child.id() as i32), nix::sys::signal::Signal::SIGTERM)
        .unwrap();
    let status = server.child.wait().unwrap();
    assert!(status.success(), "sweep serve exited with {status} after SIGTERM");
}

#[tokio::test]
async fn serve_stops_its_cluster_on_sigterm_and_the_next_start_finds_the_data() {
    sweep::install_crypto_provider();
    let data_dir = public_dir();
    let add =
        sweep(Path::new(SWEEP), &data_dir, &["user", "add", "olga", "--role", "dispatcher"], "olga password\n", None);
    assert!(add.status.success(), "{}", text(&add));

    let server = start_server(&data_dir);
    let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let login = client
        .post(format!("{}/api/auth/login", server.url))
        .json(&json!({"login": "olga", "password": "olga password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    let issued: serde_json::Value = client
        .post(format!("{}/api/tokens", server.url))
        .json(&json!({"name": "phone"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = issued["secret"].as_str().unwrap().to_string();
    stop_server(server);
    assert!(cluster_is_stopped(&data_dir), "sweep serve stops the cluster it started");

    let server = start_server(&data_dir);
    let me =
        reqwest::Client::new().get(format!("{}/api/auth/me", server.url)).bearer_auth(&token).send().await.unwrap();
    assert_eq!(me.status(), StatusCode::OK, "the token issued before the restart still works");
    stop_server(server);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(cluster_is_stopped(&data_dir));
    cleanup(&data_dir);
}

#[test]
fn a_normal_user_runs_the_embedded_cluster_too() {
    // As root this runs the binary as `nobody`; as a normal user, as that user.
    let as_user = Uid::effective().is_root().then_some("nobody");
    let data_dir = public_dir();
    let binary_dir = public_dir();
    let binary = binary_dir.join("sweep");
    std::fs::copy(SWEEP, &binary).unwrap();
    if as_user.is_some() {
        let nobody = User::from_name("nobody").unwrap().unwrap();
        nix::unistd::chown(&data_dir, Some(nobody.uid), Some(nobody.gid)).unwrap();
    }
    let add = sweep(&binary, &data_dir, &["user", "add", "ivan", "--role", "volunteer"], "ivan password\n", as_user);
    assert!(add.status.success(), "{}", text(&add));
    let list = sweep(&binary, &data_dir, &["user", "list"], "", as_user);
    assert!(text(&list).contains("ivan"), "{}", text(&list));
    assert!(cluster_is_stopped(&data_dir));
    if let Some(user) = as_user {
        // Root, on a cluster a normal user made, runs it as that user and leaves it theirs.
        let owner = User::from_name(user).unwrap().unwrap().uid.as_raw();
        let as_root = sweep(&binary, &data_dir, &["user", "list"], "", None);
        assert!(text(&as_root).contains("ivan"), "{}", text(&as_root));
        let version_owner = nix::sys::stat::stat(&data_dir.join("postgres/PG_VERSION")).unwrap().st_uid;
        assert_eq!(version_owner, owner);
    }
    cleanup(&data_dir);
    let _ = std::fs::remove_dir_all(binary_dir);
}

#[test]
fn as_root_a_data_folder_the_postgres_user_cannot_enter_still_works() {
    if !Uid::effective().is_root() {
        eprintln!("not root: the postgres user is not involved, nothing to check here");
        return;
    }
    // /root is usually 0700: a checkout there is the common case.
    let private = tempfile::Builder::new().prefix("sweep-private-").tempdir().unwrap().keep();
    std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o700)).unwrap();
    let data_dir = private.join("data");
    let add =
        sweep(Path::new(SWEEP), &data_dir, &["user", "add", "root.user", "--role", "admin"], "root password\n", None);
    assert!(add.status.success(), "{}", text(&add));
    let link = data_dir.join("postgres");
    let target = std::fs::read_link(&link).expect("the data folder links to the cluster");
    assert!(target.starts_with("/var/lib/sweep/"), "{}", target.display());
    let list = sweep(Path::new(SWEEP), &data_dir, &["user", "list"], "", None);
    assert!(text(&list).contains("root.user"), "{}", text(&list));
    cleanup(&data_dir);
    let _ = std::fs::remove_dir_all(private);
}

async fn readyz(server: &Server) -> StatusCode {
    reqwest::get(format!("{}/readyz", server.url)).await.unwrap().status()
}

#[tokio::test]
async fn a_command_run_while_serving_leaves_the_cluster_to_the_server_and_a_second_server_is_refused() {
    let data_dir = public_dir();
    let server = start_server(&data_dir);
    let add =
        sweep(Path::new(SWEEP), &data_dir, &["user", "add", "late", "--role", "volunteer"], "late password\n", None);
    assert!(add.status.success(), "{}", text(&add));
    assert_eq!(readyz(&server).await, StatusCode::OK, "the command did not stop the server's database");

    let second = Command::new(SWEEP)
        .arg("--data-dir")
        .arg(&data_dir)
        .args(["--listen", "127.0.0.1:0", "--log-level", "warn", "serve"])
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert_eq!(second.status.code(), Some(2));
    assert!(text(&second).contains("another `sweep serve` already uses the data folder"), "{}", text(&second));
    assert_eq!(readyz(&server).await, StatusCode::OK);

    stop_server(server);
    assert!(cluster_is_stopped(&data_dir));
    cleanup(&data_dir);
}

#[tokio::test]
async fn after_a_kill_9_the_next_server_adopts_the_running_cluster_and_stops_it_at_the_end() {
    let data_dir = public_dir();
    let add =
        sweep(Path::new(SWEEP), &data_dir, &["user", "add", "olga", "--role", "dispatcher"], "olga password\n", None);
    assert!(add.status.success(), "{}", text(&add));
    let mut server = start_server(&data_dir);
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    assert!(!cluster_is_stopped(&data_dir), "PostgreSQL outlives a killed sweep");

    let server = start_server(&data_dir);
    let login = reqwest::Client::new()
        .post(format!("{}/api/auth/login", server.url))
        .json(&json!({"login": "olga", "password": "olga password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    stop_server(server);
    assert!(cluster_is_stopped(&data_dir), "the adopting server stopped the cluster");
    cleanup(&data_dir);
}

/// Runs `sweep bench <args>` on a fresh database (a smoke run: the figures themselves are in
/// docs/performance.md) and returns what it printed.
async fn bench(args: &[&str]) -> String {
    let db_name = crate::helpers::fresh_database().await;
    let cluster = &crate::helpers::cluster().cluster;
    let url = cluster.url(&db_name, sweep::db::embedded::APP_ROLE);
    // As on an external database the server's role owns (docs/performance.md): it may create
    // the baselines' table.
    let mut owner = <sqlx::PgConnection as sqlx::Connection>::connect_with(
        &cluster.connect_options(&db_name, sweep::db::embedded::SUPERUSER),
    )
    .await
    .unwrap();
    sqlx::query(&format!("GRANT CREATE ON SCHEMA public TO {}", sweep::db::embedded::APP_ROLE))
        .execute(&mut owner)
        .await
        .unwrap();
    let output = Command::new(SWEEP)
        .args(["--database-url", &url, "--log-level", "error", "bench"])
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    stdout
}

#[tokio::test]
async fn the_ingest_benchmark_runs_and_prints_its_figures_beside_its_baselines() {
    let stdout = bench(&["ingest", "--phones", "5", "--seconds", "1", "--insert-rows", "200"]).await;
    for line in ["fixes/s", "one INSERT per fix", "COPY", "resident memory"] {
        assert!(stdout.contains(line), "no {line:?} in:\n{stdout}");
    }
}

#[tokio::test]
async fn the_latency_benchmark_runs_and_prints_its_figures_beside_its_baselines() {
    let stdout = bench(&["latency", "--phones", "5", "--consoles", "2", "--seconds", "1"]).await;
    for line in ["phone → console", "acknowledgement", "polling the database", "p99", "resident memory"] {
        assert!(stdout.contains(line), "no {line:?} in:\n{stdout}");
    }
}

#[tokio::test]
async fn the_coverage_benchmark_runs_and_prints_its_figures_beside_its_baselines() {
    let args =
        ["--squares", "16", "--volunteers", "3", "--hours", "0.2", "--rounds", "2", "--baseline-timeout-s", "60"];
    let stdout = bench(&[&["coverage"][..], &args].concat()).await;
    for line in ["full recompute", "union of buffered whole tracks", "incremental", "console start", "export"] {
        assert!(stdout.contains(line), "no {line:?} in:\n{stdout}");
    }
    // The small operation's baseline finishes, and its coverage equals Sweep's.
    assert!(stdout.contains("(0 squares differ by more than 0.01)"), "{stdout}");
}
