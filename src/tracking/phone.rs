//! The phone protocol over WebSocket (`mobile-api`): hello with a device token, then batches
//! of fixes, each acknowledged only once committed; refusals keep the connection usable.

use std::time::Duration;

use axum::extract::ws::{Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use chrono::Utc;
use mobile_api::{
    ClientMessage, Hello, PositionBatch, ProtocolError, ServerMessage, Volunteer, Welcome, MAX_FIXES_PER_BATCH,
    MAX_MESSAGE_BYTES, PROTOCOL_VERSION,
};

use super::devices::{self, DeviceOwner, TokenRefusal};
use super::field;
use super::live;
use super::writer::{self, Outcome};
use crate::realtime::PhoneEvent;
use crate::state::AppState;

/// A connection must say hello within this time.
const HELLO_TIMEOUT: Duration = Duration::from_secs(15);
/// How often an open connection checks its device is still allowed.
const RECHECK: Duration = Duration::from_secs(60);
/// Frames beyond this are cut off by the WebSocket layer (the connection closes); between
/// [`MAX_MESSAGE_BYTES`] and this, a message is refused and the connection stays.
const HARD_LIMIT: usize = 4 * 1024 * 1024;

/// The phone protocol: upgrade to a WebSocket, then `hello` (see `mobile-api/README.md`).
#[utoipa::path(get, path = "/mobile/v1/ws", tag = "tracking", security(()),
    responses((status = 101, description = "switching to the phone protocol"), (status = 400, body = crate::error::ErrorBody)))]
pub async fn phone_socket(State(state): State<AppState>, upgrade: WebSocketUpgrade) -> Response {
    upgrade
        .max_message_size(HARD_LIMIT)
        .max_frame_size(HARD_LIMIT)
        .read_buffer_size(crate::realtime::SOCKET_BUFFER_BYTES)
        .write_buffer_size(crate::realtime::SOCKET_BUFFER_BYTES)
        .on_upgrade(move |socket| run(state, socket))
}

async fn send(socket: &mut WebSocket, message: &ServerMessage) -> bool {
    let text = serde_json::to_string(message).expect("server messages serialise");
    socket.send(Message::Text(text.into())).await.is_ok()
}

/// A refusal of a message that did not parse (not fatal).
fn refusal(code: &str, message: impl Into<String>) -> ProtocolError {
    ProtocolError { code: code.into(), message: message.into(), seq: None, id: None, fatal: false }
}

fn error(code: &str, message: impl Into<String>, seq: Option<u64>, fatal: bool) -> ServerMessage {
    ServerMessage::Error(ProtocolError { code: code.into(), message: message.into(), seq, id: None, fatal })
}

/// The next text message (as received: a catching-up phone's batch is 60 KB, not copied), or
/// `None` when the connection is over.
async fn next_text(socket: &mut WebSocket) -> Option<Result<Utf8Bytes, ProtocolError>> {
    loop {
        match socket.recv().await? {
            Ok(Message::Text(text)) => return Some(Ok(text)),
            Ok(Message::Binary(_)) => return Some(Err(refusal("invalid_message", "messages are JSON text frames"))),
            Ok(Message::Close(_)) | Err(_) => return None,
            Ok(_) => continue,
        }
    }
}

fn parse(text: &str) -> Result<ClientMessage, ProtocolError> {
    if text.len() > MAX_MESSAGE_BYTES {
        return Err(refusal(
            "too_large",
            format!("a message may have at most {MAX_MESSAGE_BYTES} bytes; send smaller batches"),
        ));
    }
    if crate::error::has_escaped_nul(text.as_bytes()) {
        return Err(refusal("nul_character", "text may not contain the NUL character (\\u0000)"));
    }
    serde_json::from_str(text)
        .map_err(|e| refusal("invalid_message", format!("not a message of protocol {PROTOCOL_VERSION}: {e}")))
}

