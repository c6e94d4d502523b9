//! The outbox: every message to every recipient on every channel is a row, queued in the same
//! transaction as its alert and sent by a worker on any instance. A sender claims one message in
//! its own committed transaction (`sending`, with a lease), sends it, then records `sent` or
//! an error (retried with backoff, `failed` after [`MAX_ATTEMPTS`]). A row whose lease ran out
//! while `sending` (the process died with the relay holding it) becomes `unknown` and is never
//! sent again, so nobody gets one alert twice on one channel; what was only queued waits for the
//! next sender. Rates and daily caps are counted in the database, over every instance.
//! Non-urgent messages due in quiet hours are `held` and leave as one digest when they end.

pub mod sms;

use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::RngCore;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::auth::secret::hash_secret;
use crate::i18n::{tr, Language};
use crate::realtime::{announce, Notice};
use crate::state::AppState;

/// Attempts before a message is `failed`.
pub const MAX_ATTEMPTS: i32 = 5;
/// How long a sender may hold a message before it counts as lost in a crash.
const LEASE_S: i32 = 120;
/// Messages one instance sends at once on one channel.
const CONCURRENCY: usize = 4;
/// Most characters of an alert's text in an SMS (the link follows).
const SMS_TEXT_CHARS: usize = 280;

/// Who gets what on which channel: queues a row per recipient per channel (once: a recipient
/// already queued on a channel for this alert is left as is). Operational messages (to an
/// operation's members) ignore the call-out preferences; call-outs respect them, mute and
/// quiet hours (unless urgent). Returns how many rows were added.
#[allow(clippy::too_many_arguments)]
pub async fn queue(
    conn: &mut PgConnection,
    alert: Uuid,
    recipients: &[Uuid],
    channels: &[String],
    urgent: bool,
    step: i32,
    configured: &[&str],
    operational: bool,
) -> sqlx::Result<u64> {
    let configured: Vec<String> = configured.iter().map(|c| c.to_string()).collect();
    let added = sqlx::query(
        "INSERT INTO outbox (alert_id, volunteer_id, channel, address, urgent, step, status, next_attempt_at, last_error)
         SELECT $1, u.id, c.channel,
                CASE c.channel WHEN 'email' THEN p.email WHEN 'sms' THEN p.phones[1] END,
                $3, $4,
                CASE WHEN r.reason IS NOT NULL THEN 'skipped'
                     WHEN c.channel = 'app' THEN 'sent'
                     WHEN NOT $3 AND q.until IS NOT NULL THEN 'held'
                     ELSE 'queued' END,
                CASE WHEN r.reason IS NULL AND c.channel <> 'app' AND NOT $3 AND q.until IS NOT NULL THEN q.until ELSE now() END,
                r.reason
         FROM users u
         LEFT JOIN volunteer_profiles p ON p.user_id = u.id
         CROSS JOIN unnest($5::text[]) AS c(channel)
         CROSS JOIN LATERAL (SELECT quiet_until(p.quiet_from, p.quiet_to, coalesce(p.time_zone, 'UTC'), now()) AS until) q
         CROSS JOIN LATERAL (SELECT CASE
             WHEN u.disabled_at IS NOT NULL THEN 'account disabled'
             WHEN NOT $7 AND coalesce(p.vetting, 'pending') <> 'approved' THEN 'not approved for field work'
             WHEN c.channel = 'app' AND NOT EXISTS (SELECT 1 FROM devices d WHERE d.user_id = u.id AND d.revoked_at IS NULL)
                 THEN 'no phone app'
             WHEN NOT $7 AND NOT (c.channel = ANY(coalesce(p.channels, '{app}'))) THEN 'turned off by the volunteer'
             WHEN c.channel <> 'app' AND NOT (c.channel = ANY($6)) THEN 'this server has no ' || c.channel || ' channel set up'
             WHEN c.channel = 'email' AND p.email IS NULL THEN 'no e-mail address'
             WHEN c.channel = 'sms' AND coalesce(cardinality(p.phones), 0) = 0 THEN 'no phone number'
             WHEN c.channel <> 'app' AND p.muted_until > now()
                 THEN 'muted until ' || to_char(p.muted_until AT TIME ZONE p.time_zone, 'YYYY-MM-DD HH24:MI')
             END AS reason) r
         WHERE u.id = ANY($2)
         ON CONFLICT (alert_id, volunteer_id, channel) DO NOTHING",
    )
    .bind(alert)
    .bind(recipients)
    .bind(urgent)
    .bind(step)
    .bind(channels)
    .bind(&configured)
    .bind(operational)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if added > 0 {
        announce(&mut *conn, &Notice::OutboxQueued).await?;
    }
    Ok(added)
}

