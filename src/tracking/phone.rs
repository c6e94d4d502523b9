//! The phone protocol over WebSocket (`mobile-api`): hello with a device token, then batches
//! of fixes, each acknowledged only once committed; refusals keep the connection usable.

use std::time::Duration;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use chrono::Utc;
use mobile_api::{
    ClientMessage, Hello, PositionBatch, ProtocolError, ServerMessage, Volunteer, Welcome, MAX_FIXES_PER_BATCH,
    MAX_MESSAGE_BYTES, PROTOCOL_VERSION,
};

use super::devices::{self, DeviceOwner, TokenRefusal};
use super::store::{self, Origin, Source};
use crate::state::AppState;

/// A connection must say hello within this time.
const HELLO_TIMEOUT: Duration = Duration::from_secs(15);
/// Frames beyond this are cut off by the WebSocket layer (the connection closes); between
/// [`MAX_MESSAGE_BYTES`] and this, a message is refused and the connection stays.
const HARD_LIMIT: usize = 4 * 1024 * 1024;

/// The phone protocol: upgrade to a WebSocket, then `hello` (see `mobile-api/README.md`).
#[utoipa::path(get, path = "/mobile/v1/ws", tag = "tracking", security(()),
    responses((status = 101, description = "switching to the phone protocol"), (status = 400, body = crate::error::ErrorBody)))]
pub async fn phone_socket(State(state): State<AppState>, upgrade: WebSocketUpgrade) -> Response {
    upgrade.max_message_size(HARD_LIMIT).max_frame_size(HARD_LIMIT).on_upgrade(move |socket| run(state, socket))
}

async fn send(socket: &mut WebSocket, message: &ServerMessage) -> bool {
    let text = serde_json::to_string(message).expect("server messages serialise");
    socket.send(Message::Text(text.into())).await.is_ok()
}

fn error(code: &str, message: impl Into<String>, seq: Option<u64>, fatal: bool) -> ServerMessage {
    ServerMessage::Error(ProtocolError { code: code.into(), message: message.into(), seq, fatal })
}

/// The next text message, or `None` when the connection is over.
async fn next_text(socket: &mut WebSocket) -> Option<Result<String, ServerMessage>> {
    loop {
        match socket.recv().await? {
            Ok(Message::Text(text)) => return Some(Ok(text.to_string())),
            Ok(Message::Binary(_)) => {
                return Some(Err(error("invalid_message", "messages are JSON text frames", None, false)))
            }
            Ok(Message::Close(_)) | Err(_) => return None,
            Ok(_) => continue,
        }
    }
}

fn parse(text: &str) -> Result<ClientMessage, ServerMessage> {
    if text.len() > MAX_MESSAGE_BYTES {
        return Err(error(
            "too_large",
            format!("a message may have at most {MAX_MESSAGE_BYTES} bytes; send smaller batches"),
            None,
            false,
        ));
    }
    serde_json::from_str(text).map_err(|e| {
        error("invalid_message", format!("not a message of protocol {PROTOCOL_VERSION}: {e}"), None, false)
    })
}

async fn run(state: AppState, mut socket: WebSocket) {
    let Some(owner) = greet(&state, &mut socket).await else {
        let _ = socket.send(Message::Close(None)).await;
        return;
    };
    tracing::debug!(device = %owner.device_id, "phone connected");
    let mut shutdown = state.shutdown.subscribe();
    loop {
        let incoming = tokio::select! {
            _ = shutdown.changed() => break,
            incoming = next_text(&mut socket) => incoming,
        };
        let Some(incoming) = incoming else { return };
        let reply = match incoming.and_then(|text| parse(&text)) {
            Err(refusal) => refusal,
            Ok(ClientMessage::Hello(_)) => {
                error("already_authenticated", "this connection has said hello already", None, false)
            }
            Ok(ClientMessage::Ping { id }) => ServerMessage::Pong { id },
            Ok(ClientMessage::Positions(batch)) => positions(&state, &owner, batch).await,
            Ok(ClientMessage::AlertAnswer(_)) | Ok(ClientMessage::Report(_)) => error(
                "unsupported",
                "this server does not take alert answers or reports over the phone protocol yet",
                None,
                false,
            ),
        };
        let fatal = matches!(&reply, ServerMessage::Error(e) if e.fatal);
        if !send(&mut socket, &reply).await || fatal {
            break;
        }
    }
    let _ = socket.send(Message::Close(None)).await;
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
    let hello: Hello = match first.and_then(|text| parse(&text)) {
        Ok(ClientMessage::Hello(hello)) => hello,
        Ok(_) => {
            send(
                socket,
                &error("not_authenticated", "the first message must be hello, with the device token", None, true),
            )
            .await;
            return None;
        }
        Err(ServerMessage::Error(refusal)) => {
            send(socket, &ServerMessage::Error(ProtocolError { fatal: true, ..refusal })).await;
            return None;
        }
        Err(other) => {
            send(socket, &other).await;
            return None;
        }
    };
    if hello.protocol != PROTOCOL_VERSION {
        let message = format!("this server speaks protocol {PROTOCOL_VERSION}, not {}", hello.protocol);
        send(socket, &error("unsupported_protocol", message, None, true)).await;
        return None;
    }
    let found = match state.db.acquire().await {
        Ok(mut conn) => devices::authenticate(&mut conn, &hello.device_token).await,
        Err(error) => Err(error),
    };
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

/// Stores a batch and answers `ack` once committed, or the refusal.
async fn positions(state: &AppState, owner: &DeviceOwner, batch: PositionBatch) -> ServerMessage {
    if let Err(problem) = batch.check(Utc::now()) {
        return error(problem.code, problem.message, Some(batch.seq), false);
    }
    let stored = async {
        let mut tx = state.db.begin().await?;
        // The device may have been revoked, or its volunteer disabled, since the hello.
        let live: Option<bool> = sqlx::query_scalar(
            "SELECT d.revoked_at IS NULL AND u.disabled_at IS NULL FROM devices d JOIN users u ON u.id = d.user_id WHERE d.id = $1 FOR SHARE OF d",
        )
        .bind(owner.device_id)
        .fetch_optional(&mut *tx)
        .await?;
        if live != Some(true) {
            return Ok(None);
        }
        let stored = store::store(
            &mut tx,
            owner.volunteer_id,
            Origin::Device(owner.device_id),
            Source::App,
            Some(batch.seq),
            &batch.fixes,
        )
        .await?;
        tx.commit().await?;
        Ok::<_, sqlx::Error>(Some(stored))
    }
    .await;
    match stored {
        Ok(Some(_)) => ServerMessage::Ack { seq: batch.seq },
        Ok(None) => {
            error("device_revoked", "this device was revoked; ask the dispatcher for a new link", Some(batch.seq), true)
        }
        Err(db_error) => {
            tracing::warn!(error = ?db_error, seq = batch.seq, "a batch could not be stored");
            error(
                "storage_unavailable",
                "the batch could not be stored now; keep it and send it again",
                Some(batch.seq),
                false,
            )
        }
    }
}
