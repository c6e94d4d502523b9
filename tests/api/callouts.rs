//! Call-outs to the registry: radius targeting in PostGIS, e-mail through a real SMTP server with
//! a working answer link, SMS through an HTTP gateway on loopback, the answer board, escalation
//! to non-responders, quiet hours, and a crash between queueing and sending.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};
use sweep::auth::Role;

use crate::helpers::{expect_error, json_body, spawn_app, spawn_app_with, SmtpServer, TestApp};
use crate::registry::registered;

/// A request the SMS gateway got.
#[derive(Clone, Debug)]
pub struct GatewayHit {
    pub method: String,
    pub uri: String,
    pub authorization: Option<String>,
    pub body: String,
}

/// A small HTTP server on loopback standing in for an SMS provider: it records every request and
/// answers with the status it is told to.
pub struct SmsGateway {
    pub url: String,
    pub hits: Arc<Mutex<Vec<GatewayHit>>>,
    pub status: Arc<Mutex<u16>>,
}

impl SmsGateway {
    pub async fn start() -> Self {
        use axum::extract::{Request, State};
        let hits = Arc::new(Mutex::new(Vec::new()));
        let status = Arc::new(Mutex::new(200u16));
        let state = (hits.clone(), status.clone());
        type Shared = (Arc<Mutex<Vec<GatewayHit>>>, Arc<Mutex<u16>>);
        async fn record(State((hits, status)): State<Shared>, request: Request) -> (axum::http::StatusCode, String) {
            let method = request.method().to_string();
            let uri = request.uri().to_string();
            let authorization = request.headers().get("authorization").map(|v| v.to_str().unwrap().to_string());
            let body = axum::body::to_bytes(request.into_body(), 1 << 20).await.unwrap();
            hits.lock().unwrap().push(GatewayHit {
                method,
                uri,
                authorization,
                body: String::from_utf8_lossy(&body).into(),
            });
            let code = *status.lock().unwrap();
            (
                axum::http::StatusCode::from_u16(code).unwrap(),
                json!({"status": if code < 300 { "ok" } else { "error" }}).to_string(),
            )
        }
        let router = axum::Router::new().fallback(record).with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        Self { url, hits, status }
    }

    pub fn hits(&self) -> Vec<GatewayHit> {
        self.hits.lock().unwrap().clone()
    }

