//! Alerts the field raises by itself, checked every `--field-alert-check-s` seconds:
//!
//! - **off task**: a member of a group whose task is under way has been reporting positions
//!   outside the task's squares and route (plus a margin) for longer than the operation's limit;
//! - **silent group**: no phone or tracker of a group on a task under way has been heard from
//!   (a fix, a hello, a report) for longer than the operation's limit.
//!
//! Each is raised once per stretch (the time the condition began), shown live on the consoles,
//! cleared by itself when the condition ends, and acknowledged by a dispatcher; raising and
//! acknowledging are written into the case's log.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use sqlx::PgConnection;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::cases::journal::{self, Author, EntryKind, NewEntry};
use crate::error::{ApiError, ApiResult};
use crate::realtime::{announce, Notice};

/// A field alert as the console shows it.
#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct FieldAlert {
    /// Its id.
    pub id: Uuid,
    /// Its operation.
    pub operation_id: Uuid,
    /// `off_task` or `silent_group`.
    pub kind: String,
    /// The task.
    pub task_id: Option<Uuid>,
    /// The group.
    pub group_id: Option<Uuid>,
    /// The group's name.
    pub group_name: Option<String>,
    /// The volunteer (off task).
    pub volunteer_id: Option<Uuid>,
    /// Their name.
    pub volunteer_name: Option<String>,
    /// Since when the condition holds.
    pub since: DateTime<Utc>,
    /// When it was raised.
    pub raised_at: DateTime<Utc>,
    /// When the condition ended by itself.
    pub cleared_at: Option<DateTime<Utc>>,
    /// When a dispatcher acknowledged it.
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// Who.
    pub acknowledged_by_name: Option<String>,
    /// Their note.
    pub note: Option<String>,
}

const SELECT_ALERT: &str =
    "SELECT f.id, f.operation_id, f.kind, f.task_id, f.group_id, g.name AS group_name, f.volunteer_id,
        v.display_name AS volunteer_name, f.since, f.raised_at, f.cleared_at, f.acknowledged_at,
        a.display_name AS acknowledged_by_name, f.note
 FROM field_alerts f
 LEFT JOIN operation_groups g ON g.id = f.group_id
 LEFT JOIN users v ON v.id = f.volunteer_id
 LEFT JOIN users a ON a.id = f.acknowledged_by";

