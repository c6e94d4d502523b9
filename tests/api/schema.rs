//! Schemathesis (from PyPI) against `/api/openapi.json` as an administrator: thousands of
//! generated requests to every route; no 5xx, and every response matches the description.
//! `scripts/test.sh` installs it (docs/robustness.md has the command to run it by hand).

use sweep::auth::Role;

use crate::helpers::spawn_app;

fn schemathesis() -> std::path::PathBuf {
    if let Ok(path) = std::env::var("SWEEP_SCHEMATHESIS") {
        return path.into();
    }
    let local = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".tools/venv/bin/schemathesis");
    assert!(
        local.exists(),
        "schemathesis is not installed: run `bash scripts/test.sh` once (it installs it in .tools/)"
    );
    local
}

#[tokio::test]
async fn generated_requests_to_every_route_get_no_5xx_and_match_the_api_description() {
    let app = spawn_app().await;
    app.create_user("schema-admin", Role::Admin).await;
    let token = app.token_for("schema-admin").await;
    let url = app.at("/api/openapi.json");
    // Schemathesis keeps a cache where it runs: not in the repository.
    let workdir = tempfile::tempdir().unwrap();
    let output = tokio::process::Command::new(schemathesis())
        .current_dir(workdir.path())
        .args(["run", &url, "--header", &format!("Authorization: Bearer {token}")])
        .args(["--checks", "not_a_server_error,response_schema_conformance,content_type_conformance"])
        .args(["--max-examples", "15", "--seed", "1", "--no-color"])
        // The tracker apps' form bodies leave the generator few valid examples; that is not a failure.
        .args(["--suppress-health-check", "filter_too_much"])
        // These would end the test's own credentials.
        .args(["--exclude-path", "/api/auth/logout", "--exclude-path", "/api/tokens/{id}/revoke"])
        .args(["--exclude-path", "/api/auth/password"])
        .env("SCHEMATHESIS_HOOKS", "")
        .output()
        .await
        .expect("schemathesis runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "schemathesis found failures:\n{}\n{}",
        stdout.lines().rev().take(120).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("\n"),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("Tested:"), "{stdout}");
}
