//! A stand-in for the Sweep server's phone endpoint, for unit tests of the client and the simulator.

use std::sync::{Arc, Mutex};

use chrono::Utc;
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;
use uuid::Uuid;

use crate::{ClientMessage, PositionBatch, ServerMessage, Welcome, MAX_FIXES_PER_BATCH, PROTOCOL_VERSION};

/// What the stand-in server does with a message on its `n`th connection (from 0).
pub enum Reply {
    Send(ServerMessage),
    Nothing,
    Hang,
}

pub type Policy = Arc<dyn Fn(usize, &ClientMessage) -> Reply + Send + Sync>;

/// A stand-in for the Sweep server: answers by `policy`, logs (connection, message).
pub struct StandIn {
    pub url: String,
    pub log: Arc<Mutex<Vec<(usize, ClientMessage)>>>,
}

impl StandIn {
    pub async fn start(policy: Policy) -> StandIn {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let log = Arc::new(Mutex::new(Vec::new()));
        let logged = log.clone();
        tokio::spawn(async move {
            for n in 0.. {
                let (stream, _) = listener.accept().await.unwrap();
                let Ok(mut socket) = tokio_tungstenite::accept_async(stream).await else { continue };
                let (policy, log) = (policy.clone(), logged.clone());
                tokio::spawn(async move {
                    while let Some(Ok(Message::Text(text))) = socket.next().await {
                        let message: ClientMessage = serde_json::from_str(&text).unwrap();
                        log.lock().unwrap().push((n, message.clone()));
                        match policy(n, &message) {
                            Reply::Send(reply) => {
                                let fatal = matches!(&reply, ServerMessage::Error(e) if e.fatal);
                                let text = serde_json::to_string(&reply).unwrap();
                                socket.send(Message::Text(text.into())).await.unwrap();
                                if fatal {
                                    let _ = socket.close(None).await;
                                    return;
                                }
                            }
                            Reply::Nothing => {}
                            // Drops the TCP connection without a close frame, as a lost signal does.
                            Reply::Hang => return,
                        }
                    }
                });
            }
        });
        StandIn { url, log }
    }

    pub fn batches(&self) -> Vec<(usize, PositionBatch)> {
        let log = self.log.lock().unwrap();
        log.iter()
            .filter_map(|(n, m)| match m {
                ClientMessage::Positions(batch) => Some((*n, batch.clone())),
                _ => None,
            })
            .collect()
    }

    pub fn connections(&self) -> usize {
        let log = self.log.lock().unwrap();
        log.iter().filter(|(_, m)| matches!(m, ClientMessage::Hello(_))).count()
    }
}

pub fn welcome() -> ServerMessage {
    ServerMessage::Welcome(Welcome {
        protocol: PROTOCOL_VERSION,
        volunteer: crate::Volunteer { id: Uuid::nil(), name: "Тест".into() },
        server_time: Utc::now(),
        max_fixes_per_batch: MAX_FIXES_PER_BATCH,
        max_message_bytes: crate::MAX_MESSAGE_BYTES,
    })
}

/// Welcomes and acknowledges everything.
pub fn answer_all(message: &ClientMessage) -> Reply {
    match message {
        ClientMessage::Hello(_) => Reply::Send(welcome()),
        ClientMessage::Positions(batch) => Reply::Send(ServerMessage::Ack { seq: batch.seq }),
        ClientMessage::Report(report) => Reply::Send(ServerMessage::ReportAck { id: report.id }),
        ClientMessage::Ping { id } => Reply::Send(ServerMessage::Pong { id: *id }),
        _ => Reply::Nothing,
    }
}
