//! The hub: announcing changes, and the listener that fans them out to local consoles.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::postgres::PgListener;
use sqlx::PgExecutor;
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::auth::{Principal, Role};
use crate::state::AppState;

/// The PostgreSQL channel the notices travel on.
pub const CHANNEL: &str = "sweep_live";

/// A change, as announced between instances: ids only, never personal data, and small enough
/// for `pg_notify`'s 8000-byte limit.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Notice {
    /// A telephony call came in.
    Call {
        /// The call's row.
        id: Uuid,
    },
    /// A report was registered for a call: its pop-up can go.
    CallHandled {
        /// The PBX's id of the call.
        call_id: String,
    },
    /// An entry was added to a case's log.
    JournalEntry {
        /// The case.
        case_id: Uuid,
        /// The entry.
        entry_id: i64,
    },
    /// A case's card, status or tasks changed.
    CaseChanged {
        /// The case.
        case_id: Uuid,
    },
    /// A report was registered or changed.
    ReportChanged {
        /// The report.
        report_id: Uuid,
    },
    /// An operation, its groups or its members changed.
    OperationChanged {
        /// The operation.
        operation_id: Uuid,
    },
    /// A batch of fixes was stored (by the instance `origin`, which told its own consoles).
    Positions {
        /// The chunk.
        chunk_id: i64,
        /// The instance that stored it.
        origin: Uuid,
        /// Whether it brought a volunteer back from offline (or is their first fix).
        back: bool,
    },
    /// A field alert was raised or acknowledged.
    FieldAlert {
        /// The alert.
        alert_id: Uuid,
    },
    /// The coverage of an operation's squares changed.
    CoverageChanged {
        /// The operation.
        operation_id: Uuid,
    },
    /// A volunteer opened the phone app after a while away.
    PhoneOpened {
        /// The volunteer.
        volunteer_id: Uuid,
    },
    /// An alert or message was sent to volunteers.
    Alert {
        /// The alert.
        alert_id: Uuid,
    },
    /// A volunteer read or answered an alert.
    AlertAnswered {
        /// The alert.
        alert_id: Uuid,
        /// The volunteer.
        volunteer_id: Uuid,
    },
    /// Messages were queued in the outbox: senders wake up.
    OutboxQueued,
    /// A message of an alert was sent, failed or lost on a channel.
    AlertDelivery {
        /// The alert.
        alert_id: Uuid,
        /// The recipient.
        volunteer_id: Uuid,
        /// email or sms.
        channel: String,
        /// Its new status.
        status: String,
    },
    /// A call-out took an escalation step.
    AlertEscalated {
        /// The alert.
        alert_id: Uuid,
        /// The step.
        step: i32,
    },
    /// A checklist task became overdue, or more overdue.
    TaskOverdue {
        /// The task.
        task_id: Uuid,
        /// 1: overdue; 2: long overdue.
        level: i32,
    },
}

/// Announces `notice` as part of the caller's transaction: it is delivered on commit, and not
/// at all on rollback.
pub async fn announce<'e>(executor: impl PgExecutor<'e>, notice: &Notice) -> sqlx::Result<()> {
    let payload = serde_json::to_string(notice).expect("notices serialise");
    sqlx::query("SELECT pg_notify($1, $2)").bind(CHANNEL).bind(payload).execute(executor).await?;
    Ok(())
}

/// Announces `notices` at once, as part of the caller's transaction (see [`announce`]).
pub async fn announce_many<'e>(executor: impl PgExecutor<'e>, notices: &[Notice]) -> sqlx::Result<()> {
    if notices.is_empty() {
        return Ok(());
    }
    let payloads: Vec<String> = notices.iter().map(|n| serde_json::to_string(n).expect("notices serialise")).collect();
    sqlx::query("SELECT pg_notify($1, p) FROM unnest($2::text[]) WITH ORDINALITY AS u(p, n) ORDER BY n")
        .bind(CHANNEL)
        .bind(payloads)
        .execute(executor)
        .await?;
    Ok(())
}

/// Who may receive a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    /// Administrators, dispatchers and coordinators.
    Staff,
    /// Only these roles.
    Roles(&'static [Role]),
}