async fn run(state: AppState, mut socket: WebSocket) {
    // Subscribed before the hello, so nothing raised meanwhile is missed.
    let mut events = state.hub.subscribe_phone();
    let Some(owner) = greet(&state, &mut socket).await else {
        let _ = socket.send(Message::Close(None)).await;
        return;
    };
    tracing::debug!(device = %owner.device_id, "phone connected");
    if !send_task_and_pending(&state, &owner, &mut socket).await {
        return;
    }
    let mut shutdown = state.shutdown.subscribe();
    // A device revoked (a lost phone) or a volunteer disabled stops getting tasks and alerts too,
    // even if it sends nothing.
    let mut recheck = tokio::time::interval(RECHECK);
    recheck.tick().await;
    loop {
        let incoming = tokio::select! {
            _ = shutdown.changed() => break,
            _ = recheck.tick() => {
                if still_allowed(&state, &owner).await {
                    continue;
                }
                let message = "this device was revoked; ask the dispatcher for a new link";
                send(&mut socket, &error("device_revoked", message, None, true)).await;
                break;
            }
            event = events.recv() => {
                let delivered = match event {
                    Ok(event) => on_event(&state, &owner, &mut socket, event).await,
                    // Fell behind: what it missed is read again.
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                        send_task_and_pending(&state, &owner, &mut socket).await
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => false,
                };
                if !delivered {
                    break;
                }
                continue;
            }
            incoming = next_text(&mut socket) => incoming,
        };
        let Some(incoming) = incoming else { return };
        let reply = match incoming.and_then(|text| parse(text.as_str())) {
            Err(refusal) => Some(ServerMessage::Error(refusal)),
            Ok(ClientMessage::Hello(_)) => {
                Some(error("already_authenticated", "this connection has said hello already", None, false))
            }
            Ok(ClientMessage::Ping { id }) => Some(ServerMessage::Pong { id }),
            Ok(ClientMessage::Positions(batch)) => Some(positions(&state, &owner, batch).await),
            Ok(ClientMessage::AlertRead { alert_id }) => alert_answer(&state, &owner, alert_id, None).await,
            Ok(ClientMessage::AlertAnswer(answer)) => {
                alert_answer(&state, &owner, answer.alert_id, Some((answer.answer, answer.eta))).await
            }
            Ok(ClientMessage::Report(report)) => Some(field_report(&state, &owner, report).await),
            Ok(ClientMessage::TaskStatus(report)) => Some(task_status(&state, &owner, report).await),
        };
        let Some(reply) = reply else { continue };
        let fatal = matches!(&reply, ServerMessage::Error(e) if e.fatal);
        if !send(&mut socket, &reply).await || fatal {
            break;
        }
    }
    let _ = socket.send(Message::Close(None)).await;
}

/// Whether the device is not revoked and its volunteer not disabled (true if that cannot be read
/// now: the next check decides).
async fn still_allowed(state: &AppState, owner: &DeviceOwner) -> bool {
    let live: sqlx::Result<Option<bool>> = sqlx::query_scalar(
        "SELECT d.revoked_at IS NULL AND u.disabled_at IS NULL FROM devices d JOIN users u ON u.id = d.user_id WHERE d.id = $1",
    )
    .bind(owner.device_id)
    .fetch_optional(&state.db)
    .await;
    !matches!(live, Ok(None) | Ok(Some(false)))
}

/// The current task, then every alert not read (or not answered) yet.
async fn send_task_and_pending(state: &AppState, owner: &DeviceOwner, socket: &mut WebSocket) -> bool {
    let loaded = async {
        let mut conn = state.db.acquire().await?;
        let task = crate::operations::operation::task_of(&mut conn, owner.volunteer_id).await?;
        let alerts = crate::alerts::alert::pending_for(&mut conn, owner.volunteer_id).await?;
        Ok::<_, sqlx::Error>((task, alerts))
    }
    .await;
    match loaded {
        Ok((task, alerts)) => {
            if !send(socket, &ServerMessage::Task { task: task.map(Box::new) }).await {
                return false;
            }
            for alert in alerts {
                if !send(socket, &ServerMessage::Alert(alert)).await {
                    return false;
                }
            }
            true
        }
        Err(db_error) => {
            tracing::warn!(error = ?db_error, "phone: task and alerts could not be read");
            // The phone reconnects later and gets them then.
            let message = "the server cannot read your task now; reconnect shortly";
            send(socket, &error("storage_unavailable", message, None, true)).await;
            false
        }
    }
}

/// Passes on what concerns this phone's volunteer.
async fn on_event(state: &AppState, owner: &DeviceOwner, socket: &mut WebSocket, event: PhoneEvent) -> bool {
    match event {
        PhoneEvent::Resync => send_task_and_pending(state, owner, socket).await,
        PhoneEvent::TaskChanged { volunteers } if volunteers.contains(&owner.volunteer_id) => {
            let task = match state.db.acquire().await {
                Ok(mut conn) => crate::operations::operation::task_of(&mut conn, owner.volunteer_id).await,
                Err(e) => Err(e),
            };
            match task {
                Ok(task) => send(socket, &ServerMessage::Task { task: task.map(Box::new) }).await,
                Err(db_error) => {
                    tracing::warn!(error = ?db_error, "phone: the new task could not be read");
                    true
                }
            }
        }
        PhoneEvent::Alert { alert, recipients } if recipients.contains(&owner.volunteer_id) => {
            if !send(socket, &ServerMessage::Alert((*alert).clone())).await {
                return false;
            }
            if let Ok(mut conn) = state.db.acquire().await {
                if let Err(db_error) =
                    crate::alerts::alert::mark_delivered(&mut conn, &[alert.id], owner.volunteer_id).await
                {
                    tracing::warn!(error = ?db_error, "phone: delivery of an alert not recorded");
                }
            }
            true
        }
        _ => true,
    }
}