/// Marks the in-app message of these alerts delivered to a volunteer's phone.
pub async fn app_delivered(conn: &mut PgConnection, alerts: &[Uuid], volunteer: Uuid) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE outbox SET status = 'delivered', delivered_at = now()
         WHERE alert_id = ANY($1) AND volunteer_id = $2 AND channel = 'app' AND status = 'sent'",
    )
    .bind(alerts)
    .bind(volunteer)
    .execute(conn)
    .await?;
    Ok(())
}

/// Sends what is due until shutdown: every `--outbox-poll-ms`, or at once when this instance
/// queued something. Escalation steps of call-outs run on the same beat.
pub async fn run(state: AppState, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    let client = reqwest::Client::builder().build().expect("an HTTP client builds");
    let pause = Duration::from_millis(u64::from(state.config.outbox_poll_ms));
    loop {
        if let Err(error) = tick(&state, &client, &shutdown).await {
            tracing::warn!(?error, "outbox: a round failed; trying again");
        }
        tokio::select! {
            _ = shutdown.changed() => return,
            _ = state.outbox_wake.notified() => {}
            _ = tokio::time::sleep(pause) => {}
        }
    }
}

async fn tick(
    state: &AppState,
    client: &reqwest::Client,
    shutdown: &tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<()> {
    expire_leases(state).await?;
    // A step that keeps failing must not hold up the sending.
    if let Err(error) = crate::alerts::escalation::run_due(state).await {
        tracing::warn!(?error, "outbox: an escalation step failed; sending goes on");
    }
    skip_unsendable(state).await?;
    let channels = state.config.channels();
    for channel in channels.into_iter().filter(|c| *c != "app") {
        loop {
            // On shutdown, nothing more is taken: what is queued waits for the next start.
            if *shutdown.borrow() {
                return Ok(());
            }
            let mut sent = 0;
            let mut batch = Vec::new();
            for _ in 0..CONCURRENCY {
                match claim(state, channel).await? {
                    Some(message) => batch.push(message),
                    None => break,
                }
            }
            if batch.is_empty() {
                break;
            }
            let results = futures::future::join_all(batch.iter().map(|m| deliver(state, client, m))).await;
            for (message, result) in batch.iter().zip(results) {
                // Each result on its own: one that cannot be recorded now is retried, then left
                // to the lease (it becomes `unknown`, never sent twice).
                let mut recorded = record(state, message, &result).await;
                for _ in 0..3 {
                    if recorded.is_ok() {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    recorded = record(state, message, &result).await;
                }
                if let Err(error) = recorded {
                    tracing::error!(?error, id = message.id, "outbox: a result could not be recorded");
                }
                sent += 1;
            }
            if sent < CONCURRENCY {
                break;
            }
        }
    }
    Ok(())
}

/// Messages that must no longer leave: their call-out was closed or expired, the volunteer was
/// suspended or disabled, muted, turned the channel off or has no address for it any more.
async fn skip_unsendable(state: &AppState) -> sqlx::Result<()> {
    let mut tx = state.db.begin().await?;
    let skipped: Vec<(Uuid, Uuid, String)> = sqlx::query_as(
        "WITH doomed AS (
             SELECT o.id, CASE
                 WHEN a.closed_at IS NOT NULL THEN 'the call-out was closed'
                 WHEN a.expires_at <= now() THEN 'the call-out expired'
                 WHEN u.disabled_at IS NOT NULL THEN 'account disabled'
                 WHEN a.kind = 'callout' AND p.vetting <> 'approved' THEN 'not approved for field work'
                 WHEN a.kind = 'callout' AND NOT (o.channel = ANY(p.channels)) THEN 'turned off by the volunteer'
                 WHEN a.kind = 'callout' AND p.muted_until > now() THEN 'muted'
                 WHEN o.channel = 'email' AND p.email IS NULL THEN 'no e-mail address'
                 WHEN o.channel = 'sms' AND cardinality(p.phones) = 0 THEN 'no phone number'
             END AS reason
             FROM outbox o JOIN alerts a ON a.id = o.alert_id JOIN users u ON u.id = o.volunteer_id
             JOIN volunteer_profiles p ON p.user_id = o.volunteer_id
             WHERE o.status IN ('queued', 'held') AND o.channel <> 'app')
         UPDATE outbox o SET status = 'skipped', last_error = d.reason FROM doomed d
         WHERE o.id = d.id AND d.reason IS NOT NULL AND o.status IN ('queued', 'held')
         RETURNING o.alert_id, o.volunteer_id, o.channel",
    )
    .fetch_all(&mut *tx)
    .await?;
    announce_status(&mut tx, skipped, "skipped").await?;
    tx.commit().await
}

/// Tells the consoles that these rows (alert, volunteer, channel) have a new status.
async fn announce_status(conn: &mut PgConnection, rows: Vec<(Uuid, Uuid, String)>, status: &str) -> sqlx::Result<()> {
    for (alert_id, volunteer_id, channel) in rows {
        announce(&mut *conn, &Notice::AlertDelivery { alert_id, volunteer_id, channel, status: status.into() }).await?;
    }
    Ok(())
}

/// Rows left `sending` by a sender that died: they may have left, so they are not sent again.
async fn expire_leases(state: &AppState) -> sqlx::Result<()> {
    let mut tx = state.db.begin().await?;
    let lost: Vec<(Uuid, Uuid, String)> = sqlx::query_as(
        "UPDATE outbox SET status = 'unknown', lease_until = NULL,
             last_error = 'the server stopped while sending; not sent again so as not to send it twice'
         WHERE status = 'sending' AND lease_until < now()
         RETURNING alert_id, volunteer_id, channel",
    )
    .fetch_all(&mut *tx)
    .await?;
    announce_status(&mut tx, lost, "unknown").await?;
    tx.commit().await
}

/// One alert carried by a message.
#[derive(Debug, sqlx::FromRow)]
struct Carried {
    row_id: i64,
    alert_id: Uuid,
    title: Option<String>,
    text: String,
    urgent: bool,
    lat: Option<f64>,
    lon: Option<f64>,
    asks_answer: bool,
}

/// A message a sender took: one row, or a digest of several for one person.
#[derive(Debug)]
struct Claimed {
    channel: &'static str,
    id: i64,
    volunteer_id: Uuid,
    address: String,
    language: Language,
    carried: Vec<(Carried, Option<String>)>,
}

/// Takes the next due message of `channel`, if the rate and the daily cap allow.
async fn claim(state: &AppState, channel: &'static str) -> anyhow::Result<Option<Claimed>> {
    let (per_minute, per_day) = match channel {
        "email" => (state.config.email_per_minute, state.config.email_daily_cap),
        _ => (state.config.sms_per_minute, state.config.sms_daily_cap),
    };
    let mut tx = state.db.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('sweep.outbox.' || $1))")
        .bind(channel)
        .execute(&mut *tx)
        .await?;
    let (minute, day): (i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE claimed_at > now() - interval '1 minute'), count(*)
         FROM outbox WHERE channel = $1 AND claimed_at > now() - interval '1 day'",
    )
    .bind(channel)
    .fetch_one(&mut *tx)
    .await?;
    if minute >= i64::from(per_minute) || day >= i64::from(per_day) {
        return Ok(None);
    }
    // The address as it is now (the volunteer may have changed it since the call-out).
    let next: Option<(i64, Uuid, Option<String>, String)> = sqlx::query_as(
        "SELECT o.id, o.volunteer_id, CASE o.channel WHEN 'email' THEN p.email ELSE p.phones[1] END, u.language
         FROM outbox o JOIN users u ON u.id = o.volunteer_id JOIN volunteer_profiles p ON p.user_id = o.volunteer_id
         WHERE o.channel = $1 AND o.status IN ('queued', 'held') AND o.next_attempt_at <= now()
         ORDER BY o.urgent DESC, o.next_attempt_at, o.id LIMIT 1 FOR UPDATE OF o SKIP LOCKED",
    )
    .bind(channel)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((id, volunteer_id, address, language)) = next else { return Ok(None) };
    // Everything held for this person on this channel whose quiet hours are over goes with it,
    // as one digest.
    let others: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM outbox WHERE channel = $1 AND volunteer_id = $2 AND id <> $3
           AND status = 'held' AND next_attempt_at <= now()
         ORDER BY id FOR UPDATE SKIP LOCKED",
    )
    .bind(channel)
    .bind(volunteer_id)
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    let mut ids = vec![id];
    ids.extend(&others);
    sqlx::query(
        "UPDATE outbox SET status = 'sending', attempts = attempts + 1, lease_until = now() + make_interval(secs => $3),
             address = $4,
             claimed_at = CASE WHEN id = $2 THEN now() ELSE claimed_at END,
             carried_by = CASE WHEN id = $2 THEN NULL ELSE $2 END
         WHERE id = ANY($1)",
    )
    .bind(&ids)
    .bind(id)
    .bind(f64::from(LEASE_S))
    .bind(&address)
    .execute(&mut *tx)
    .await?;
    let rows: Vec<Carried> = sqlx::query_as(
        "SELECT o.id AS row_id, a.id AS alert_id, a.title, a.text, a.urgent, ST_Y(a.location) AS lat, ST_X(a.location) AS lon,
                a.asks_answer
         FROM outbox o JOIN alerts a ON a.id = o.alert_id WHERE o.id = ANY($1) ORDER BY a.sent_at",
    )
    .bind(&ids)
    .fetch_all(&mut *tx)
    .await?;
    let mut carried = Vec::with_capacity(rows.len());
    for row in rows {
        // A link of its own for each message, so an earlier one keeps working.
        let link = if row.asks_answer {
            let mut secret = [0u8; 16];
            rand::thread_rng().fill_bytes(&mut secret);
            let token = base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, secret);
            sqlx::query("INSERT INTO answer_links (token_hash, alert_id, volunteer_id) VALUES ($1, $2, $3)")
                .bind(hash_secret(&token))
                .bind(row.alert_id)
                .bind(volunteer_id)
                .execute(&mut *tx)
                .await?;
            Some(format!("{}/r/{token}", state.config.public_url()))
        } else {
            None
        };
        carried.push((row, link));
    }
    tx.commit().await?;
    let language = if language == "en" { Language::En } else { Language::Ru };
    Ok(Some(Claimed { channel, id, volunteer_id, address: address.unwrap_or_default(), language, carried }))
}

