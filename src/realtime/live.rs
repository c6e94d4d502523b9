//! `/api/live`: the console's WebSocket for live updates.

use std::time::Duration;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::broadcast::error::RecvError;
use uuid::Uuid;

use crate::auth::{role_in, Authorized, Policy, Principal, Role};
use crate::state::AppState;
use crate::tracking::live::Watch;

/// Receiving live updates: the team's staff (police liaisons get theirs with the shared cases).
pub struct ReceiveLiveUpdates;

impl Policy for ReceiveLiveUpdates {
    const ACTION: &'static str = "receive live updates";
    fn allows(principal: &Principal) -> bool {
        role_in(principal, &[Role::Admin, Role::Dispatcher, Role::Coordinator])
    }
}

/// How often a connection re-checks that its session is still valid.
const RECHECK: Duration = Duration::from_secs(60);

/// Live updates for a console: upgrade to a WebSocket; the server sends JSON messages
/// (`call.incoming`, `call.handled`, `journal.entry`, `case.changed`, `report.changed`,
/// `task.overdue`, `operation.changed`, `alert.sent`, `alert.answer`, `volunteer.app_opened`,
/// `volunteer.first_fix`, `resync`); the client may send `{"type":"ping"}`, and
/// `{"type":"map.watch","operation_id":…}` (or `null` for the whole team) to get the live map:
/// `map.snapshot`, then `map.positions` for each stored batch (`map.unwatch` stops it).
#[utoipa::path(get, path = "/api/live", tag = "realtime",
    responses((status = 101, description = "switching to WebSocket"), (status = 401, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody)))]
pub async fn live(
    State(state): State<AppState>,
    auth: Authorized<ReceiveLiveUpdates>,
    headers: axum::http::HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Result<Response, crate::error::ApiError> {
    // A browser sends the page's origin: only the console's own pages may open the channel with
    // its cookie (a WebSocket is not covered by the same-origin rules fetch has).
    let origin = headers.get(axum::http::header::ORIGIN).and_then(|v| v.to_str().ok());
    let host = headers.get(axum::http::header::HOST).and_then(|v| v.to_str().ok());
    if let (Some(origin), Some(host)) = (origin, host) {
        let origin_host = origin.split_once("://").map(|(_, rest)| rest).unwrap_or(origin);
        if origin_host != host && origin.trim_end_matches('/') != state.config.public_url() {
            return Err(crate::error::ApiError::forbidden("the live channel is opened by Sweep's own pages only"));
        }
    }
    let principal = auth.principal;
    Ok(upgrade
        .max_message_size(64 * 1024)
        .read_buffer_size(super::SOCKET_BUFFER_BYTES)
        .write_buffer_size(super::SOCKET_BUFFER_BYTES)
        .on_upgrade(move |socket| run(state, principal, socket)))
}

async fn send_json(socket: &mut WebSocket, message: &Value) -> bool {
    socket.send(Message::Text(message.to_string().into())).await.is_ok()
}

/// What a console asks of the live channel.
#[derive(Deserialize)]
#[serde(tag = "type")]
enum Request {
    #[serde(rename = "ping")]
    Ping,
    /// Start (or switch) watching the live map: one operation, or (`null`) everyone who shared
    /// a position lately.
    #[serde(rename = "map.watch")]
    Watch { operation_id: Option<Uuid> },
    /// Stop watching the live map.
    #[serde(rename = "map.unwatch")]
    Unwatch,
}

/// A fresh snapshot for `operation`: the new watch, or `keep` (after telling the console) when
/// it cannot be read now; `None` when the socket is gone.
async fn snapshot(
    state: &AppState,
    socket: &mut WebSocket,
    operation: Option<Uuid>,
    keep: Option<Watch>,
) -> Option<Option<Watch>> {
    let loaded = async {
        let mut conn = state.db.acquire().await?;
        if let Some(id) = operation {
            let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM operations WHERE id = $1)")
                .bind(id)
                .fetch_one(&mut *conn)
                .await?;
            if !exists {
                return Ok(None);
            }
        }
        crate::tracking::live::snapshot(&mut conn, state, operation).await.map(Some)
    }
    .await;
    match loaded {
        Ok(Some((watch, message))) => socket.send(Message::Text(message.into())).await.is_ok().then_some(Some(watch)),
        Ok(None) => {
            let refusal = json!({ "type": "error", "error": "not_found", "message": "there is no such operation" });
            send_json(socket, &refusal).await.then_some(None)
        }
        Err(error) => {
            tracing::warn!(?error, "live map: snapshot could not be read");
            let refusal = json!({ "type": "error", "error": "unavailable", "message": "the live map cannot be read now; positions keep coming, and watching again reloads it" });
            send_json(socket, &refusal).await.then_some(keep)
        }
    }
}