/// A read receipt (no answer) or an answer (`answer_ack`).
async fn alert_answer(
    state: &AppState,
    owner: &DeviceOwner,
    alert: uuid::Uuid,
    answer: Option<(mobile_api::Answer, Option<chrono::DateTime<Utc>>)>,
) -> Option<ServerMessage> {
    let is_answer = answer.is_some();
    if let Some((_, Some(eta))) = answer {
        if !crate::alerts::alert::eta_in_range(eta) {
            return Some(refusal_for("invalid_eta", "the arrival time must be within the next week", alert));
        }
    }
    let stored = async {
        let mut tx = state.db.begin().await?;
        let known = crate::alerts::alert::answer(&mut tx, alert, owner.volunteer_id, answer, "app").await?;
        tx.commit().await?;
        Ok::<_, sqlx::Error>(known)
    }
    .await;
    match stored {
        Ok(true) if is_answer => Some(ServerMessage::AnswerAck { alert_id: alert }),
        Ok(true) => None,
        Ok(false) => Some(refusal_for("unknown_alert", "this volunteer did not receive this alert", alert)),
        Err(db_error) => {
            tracing::warn!(error = ?db_error, "phone: an answer could not be stored");
            Some(refusal_for("storage_unavailable", "the answer could not be stored now; send it again", alert))
        }
    }
}

fn refusal_for(code: &str, message: impl Into<String>, id: uuid::Uuid) -> ServerMessage {
    ServerMessage::Error(ProtocolError {
        code: code.into(),
        message: message.into(),
        seq: None,
        id: Some(id),
        fatal: false,
    })
}

/// The group leader's report on the group's task: `task_status_ack` once stored (the new task
/// follows as a `task` message to every member).
async fn task_status(state: &AppState, owner: &DeviceOwner, report: mobile_api::TaskStatusReport) -> ServerMessage {
    use crate::operations::tasks::{self, TaskStatus};
    let to = match report.status.as_str() {
        "in_progress" => TaskStatus::InProgress,
        "done" => TaskStatus::Done,
        "partly_done" => TaskStatus::PartlyDone,
        _ => return refusal_for("invalid_status", "a group reports in_progress, done or partly_done", report.task_id),
    };
    let stored = async {
        let mut tx = state.db.begin().await?;
        let leads: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM tasks t JOIN operation_groups g ON g.id = t.group_id
                            WHERE t.id = $1 AND g.leader_id = $2)",
        )
        .bind(report.task_id)
        .bind(owner.volunteer_id)
        .fetch_one(&mut *tx)
        .await?;
        if !leads {
            return Ok(Err((
                "not_group_leader",
                "only the leader of the task's group reports its progress".to_string(),
            )));
        }
        let author = owner.author();
        match tasks::transition(&mut tx, report.task_id, to, report.reason.as_deref(), &author).await {
            Ok(()) => {
                tx.commit().await?;
                Ok(Ok(()))
            }
            Err(refused) if refused.status.is_client_error() => {
                let code = match refused.status {
                    axum::http::StatusCode::NOT_FOUND => "unknown_task",
                    _ if refused.code == "invalid_field" => "reason_required",
                    _ => "invalid_transition",
                };
                Ok(Err((code, refused.message)))
            }
            Err(other) => Err(sqlx::Error::Protocol(other.to_string())),
        }
    }
    .await;
    match stored {
        Ok(Ok(())) => ServerMessage::TaskStatusAck { task_id: report.task_id },
        Ok(Err((code, message))) => refusal_for(code, message, report.task_id),
        Err(db_error) => {
            tracing::warn!(error = ?db_error, "phone: a task report could not be stored");
            refusal_for("storage_unavailable", "the report could not be stored now; send it again", report.task_id)
        }
    }
}