/// The subject and text of a claimed message.
fn compose(message: &Claimed) -> (String, String) {
    let language = message.language;
    let title_of = |c: &Carried| {
        let title =
            c.title.clone().unwrap_or_else(|| c.text.lines().next().unwrap_or_default().chars().take(80).collect());
        if c.urgent {
            tr(language, "outbox.urgent", &[("title", &title)])
        } else {
            title
        }
    };
    let sms = message.channel == "sms";
    let mut parts = Vec::new();
    for (carried, link) in &message.carried {
        let mut part = String::new();
        if sms {
            let text: String = carried.text.chars().take(SMS_TEXT_CHARS).collect();
            let ellipsis = if carried.text.chars().count() > SMS_TEXT_CHARS { "…" } else { "" };
            match &carried.title {
                Some(title) => part.push_str(&format!(
                    "{}: {text}{ellipsis}",
                    if carried.urgent { tr(language, "outbox.urgent", &[("title", title)]) } else { title.clone() }
                )),
                None => part.push_str(&format!("{text}{ellipsis}")),
            }
            if let Some(link) = link {
                part.push(' ');
                part.push_str(&tr(language, "outbox.sms_answer", &[("link", link)]));
            }
        } else {
            part.push_str(&title_of(carried));
            part.push_str("\n\n");
            part.push_str(&carried.text);
            if let (Some(lat), Some(lon)) = (carried.lat, carried.lon) {
                part.push_str("\n\n");
                part.push_str(&tr(
                    language,
                    "outbox.point",
                    &[("lat", &format!("{lat:.5}")), ("lon", &format!("{lon:.5}"))],
                ));
            }
            if let Some(link) = link {
                part.push_str("\n\n");
                part.push_str(&tr(language, "outbox.answer", &[("link", link)]));
                part.push('\n');
                part.push_str(&tr(language, "outbox.preferences", &[("link", &format!("{link}#preferences"))]));
            }
        }
        parts.push(part);
    }
    if parts.len() == 1 {
        let subject = title_of(&message.carried[0].0);
        return (subject, parts.remove(0));
    }
    let count = parts.len().to_string();
    let subject = tr(language, "outbox.digest_subject", &[("count", &count)]);
    let separator = if sms { "\n" } else { "\n\n———\n\n" };
    let body = format!(
        "{}{}{}",
        tr(language, "outbox.digest_intro", &[]),
        if sms { " " } else { "\n\n" },
        parts.join(separator)
    );
    (subject, body)
}