/// One field alert.
pub async fn find(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<FieldAlert>> {
    sqlx::query_as(&format!("{SELECT_ALERT} WHERE f.id = $1")).bind(id).fetch_optional(conn).await
}

/// Alerts not yet acknowledged, of every operation under way, newest first.
pub async fn open(conn: &mut PgConnection) -> sqlx::Result<Vec<FieldAlert>> {
    sqlx::query_as(&format!(
        "{SELECT_ALERT} JOIN operations o ON o.id = f.operation_id
         WHERE f.acknowledged_at IS NULL AND o.status <> 'finished' ORDER BY f.raised_at DESC"
    ))
    .fetch_all(conn)
    .await
}

/// An operation's field alerts, newest first.
pub async fn of_operation(conn: &mut PgConnection, operation: Uuid) -> sqlx::Result<Vec<FieldAlert>> {
    sqlx::query_as(&format!("{SELECT_ALERT} WHERE f.operation_id = $1 ORDER BY f.raised_at DESC"))
        .bind(operation)
        .fetch_all(conn)
        .await
}

/// Members of groups on a task under way: where each has been since the task began.
const OFF_TASK: &str = "
WITH running AS (
    SELECT t.id AS task_id, t.operation_id, t.group_id, t.started_at, o.off_task_after_s, o.off_task_margin_m,
           ST_Union(array_remove(ARRAY[
               (SELECT ST_Union(c.geom) FROM task_squares s JOIN grid_cells c ON c.id = s.cell_id WHERE s.task_id = t.id),
               t.route], NULL)) AS zone
    FROM tasks t JOIN operations o ON o.id = t.operation_id
    WHERE t.status = 'in_progress' AND o.status = 'active' AND t.started_at IS NOT NULL),
members AS (
    SELECT r.*, m.volunteer_id FROM running r
    JOIN operation_members m ON m.group_id = r.group_id AND m.left_at IS NULL
    WHERE r.zone IS NOT NULL),
fixes AS (
    SELECT mb.task_id, mb.volunteer_id, ST_M(d.geom) AS t,
           ST_DWithin(ST_Force2D(d.geom)::geography, mb.zone::geography, mb.off_task_margin_m) AS inside
    FROM members mb
    JOIN track_chunks c ON c.volunteer_id = mb.volunteer_id AND c.last_at >= mb.started_at,
         ST_DumpPoints(c.fixes) d
    WHERE ST_M(d.geom) >= extract(epoch FROM mb.started_at))
SELECT mb.operation_id, mb.task_id, mb.group_id, mb.volunteer_id,
       to_timestamp(coalesce(max(f.t) FILTER (WHERE f.inside), extract(epoch FROM mb.started_at))) AS since,
       coalesce(max(f.t) - coalesce(max(f.t) FILTER (WHERE f.inside), extract(epoch FROM mb.started_at))
                > mb.off_task_after_s, false) AS away
FROM members mb LEFT JOIN fixes f ON f.task_id = mb.task_id AND f.volunteer_id = mb.volunteer_id
GROUP BY mb.operation_id, mb.task_id, mb.group_id, mb.volunteer_id, mb.started_at, mb.off_task_after_s";

/// Groups on a task under way: when each was last heard from.
const SILENT: &str = "
SELECT t.operation_id, t.id AS task_id, t.group_id, NULL::uuid AS volunteer_id,
       greatest(t.started_at, max(p.received_at), max(d.last_seen_at), max(r.received_at)) AS since,
       now() - greatest(t.started_at, max(p.received_at), max(d.last_seen_at), max(r.received_at))
           > make_interval(secs => o.silent_after_s) AS away
FROM tasks t
JOIN operations o ON o.id = t.operation_id
JOIN operation_members m ON m.group_id = t.group_id AND m.left_at IS NULL
LEFT JOIN last_positions p ON p.volunteer_id = m.volunteer_id
LEFT JOIN devices d ON d.user_id = m.volunteer_id AND d.revoked_at IS NULL
LEFT JOIN field_reports r ON r.volunteer_id = m.volunteer_id
WHERE t.status = 'in_progress' AND o.status = 'active' AND t.started_at IS NOT NULL
GROUP BY t.operation_id, t.id, t.group_id, t.started_at, o.silent_after_s";

#[derive(sqlx::FromRow)]
struct Condition {
    operation_id: Uuid,
    task_id: Uuid,
    group_id: Uuid,
    volunteer_id: Option<Uuid>,
    since: DateTime<Utc>,
    away: bool,
}

/// Raises what is new, clears what is over. Returns the alerts raised.
pub async fn check(conn: &mut PgConnection) -> sqlx::Result<Vec<Uuid>> {
    let mut off_task: Vec<Condition> = sqlx::query_as(OFF_TASK).fetch_all(&mut *conn).await?;
    let silent: Vec<Condition> = sqlx::query_as(SILENT).fetch_all(&mut *conn).await?;
    let mut raised = Vec::new();
    off_task.extend(silent);
    for condition in off_task {
        let kind = if condition.volunteer_id.is_some() { "off_task" } else { "silent_group" };
        let subject = condition.volunteer_id.unwrap_or(condition.group_id);
        if !condition.away {
            let cleared: Vec<Uuid> = sqlx::query_scalar(
                "UPDATE field_alerts SET cleared_at = now()
                 WHERE kind = $1 AND coalesce(volunteer_id, group_id) = $2 AND cleared_at IS NULL AND acknowledged_at IS NULL
                 RETURNING id",
            )
            .bind(kind)
            .bind(subject)
            .fetch_all(&mut *conn)
            .await?;
            for id in cleared {
                announce(&mut *conn, &Notice::FieldAlert { alert_id: id }).await?;
            }
            continue;
        }
        // Once per stretch: an alert acknowledged while the condition goes on is not raised again.
        let id: Option<Uuid> = sqlx::query_scalar(
            "INSERT INTO field_alerts (operation_id, kind, task_id, group_id, volunteer_id, since)
             SELECT $1, $2, $3, $4, $5, $6
             WHERE NOT EXISTS (SELECT 1 FROM field_alerts WHERE kind = $2 AND coalesce(volunteer_id, group_id) = $7
                               AND (since >= $6 - interval '1 second' OR (cleared_at IS NULL AND acknowledged_at IS NULL)))
             ON CONFLICT DO NOTHING
             RETURNING id",
        )
        .bind(condition.operation_id)
        .bind(kind)
        .bind(condition.task_id)
        .bind(condition.group_id)
        .bind(condition.volunteer_id)
        .bind(condition.since)
        .bind(subject)
        .fetch_optional(&mut *conn)
        .await?;
        let Some(id) = id else { continue };
        let alert = find(conn, id).await?.expect("just raised");
        let who = alert.volunteer_name.clone().or(alert.group_name.clone()).unwrap_or_default();
        let details = json!({ "event": "field_alert", "alert": id, "kind": kind, "operation": condition.operation_id,
                              "task": condition.task_id, "group": condition.group_id, "volunteer": condition.volunteer_id,
                              "name": who, "since": condition.since });
        let case: Uuid = sqlx::query_scalar("SELECT case_id FROM operations WHERE id = $1")
            .bind(condition.operation_id)
            .fetch_one(&mut *conn)
            .await?;
        journal::append(&mut *conn, case, &Author::system(), NewEntry::system(EntryKind::Operation, who, details))
            .await
            .map_err(|error| sqlx::Error::Protocol(format!("while logging a field alert: {error}")))?;
        announce(&mut *conn, &Notice::FieldAlert { alert_id: id }).await?;
        raised.push(id);
    }
    Ok(raised)
}

/// A dispatcher acknowledges an alert (with a note of what was done).
pub async fn acknowledge(conn: &mut PgConnection, id: Uuid, note: Option<&str>, author: &Author) -> ApiResult<()> {
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > 2000) {
        return Err(ApiError::invalid_field("note", "at most 2,000 characters"));
    }
    let row: Option<(Uuid, Option<DateTime<Utc>>, String)> =
        sqlx::query_as("SELECT operation_id, acknowledged_at, kind FROM field_alerts WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    let Some((operation, acknowledged, kind)) = row else { return Err(ApiError::not_found("field alert")) };
    if acknowledged.is_some() {
        return Err(ApiError::conflict("already_acknowledged", "this alert was acknowledged already"));
    }
    sqlx::query("UPDATE field_alerts SET acknowledged_at = now(), acknowledged_by = $2, note = $3 WHERE id = $1")
        .bind(id)
        .bind(author.user_id)
        .bind(note)
        .execute(&mut *conn)
        .await?;
    let case: Uuid = sqlx::query_scalar("SELECT case_id FROM operations WHERE id = $1")
        .bind(operation)
        .fetch_one(&mut *conn)
        .await?;
    let details =
        json!({ "event": "field_alert_acknowledged", "alert": id, "kind": kind, "operation": operation, "note": note });
    journal::append(&mut *conn, case, author, NewEntry::system(EntryKind::Operation, note.unwrap_or("✓"), details))
        .await?;
    announce(&mut *conn, &Notice::FieldAlert { alert_id: id }).await?;
    Ok(())
}

/// Checks every `every` until `shutdown`. Instances may all check: an alert is raised once
/// (the open-alert index and the once-per-stretch rule).
pub async fn run(state: crate::state::AppState, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    let every = std::time::Duration::from_secs(state.config.field_alert_check_s.into());
    loop {
        tokio::select! {
            _ = shutdown.changed() => return,
            _ = tokio::time::sleep(every) => {}
        }
        let checked = async {
            let mut tx = state.db.begin().await?;
            // One instance checks at a time.
            let ours: bool =
                sqlx::query_scalar("SELECT pg_try_advisory_xact_lock(hashtextextended('field-alerts', 0))")
                    .fetch_one(&mut *tx)
                    .await?;
            if ours {
                check(&mut tx).await?;
            }
            tx.commit().await
        }
        .await;
        if let Err(error) = checked {
            tracing::warn!(?error, "field alerts could not be checked now; retrying");
        }
    }
}