    /// Configures a server for this gateway: a JSON body, a bearer token, "ok" in the answer.
    pub fn configure(&self, config: &mut sweep::Config) {
        config.sms_url = Some(format!("{}/send?to={{to}}&ref={{id}}", self.url));
        config.sms_auth_header = Some("Authorization: Bearer gw-secret".into());
        config.sms_body = Some(r#"{"to":"{to}","message":"{text}"}"#.into());
        config.sms_accept_body = Some(r#""status":\s*"ok""#.into());
    }
}

/// Waits until `check` holds, at most `seconds`.
pub async fn eventually<F, Fut>(seconds: u64, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(seconds);
    while !check().await {
        assert!(tokio::time::Instant::now() < deadline, "{what}: not within {seconds} s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn callout(app: &TestApp, client: &reqwest::Client, body: Value) -> Value {
    let sent = client.post(app.at("/api/callouts")).json(&body).send().await.unwrap();
    assert_eq!(sent.status(), StatusCode::CREATED, "{}", sent.text().await.unwrap());
    json_body(sent).await
}

fn names(view: &Value) -> Vec<String> {
    let mut names: Vec<String> =
        view["recipients"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap().to_string()).collect();
    names.sort();
    names
}

async fn statuses(app: &TestApp, channel: &str) -> Vec<String> {
    sqlx::query_scalar("SELECT status FROM outbox WHERE channel = $1 ORDER BY id")
        .bind(channel)
        .fetch_all(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_radius_reaches_homes_and_last_positions_across_the_180th_meridian_and_near_the_pole() {
    let app = spawn_app().await;
    let dispatcher = app.logged_in(Role::Dispatcher).await;
    let home = |lat: f64, lon: f64| json!({"type": "Point", "coordinates": [lon, lat]});
    // Fiji either side of the 180th meridian, and Greenwich far away.
    registered(&app, &dispatcher, json!({"name": "East 179.95", "home": home(-17.0, 179.95), "email": "e@x.org"}))
        .await;
    registered(
        &app,
        &dispatcher,
        json!({"name": "West -179.95", "home": home(-17.0, -179.95), "phones": ["+6791234567"]}),
    )
    .await;
    registered(&app, &dispatcher, json!({"name": "Greenwich", "home": home(51.48, 0.0)})).await;
    // Near the North Pole: 5.6 km either side of it, and 111 km away.
    registered(&app, &dispatcher, json!({"name": "Pole 0", "home": home(89.95, 0.0)})).await;
    registered(&app, &dispatcher, json!({"name": "Pole 180", "home": home(89.95, 180.0)})).await;
    registered(&app, &dispatcher, json!({"name": "Pole far", "home": home(89.0, 0.0)})).await;
    // A district polygon whose edge is 3 km from the point.
    let district = json!({"type": "Polygon", "coordinates": [[[37.70, 55.70], [37.80, 55.70], [37.80, 55.80], [37.70, 55.80], [37.70, 55.70]]]});
    registered(&app, &dispatcher, json!({"name": "District", "home": district})).await;
    // Last positions: one fresh in Fiji, one two days old there; a pending volunteer nearby.
    let fresh = registered(&app, &dispatcher, json!({"name": "Walker", "home": home(51.5, 0.1)})).await;
    let stale = registered(&app, &dispatcher, json!({"name": "Stale walker"})).await;
    let pending = json_body(
        dispatcher
            .post(app.at("/api/registry"))
            .json(&json!({"name": "Pending", "home": home(-17.0, 179.96)}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(pending["vetting"], "pending");
    for (who, hours) in [(&fresh, 1), (&stale, 48)] {
        sqlx::query(
            "INSERT INTO last_positions (volunteer_id, at, point, source)
             VALUES ($1::uuid, now() - make_interval(hours => $2), ST_SetSRID(ST_MakePoint(-179.99, -17.01), 4326), 'app')",
        )
        .bind(who)
        .bind(hours)
        .execute(&app.db)
        .await
        .unwrap();
    }
    let reach = |near: Value| {
        let dispatcher = dispatcher.clone();
        let url = app.at("/api/callouts/preview");
        async move {
            let body = json!({"target": {"near": near}, "channels": ["app", "email", "sms"]});
            json_body(dispatcher.post(url).json(&body).send().await.unwrap()).await
        }
    };
    let fiji = reach(json!({"lat": -17.0, "lon": 180.0, "km": 20})).await;
    assert_eq!(fiji["people"], 2, "both sides of the meridian by home: {fiji}");
    assert_eq!(fiji["channels"]["email"], 0, "no e-mail relay on this server");
    assert_eq!(fiji["unreachable"], 2);
    let fiji_positions = reach(json!({"lat": -17.0, "lon": 180.0, "km": 20, "by": "position"})).await;
    assert_eq!(fiji_positions["people"], 1, "only the fresh position: {fiji_positions}");
    let fiji_either = reach(json!({"lat": -17.0, "lon": 180.0, "km": 20, "by": "either"})).await;
    assert_eq!(fiji_either["people"], 3);
    let pole = reach(json!({"lat": 89.95, "lon": 90.0, "km": 15})).await;
    assert_eq!(pole["people"], 2, "across the pole, not the one 111 km away: {pole}");
    let far_pole = reach(json!({"lat": 90.0, "lon": 0.0, "km": 120})).await;
    assert_eq!(far_pole["people"], 3);
    let district = reach(json!({"lat": 55.75, "lon": 37.65, "km": 5})).await;
    assert_eq!(district["people"], 1, "a district's edge counts: {district}");
    let outside = reach(json!({"lat": 55.75, "lon": 37.65, "km": 2})).await;
    assert_eq!(outside["people"], 0);

    // Whom it reached is what the preview said.
    let sent = callout(
        &app,
        &dispatcher,
        json!({"title": "Fiji", "text": "Meet at the harbour", "channels": ["app"],
               "target": {"near": {"lat": -17.0, "lon": 180.0, "km": 20, "by": "either"}}}),
    )
    .await;
    assert_eq!(names(&sent), ["East 179.95", "Walker", "West -179.95"]);
    for recipient in sent["recipients"].as_array().unwrap() {
        assert_eq!(recipient["deliveries"][0]["status"], "skipped", "none has the phone app: {recipient}");
        assert_eq!(recipient["deliveries"][0]["last_error"], "no phone app");
    }
    // Bad targets are refused clearly.
    for (target, field) in [
        (json!({}), "target"),
        (json!({"near": {"lat": 95.0, "lon": 0.0, "km": 5}}), "target.near"),
        (json!({"near": {"lat": 0.0, "lon": 0.0, "km": -1}}), "target.near.km"),
        (json!({"skills": ["жонглёр"]}), "skills"),
    ] {
        let refused = dispatcher
            .post(app.at("/api/callouts/preview"))
            .json(&json!({"target": target, "channels": ["app"]}))
            .send()
            .await
            .unwrap();
        let body = expect_error(refused, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
        assert_eq!(body["details"]["field"], field, "{target}");
    }
    let nobody = dispatcher
        .post(app.at("/api/callouts"))
        .json(&json!({"title": "x", "text": "y", "channels": ["app"], "target": {"skills": ["diver"]}}))
        .send()
        .await
        .unwrap();
    expect_error(nobody, StatusCode::UNPROCESSABLE_ENTITY, "no_recipients").await;
}

fn message_body(raw: &str) -> String {
    // Plain-text mail with quoted-printable or 7/8-bit bodies: undo soft line breaks and =XX.
    let body = raw.split_once("\r\n\r\n").or_else(|| raw.split_once("\n\n")).map(|(_, b)| b).unwrap_or(raw);
    if !raw.to_ascii_lowercase().contains("quoted-printable") {
        if raw.to_ascii_lowercase().contains("content-transfer-encoding: base64") {
            use base64::Engine;
            let joined: String = body.split_whitespace().collect();
            return String::from_utf8(base64::engine::general_purpose::STANDARD.decode(joined).unwrap()).unwrap();
        }
        return body.to_string();
    }
    let joined = body.replace("=\r\n", "").replace("=\n", "");
    let mut bytes = Vec::new();
    let mut chars = joined.bytes().peekable();
    while let Some(b) = chars.next() {
        if b == b'=' {
            let hi = chars.next().unwrap();
            let lo = chars.next().unwrap();
            bytes.push(u8::from_str_radix(&format!("{}{}", hi as char, lo as char), 16).unwrap());
        } else {
            bytes.push(b);
        }
    }
    String::from_utf8(bytes).unwrap()
}

fn link_token(body: &str) -> String {
    let start = body.find("/r/").expect("an answer link in the message") + 3;
    body[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect()
}

#[tokio::test]
async fn an_email_call_out_arrives_once_with_a_link_that_answers_it_and_the_board_counts_heads() {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with(|c| {
        c.smtp_url = Some(smtp.url.clone());
        c.smtp_from = "Sweep <duty@team.example>".into();
    })
    .await;
    let dispatcher = app.logged_in(Role::Dispatcher).await;
    let vera = registered(
        &app,
        &dispatcher,
        json!({"name": "Вера", "email": "vera@example.org", "skills": ["driver"],
               "vehicles": [{"name": "UAZ", "seats": 5, "four_by_four": true}]}),
    )
    .await;
    registered(
        &app,
        &dispatcher,
        json!({"name": "Олег", "email": "oleg@example.org", "skills": ["driver"], "channels": ["app", "sms"]}),
    )
    .await;
    registered(&app, &dispatcher, json!({"name": "Нина", "skills": ["medic"], "email": "nina@example.org"})).await;
    let cookie = app
        .session_cookie(&{
            let login = "board-watcher";
            app.create_user(login, Role::Coordinator).await;
            login.to_string()
        })
        .await;
    let mut live = app.live(&cookie).await;
    let preview = json_body(
        dispatcher
            .post(app.at("/api/callouts/preview"))
            .json(&json!({"target": {"skills": ["driver"]}, "channels": ["email"]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(preview, json!({"people": 2, "channels": {"app": 0, "email": 1, "sms": 0}, "unreachable": 1}));
    let sent = callout(
        &app,
        &dispatcher,
        json!({"title": "Ищем Анну, 7 лет", "text": "Сбор в 18:00 у станции.", "channels": ["email"], "urgent": true,
               "needed": 1, "target": {"skills": ["driver"]}, "location": {"lat": 55.75, "lon": 37.62}}),
    )
    .await;
    let alert = sent["id"].as_str().unwrap().to_string();
    assert_eq!(sent["headcount"], json!({"needed": 1, "going": 0, "cant": 0, "no_answer": 2, "seats": 0}));
    let oleg = sent["recipients"].as_array().unwrap().iter().find(|r| r["name"] == "Олег").unwrap().clone();
    assert_eq!(oleg["deliveries"][0]["status"], "skipped");
    assert_eq!(oleg["deliveries"][0]["last_error"], "turned off by the volunteer");

    eventually(10, "the e-mail reaches the relay", || async { smtp.messages().len() == 1 }).await;
    let raw = smtp.messages().remove(0);
    assert!(raw.contains("vera@example.org"), "{raw}");
    let body = message_body(&raw);
    assert!(body.contains("Сбор в 18:00 у станции."), "{body}");
    assert!(body.contains("55.75000, 37.62000"), "{body}");
    assert!(body.contains("#preferences"), "{body}");
    let token = link_token(&body);
    let delivery = live.next_of("alert.delivery").await;
    assert_eq!(delivery["status"], "sent");
    assert_eq!(delivery["volunteer_id"].as_str().unwrap(), vera);

    // The link shows the call-out, answers it, and changes preferences; the board follows live.
    let anyone = reqwest::Client::new();
    let page = json_body(anyone.get(app.at(&format!("/api/answer/{token}"))).send().await.unwrap()).await;
    assert_eq!(page["alert"]["title"], "Ищем Анну, 7 лет");
    let reads: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'alert.link_read' AND record_id = $1")
            .bind(&alert)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(reads, 1, "a read through the link is audited");
    assert_eq!(page["volunteer"]["name"], "Вера");
    assert!(page["answer"].is_null());
    let eta = chrono::Utc::now() + chrono::Duration::minutes(90);
    let answered = json_body(
        anyone
            .post(app.at(&format!("/api/answer/{token}")))
            .json(&json!({"answer": "going", "eta": eta.to_rfc3339()}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(answered["answer"], "going");
    let news = live.next_of("alert.answer").await;
    assert_eq!(news["recipient"]["answer"], "going");
    assert_eq!(news["recipient"]["answered_via"], "link");
    let board = json_body(dispatcher.get(app.at(&format!("/api/alerts/{alert}"))).send().await.unwrap()).await;
    assert_eq!(board["headcount"], json!({"needed": 1, "going": 1, "cant": 0, "no_answer": 1, "seats": 5}));
    let prefs = json_body(
        anyone
            .patch(app.at(&format!("/api/answer/{token}/preferences")))
            .json(&json!({"channels": ["app"], "quiet_from": "22:00", "quiet_to": "07:00"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(prefs["preferences"]["channels"], json!(["app"]));
    assert_eq!(prefs["preferences"]["quiet_to"], "07:00");
    // Bad answers and unknown links are refused clearly.
    let bad =
        anyone.post(app.at(&format!("/api/answer/{token}"))).json(&json!({"answer": "maybe"})).send().await.unwrap();
    expect_error(bad, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
    let unknown = anyone.get(app.at("/api/answer/not-a-token")).send().await.unwrap();
    expect_error(unknown, StatusCode::NOT_FOUND, "link_unknown").await;
    // Answered by phone call, through the console, in the case's log (no case here: in the board).
    let nina_id: String =
        sqlx::query_scalar("SELECT id::text FROM users WHERE display_name = 'Олег'").fetch_one(&app.db).await.unwrap();
    let taken = json_body(
        dispatcher
            .post(app.at(&format!("/api/alerts/{alert}/answers")))
            .json(&json!({"volunteer_id": nina_id, "answer": "cant", "note": "позвонил, болеет"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let oleg = taken["recipients"].as_array().unwrap().iter().find(|r| r["name"] == "Олег").unwrap().clone();
    assert_eq!(oleg["answer"], "cant");
    assert_eq!(oleg["answered_via"], "console");
    assert_eq!(oleg["answer_note"], "позвонил, болеет");
    // Closed: the link stops working for answers, still shows the page.
    json_body(dispatcher.post(app.at(&format!("/api/alerts/{alert}/close"))).send().await.unwrap()).await;
    let late =
        anyone.post(app.at(&format!("/api/answer/{token}"))).json(&json!({"answer": "cant"})).send().await.unwrap();
    expect_error(late, StatusCode::GONE, "link_expired").await;
    let shown = json_body(anyone.get(app.at(&format!("/api/answer/{token}"))).send().await.unwrap()).await;
    assert_eq!(shown["alert"]["closed"], true);
    assert_eq!(shown["alert"]["text"], "", "the case's details are gone once it is over");
    // One message per recipient per channel: nothing else was sent.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(smtp.messages().len(), 1);
    let list = json_body(dispatcher.get(app.at("/api/callouts")).send().await.unwrap()).await;
    assert_eq!(list[0]["going"], 1);
    assert_eq!(list[0]["cant"], 1);
}

#[tokio::test]
async fn sms_go_through_the_configured_gateway_and_a_refusal_is_retried_then_reported() {
    let gateway = SmsGateway::start().await;
    let app = spawn_app_with(|c| gateway.configure(c)).await;
    let dispatcher = app.logged_in(Role::Dispatcher).await;
    registered(&app, &dispatcher, json!({"name": "Дима", "phones": ["+7 900 123-45-67"], "skills": ["boat"]})).await;
    callout(
        &app,
        &dispatcher,
        json!({"title": "Лодка нужна", "text": "Нужна лодка на Истринском вдхр. \"Срочно\" & быстро", "channels": ["sms"],
               "urgent": true, "target": {"skills": ["boat"]}}),
    )
    .await;
    eventually(10, "the gateway is called", || async { gateway.hits().len() == 1 }).await;
    let hit = gateway.hits().remove(0);
    assert_eq!(hit.method, "POST");
    assert!(hit.uri.starts_with("/send?to=%2B79001234567&ref="), "{}", hit.uri);
    assert_eq!(hit.authorization.as_deref(), Some("Bearer gw-secret"));
    let body: Value = serde_json::from_str(&hit.body).unwrap();
    assert_eq!(body["to"], "+79001234567");
    let text = body["message"].as_str().unwrap();
    assert!(text.contains("Лодка нужна") && text.contains("\"Срочно\" & быстро") && text.contains("/r/"), "{text}");
    eventually(5, "recorded as sent", || async { statuses(&app, "sms").await == ["sent"] }).await;

    // The gateway refuses: the message is retried later, with the reason shown.
    *gateway.status.lock().unwrap() = 503;
    callout(
        &app,
        &dispatcher,
        json!({"title": "Ещё", "text": "Второй", "channels": ["sms"], "target": {"skills": ["boat"]}}),
    )
    .await;
    eventually(10, "the refusal is recorded", || async {
        let row: Option<(String, i32, Option<String>)> =
            sqlx::query_as("SELECT status, attempts, last_error FROM outbox WHERE channel = 'sms' AND attempts > 0 AND status <> 'sent'")
                .fetch_optional(&app.db)
                .await
                .unwrap();
        row.is_some_and(|(status, attempts, error)| {
            status == "queued" && attempts == 1 && error.is_some_and(|e| e.contains("503"))
        })
    })
    .await;
}

#[tokio::test]
async fn escalation_reaches_only_those_who_have_not_answered_then_widens_the_radius() {
    let gateway = SmsGateway::start().await;
    let app = spawn_app_with(|c| {
        gateway.configure(c);
        c.outbox_poll_ms = 200;
    })
    .await;
    let dispatcher = app.logged_in(Role::Dispatcher).await;
    let home = |lat: f64| json!({"type": "Point", "coordinates": [37.0, lat]});
    // Three within 10 km with the app, one 25 km away.
    let mut near = Vec::new();
    for (i, name) in ["Аня", "Боря", "Вика"].iter().enumerate() {
        let id = registered(
            &app,
            &dispatcher,
            json!({"name": name, "phones": [format!("+7900000000{i}")], "home": home(56.0 + 0.01 * i as f64)}),
        )
        .await;
        near.push(id);
    }
    let far =
        registered(&app, &dispatcher, json!({"name": "Дальний", "phones": ["+79009999999"], "home": home(56.23)}))
            .await;
    let coordinator = app.logged_in(Role::Coordinator).await;
    let case = json_body(
        coordinator
            .post(app.at("/api/cases"))
            .json(&json!({"full_name": "Петров Иван", "category": "elderly", "estimated_age": 80}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let case_id = case["id"].as_str().unwrap();
    let sent = callout(
        &app,
        &coordinator,
        json!({"case_id": case_id, "title": "Ищем Петрова", "text": "Сбор у школы", "channels": ["app"], "needed": 3,
               "escalate_after_min": 0.05, "escalate_to": ["sms"], "widen_km": 20, "max_km": 30,
               "target": {"near": {"lat": 56.0, "lon": 37.0, "km": 10}}}),
    )
    .await;
    let alert = sent["id"].as_str().unwrap().to_string();
    assert_eq!(names(&sent), ["Аня", "Боря", "Вика"]);
    // Аня answers at once (through the console after a call).
    let answered = dispatcher
        .post(app.at(&format!("/api/alerts/{alert}/answers")))
        .json(&json!({"volunteer_id": near[0], "answer": "going"}))
        .send()
        .await
        .unwrap();
    assert_eq!(answered.status(), StatusCode::OK);
    // After 3 s: step 1 sends SMS to Боря and Вика only, and widens to 30 km, reaching Дальний.
    eventually(15, "the first escalation step", || async {
        let step: i32 = sqlx::query_scalar("SELECT step FROM alerts WHERE id = $1::uuid")
            .bind(&alert)
            .fetch_one(&app.db)
            .await
            .unwrap();
        step >= 1
    })
    .await;
    eventually(10, "both SMS leave", || async { gateway.hits().len() >= 2 }).await;
    let board = json_body(dispatcher.get(app.at(&format!("/api/alerts/{alert}"))).send().await.unwrap()).await;
    assert_eq!(names(&board), ["Аня", "Боря", "Вика", "Дальний"]);
    let far_row =
        board["recipients"].as_array().unwrap().iter().find(|r| r["volunteer_id"] == far.as_str()).unwrap().clone();
    assert_eq!(far_row["step"], 1);
    assert_eq!(board["radius_km"], 30.0);
    let sms_to: Vec<String> = sqlx::query_scalar(
        "SELECT u.display_name FROM outbox o JOIN users u ON u.id = o.volunteer_id WHERE o.channel = 'sms' ORDER BY 1",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(sms_to, ["Боря", "Вика"], "SMS only to those who had not answered");
    // Step 2: no channel or radius left, so it stops; each step is in the case's log.
    eventually(15, "the call-out stops escalating", || async {
        let next: Option<chrono::DateTime<chrono::Utc>> =
            sqlx::query_scalar("SELECT next_step_at FROM alerts WHERE id = $1::uuid")
                .bind(&alert)
                .fetch_one(&app.db)
                .await
                .unwrap();
        next.is_none()
    })
    .await;
    let log = json_body(coordinator.get(app.at(&format!("/api/cases/{case_id}/journal"))).send().await.unwrap()).await;
    let steps: Vec<&Value> =
        log["entries"].as_array().unwrap().iter().filter(|e| e["details"]["event"] == "callout_escalated").collect();
    assert_eq!(steps.len(), 1, "{log}");
    assert_eq!(steps[0]["details"]["resent"], 2);
    assert_eq!(steps[0]["details"]["added"], 1);
    assert_eq!(gateway.hits().len(), 2, "nobody got a second SMS");
}

#[tokio::test]
async fn quiet_hours_hold_messages_that_are_not_urgent_and_send_them_as_one_digest() {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with(|c| {
        c.smtp_url = Some(smtp.url.clone());
        c.outbox_poll_ms = 200;
    })
    .await;
    let dispatcher = app.logged_in(Role::Dispatcher).await;
    // Quiet hours around now, in UTC.
    let now = chrono::Utc::now();
    let from = (now - chrono::Duration::hours(1)).format("%H:%M").to_string();
    let to = (now + chrono::Duration::hours(1)).format("%H:%M").to_string();
    registered(
        &app,
        &dispatcher,
        json!({"name": "Соня", "email": "sonya@example.org", "skills": ["cook"], "quiet_from": from, "quiet_to": to, "time_zone": "UTC"}),
    )
    .await;
    registered(&app, &dispatcher, json!({"name": "Гоша", "email": "gosha@example.org", "skills": ["cook"]})).await;
    for title in ["Обед для штаба", "Ужин для штаба"] {
        callout(
            &app,
            &dispatcher,
            json!({"title": title, "text": "Нужен повар", "channels": ["email"], "target": {"skills": ["cook"]}}),
        )
        .await;
    }
    eventually(10, "Гоша gets both at once", || async { smtp.messages().len() == 2 }).await;
    let held: Vec<(String, chrono::DateTime<chrono::Utc>)> =
        sqlx::query_as("SELECT status, next_attempt_at FROM outbox WHERE address = 'sonya@example.org'")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(held.len(), 2);
    for (status, until) in &held {
        assert_eq!(status, "held");
        let expected = now + chrono::Duration::hours(1);
        assert!((*until - expected).num_seconds().abs() <= 60, "held until her quiet hours end: {until}");
    }
    // Urgent goes through quiet hours.
    callout(&app, &dispatcher, json!({"title": "Срочно", "text": "Пропал ребёнок", "urgent": true, "channels": ["email"], "target": {"skills": ["cook"]}})).await;
    eventually(10, "the urgent one reaches Соня now", || async {
        smtp.messages().iter().any(|m| m.contains("sonya@example.org"))
    })
    .await;
    assert_eq!(smtp.messages().iter().filter(|m| m.contains("sonya@example.org")).count(), 1);
    // When her quiet hours end (moved to now here), both held ones leave as one digest.
    sqlx::query("UPDATE outbox SET next_attempt_at = now() WHERE status = 'held'").execute(&app.db).await.unwrap();
    eventually(10, "the digest", || async {
        smtp.messages().iter().filter(|m| m.contains("sonya@example.org")).count() == 2
    })
    .await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    let hers: Vec<String> = smtp.messages().into_iter().filter(|m| m.contains("sonya@example.org")).collect();
    assert_eq!(hers.len(), 2, "one urgent message and one digest");
    let digest = hers.iter().map(|m| message_body(m)).find(|b| b.contains("Обед для штаба")).expect("the digest");
    assert!(digest.contains("Ужин для штаба"), "{digest}");
    let statuses: Vec<(String, Option<i64>)> = sqlx::query_as(
        "SELECT status, carried_by FROM outbox WHERE address = 'sonya@example.org' AND NOT urgent ORDER BY id",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert!(statuses.iter().all(|(s, _)| s == "sent"), "{statuses:?}");
    assert_eq!(statuses.iter().filter(|(_, c)| c.is_some()).count(), 1, "one carried by the other");
}

#[tokio::test]
async fn a_crash_between_queueing_and_sending_loses_nobody_and_sends_nobody_twice() {
    let smtp = SmtpServer::start().await;
    let app = spawn_app().await;
    let dispatcher = app.logged_in(Role::Dispatcher).await;
    for i in 0..8 {
        registered(
            &app,
            &dispatcher,
            json!({"name": format!("Доброволец {i}"), "email": format!("v{i}@example.org"), "skills": ["climber"]}),
        )
        .await;
    }
    let database_url = app.config.database_url.clone().unwrap();
    // A second server, the real binary, sending two e-mails a minute: it queues eight and dies.
    let env = [("SWEEP_SMTP_URL", smtp.url.as_str()), ("SWEEP_EMAIL_PER_MINUTE", "2"), ("SWEEP_OUTBOX_POLL_MS", "100")];
    let mut server = crate::tracking::start_server_with(&database_url, &env);
    // The test's own server must not send: it has no relay, so it only ever skips e-mail on queueing.
    let login = "crash-dispatcher";
    app.create_user(login, Role::Dispatcher).await;
    let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let logged = client
        .post(format!("{}/api/auth/login", server.url))
        .json(&json!({"login": login, "password": crate::helpers::PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(logged.status(), StatusCode::OK);
    let sent = client
        .post(format!("{}/api/callouts", server.url))
        .json(&json!({"title": "Скалы", "text": "Нужны альпинисты", "channels": ["email"], "target": {"skills": ["climber"]}}))
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), StatusCode::CREATED);
    eventually(10, "two leave before the crash", || async { smtp.messages().len() == 2 }).await;
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    assert_eq!(statuses(&app, "email").await.iter().filter(|s| *s == "queued").count(), 6);
    // Restarted with no rate limit to speak of: the six left go, once each.
    let env =
        [("SWEEP_SMTP_URL", smtp.url.as_str()), ("SWEEP_EMAIL_PER_MINUTE", "600"), ("SWEEP_OUTBOX_POLL_MS", "100")];
    let mut server = crate::tracking::start_server_with(&database_url, &env);
    eventually(20, "everyone gets it", || async { smtp.messages().len() >= 8 }).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut to: Vec<String> = smtp
        .messages()
        .iter()
        .map(|m| m.lines().find(|l| l.to_ascii_lowercase().starts_with("to:")).unwrap().to_string())
        .collect();
    to.sort();
    let before = to.len();
    to.dedup();
    assert_eq!((before, to.len()), (8, 8), "each of the eight exactly once: {to:?}");
    server.child.kill().unwrap();
    server.child.wait().unwrap();
}

#[tokio::test]
async fn quiet_hours_are_local_time_and_may_span_midnight() {
    let app = spawn_app().await;
    let until = |at: &'static str, from: &'static str, to: &'static str| {
        let db = app.db.clone();
        async move {
            sqlx::query_scalar::<_, Option<chrono::DateTime<chrono::Utc>>>(
                "SELECT quiet_until($1::time, $2::time, 'Europe/Moscow', $3::timestamptz)",
            )
            .bind(from)
            .bind(to)
            .bind(at)
            .fetch_one(&db)
            .await
            .unwrap()
            .map(|t| t.to_rfc3339())
        }
    };
    // 23:30 in Moscow (UTC+3): quiet until 07:00 tomorrow, 04:00 UTC.
    assert_eq!(until("2026-11-22T20:30:00Z", "22:00", "07:00").await.as_deref(), Some("2026-11-23T04:00:00+00:00"));
    // 06:00 in Moscow: until 07:00 the same morning.
    assert_eq!(until("2026-11-22T03:00:00Z", "22:00", "07:00").await.as_deref(), Some("2026-11-22T04:00:00+00:00"));
    // Noon: not quiet.
    assert_eq!(until("2026-11-22T09:00:00Z", "22:00", "07:00").await, None);
    // Quiet hours within one day: 13:00–15:00 Moscow.
    assert_eq!(until("2026-11-22T10:30:00Z", "13:00", "15:00").await.as_deref(), Some("2026-11-22T12:00:00+00:00"));
    assert_eq!(until("2026-11-22T12:00:00Z", "13:00", "15:00").await, None, "the end is not quiet");
}

#[tokio::test]
async fn an_sms_that_may_have_left_is_never_sent_again() {
    // A gateway that reads the request and hangs up without answering: the SMS may have left.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let calls = Arc::new(Mutex::new(0));
    let counted = calls.clone();
    tokio::spawn(async move {
        use tokio::io::AsyncReadExt;
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            *counted.lock().unwrap() += 1;
            let mut buffer = [0u8; 4096];
            let _ = socket.read(&mut buffer).await;
            drop(socket);
        }
    });
    let app = spawn_app_with(|c| {
        c.sms_url = Some(format!("{url}/send?to={{to}}&text={{text}}"));
        c.outbox_poll_ms = 200;
    })
    .await;
    let dispatcher = app.logged_in(Role::Dispatcher).await;
    registered(&app, &dispatcher, json!({"name": "Лёша", "phones": ["+79001112233"], "skills": ["diver"]})).await;
    callout(
        &app,
        &dispatcher,
        json!({"title": "Водолаз", "text": "Нужен водолаз", "channels": ["sms"], "target": {"skills": ["diver"]}}),
    )
    .await;
    eventually(10, "recorded as unknown", || async { statuses(&app, "sms").await == ["unknown"] }).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(*calls.lock().unwrap(), 1, "not sent again");
    let error: String =
        sqlx::query_scalar("SELECT last_error FROM outbox WHERE channel = 'sms'").fetch_one(&app.db).await.unwrap();
    assert!(error.contains("connection"), "{error}");
}

#[tokio::test]
async fn text_the_database_cannot_store_is_refused_with_a_clear_error() {
    let app = spawn_app().await;
    let dispatcher = app.logged_in(Role::Dispatcher).await;
    let nul = dispatcher
        .post(app.at("/api/registry"))
        .header("content-type", "application/json")
        .body(r#"{"name": "Bad\u0000name"}"#)
        .send()
        .await
        .unwrap();
    expect_error(nul, StatusCode::UNPROCESSABLE_ENTITY, "nul_character").await;
    let fine = dispatcher
        .post(app.at("/api/registry"))
        .header("content-type", "application/json")
        .body(r#"{"name": "Back\\u0000slash"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(fine.status(), StatusCode::CREATED, "an escaped backslash is just text");
    let id = json_body(fine).await["id"].as_str().unwrap().to_string();
    let far = dispatcher
        .patch(app.at(&format!("/api/registry/{id}")))
        .json(&json!({"muted_until": "-5000-01-01T00:00:00Z"}))
        .send()
        .await
        .unwrap();
    let body = expect_error(far, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
    assert_eq!(body["details"]["field"], "muted_until");
    let long_sign = format!("call_sign,name\n{},Иван\n", "Я".repeat(60));
    let report = json_body(
        dispatcher
            .post(app.at("/api/registry/import?dry_run=true"))
            .header("content-type", "text/csv")
            .body(long_sign)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(report["created"], 0);
    assert_eq!(report["refused"][0]["line"], 2, "{report}");
}