impl Audience {
    /// Whether `principal` is in it.
    pub fn includes(self, principal: &Principal) -> bool {
        match self {
            Audience::Staff => matches!(principal.role, Role::Admin | Role::Dispatcher | Role::Coordinator),
            Audience::Roles(roles) => roles.contains(&principal.role),
        }
    }
}

/// A message for consoles, serialised once for all of them.
#[derive(Clone, Debug)]
pub struct LiveMessage {
    /// Who may see it.
    pub audience: Audience,
    /// The JSON text sent.
    pub json: Arc<str>,
}

/// A batch of positions for the live map, serialised once for every console that watches.
#[derive(Debug)]
pub struct PositionUpdate {
    /// Whose.
    pub volunteer_id: Uuid,
    /// The `map.positions` message.
    pub json: Arc<str>,
}

/// Something the phones connected to this instance may need to hear.
#[derive(Clone, Debug)]
pub enum PhoneEvent {
    /// The task of these volunteers may have changed.
    TaskChanged {
        /// The volunteers.
        volunteers: Arc<HashSet<Uuid>>,
    },
    /// Notices may have been lost (the listener's connection dropped): every phone reads its task
    /// and pending alerts again.
    Resync,
    /// An alert for these volunteers.
    Alert {
        /// The alert as phones get it (without a recipient's answer).
        alert: Arc<mobile_api::Alert>,
        /// Its recipients.
        recipients: Arc<HashSet<Uuid>>,
    },
}

/// This instance's fan-out to its consoles and phones.
#[derive(Clone)]
pub struct Hub {
    sender: broadcast::Sender<LiveMessage>,
    positions: broadcast::Sender<Arc<PositionUpdate>>,
    phones: broadcast::Sender<PhoneEvent>,
    /// This instance, to tell its own notices from other instances'.
    pub instance: Uuid,
    /// Wakes this instance's coverage worker when a batch was stored here.
    pub coverage_wake: Arc<tokio::sync::Notify>,
}

impl Hub {
    /// A hub whose consoles may fall `capacity` messages behind before they are told to reload
    /// (and sixteen times as many position batches before they get a fresh snapshot).
    pub fn new(capacity: u32) -> Self {
        let capacity = capacity as usize;
        Self {
            sender: broadcast::channel(capacity).0,
            positions: broadcast::channel(capacity * 16).0,
            phones: broadcast::channel(capacity).0,
            instance: Uuid::new_v4(),
            coverage_wake: Arc::new(tokio::sync::Notify::new()),
        }
    }

    /// A console's stream of position batches (for the live map).
    pub fn subscribe_positions(&self) -> broadcast::Receiver<Arc<PositionUpdate>> {
        self.positions.subscribe()
    }

    /// Hands a batch of positions to the consoles of this instance.
    pub fn publish_positions(&self, update: PositionUpdate) {
        let _ = self.positions.send(Arc::new(update));
    }

    /// A phone connection's stream of events.
    pub fn subscribe_phone(&self) -> broadcast::Receiver<PhoneEvent> {
        self.phones.subscribe()
    }

    /// Hands an event to the phones of this instance.
    pub fn publish_phone(&self, event: PhoneEvent) {
        let _ = self.phones.send(event);
    }

    /// A new console's stream of messages.
    pub fn subscribe(&self) -> broadcast::Receiver<LiveMessage> {
        self.sender.subscribe()
    }

    /// Hands a message to every console of this instance.
    pub fn publish(&self, audience: Audience, message: Value) {
        let json: Arc<str> = message.to_string().into();
        // No console listening is not an error.
        let _ = self.sender.send(LiveMessage { audience, json });
    }
}

