//! The audit log: what is recorded, that the application cannot change it, and that a
//! superuser's tampering is found by `sweep audit verify`.

use std::process::Command;

use reqwest::StatusCode;
use serde_json::json;
use sqlx::Connection;
use sweep::audit::{Actor, AuditEvent};
use sweep::auth::Role;

use crate::helpers::{json_body, spawn_app, TestApp};

fn sweep_audit_verify(app: &TestApp) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_sweep"))
        .args(["--database-url", app.config.database_url.as_ref().unwrap(), "--log-level", "warn", "audit", "verify"])
        .output()
        .unwrap();
    (
        output.status.code().unwrap(),
        format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr)),
    )
}

async fn write_events(app: &TestApp, n: usize) {
    for i in 0..n {
        AuditEvent::new("test.event")
            .on("case", i)
            .details(json!({"i": i}))
            .write(&app.db, &Actor::System, None)
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn logins_and_account_changes_are_recorded_with_actor_and_address() {
    let app = spawn_app().await;
    let admin = app.logged_in(Role::Admin).await;
    let created = json_body(
        admin
            .post(app.at("/api/users"))
            .json(&json!({"login": "new.one", "display_name": "New", "role": "volunteer"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let page = json_body(admin.get(app.at("/api/audit?record_type=user")).send().await.unwrap()).await;
    let entries = page["entries"].as_array().unwrap();
    let create = entries
        .iter()
        .find(|e| e["action"] == "user.create" && e["record_id"] == created["id"])
        .expect("user.create recorded");
    assert_eq!(create["actor_kind"], "user");
    assert!(create["actor_label"].as_str().unwrap().starts_with("admin-"));
    assert_eq!(create["address"], "127.0.0.1");
    assert!(entries.iter().any(|e| e["action"] == "auth.login"), "{page}");
}

#[tokio::test]
async fn the_application_role_can_neither_update_nor_delete_nor_truncate_audit_rows() {
    let app = spawn_app().await;
    write_events(&app, 2).await;
    for statement in ["UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log", "TRUNCATE audit_log"] {
        let error = sqlx::query(statement).execute(&app.db).await.expect_err(statement);
        let message = error.to_string();
        assert!(message.contains("permission denied") || message.contains("append-only"), "{statement}: {message}");
    }
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log").fetch_one(&app.db).await.unwrap();
    assert_eq!(count, 2);
    // Owning nothing, the role cannot give itself those rights back or switch the guard off.
    let _ = sqlx::query("GRANT UPDATE, DELETE ON audit_log TO CURRENT_USER").execute(&app.db).await;
    let error =
        sqlx::query("UPDATE audit_log SET action = 'x'").execute(&app.db).await.expect_err("still refused").to_string();
    assert!(error.contains("permission denied"), "{error}");
    let error = sqlx::query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change").execute(&app.db).await;
    assert!(error.expect_err("only the owner may").to_string().contains("must be owner"));
    // Nor own the schema, which would let it drop the table and build a forged one.
    let error = sqlx::query("DROP TABLE audit_log").execute(&app.db).await.expect_err("no drop").to_string();
    assert!(error.contains("must be owner"), "{error}");
    let error = sqlx::query("CREATE TABLE forged (id int)").execute(&app.db).await.expect_err("no create").to_string();
    assert!(error.contains("permission denied"), "{error}");
}

#[tokio::test]
async fn an_intact_log_verifies_and_names_its_head() {
    let app = spawn_app().await;
    write_events(&app, 5).await;
    let (code, output) = sweep_audit_verify(&app);
    assert_eq!(code, 0, "{output}");
    assert!(output.contains("intact: 5 rows"), "{output}");
}

#[tokio::test]
async fn a_row_edited_by_the_superuser_is_named_by_sweep_audit_verify() {
    let app = spawn_app().await;
    write_events(&app, 5).await;
    let mut superuser = app.superuser().await;
    // A superuser can switch the guarding triggers off; the chain still catches the edit.
    sqlx::query("SET session_replication_role = replica").execute(&mut superuser).await.unwrap();
    sqlx::query("UPDATE audit_log SET details = '{\"i\": 99}' WHERE id = 3").execute(&mut superuser).await.unwrap();
    superuser.close().await.unwrap();
    let (code, output) = sweep_audit_verify(&app);
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("tampered with at row 3"), "{output}");
    assert!(output.contains("altered"), "{output}");
}

#[tokio::test]
async fn a_row_deleted_by_the_superuser_is_found_at_the_row_after_it() {
    let app = spawn_app().await;
    write_events(&app, 5).await;
    let mut superuser = app.superuser().await;
    sqlx::query("SET session_replication_role = replica").execute(&mut superuser).await.unwrap();
    sqlx::query("DELETE FROM audit_log WHERE id = 2").execute(&mut superuser).await.unwrap();
    superuser.close().await.unwrap();
    let (code, output) = sweep_audit_verify(&app);
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("at row 3") && output.contains("deleted"), "{output}");
}

#[tokio::test]
async fn a_rewritten_hash_does_not_hide_an_edit() {
    let app = spawn_app().await;
    write_events(&app, 4).await;
    let mut superuser = app.superuser().await;
    sqlx::query("SET session_replication_role = replica").execute(&mut superuser).await.unwrap();
    // Edit row 2 and recompute its own hash: row 3 no longer links to it.
    sqlx::query(
        "UPDATE audit_log SET action = 'quietly.changed',
            hash = audit_row_hash(prev_hash, id, at, actor_kind, actor_id, actor_label, 'quietly.changed', record_type, record_id, address, details)
         WHERE id = 2",
    )
    .execute(&mut superuser)
    .await
    .unwrap();
    superuser.close().await.unwrap();
    let report = sweep::audit::verify(&app.db).await.unwrap();
    assert!(!report.intact);
    assert_eq!(report.first_broken.unwrap().id, 3);
}

#[tokio::test]
async fn concurrent_writers_keep_one_unbroken_chain() {
    let app = spawn_app().await;
    let mut tasks = Vec::new();
    for i in 0..40 {
        let db = app.db.clone();
        tasks.push(tokio::spawn(async move {
            let mut tx = db.begin().await.unwrap();
            AuditEvent::new("test.concurrent").on("case", i).write(&mut *tx, &Actor::System, None).await.unwrap();
            tx.commit().await.unwrap();
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let report = sweep::audit::verify(&app.db).await.unwrap();
    assert!(report.intact, "{report:?}");
    assert_eq!(report.rows, 40);
}

#[tokio::test]
async fn the_verify_endpoint_reports_the_same_as_the_command() {
    let app = spawn_app().await;
    let admin = app.logged_in(Role::Admin).await;
    let response = admin.get(app.at("/api/audit/verify")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body = json_body(response).await;
    assert_eq!(body["intact"], true);
    assert!(body["rows"].as_u64().unwrap() >= 2, "{body}");
}
