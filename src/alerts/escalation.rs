//! Escalation of call-outs: when the headcount is not reached in time, the next step re-sends to
//! those who have not answered over the next channel, and widens a radius to reach more people.
//! Each step is written into the case's log. Steps run on any instance (one at a time per
//! call-out, by row lock).

use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::cases::journal::{self, Author, EntryKind, NewEntry};
use crate::realtime::{announce, Notice};
use crate::registry::target::{self, Target};
use crate::state::AppState;

#[derive(sqlx::FromRow)]
struct Due {
    id: Uuid,
    case_id: Option<Uuid>,
    title: Option<String>,
    urgent: bool,
    audience: serde_json::Value,
    channels: Vec<String>,
    needed: Option<i32>,
    escalate_to: Vec<String>,
    widen_km: Option<f64>,
    max_km: Option<f64>,
    radius_km: Option<f64>,
    step: i32,
}

/// What one step did.
#[derive(Debug, Default, PartialEq)]
pub struct StepTaken {
    /// The channel re-sent on, if any.
    pub channel: Option<String>,
    /// How many got it again on that channel.
    pub resent: u64,
    /// The radius after widening.
    pub radius_km: Option<f64>,
    /// How many the wider radius added.
    pub added: usize,
}

/// Runs every step that is due.
pub async fn run_due(state: &AppState) -> anyhow::Result<()> {
    loop {
        let mut tx = state.db.begin().await?;
        let due: Option<Due> = sqlx::query_as(
            "SELECT id, case_id, title, urgent, audience, channels, needed, escalate_to, widen_km, max_km,
                    radius_km, step
             FROM alerts WHERE next_step_at <= now() ORDER BY next_step_at LIMIT 1 FOR UPDATE SKIP LOCKED",
        )
        .fetch_optional(&mut *tx)
        .await?;
        let Some(due) = due else { return Ok(()) };
        step(&mut tx, &due, &state.config.channels()).await?;
        tx.commit().await?;
    }
}

async fn step(conn: &mut PgConnection, due: &Due, configured: &[&str]) -> anyhow::Result<()> {
    let (going, expired): (i64, bool) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM alert_recipients WHERE alert_id = $1 AND answer = 'going'),
                coalesce((SELECT expires_at <= now() OR closed_at IS NOT NULL FROM alerts WHERE id = $1), true)",
    )
    .bind(due.id)
    .fetch_one(&mut *conn)
    .await?;
    let reached = due.needed.is_some_and(|needed| going >= i64::from(needed));
    if reached || expired {
        sqlx::query("UPDATE alerts SET next_step_at = NULL WHERE id = $1").bind(due.id).execute(&mut *conn).await?;
        return Ok(());
    }
    let number = due.step + 1;
    let mut taken = StepTaken::default();
    // The next channel, to everyone who has not answered.
    if let Some(channel) = due.escalate_to.get(due.step as usize) {
        let silent: Vec<Uuid> =
            sqlx::query_scalar("SELECT volunteer_id FROM alert_recipients WHERE alert_id = $1 AND answer IS NULL")
                .bind(due.id)
                .fetch_all(&mut *conn)
                .await?;
        taken.resent = crate::outbox::queue(
            conn,
            due.id,
            &silent,
            std::slice::from_ref(channel),
            due.urgent,
            number,
            configured,
            false,
        )
        .await?;
        taken.channel = Some(channel.clone());
    }
    // A wider radius, to people it did not reach yet.
    if let (Some(widen), Some(radius)) = (due.widen_km, due.radius_km) {
        let max = due.max_km.unwrap_or(radius);
        if radius < max {
            let wider = (radius + widen).min(max);
            let target: Target = serde_json::from_value(due.audience.clone())?;
            let everyone = target::select(&mut *conn, &target.with_radius(wider)).await?;
            let known: Vec<Uuid> = sqlx::query_scalar("SELECT volunteer_id FROM alert_recipients WHERE alert_id = $1")
                .bind(due.id)
                .fetch_all(&mut *conn)
                .await?;
            let new: Vec<Uuid> = everyone.into_iter().filter(|v| !known.contains(v)).collect();
            super::callout::add_recipients(conn, due.id, &new, number).await?;
            crate::outbox::queue(conn, due.id, &new, &due.channels, due.urgent, number, configured, false).await?;
            taken.radius_km = Some(wider);
            taken.added = new.len();
            sqlx::query("UPDATE alerts SET radius_km = $2 WHERE id = $1")
                .bind(due.id)
                .bind(wider)
                .execute(&mut *conn)
                .await?;
        }
    }
    if taken.channel.is_none() && taken.radius_km.is_none() {
        // Nothing left to try.
        sqlx::query("UPDATE alerts SET next_step_at = NULL WHERE id = $1").bind(due.id).execute(&mut *conn).await?;
        return Ok(());
    }
    sqlx::query(
        "UPDATE alerts SET step = $2, next_step_at = now() + make_interval(secs => coalesce(escalate_after_s, 900)) WHERE id = $1",
    )
    .bind(due.id)
    .bind(number)
    .execute(&mut *conn)
    .await?;
    if let Some(case) = due.case_id {
        let text = match (&taken.channel, taken.radius_km) {
            (Some(channel), Some(km)) => format!(
                "{}: step {number}: {going} of {} going; {channel} to {} who have not answered; radius {km:.0} km, +{}",
                due.title.as_deref().unwrap_or_default(),
                due.needed.unwrap_or_default(),
                taken.resent,
                taken.added
            ),
            (Some(channel), None) => format!(
                "{}: step {number}: {going} of {} going; {channel} to {} who have not answered",
                due.title.as_deref().unwrap_or_default(),
                due.needed.unwrap_or_default(),
                taken.resent
            ),
            (None, km) => format!(
                "{}: step {number}: {going} of {} going; radius {:.0} km, +{}",
                due.title.as_deref().unwrap_or_default(),
                due.needed.unwrap_or_default(),
                km.unwrap_or_default(),
                taken.added
            ),
        };
        let details = json!({ "event": "callout_escalated", "alert": due.id, "title": due.title, "step": number, "going": going,
                              "needed": due.needed, "channel": taken.channel, "resent": taken.resent,
                              "radius_km": taken.radius_km, "added": taken.added });
        let author = Author::system();
        journal::append(&mut *conn, case, &author, NewEntry::system(EntryKind::AlertSent, &text, details))
            .await
            .map_err(|e| anyhow::anyhow!("the case log refused an escalation step: {}", e.message))?;
    }
    announce(&mut *conn, &Notice::AlertEscalated { alert_id: due.id, step: number }).await?;
    if taken.added > 0 {
        announce(&mut *conn, &Notice::Alert { alert_id: due.id }).await?;
    }
    Ok(())
}