/// Stores a report in the case's log and answers `report_ack` once committed.
async fn field_report(state: &AppState, owner: &DeviceOwner, report: mobile_api::FieldReport) -> ServerMessage {
    let stored = async {
        let mut tx = state.db.begin().await?;
        let outcome = field::store_report(&mut tx, owner, &report).await?;
        if outcome.is_ok() {
            tx.commit().await?;
        }
        Ok::<_, sqlx::Error>(outcome)
    }
    .await;
    match stored {
        Ok(Ok(())) => ServerMessage::ReportAck { id: report.id },
        Ok(Err(refusal)) => refusal_for(refusal.code, refusal.message, report.id),
        Err(db_error) => {
            tracing::warn!(error = ?db_error, "phone: a report could not be stored");
            refusal_for("storage_unavailable", "the report could not be stored now; send it again", report.id)
        }
    }
}

/// Waits for `hello` and checks the device token; answers `welcome` or a fatal error.
async fn greet(state: &AppState, socket: &mut WebSocket) -> Option<DeviceOwner> {
    let first = match tokio::time::timeout(HELLO_TIMEOUT, next_text(socket)).await {
        Ok(Some(first)) => first,
        Ok(None) => return None,
        Err(_) => {
            send(socket, &error("hello_timeout", "say hello first", None, true)).await;
            return None;
        }
    };
    let hello: Hello = match first.and_then(|text| parse(text.as_str())) {
        Ok(ClientMessage::Hello(hello)) => hello,
        Ok(_) => {
            send(
                socket,
                &error("not_authenticated", "the first message must be hello, with the device token", None, true),
            )
            .await;
            return None;
        }
        Err(refusal) => {
            send(socket, &ServerMessage::Error(ProtocolError { fatal: true, ..refusal })).await;
            return None;
        }
    };
    if hello.protocol != PROTOCOL_VERSION {
        let message = format!("this server speaks protocol {PROTOCOL_VERSION}, not {}", hello.protocol);
        send(socket, &error("unsupported_protocol", message, None, true)).await;
        return None;
    }
    let found = async {
        let mut tx = state.db.begin().await?;
        let found = devices::authenticate(&mut tx, &hello.device_token).await?;
        if let Ok(owner) = &found {
            live::announce_app_opened(&mut tx, state, owner.volunteer_id, owner.seen_before).await?;
        }
        tx.commit().await?;
        Ok::<_, sqlx::Error>(found)
    }
    .await;
    let owner = match found {
        Ok(Ok(owner)) => owner,
        Ok(Err(refusal)) => {
            let (code, message) = match refusal {
                TokenRefusal::Unknown => ("device_unknown", "this device token is not known"),
                TokenRefusal::Revoked => {
                    ("device_revoked", "this device was revoked; ask the dispatcher for a new link")
                }
                TokenRefusal::AccountDisabled => ("account_disabled", "this volunteer's account is disabled"),
            };
            send(socket, &error(code, message, None, true)).await;
            return None;
        }
        Err(db_error) => {
            tracing::warn!(error = ?db_error, "phone hello: database unavailable");
            send(
                socket,
                &error("storage_unavailable", "the server cannot check the token now; reconnect shortly", None, true),
            )
            .await;
            return None;
        }
    };
    let welcome = ServerMessage::Welcome(Welcome {
        protocol: PROTOCOL_VERSION,
        volunteer: Volunteer { id: owner.volunteer_id, name: owner.name.clone() },
        server_time: Utc::now(),
        max_fixes_per_batch: MAX_FIXES_PER_BATCH,
        max_message_bytes: MAX_MESSAGE_BYTES,
    });
    send(socket, &welcome).await.then_some(owner)
}

/// Stores a batch (with the batches of other phones that arrive meanwhile) and answers `ack`
/// once committed, or the refusal.
async fn positions(state: &AppState, owner: &DeviceOwner, batch: PositionBatch) -> ServerMessage {
    if let Err(problem) = batch.check(Utc::now()) {
        return error(problem.code, problem.message, Some(batch.seq), false);
    }
    match writer::submit(state, owner, batch.seq, batch.fixes).await {
        Ok(Outcome::Stored) => ServerMessage::Ack { seq: batch.seq },
        Ok(Outcome::DeviceRevoked) => {
            error("device_revoked", "this device was revoked; ask the dispatcher for a new link", Some(batch.seq), true)
        }
        Ok(Outcome::ConsentWithdrawn) => error(
            "tracking_consent_withdrawn",
            "consent to location tracking was withdrawn: positions are not accepted until it is given again",
            Some(batch.seq),
            false,
        ),
        Err(writer::Unavailable) => error(
            "storage_unavailable",
            "the batch could not be stored now; keep it and send it again",
            Some(batch.seq),
            false,
        ),
    }
}
