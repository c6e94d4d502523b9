//! Group commit for the phone protocol: the batches that arrive while a transaction is being
//! written wait for the next one and are stored together, in a fixed number of statements and
//! one commit, then each is acknowledged. A phone's batch is still acknowledged only once it is
//! committed; under load, one commit carries many phones' batches instead of each paying for
//! its own (see docs/performance.md).

use std::collections::HashMap;

use mobile_api::Fix;
use tokio::sync::{mpsc, oneshot, Mutex};
use uuid::Uuid;

use super::devices::DeviceOwner;
use super::live;
use super::store::{self, Batch, Origin, Source, Stored};
use crate::realtime::announce_many;
use crate::state::AppState;

/// Writers working at once: while one commits, the next gathers what arrived.
const WRITERS: usize = 4;
/// Most batches in one transaction.
const MOST_PER_GROUP: usize = 256;
/// Batches waiting for a writer, beyond which phones wait to hand theirs over.
const WAITING: usize = 8192;

/// What became of a batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Committed (or stored before: a replay).
    Stored,
    /// The device was revoked or its volunteer disabled.
    DeviceRevoked,
    /// The volunteer withdrew their consent to tracking.
    ConsentWithdrawn,
}

/// The database could not take the batch now: the phone keeps it and sends it again.
#[derive(Clone, Copy, Debug)]
pub struct Unavailable;

struct Submission {
    owner: DeviceOwner,
    seq: u64,
    fixes: Vec<Fix>,
    reply: oneshot::Sender<Result<Outcome, Unavailable>>,
}

/// The batches waiting to be written.
pub struct Queue {
    sender: mpsc::Sender<Submission>,
    receiver: Mutex<mpsc::Receiver<Submission>>,
}

impl Default for Queue {
    fn default() -> Self {
        let (sender, receiver) = mpsc::channel(WAITING);
        Self { sender, receiver: Mutex::new(receiver) }
    }
}

/// Stores a checked batch from a phone and answers once it is committed.
pub async fn submit(state: &AppState, owner: &DeviceOwner, seq: u64, fixes: Vec<Fix>) -> Result<Outcome, Unavailable> {
    let (reply, answer) = oneshot::channel();
    let submission = Submission { owner: owner.clone(), seq, fixes, reply };
    state.batches.sender.send(submission).await.map_err(|_| Unavailable)?;
    // A writer that stopped (the server shutting down) drops the reply: not stored.
    answer.await.unwrap_or(Err(Unavailable))
}

/// The writers, until `shutdown`.
pub async fn run(state: AppState, shutdown: tokio::sync::watch::Receiver<bool>) {
    let writers: Vec<_> = (0..WRITERS)
        .map(|_| {
            let (state, mut shutdown) = (state.clone(), shutdown.clone());
            tokio::spawn(async move {
                loop {
                    let group = {
                        let mut waiting = state.batches.receiver.lock().await;
                        let first = tokio::select! {
                            _ = shutdown.changed() => return,
                            first = waiting.recv() => first,
                        };
                        let Some(first) = first else { return };
                        let mut group = vec![first];
                        while group.len() < MOST_PER_GROUP {
                            match waiting.try_recv() {
                                Ok(next) => group.push(next),
                                Err(_) => break,
                            }
                        }
                        group
                    };
                    write(&state, group).await;
                }
            })
        })
        .collect();
    for writer in writers {
        let _ = writer.await;
    }
}

/// Writes a group in one transaction and answers each of its batches.
async fn write(state: &AppState, group: Vec<Submission>) {
    match store_group(state, &group).await {
        Ok(outcomes) => {
            for (submission, (outcome, published)) in group.into_iter().zip(outcomes) {
                if let Some((chunk, back)) = published {
                    let owner = &submission.owner;
                    live::publish(state, owner.volunteer_id, &owner.name, &submission.fixes, &chunk, Source::App, back);
                }
                let _ = submission.reply.send(Ok(outcome));
            }
        }
        Err(error) => {
            tracing::warn!(?error, batches = group.len(), "batches could not be stored now");
            for submission in group {
                let _ = submission.reply.send(Err(Unavailable));
            }
        }
    }
}

type Published = Option<(store::NewChunk, bool)>;

async fn store_group(state: &AppState, group: &[Submission]) -> sqlx::Result<Vec<(Outcome, Published)>> {
    let mut tx = state.db.begin().await?;
    // The devices may have been revoked, or their volunteers disabled or their consent
    // withdrawn, since the hello. Locked in one order (groups share devices), so a revocation
    // waits for this commit and nothing is stored after it.
    let mut devices: Vec<Uuid> = group.iter().map(|s| s.owner.device_id).collect();
    devices.sort();
    devices.dedup();
    let found: Vec<(Uuid, bool, bool)> = sqlx::query_as(
        "SELECT d.id, d.revoked_at IS NULL AND u.disabled_at IS NULL,
                coalesce(p.tracking_consent_withdrawn_at > coalesce(p.tracking_consent_at, '-infinity'), false)
         FROM devices d JOIN users u ON u.id = d.user_id LEFT JOIN volunteer_profiles p ON p.user_id = u.id
         WHERE d.id = ANY($1) ORDER BY d.id FOR NO KEY UPDATE OF d",
    )
    .bind(&devices)
    .fetch_all(&mut *tx)
    .await?;
    let status: HashMap<Uuid, Outcome> = found
        .into_iter()
        .map(|(device, live, withdrawn)| {
            let outcome = match (live, withdrawn) {
                (true, false) => Outcome::Stored,
                (true, true) => Outcome::ConsentWithdrawn,
                (false, _) => Outcome::DeviceRevoked,
            };
            (device, outcome)
        })
        .collect();
    let outcome_of = |s: &Submission| status.get(&s.owner.device_id).copied().unwrap_or(Outcome::DeviceRevoked);
    let allowed: Vec<&Submission> = group.iter().filter(|s| outcome_of(s) == Outcome::Stored).collect();
    // Heard from: a reconnect soon after is not "the app was opened" news.
    let heard: Vec<Uuid> = allowed.iter().map(|s| s.owner.device_id).collect();
    sqlx::query("UPDATE devices SET last_seen_at = now() WHERE id = ANY($1)").bind(&heard).execute(&mut *tx).await?;
    let batches: Vec<Batch> = allowed
        .iter()
        .map(|s| Batch {
            volunteer: s.owner.volunteer_id,
            origin: Origin::Device(s.owner.device_id),
            source: Source::App,
            seq: Some(s.seq),
            fixes: &s.fixes,
        })
        .collect();
    let stored = store::store_many(&mut tx, &batches).await?;
    let mut notices = Vec::new();
    let mut published: HashMap<usize, (store::NewChunk, bool)> = HashMap::new();
    for ((n, submission), stored) in allowed.iter().enumerate().zip(&stored) {
        if let Stored::New(chunk) = stored {
            let (notice, back) = live::batch_notice(state, chunk, &submission.fixes);
            notices.push(notice);
            published.insert(n, (*chunk, back));
        }
    }
    announce_many(&mut *tx, &notices).await?;
    tx.commit().await?;
    let mut allowed_index = 0;
    Ok(group
        .iter()
        .map(|s| {
            let outcome = outcome_of(s);
            if outcome != Outcome::Stored {
                return (outcome, None);
            }
            let chunk = published.remove(&allowed_index);
            allowed_index += 1;
            (outcome, chunk)
        })
        .collect())
}