async fn run(state: AppState, principal: Principal, mut socket: WebSocket) {
    let mut messages = state.hub.subscribe();
    let mut positions = state.hub.subscribe_positions();
    let hello = json!({ "type": "hello", "user": principal.me() }).to_string();
    if socket.send(Message::Text(hello.into())).await.is_err() {
        return;
    }
    let mut recheck = tokio::time::interval(RECHECK);
    recheck.tick().await;
    let mut shutdown = state.shutdown.subscribe();
    let mut watch: Option<Watch> = None;
    loop {
        tokio::select! {
            _ = shutdown.changed() => {
                let _ = socket.send(Message::Close(None)).await;
                return;
            },
            message = messages.recv() => match message {
                Ok(message) if message.audience.includes(&principal) => {
                    if socket.send(Message::Text(message.json.to_string().into())).await.is_err() {
                        return;
                    }
                    // Someone joined or left the watched operation: a new snapshot says who is in it.
                    if let Some(current) = &watch {
                        if current.operation.is_some() && message.json.contains("\"operation.changed\"")
                            && current.operation.is_some_and(|id| message.json.contains(&id.to_string()))
                        {
                            match snapshot(&state, &mut socket, current.operation, watch.clone()).await {
                                Some(next) => watch = next,
                                None => return,
                            }
                        }
                    }
                }
                Ok(_) => {}
                // Too slow to keep up: skip ahead and tell the console to reload its views.
                Err(RecvError::Lagged(_)) => {
                    if socket.send(Message::Text(json!({ "type": "resync" }).to_string().into())).await.is_err() {
                        return;
                    }
                }
                Err(RecvError::Closed) => return,
            },
            update = positions.recv(), if watch.is_some() => match update {
                Ok(update) => {
                    if watch.as_ref().is_some_and(|w| w.shows(update.volunteer_id))
                        && socket.send(Message::Text(update.json.to_string().into())).await.is_err()
                    {
                        return;
                    }
                }
                // Too slow: positions were skipped, so the console gets a fresh snapshot instead
                // (ingestion never waits for a console).
                Err(RecvError::Lagged(_)) => {
                    positions = positions.resubscribe();
                    let operation = watch.as_ref().and_then(|w| w.operation);
                    match snapshot(&state, &mut socket, operation, watch.clone()).await {
                        Some(next) => watch = next,
                        None => return,
                    }
                }
                Err(RecvError::Closed) => return,
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Text(text))) => match serde_json::from_str::<Request>(&text) {
                    Ok(Request::Ping) => {
                        if !send_json(&mut socket, &json!({ "type": "pong" })).await {
                            return;
                        }
                    }
                    Ok(Request::Watch { operation_id }) => {
                        // Subscribed before the snapshot is read, so nothing falls between them.
                        positions = state.hub.subscribe_positions();
                        match snapshot(&state, &mut socket, operation_id, None).await {
                            Some(next) => watch = next,
                            None => return,
                        }
                    }
                    Ok(Request::Unwatch) => watch = None,
                    Err(error) => {
                        let refusal = json!({ "type": "error", "error": "invalid_message", "message": format!("not a request of the live channel: {error}") });
                        if !send_json(&mut socket, &refusal).await {
                            return;
                        }
                    }
                },
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
            _ = recheck.tick() => {
                if !crate::auth::still_valid(&state, &principal).await {
                    let _ = socket.send(Message::Text(json!({ "type": "session_ended" }).to_string().into())).await;
                    let _ = socket.send(Message::Close(None)).await;
                    return;
                }
            }
        }
    }
}