async fn deliver(state: &AppState, client: &reqwest::Client, message: &Claimed) -> Result<(), sms::SendError> {
    use crate::mail::MailError;
    let (subject, body) = compose(message);
    match message.channel {
        "email" => crate::mail::send(&state.config, &message.address, &subject, body).await.map_err(|e| match e {
            MailError::Uncertain(_) => sms::SendError::Uncertain(e.to_string()),
            _ => sms::SendError::NotSent(e.to_string()),
        }),
        _ => sms::send(client, &state.config, &message.address, &body, &message.id.to_string()).await,
    }
}

/// Records what became of a message.
async fn record(state: &AppState, message: &Claimed, result: &Result<(), sms::SendError>) -> sqlx::Result<()> {
    let ids: Vec<i64> = message.carried.iter().map(|(c, _)| c.row_id).collect();
    let mut tx = state.db.begin().await?;
    let updated: Vec<(Uuid, String)> = match result {
        Ok(()) => {
            sqlx::query_as(
                "UPDATE outbox SET status = 'sent', sent_at = now(), lease_until = NULL, last_error = NULL
             WHERE id = ANY($1) AND status = 'sending' RETURNING alert_id, status",
            )
            .bind(&ids)
            .fetch_all(&mut *tx)
            .await?
        }
        // It may have left: never sent again.
        Err(sms::SendError::Uncertain(error)) => {
            sqlx::query_as(
                "UPDATE outbox SET status = 'unknown', lease_until = NULL, last_error = $2
             WHERE id = ANY($1) AND status = 'sending' RETURNING alert_id, status",
            )
            .bind(&ids)
            .bind(error.chars().take(500).collect::<String>())
            .fetch_all(&mut *tx)
            .await?
        }
        Err(sms::SendError::NotSent(error)) => {
            sqlx::query_as(
                "UPDATE outbox SET lease_until = NULL, last_error = $2, carried_by = NULL,
                 status = CASE WHEN attempts >= $3 THEN 'failed' ELSE 'queued' END,
                 next_attempt_at = now() + make_interval(secs => 30 * power(2, attempts - 1))
             WHERE id = ANY($1) AND status = 'sending' RETURNING alert_id, status",
            )
            .bind(&ids)
            .bind(error.chars().take(500).collect::<String>())
            .bind(MAX_ATTEMPTS)
            .fetch_all(&mut *tx)
            .await?
        }
    };
    if let Err(error) = result {
        tracing::warn!(channel = message.channel, id = message.id, ?error, "outbox: a message was not sent");
    }
    for (alert_id, status) in updated {
        let notice = Notice::AlertDelivery {
            alert_id,
            volunteer_id: message.volunteer_id,
            channel: message.channel.into(),
            status,
        };
        announce(&mut *tx, &notice).await?;
    }
    tx.commit().await
}

