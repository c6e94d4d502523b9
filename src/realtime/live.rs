//! `/api/live`: the console's WebSocket for live updates.

use std::time::Duration;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use serde_json::json;
use tokio::sync::broadcast::error::RecvError;

use crate::auth::{role_in, Authorized, Policy, Principal, Role};
use crate::state::AppState;

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
/// `task.overdue`, `resync`); the client may send `{"type":"ping"}`.
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
    Ok(upgrade.max_message_size(64 * 1024).on_upgrade(move |socket| run(state, principal, socket)))
}

async fn run(state: AppState, principal: Principal, mut socket: WebSocket) {
    let mut messages = state.hub.subscribe();
    let hello = json!({ "type": "hello", "user": principal.me() }).to_string();
    if socket.send(Message::Text(hello.into())).await.is_err() {
        return;
    }
    let mut recheck = tokio::time::interval(RECHECK);
    recheck.tick().await;
    let mut shutdown = state.shutdown.subscribe();
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
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Text(text))) if text.contains("\"ping\"") => {
                    if socket.send(Message::Text(json!({ "type": "pong" }).to_string().into())).await.is_err() {
                        return;
                    }
                }
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
