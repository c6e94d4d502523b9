//! Handing a case to the ambulance or the police: a real e-mail to a real SMTP server.

use reqwest::StatusCode;
use serde_json::json;
use sweep::auth::Role;

use crate::helpers::{expect_error, json_body, spawn_app, spawn_app_with, SmtpServer};

/// Decodes the quoted-printable or base64 body lettre may use for non-ASCII text.
fn body_text(raw: &str) -> String {
    let (headers, body) = raw.split_once("\n\n").or_else(|| raw.split_once("\r\n\r\n")).unwrap();
    if headers.to_ascii_lowercase().contains("content-transfer-encoding: base64") {
        use base64::Engine;
        let joined: String = body.lines().map(str::trim).collect();
        String::from_utf8(base64::engine::general_purpose::STANDARD.decode(joined).unwrap()).unwrap()
    } else if headers.to_ascii_lowercase().contains("content-transfer-encoding: quoted-printable") {
        quoted_printable(body)
    } else {
        body.to_string()
    }
}

fn quoted_printable(body: &str) -> String {
    let joined = body.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            if let Ok(byte) = u8::from_str_radix(&joined[i + 1..i + 3], 16) {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

#[tokio::test]
async fn the_cards_essentials_reach_the_ambulance_by_email_and_the_log_records_it() {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with(|c| {
        c.smtp_url = Some(smtp.url.clone());
        c.smtp_from = "Sweep <duty@team.example>".into();
        c.handoff_ambulance_email = Some("03@ambulance.example".into());
        c.hotline = Some("+7 800 700-54-52".into());
        c.team_name = "ПСО Север".into();
    })
    .await;
    let dispatcher = app.logged_in(Role::Dispatcher).await;
    let case = json_body(
        dispatcher
            .post(app.at("/api/cases"))
            .json(&json!({"full_name": "Иванова Мария Петровна", "category": "dementia", "birth_date": "1947-03-12", "sex": "female",
                          "health": "гипертония", "medication": "эналаприл", "last_seen_address": "д. Дурыкино",
                          "last_seen": {"lat": 56.0968, "lon": 36.7862}}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let id = case["id"].as_str().unwrap();
    let response = dispatcher
        .post(app.at(&format!("/api/cases/{id}/handoff")))
        .json(&json!({"service": "ambulance", "note": "возможно переохлаждение"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let sent = json_body(response).await;
    assert_eq!(sent["sent_to"], "03@ambulance.example");
    assert_eq!(sent["entry"]["kind"], "handoff");
    assert_eq!(sent["entry"]["details"]["outcome"], "sent");
    // The attempt was recorded before the e-mail left, the result after.
    let outcomes: Vec<String> =
        sqlx::query_scalar("SELECT details->>'outcome' FROM journal_entries WHERE kind = 'handoff' ORDER BY id")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(outcomes, ["sending", "sent"]);

    let messages = smtp.messages();
    assert_eq!(messages.len(), 1);
    let raw = &messages[0];
    assert!(raw.contains("To: 03@ambulance.example"), "{raw}");
    assert!(raw.contains("duty@team.example"), "{raw}");
    let body = body_text(raw);
    for expected in [
        "Иванова Мария Петровна",
        "ПСО Север",
        "гипертония",
        "эналаприл",
        "д. Дурыкино",
        "56.09680, 36.78620",
        "+7 800 700-54-52",
        "возможно переохлаждение",
        case["number"].as_str().unwrap(),
    ] {
        assert!(body.contains(expected) || raw.contains(expected), "{expected} missing from:\n{body}");
    }

    let english = dispatcher
        .post(app.at(&format!("/api/cases/{id}/handoff")))
        .json(&json!({"service": "ambulance", "language": "en"}))
        .send()
        .await
        .unwrap();
    assert_eq!(english.status(), StatusCode::OK);
    let english_body = smtp
        .messages()
        .into_iter()
        .map(|m| body_text(&m))
        .find(|b| b.contains("Medication"))
        .expect("an English e-mail");
    assert!(english_body.contains("Medication: эналаприл"), "{english_body}");

    let police = dispatcher
        .post(app.at(&format!("/api/cases/{id}/handoff")))
        .json(&json!({"service": "police"}))
        .send()
        .await
        .unwrap();
    expect_error(police, StatusCode::CONFLICT, "handoff_not_configured").await;
}

#[tokio::test]
async fn a_relay_that_is_down_gets_a_502_and_the_failure_is_logged() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let app = spawn_app_with(|c| {
        c.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
        c.handoff_police_email = Some("duty@police.example".into());
    })
    .await;
    let dispatcher = app.logged_in(Role::Dispatcher).await;
    let case = json_body(
        dispatcher
            .post(app.at("/api/cases"))
            .json(&json!({"full_name": "Тест", "category": "adult"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let id = case["id"].as_str().unwrap();
    let response = dispatcher
        .post(app.at(&format!("/api/cases/{id}/handoff")))
        .json(&json!({"service": "police"}))
        .send()
        .await
        .unwrap();
    expect_error(response, StatusCode::BAD_GATEWAY, "smtp_failed").await;
    let log = json_body(dispatcher.get(app.at(&format!("/api/cases/{id}/journal"))).send().await.unwrap()).await;
    let last = log["entries"].as_array().unwrap().last().unwrap().clone();
    assert_eq!((last["kind"].as_str(), last["details"]["outcome"].as_str()), (Some("handoff"), Some("failed")));
}

#[tokio::test]
async fn without_a_relay_the_handoff_says_what_to_configure() {
    let app = spawn_app().await;
    let dispatcher = app.logged_in(Role::Dispatcher).await;
    let case = json_body(
        dispatcher
            .post(app.at("/api/cases"))
            .json(&json!({"full_name": "Тест", "category": "adult"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let response = dispatcher
        .post(app.at(&format!("/api/cases/{}/handoff", case["id"].as_str().unwrap())))
        .json(&json!({"service": "ambulance"}))
        .send()
        .await
        .unwrap();
    let body = expect_error(response, StatusCode::CONFLICT, "handoff_not_configured").await;
    assert!(body["message"].as_str().unwrap().contains("SWEEP_HANDOFF_AMBULANCE_EMAIL"));
}