/// Listens for notices until `shutdown`, reconnecting after a database outage, and publishes
/// the messages they stand for.
pub async fn listen(state: AppState, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    loop {
        let mut listener = match PgListener::connect_with(&state.db).await {
            Ok(listener) => listener,
            Err(error) => {
                tracing::warn!(?error, "live updates: cannot listen yet; retrying");
                if wait_or_shutdown(&mut shutdown, Duration::from_secs(2)).await {
                    return;
                }
                continue;
            }
        };
        if let Err(error) = listener.listen(CHANNEL).await {
            tracing::warn!(?error, "live updates: LISTEN failed; retrying");
            if wait_or_shutdown(&mut shutdown, Duration::from_secs(2)).await {
                return;
            }
            continue;
        }
        tracing::debug!("live updates: listening");
        loop {
            tokio::select! {
                _ = shutdown.changed() => return,
                received = listener.try_recv() => match received {
                    Ok(Some(notification)) => match serde_json::from_str::<Notice>(notification.payload()) {
                        Ok(notice) => deliver(&state, notice).await,
                        Err(error) => tracing::warn!(?error, payload = notification.payload(), "live updates: unknown notice"),
                    },
                    // The connection dropped; notices sent meanwhile are lost, so consoles reload.
                    Ok(None) => {
                        tracing::warn!("live updates: connection lost; consoles told to reload");
                        state.hub.publish(Audience::Roles(&Role::ALL), serde_json::json!({ "type": "resync" }));
                        state.hub.publish_phone(PhoneEvent::Resync);
                    }
                    Err(error) => {
                        tracing::warn!(?error, "live updates: listener failed; reconnecting, consoles told to reload");
                        state.hub.publish(Audience::Roles(&Role::ALL), serde_json::json!({ "type": "resync" }));
                        state.hub.publish_phone(PhoneEvent::Resync);
                        break;
                    }
                }
            }
        }
    }
}

async fn wait_or_shutdown(shutdown: &mut tokio::sync::watch::Receiver<bool>, pause: Duration) -> bool {
    tokio::select! {
        _ = shutdown.changed() => true,
        _ = tokio::time::sleep(pause) => false,
    }
}

async fn deliver(state: &AppState, notice: Notice) {
    let handled = match &notice {
        Notice::Positions { chunk_id, origin, back } => {
            if *origin == state.hub.instance {
                return;
            }
            crate::tracking::live::publish_stored(state, *chunk_id, *back).await
        }
        Notice::PhoneOpened { volunteer_id } => crate::tracking::live::app_opened(state, *volunteer_id).await,
        Notice::OperationChanged { operation_id } => {
            crate::tracking::live::operation_changed(state, *operation_id).await
        }
        Notice::FieldAlert { alert_id } => {
            let mut conn = match state.db.acquire().await {
                Ok(conn) => conn,
                Err(error) => return tracing::warn!(?error, "live updates: a field alert could not be read"),
            };
            match crate::operations::field_alerts::find(&mut conn, *alert_id).await {
                Ok(Some(alert)) => {
                    state.hub.publish(Audience::Staff, serde_json::json!({ "type": "field_alert", "alert": alert }));
                    Ok(true)
                }
                Ok(None) => Ok(true),
                Err(error) => Err(error),
            }
        }
        Notice::CoverageChanged { operation_id } => {
            let message = serde_json::json!({ "type": "coverage.changed", "operation_id": operation_id });
            state.hub.publish(Audience::Staff, message);
            Ok(true)
        }
        Notice::Alert { alert_id } => crate::alerts::deliver(state, *alert_id).await,
        Notice::OutboxQueued => {
            state.outbox_wake.notify_one();
            Ok(true)
        }
        Notice::AlertDelivery { alert_id, volunteer_id, channel, status } => {
            let message = serde_json::json!({ "type": "alert.delivery", "alert_id": alert_id,
                                              "volunteer_id": volunteer_id, "channel": channel, "status": status });
            state.hub.publish(Audience::Staff, message);
            Ok(true)
        }
        Notice::AlertEscalated { alert_id, step } => {
            let message = serde_json::json!({ "type": "alert.escalated", "alert_id": alert_id, "step": step });
            state.hub.publish(Audience::Staff, message);
            Ok(true)
        }
        Notice::AlertAnswered { alert_id, volunteer_id } => {
            crate::alerts::deliver_answer(state, *alert_id, *volunteer_id).await
        }
        _ => Ok(false),
    };
    match handled {
        Ok(true) => return,
        Ok(false) => {}
        Err(error) => {
            tracing::warn!(?error, ?notice, "live updates: could not load what a notice names");
            return;
        }
    }
    match crate::cases::live_message(&state.db, &notice).await {
        Ok(Some((audience, message))) => state.hub.publish(audience, message),
        Ok(None) => {}
        Err(error) => tracing::warn!(?error, ?notice, "live updates: could not load what a notice names"),
    }
}
