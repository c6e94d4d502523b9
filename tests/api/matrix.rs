//! The route-by-role matrix: every route in the API description, asked by nobody and by every
//! role, with a session and with a token, is allowed or refused exactly as this table says.
//! A route missing from the table fails the test, so the table grows with the API.

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};
use serde_json::json;
use sweep::auth::Role;
use uuid::Uuid;

use crate::helpers::{json_body, spawn_app, TestApp, PASSWORD};

/// Who may call a route.
#[derive(Clone, Copy, Debug)]
enum Access {
    /// Anyone, without credentials.
    Public,
    /// Anyone logged in.
    AnyRole,
    /// Anyone logged in with a console session; refused (403) with an API token.
    AnySession,
    /// Only these roles.
    Only(&'static [Role]),
    /// Only these roles, and only with an API token (integrations); a session gets 403.
    TokenOnly(&'static [Role]),
    /// Only these roles, and only in a console session; with a token, 403 session_required.
    SessionOnly(&'static [Role]),
    /// Tracker apps, authenticated by a device token in the request itself: roles do not
    /// matter, and a request without one is a 4xx about the device (never 403, never 5xx).
    DeviceToken,
}

use Access::*;
use Role::*;

const STAFF: &[Role] = &[Admin, Dispatcher, Coordinator];
/// Who vets volunteers.
const VETTERS: &[Role] = &[Admin, Dispatcher];
/// Staff, and police liaisons for the cases shared with them.
const READERS: &[Role] = &[Admin, Dispatcher, Coordinator, PoliceLiaison];

/// The expected access of every route. Keep `POST /api/auth/logout` last: it ends the session.
const MATRIX: &[(&str, &str, Access)] = &[
    ("GET", "/healthz", Public),
    ("GET", "/readyz", Public),
    ("GET", "/metrics", Public),
    ("GET", "/api/config", Public),
    ("GET", "/api/openapi.json", Public),
    ("POST", "/api/auth/login", Public),
    ("GET", "/api/auth/me", AnyRole),
    ("PUT", "/api/auth/password", AnyRole),
    ("GET", "/api/tokens", AnyRole),
    ("POST", "/api/tokens", AnySession),
    ("POST", "/api/tokens/{id}/revoke", AnyRole),
    ("GET", "/api/users", SessionOnly(&[Admin])),
    ("POST", "/api/users", SessionOnly(&[Admin])),
    ("GET", "/api/users/{id}", SessionOnly(&[Admin])),
    ("PATCH", "/api/users/{id}", SessionOnly(&[Admin])),
    ("POST", "/api/users/{id}/password", SessionOnly(&[Admin])),
    ("GET", "/api/audit", Only(&[Admin])),
    ("GET", "/api/audit/verify", Only(&[Admin])),
    ("GET", "/api/map/features", Only(STAFF)),
    ("GET", "/api/live", Only(STAFF)),
    ("GET", "/api/cases", Only(READERS)),
    ("POST", "/api/cases", Only(STAFF)),
    ("GET", "/api/cases/similar", Only(STAFF)),
    ("GET", "/api/cases/{id}", Only(READERS)),
    ("PATCH", "/api/cases/{id}", Only(STAFF)),
    ("POST", "/api/cases/{id}/transitions", Only(STAFF)),
    ("PUT", "/api/cases/{id}/urgency", Only(&[Admin, Coordinator])),
    ("POST", "/api/cases/{id}/places", Only(STAFF)),
    ("PATCH", "/api/cases/{id}/places/{place_id}", Only(STAFF)),
    ("PATCH", "/api/cases/{id}/tasks/{task_id}", Only(STAFF)),
    ("GET", "/api/cases/{id}/journal", Only(READERS)),
    ("POST", "/api/cases/{id}/journal", Only(READERS)),
    ("GET", "/api/tasks/overdue", Only(STAFF)),
    ("GET", "/api/shift", Only(STAFF)),
    ("GET", "/api/reports", Only(STAFF)),
    ("POST", "/api/reports", Only(STAFF)),
    ("GET", "/api/reports/{id}", Only(STAFF)),
    ("POST", "/api/reports/{id}/close", Only(STAFF)),
    ("POST", "/api/reports/{id}/link", Only(STAFF)),
    ("POST", "/api/reports/{id}/case", Only(STAFF)),
    ("POST", "/api/intake/calls", TokenOnly(&[Admin, Dispatcher])),
    ("GET", "/api/checklist-templates", Only(&[Admin])),
    ("POST", "/api/checklist-templates", Only(&[Admin])),
    ("PATCH", "/api/checklist-templates/{id}", Only(&[Admin])),
    ("GET", "/api/cases/{id}/shares", Only(STAFF)),
    ("POST", "/api/cases/{id}/shares", Only(STAFF)),
    ("POST", "/api/cases/{id}/shares/{share_id}/revoke", Only(STAFF)),
    ("GET", "/api/cases/{id}/share-links", Only(STAFF)),
    ("POST", "/api/cases/{id}/share-links", Only(STAFF)),
    ("POST", "/api/cases/{id}/share-links/{link_id}/revoke", Only(STAFF)),
    ("POST", "/api/share-links/open", Public),
    ("POST", "/api/cases/{id}/handoff", Only(STAFF)),
    ("GET", "/api/statistics", Only(STAFF)),
    ("GET", "/mobile/v1/ws", Public),
    ("GET", "/ingest/osmand", DeviceToken),
    ("POST", "/ingest/osmand", DeviceToken),
    ("POST", "/ingest/owntracks", DeviceToken),
    ("GET", "/api/devices", Only(&[Admin, Dispatcher, Coordinator, Volunteer])),
    ("POST", "/api/devices", Only(&[Admin, Dispatcher, Coordinator, Volunteer])),
    ("POST", "/api/devices/{id}/revoke", Only(&[Admin, Dispatcher, Coordinator, Volunteer])),
    ("POST", "/api/gpx", Only(&[Admin, Dispatcher, Coordinator, Volunteer])),
    ("POST", "/api/cases/{id}/photos", Only(STAFF)),
    ("GET", "/api/cases/{id}/photos/{photo_id}", Only(READERS)),
    ("GET", "/api/cases/{id}/photos/{photo_id}/thumbnail", Only(READERS)),
    ("POST", "/api/cases/{id}/photos/{photo_id}/withdraw", Only(STAFF)),
    ("GET", "/api/statistics.csv", Only(STAFF)),
    ("GET", "/api/cases/{id}/field-photos/{photo_id}", Only(READERS)),
    ("POST", "/mobile/v1/photos", DeviceToken),
    ("GET", "/api/tracks/export", Only(&[Admin, Dispatcher, Coordinator, Volunteer])),
    ("GET", "/api/cases/{id}/operations", Only(STAFF)),
    ("POST", "/api/cases/{id}/operations", Only(STAFF)),
    ("GET", "/api/operations", Only(STAFF)),
    ("GET", "/api/operations/{id}", Only(STAFF)),
    ("PATCH", "/api/operations/{id}", Only(STAFF)),
    ("POST", "/api/operations/{id}/groups", Only(STAFF)),
    ("PATCH", "/api/operations/{id}/groups/{group_id}", Only(STAFF)),
    ("PUT", "/api/operations/{id}/members/{volunteer_id}", Only(STAFF)),
    ("POST", "/api/operations/{id}/members/{volunteer_id}/leave", Only(STAFF)),
    ("GET", "/api/operations/{id}/alerts", Only(STAFF)),
    ("POST", "/api/operations/{id}/alerts", Only(STAFF)),
    ("GET", "/api/volunteers", Only(STAFF)),
    ("POST", "/api/operations/{id}/groups/{group_id}/equipment", Only(STAFF)),
    ("POST", "/api/equipment/{id}/return", Only(STAFF)),
    ("POST", "/api/operations/{id}/areas", Only(STAFF)),
    ("GET", "/api/operations/{id}/areas", Only(STAFF)),
    ("POST", "/api/operations/{id}/areas/import", Only(STAFF)),
    ("GET", "/api/operations/{id}/export", Only(STAFF)),
    ("POST", "/api/areas/{id}/grid", Only(STAFF)),
    ("PATCH", "/api/areas/{id}", Only(STAFF)),
    ("GET", "/api/squares/{id}/sorties", Only(STAFF)),
    ("GET", "/api/operations/{id}/squares", Only(STAFF)),
    ("POST", "/api/operations/{id}/coverage/recompute", Only(STAFF)),
    ("PUT", "/api/operations/{id}/poa", Only(STAFF)),
    ("GET", "/api/operations/{id}/tasks", Only(STAFF)),
    ("POST", "/api/operations/{id}/tasks", Only(STAFF)),
    ("PATCH", "/api/tasks/{id}", Only(STAFF)),
    ("POST", "/api/tasks/{id}/status", Only(STAFF)),
    ("GET", "/api/operations/{id}/field-alerts", Only(STAFF)),
    ("GET", "/api/field-alerts", Only(STAFF)),
    ("POST", "/api/field-alerts/{id}/acknowledge", Only(STAFF)),
    ("POST", "/api/operations/{id}/poa/rings", Only(STAFF)),
    ("GET", "/api/registry", Only(STAFF)),
    ("POST", "/api/registry", Only(STAFF)),
    ("GET", "/api/registry/{id}", Only(STAFF)),
    ("PATCH", "/api/registry/{id}", Only(STAFF)),
    ("POST", "/api/registry/{id}/vetting", Only(VETTERS)),
    ("POST", "/api/registry/import", Only(VETTERS)),
    ("GET", "/mobile/v1/profile", DeviceToken),
    ("PATCH", "/mobile/v1/profile", DeviceToken),
    ("POST", "/api/callouts/preview", Only(STAFF)),
    ("POST", "/api/callouts", Only(STAFF)),
    ("GET", "/api/callouts", Only(STAFF)),
    ("GET", "/api/alerts/{id}", Only(STAFF)),
    ("POST", "/api/alerts/{id}/answers", Only(STAFF)),
    ("POST", "/api/alerts/{id}/close", Only(STAFF)),
    ("GET", "/api/cases/{id}/orientation", Only(STAFF)),
    ("GET", "/api/answer/{token}", Public),
    ("POST", "/api/answer/{token}", Public),
    ("PATCH", "/api/answer/{token}/preferences", Public),
    ("GET", "/api/answer/{token}/photo", Public),
    ("POST", "/api/auth/logout", AnyRole),
];

#[tokio::test]
async fn the_matrix_lists_every_route_in_the_api_description() {
    let app = spawn_app().await;
    let spec = json_body(reqwest::get(app.at("/api/openapi.json")).await.unwrap()).await;
    let mut described = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                described.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    let tested: BTreeSet<(String, String)> = MATRIX.iter().map(|(m, p, _)| (m.to_string(), p.to_string())).collect();
    let untested: Vec<_> = described.difference(&tested).collect();
    let stale: Vec<_> = tested.difference(&described).collect();
    assert!(untested.is_empty(), "routes missing from the matrix: {untested:?}");
    assert!(stale.is_empty(), "matrix rows for routes that do not exist: {stale:?}");
}

#[derive(Clone, Copy, Debug)]
enum Credential {
    Session,
    Token,
}

async fn caller(app: &TestApp, role: Role, credential: Credential) -> reqwest::Client {
    let login = format!("{}-{}", role.as_str().replace('_', "-"), &Uuid::new_v4().simple().to_string()[..8]);
    app.create_user(&login, role).await;
    let session = app.login(&login, PASSWORD).await;
    match credential {
        Credential::Session => session,
        Credential::Token => {
            let issued =
                json_body(session.post(app.at("/api/tokens")).json(&json!({"name": "matrix"})).send().await.unwrap())
                    .await;
            let secret = issued["secret"].as_str().unwrap();
            let mut headers = reqwest::header::HeaderMap::new();
            headers.insert(reqwest::header::AUTHORIZATION, format!("Bearer {secret}").parse().unwrap());
            reqwest::Client::builder().default_headers(headers).build().unwrap()
        }
    }
}

async fn call(app: &TestApp, client: &reqwest::Client, method: &str, path: &str) -> (StatusCode, serde_json::Value) {
    // Every path parameter is an id nobody has.
    let mut path = path.to_string();
    while let (Some(open), Some(close)) = (path.find('{'), path.find('}')) {
        path.replace_range(open..=close, &Uuid::new_v4().to_string());
    }
    let method = Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = client.request(method.clone(), app.at(&path));
    if [Method::POST, Method::PUT, Method::PATCH].contains(&method) {
        // An empty object: allowed callers get past authorization and are stopped by
        // validation, so the matrix changes nothing.
        request = request.json(&json!({}));
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let is_json =
        response.headers().get("content-type").is_some_and(|v| v.to_str().unwrap().starts_with("application/json"));
    let body = if is_json { response.json().await.unwrap() } else { serde_json::Value::Null };
    (status, body)
}

#[tokio::test]
async fn nobody_gets_past_a_protected_route_without_credentials() {
    let app = spawn_app().await;
    let anonymous = reqwest::Client::new();
    for (method, path, access) in MATRIX {
        let (status, body) = call(&app, &anonymous, method, path).await;
        match access {
            Public => {
                assert!(!matches!(status.as_u16(), 401 | 403), "{method} {path} is public but answered {status} {body}")
            }
            DeviceToken => {
                assert!(status.is_client_error() && status != StatusCode::FORBIDDEN, "{method} {path}: {status} {body}")
            }
            _ => {
                assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path} without credentials: {body}");
                assert_eq!(body["error"], "unauthenticated", "{method} {path}");
            }
        }
    }
}

async fn walk(credential: Credential) {
    let app = spawn_app().await;
    let mut failures = Vec::new();
    for role in Role::ALL {
        let client = caller(&app, role, credential).await;
        for (method, path, access) in MATRIX {
            let (status, body) = call(&app, &client, method, path).await;
            let (allowed, refusal) = match access {
                Public | AnyRole => (true, ""),
                AnySession => (matches!(credential, Credential::Session), "session_required"),
                Only(roles) => (roles.contains(&role), "forbidden"),
                DeviceToken => {
                    if !(status.is_client_error() && status != StatusCode::FORBIDDEN) {
                        failures.push(format!(
                            "{role} {method} {path}: expected a 4xx about the device, got {status} {body}"
                        ));
                    }
                    continue;
                }
                SessionOnly(roles) => match credential {
                    Credential::Session => (roles.contains(&role), "forbidden"),
                    Credential::Token if roles.contains(&role) => (false, "session_required"),
                    Credential::Token => (false, "forbidden"),
                },
                TokenOnly(roles) => match credential {
                    Credential::Session => (false, "token_required"),
                    Credential::Token => (roles.contains(&role), "forbidden"),
                },
            };
            let refused = status == StatusCode::FORBIDDEN && body["error"] == refusal;
            let ok = if allowed { !matches!(status.as_u16(), 401 | 403) && status.as_u16() < 500 } else { refused };
            if !ok {
                failures.push(format!(
                    "{role} {method} {path}: expected {}, got {status} {body}",
                    if allowed { "allowed" } else { "403" }
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{credential:?} matrix mismatches:\n{}", failures.join("\n"));
}

#[tokio::test]
async fn every_role_with_a_session_gets_exactly_its_routes() {
    walk(Credential::Session).await;
}

#[tokio::test]
async fn every_role_with_an_api_token_gets_exactly_its_routes() {
    walk(Credential::Token).await;
}