/// One delivery of an alert to a recipient, as the console shows it.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct Delivery {
    /// app, email or sms.
    pub channel: String,
    /// queued, held, sending, sent, delivered, failed, unknown, skipped.
    pub status: String,
    /// Why it failed or was skipped.
    pub last_error: Option<String>,
    /// Attempts made.
    pub attempts: i32,
    /// When it left.
    pub sent_at: Option<DateTime<Utc>>,
    /// When the phone had it (app).
    pub delivered_at: Option<DateTime<Utc>>,
    /// When it is due (held: when quiet hours end).
    pub next_attempt_at: DateTime<Utc>,
}

/// Every delivery of an alert, by recipient.
pub async fn deliveries(conn: &mut PgConnection, alert: Uuid) -> sqlx::Result<Vec<(Uuid, Delivery)>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        volunteer_id: Uuid,
        #[sqlx(flatten)]
        delivery: Delivery,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT volunteer_id, channel, status, last_error, attempts, sent_at, delivered_at, next_attempt_at
         FROM outbox WHERE alert_id = $1 ORDER BY volunteer_id, array_position('{app,email,sms}'::text[], channel)",
    )
    .bind(alert)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.volunteer_id, r.delivery)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn carried(title: Option<&str>, text: &str, urgent: bool) -> Carried {
        Carried {
            row_id: 1,
            alert_id: Uuid::nil(),
            title: title.map(str::to_string),
            text: text.into(),
            urgent,
            lat: Some(55.5),
            lon: Some(37.25),
            asks_answer: true,
        }
    }

    #[test]
    fn an_email_has_the_title_the_text_the_point_and_the_links() {
        let message = Claimed {
            channel: "email",
            id: 1,
            volunteer_id: Uuid::nil(),
            address: "a@b.org".into(),
            language: Language::En,
            carried: vec![(carried(Some("Missing: Anna, 7"), "Meet at 18:00.", true), Some("https://x/r/T".into()))],
        };
        let (subject, body) = compose(&message);
        assert_eq!(subject, "URGENT: Missing: Anna, 7");
        assert!(body.contains("Meet at 18:00."), "{body}");
        assert!(body.contains("55.50000, 37.25000"), "{body}");
        assert!(body.contains("https://x/r/T\n"), "{body}");
        assert!(body.contains("https://x/r/T#preferences"), "{body}");
    }

    #[test]
    fn a_digest_carries_every_held_message() {
        let message = Claimed {
            channel: "sms",
            id: 1,
            volunteer_id: Uuid::nil(),
            address: "+7900".into(),
            language: Language::Ru,
            carried: vec![
                (carried(None, "Первое", false), Some("https://x/r/A".into())),
                (carried(None, &"Второе ".repeat(100), false), None),
            ],
        };
        let (subject, body) = compose(&message);
        assert!(subject.contains('2'), "{subject}");
        assert!(body.contains("Первое") && body.contains("https://x/r/A") && body.contains('…'), "{body}");
    }
}
