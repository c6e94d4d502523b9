//! Bad input gets a clear 4xx with a JSON message, never a panic or a 500.

use reqwest::{header, StatusCode};
use serde_json::json;
use sweep::auth::Role;

use crate::helpers::{expect_error, json_body, spawn_app, spawn_app_with};

#[tokio::test]
async fn malformed_json_is_a_400_that_says_so() {
    let app = spawn_app().await;
    let response = app
        .client()
        .post(app.at("/api/auth/login"))
        .header(header::CONTENT_TYPE, "application/json")
        .body("{\"login\": \"a\", ")
        .send()
        .await
        .unwrap();
    let body = expect_error(response, StatusCode::BAD_REQUEST, "malformed_json").await;
    assert!(body["message"].as_str().unwrap().contains("not valid JSON"));
}

#[tokio::test]
async fn json_of_the_wrong_shape_is_a_422_naming_the_problem() {
    let app = spawn_app().await;
    let response = app.client().post(app.at("/api/auth/login")).json(&json!({"login": 5})).send().await.unwrap();
    let body = expect_error(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body").await;
    assert!(body["message"].as_str().unwrap().contains("login"), "{body}");
}

#[tokio::test]
async fn a_body_that_is_not_json_is_a_415() {
    let app = spawn_app().await;
    let response = app
        .client()
        .post(app.at("/api/auth/login"))
        .header(header::CONTENT_TYPE, "text/plain")
        .body("login=a")
        .send()
        .await
        .unwrap();
    expect_error(response, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type").await;
}

#[tokio::test]
async fn an_oversized_body_is_a_413() {
    let app = spawn_app_with(|c| c.max_body_bytes = 64 * 1024).await;
    let huge = format!("{{\"login\": \"{}\", \"password\": \"x\"}}", "a".repeat(200 * 1024));
    let response = app
        .client()
        .post(app.at("/api/auth/login"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    expect_error(response, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
}

#[tokio::test]
async fn unknown_api_paths_and_wrong_methods_answer_json() {
    let app = spawn_app().await;
    let missing = app.client().get(app.at("/api/no-such-thing")).send().await.unwrap();
    expect_error(missing, StatusCode::NOT_FOUND, "not_found").await;
    let wrong_method = app.client().delete(app.at("/api/auth/login")).send().await.unwrap();
    assert_eq!(wrong_method.headers().get(header::ALLOW).unwrap(), "POST");
    expect_error(wrong_method, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
}

#[tokio::test]
async fn a_malformed_id_in_the_path_is_a_400() {
    let app = spawn_app().await;
    let admin = app.logged_in(Role::Admin).await;
    let response = admin.get(app.at("/api/users/not-a-uuid")).send().await.unwrap();
    expect_error(response, StatusCode::BAD_REQUEST, "invalid_path").await;
    let query = admin.get(app.at("/api/audit?limit=lots")).send().await.unwrap();
    expect_error(query, StatusCode::BAD_REQUEST, "invalid_query").await;
    let range = admin.get(app.at("/api/audit?limit=0")).send().await.unwrap();
    expect_error(range, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
}

#[tokio::test]
async fn health_readiness_metrics_and_the_api_description_answer() {
    let app = spawn_app().await;
    let client = app.client();
    assert_eq!(json_body(client.get(app.at("/healthz")).send().await.unwrap()).await["status"], "ok");
    assert_eq!(json_body(client.get(app.at("/readyz")).send().await.unwrap()).await["status"], "ok");
    let metrics = client.get(app.at("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(
        metrics.contains("sweep_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("sweep_db_pool_connections"), "{metrics}");
    let spec = json_body(client.get(app.at("/api/openapi.json")).send().await.unwrap()).await;
    assert!(spec["openapi"].as_str().unwrap().starts_with("3."));
    assert!(spec["paths"]["/api/auth/login"]["post"].is_object());
    assert!(spec["components"]["securitySchemes"]["token"].is_object());
}

#[tokio::test]
async fn readiness_says_503_when_the_database_is_gone() {
    let app = spawn_app().await;
    app.db.close().await;
    let response = app.client().get(app.at("/readyz")).send().await.unwrap();
    expect_error(response, StatusCode::SERVICE_UNAVAILABLE, "unavailable").await;
    assert_eq!(json_body(app.client().get(app.at("/healthz")).send().await.unwrap()).await["status"], "ok");
}

#[tokio::test]
async fn pages_carry_security_headers() {
    let app = spawn_app().await;
    let response = app.client().get(app.at("/api/config")).send().await.unwrap();
    let csp = response.headers().get(header::CONTENT_SECURITY_POLICY).unwrap().to_str().unwrap();
    assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(response.headers().get(header::X_CONTENT_TYPE_OPTIONS).unwrap(), "nosniff");
}
