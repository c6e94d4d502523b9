//! A search operation under a case: its status, meeting point, groups and who is in them. A
//! volunteer is in at most one operation at a time; their place in it is their current task.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sqlx::PgConnection;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::cases::card::Point;
use crate::cases::journal::{self, Author, EntryKind, NewEntry};
use crate::error::{ApiError, ApiResult, ResultExt};
use crate::realtime::{announce, Notice};

/// Where an operation stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum OperationStatus {
    /// Being prepared.
    Planned,
    /// Searching now.
    Active,
    /// Paused (night, weather).
    Suspended,
    /// Over; its members have left.
    Finished,
}

/// An operation as the console shows it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Operation {
    /// Its id.
    pub id: Uuid,
    /// The case it searches for.
    pub case_id: Uuid,
    /// The missing person's name.
    pub case_name: String,
    /// Its name ("Forest by Dubki, day 2").
    pub name: String,
    /// Where it stands.
    pub status: OperationStatus,
    /// The meeting point (headquarters), one of the case's.
    pub meeting_point_id: Option<Uuid>,
    /// The search leader.
    pub leader_id: Option<Uuid>,
    /// Their name.
    pub leader_name: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// Sweep width, metres.
    pub sweep_width_m: f32,
    /// Fixes less accurate than this (metres) do not count.
    pub max_accuracy_m: f32,
    /// Faster than this (m/s) is not searching.
    pub max_speed_mps: f32,
    /// Fixes further apart than this (seconds) are not joined.
    pub max_gap_s: i32,
    /// Outside the task for this long (seconds) raises an alert.
    pub off_task_after_s: i32,
    /// How far outside the task still counts as on it (metres).
    pub off_task_margin_m: f32,
    /// A group on a task not heard from for this long (seconds) raises an alert.
    pub silent_after_s: i32,
    /// Its groups.
    pub groups: Vec<Group>,
    /// Who is in it now.
    pub members: Vec<Member>,
}

/// A group of an operation.
#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct Group {
    /// Its id.
    pub id: Uuid,
    /// Its name ("Group 3").
    pub name: String,
    /// What it is to do, shown on its members' phones.
    pub instructions: Option<String>,
    /// Its leader, who reports its task's progress.
    pub leader_id: Option<Uuid>,
    /// Its radio channel or call signs.
    pub radio: Option<String>,
    /// The equipment handed to it (returned items too).
    #[sqlx(skip)]
    pub equipment: Vec<super::equipment::Equipment>,
}

/// A volunteer in an operation.
#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct Member {
    /// The volunteer.
    pub volunteer_id: Uuid,
    /// Their name.
    pub name: String,
    /// Their group, if any.
    pub group_id: Option<Uuid>,
    /// Since when.
    pub joined_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct OperationRow {
    id: Uuid,
    case_id: Uuid,
    case_name: String,
    name: String,
    status: OperationStatus,
    meeting_point_id: Option<Uuid>,
    leader_id: Option<Uuid>,
    leader_name: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    sweep_width_m: f32,
    max_accuracy_m: f32,
    max_speed_mps: f32,
    max_gap_s: i32,
    off_task_after_s: i32,
    off_task_margin_m: f32,
    silent_after_s: i32,
}

const SELECT_OPERATION: &str = "SELECT o.id, o.case_id, c.full_name AS case_name, o.name, o.status, o.meeting_point_id,
        o.leader_id, l.display_name AS leader_name,
        o.created_at, o.updated_at, o.sweep_width_m, o.max_accuracy_m, o.max_speed_mps, o.max_gap_s,
        o.off_task_after_s, o.off_task_margin_m, o.silent_after_s
 FROM operations o JOIN cases c ON c.id = o.case_id LEFT JOIN users l ON l.id = o.leader_id";

/// One operation with its groups and current members.
pub async fn find(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<Operation>> {
    let row: Option<OperationRow> =
        sqlx::query_as(&format!("{SELECT_OPERATION} WHERE o.id = $1")).bind(id).fetch_optional(&mut *conn).await?;
    let Some(row) = row else { return Ok(None) };
    let groups: Vec<Group> = sqlx::query_as(
        "SELECT id, name, instructions, leader_id, radio FROM operation_groups WHERE operation_id = $1 ORDER BY created_at, name",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let mut groups = groups;
    for group in &mut groups {
        group.equipment = super::equipment::of_group(&mut *conn, group.id).await?;
    }
    let members: Vec<Member> = sqlx::query_as(
        "SELECT m.volunteer_id, u.display_name AS name, m.group_id, m.joined_at
         FROM operation_members m JOIN users u ON u.id = m.volunteer_id
         WHERE m.operation_id = $1 AND m.left_at IS NULL ORDER BY u.display_name",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(Some(Operation {
        id: row.id,
        case_id: row.case_id,
        case_name: row.case_name,
        name: row.name,
        status: row.status,
        meeting_point_id: row.meeting_point_id,
        leader_id: row.leader_id,
        leader_name: row.leader_name,
        created_at: row.created_at,
        updated_at: row.updated_at,
        sweep_width_m: row.sweep_width_m,
        max_accuracy_m: row.max_accuracy_m,
        max_speed_mps: row.max_speed_mps,
        max_gap_s: row.max_gap_s,
        off_task_after_s: row.off_task_after_s,
        off_task_margin_m: row.off_task_margin_m,
        silent_after_s: row.silent_after_s,
        groups,
        members,
    }))
}

/// Operations, newest first: of one case, or (without one) every one that is not finished.
pub async fn list(conn: &mut PgConnection, case_id: Option<Uuid>) -> sqlx::Result<Vec<Operation>> {
    let ids: Vec<Uuid> = sqlx::query_scalar(
        "SELECT id FROM operations WHERE CASE WHEN $1::uuid IS NULL THEN status <> 'finished' ELSE case_id = $1 END
         ORDER BY created_at DESC",
    )
    .bind(case_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut operations = Vec::with_capacity(ids.len());
    for id in ids {
        operations.extend(find(conn, id).await?);
    }
    Ok(operations)
}

/// Who is in an operation now.
pub async fn member_ids(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar("SELECT volunteer_id FROM operation_members WHERE operation_id = $1 AND left_at IS NULL")
        .bind(id)
        .fetch_all(conn)
        .await
}

/// What changed, for the case's log and the phones.
async fn record(
    conn: &mut PgConnection,
    operation: Uuid,
    author: &Author,
    text: String,
    details: Value,
) -> ApiResult<()> {
    let case_id: Uuid = sqlx::query_scalar("SELECT case_id FROM operations WHERE id = $1")
        .bind(operation)
        .fetch_one(&mut *conn)
        .await?;
    sqlx::query("UPDATE operations SET updated_at = now() WHERE id = $1").bind(operation).execute(&mut *conn).await?;
    let mut details = details;
    details["operation"] = json!(operation);
    journal::append(&mut *conn, case_id, author, NewEntry::system(EntryKind::Operation, text, details)).await?;
    announce(&mut *conn, &Notice::OperationChanged { operation_id: operation }).await?;
    Ok(())
}

fn check_name(field: &str, name: &str, max: usize) -> ApiResult<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > max {
        return Err(ApiError::invalid_field(field, format!("a name has 1 to {max} characters")));
    }
    Ok(name.to_string())
}

async fn check_meeting_point(conn: &mut PgConnection, case_id: Uuid, point: Option<Uuid>) -> ApiResult<()> {
    let Some(point) = point else { return Ok(()) };
    let ours: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM meeting_points WHERE id = $1 AND case_id = $2)")
        .bind(point)
        .bind(case_id)
        .fetch_one(conn)
        .await?;
    if ours {
        Ok(())
    } else {
        Err(ApiError::invalid_field("meeting_point_id", "this case has no such meeting point"))
    }
}

/// Starts an operation under a case that is not closed.
pub async fn create(
    conn: &mut PgConnection,
    case_id: Uuid,
    name: &str,
    meeting_point: Option<Uuid>,
    author: &Author,
) -> ApiResult<Uuid> {
    let name = check_name("name", name, 200)?;
    let status: Option<String> = sqlx::query_scalar("SELECT status FROM cases WHERE id = $1 FOR SHARE")
        .bind(case_id)
        .fetch_optional(&mut *conn)
        .await?;
    match status.as_deref() {
        None => return Err(ApiError::not_found("case")),
        Some("closed") => return Err(ApiError::conflict("case_closed", "a closed case gets no new operations")),
        Some(_) => {}
    }
    check_meeting_point(conn, case_id, meeting_point).await?;
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO operations (case_id, name, meeting_point_id, created_by) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(case_id)
    .bind(&name)
    .bind(meeting_point)
    .bind(author.user_id)
    .fetch_one(&mut *conn)
    .await?;
    record(conn, id, author, format!("+ {name}"), json!({ "event": "operation_created", "name": name })).await?;
    Ok(id)
}

/// A change to an operation.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OperationPatch {
    /// A new name.
    pub name: Option<String>,
    /// A new status; `finished` ends every member's part in it.
    pub status: Option<OperationStatus>,
    /// A new meeting point (one of the case's).
    pub meeting_point_id: Option<Uuid>,
    /// The search leader (an enabled account of the team's staff or a volunteer).
    pub leader_id: Option<Uuid>,
    /// Sweep width, metres (1 to 500): the coverage is computed again.
    pub sweep_width_m: Option<f32>,
    /// Fixes less accurate than this (metres, 1 to 1,000) do not count.
    pub max_accuracy_m: Option<f32>,
    /// Faster than this (m/s, 0.1 to 50) is not searching.
    pub max_speed_mps: Option<f32>,
    /// Fixes further apart than this (seconds, 1 to 3,600) are not joined.
    pub max_gap_s: Option<i32>,
    /// Outside the task for this long (seconds, 10 to 86,400) raises an alert.
    pub off_task_after_s: Option<i32>,
    /// How far outside the task's squares and route still counts as on it (metres, 0 to 5,000).
    pub off_task_margin_m: Option<f32>,
    /// A group on a task not heard from for this long (seconds, 10 to 86,400) raises an alert.
    pub silent_after_s: Option<i32>,
}

impl OperationPatch {
    /// Whether it changes what counts as searching (so the coverage must be computed again).
    fn changes_coverage(&self) -> bool {
        self.sweep_width_m.is_some()
            || self.max_accuracy_m.is_some()
            || self.max_speed_mps.is_some()
            || self.max_gap_s.is_some()
    }

    fn check_search_settings(&self) -> ApiResult<()> {
        let ranges: [(&str, Option<f64>, f64, f64); 7] = [
            ("sweep_width_m", self.sweep_width_m.map(f64::from), 1.0, 500.0),
            ("max_accuracy_m", self.max_accuracy_m.map(f64::from), 1.0, 1000.0),
            ("max_speed_mps", self.max_speed_mps.map(f64::from), 0.1, 50.0),
            ("max_gap_s", self.max_gap_s.map(f64::from), 1.0, 3600.0),
            ("off_task_after_s", self.off_task_after_s.map(f64::from), 10.0, 86_400.0),
            ("off_task_margin_m", self.off_task_margin_m.map(f64::from), 0.0, 5000.0),
            ("silent_after_s", self.silent_after_s.map(f64::from), 10.0, 86_400.0),
        ];
        for (field, value, low, high) in ranges {
            if value.is_some_and(|v| !v.is_finite() || v < low || v > high) {
                return Err(ApiError::invalid_field(field, format!("between {low} and {high}")));
            }
        }
        Ok(())
    }
}

/// Changes an operation.
pub async fn update(conn: &mut PgConnection, id: Uuid, patch: OperationPatch, author: &Author) -> ApiResult<()> {
    let row: Option<(Uuid, OperationStatus)> =
        // Not FOR UPDATE: that would also hold up every batch stored meanwhile (their queue rows
        // reference the operation).
        sqlx::query_as("SELECT case_id, status FROM operations WHERE id = $1 FOR NO KEY UPDATE")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    let Some((case_id, was)) = row else { return Err(ApiError::not_found("operation")) };
    if was == OperationStatus::Finished {
        return Err(ApiError::conflict("operation_finished", "a finished operation does not change"));
    }
    let name = patch.name.as_deref().map(|n| check_name("name", n, 200)).transpose()?;
    patch.check_search_settings()?;
    check_meeting_point(conn, case_id, patch.meeting_point_id).await?;
    if let Some(leader) = patch.leader_id {
        let fits: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM users WHERE id = $1 AND disabled_at IS NULL AND role <> 'police_liaison')",
        )
        .bind(leader)
        .fetch_one(&mut *conn)
        .await?;
        if !fits {
            return Err(ApiError::invalid_field("leader_id", "the search leader is an enabled account of the team"));
        }
        sqlx::query("UPDATE operations SET leader_id = $2 WHERE id = $1")
            .bind(id)
            .bind(leader)
            .execute(&mut *conn)
            .await?;
    }
    let leader_name: Option<String> = match patch.leader_id {
        Some(leader) => {
            sqlx::query_scalar("SELECT display_name FROM users WHERE id = $1")
                .bind(leader)
                .fetch_optional(&mut *conn)
                .await?
        }
        None => None,
    };
    sqlx::query(
        "UPDATE operations SET name = coalesce($2, name), status = coalesce($3, status),
             meeting_point_id = coalesce($4, meeting_point_id),
             finished_at = CASE WHEN $3 = 'finished' THEN now() ELSE finished_at END,
             sweep_width_m = coalesce($5, sweep_width_m), max_accuracy_m = coalesce($6, max_accuracy_m),
             max_speed_mps = coalesce($7, max_speed_mps), max_gap_s = coalesce($8, max_gap_s),
             off_task_after_s = coalesce($9, off_task_after_s), off_task_margin_m = coalesce($10, off_task_margin_m),
             silent_after_s = coalesce($11, silent_after_s)
         WHERE id = $1",
    )
    .bind(id)
    .bind(&name)
    .bind(patch.status)
    .bind(patch.meeting_point_id)
    .bind(patch.sweep_width_m)
    .bind(patch.max_accuracy_m)
    .bind(patch.max_speed_mps)
    .bind(patch.max_gap_s)
    .bind(patch.off_task_after_s)
    .bind(patch.off_task_margin_m)
    .bind(patch.silent_after_s)
    .execute(&mut *conn)
    .await?;
    if patch.changes_coverage() {
        super::coverage::recompute(&mut *conn, id).await?;
    }
    if patch.status == Some(OperationStatus::Finished) {
        sqlx::query(
            "UPDATE operation_members SET left_at = greatest(now(), joined_at) WHERE operation_id = $1 AND left_at IS NULL",
        )
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    let details = json!({ "event": "operation_changed", "name": name, "status": patch.status, "leader": patch.leader_id, "leader_name": leader_name,
                          "meeting_point_id": patch.meeting_point_id, "sweep_width_m": patch.sweep_width_m,
                          "max_accuracy_m": patch.max_accuracy_m, "max_speed_mps": patch.max_speed_mps,
                          "max_gap_s": patch.max_gap_s, "off_task_after_s": patch.off_task_after_s,
                          "off_task_margin_m": patch.off_task_margin_m, "silent_after_s": patch.silent_after_s });
    let text = match (&name, patch.status) {
        (_, Some(status)) => format!("{status:?}"),
        (Some(name), None) => name.clone(),
        (None, None) => "~".into(),
    };
    record(conn, id, author, text, details).await
}

async fn open_operation(conn: &mut PgConnection, id: Uuid) -> ApiResult<()> {
    // Writers of one operation queue here (a share lock would let two of them deadlock when each
    // then updates the row).
    let status: Option<OperationStatus> =
        sqlx::query_scalar("SELECT status FROM operations WHERE id = $1 FOR NO KEY UPDATE")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    match status {
        None => Err(ApiError::not_found("operation")),
        Some(OperationStatus::Finished) => {
            Err(ApiError::conflict("operation_finished", "a finished operation does not change"))
        }
        Some(_) => Ok(()),
    }
}

/// Adds a group, or changes one (when `group` is given).
pub async fn save_group(
    conn: &mut PgConnection,
    operation: Uuid,
    group: Option<Uuid>,
    name: Option<&str>,
    instructions: Option<&str>,
    radio: Option<&str>,
    author: &Author,
) -> ApiResult<Uuid> {
    if radio.is_some_and(|r| r.chars().count() > 200) {
        return Err(ApiError::invalid_field("radio", "at most 200 characters"));
    }
    open_operation(conn, operation).await?;
    let name = name.map(|n| check_name("name", n, 100)).transpose()?;
    let instructions = instructions.map(str::trim).map(str::to_string);
    if instructions.as_ref().is_some_and(|i| i.chars().count() > 4000) {
        return Err(ApiError::invalid_field("instructions", "instructions have at most 4,000 characters"));
    }
    let id: Option<Uuid> = match group {
        None => {
            let Some(name) = &name else { return Err(ApiError::invalid_field("name", "a group needs a name")) };
            sqlx::query_scalar(
                "INSERT INTO operation_groups (operation_id, name, instructions, radio)
                 VALUES ($1, $2, nullif($3, ''), nullif(trim($4), '')) RETURNING id",
            )
            .bind(operation)
            .bind(name)
            .bind(&instructions)
            .bind(radio)
            .fetch_optional(&mut *conn)
            .await
            .on_constraint(
                "operation_groups_name_key",
                "name",
                "this operation has a group of that name",
            )?
        }
        Some(group) => sqlx::query_scalar(
            "UPDATE operation_groups SET name = coalesce($3, name),
                 instructions = CASE WHEN $4::text IS NULL THEN instructions ELSE nullif($4, '') END,
                 radio = CASE WHEN $5::text IS NULL THEN radio ELSE nullif(trim($5), '') END, updated_at = now()
             WHERE id = $2 AND operation_id = $1 RETURNING id",
        )
        .bind(operation)
        .bind(group)
        .bind(&name)
        .bind(&instructions)
        .bind(radio)
        .fetch_optional(&mut *conn)
        .await
        .on_constraint("operation_groups_name_key", "name", "this operation has a group of that name")?,
    };
    let Some(id) = id else { return Err(ApiError::not_found("group")) };
    let event = if group.is_some() { "group_changed" } else { "group_created" };
    let text = name.clone().unwrap_or_else(|| "~".into());
    record(conn, operation, author, text, json!({ "event": event, "group": id, "name": name, "radio": radio })).await?;
    Ok(id)
}

/// Makes a member of a group its leader (who reports the group's task from the phone).
pub async fn set_leader(
    conn: &mut PgConnection,
    operation: Uuid,
    group: Uuid,
    leader: Uuid,
    author: &Author,
) -> ApiResult<()> {
    open_operation(conn, operation).await?;
    let name: Option<String> = sqlx::query_scalar(
        "SELECT u.display_name FROM operation_members m JOIN users u ON u.id = m.volunteer_id
         WHERE m.operation_id = $1 AND m.group_id = $2 AND m.volunteer_id = $3 AND m.left_at IS NULL",
    )
    .bind(operation)
    .bind(group)
    .bind(leader)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(name) = name else {
        return Err(ApiError::invalid_field("leader_id", "the leader is one of the group's members"));
    };
    sqlx::query("UPDATE operation_groups SET leader_id = $2, updated_at = now() WHERE id = $1")
        .bind(group)
        .bind(leader)
        .execute(&mut *conn)
        .await?;
    let details = json!({ "event": "group_changed", "group": group, "leader": leader, "leader_name": name });
    record(conn, operation, author, name, details).await
}

/// Puts a volunteer in an operation (and a group of it), moving them from any other.
pub async fn join(
    conn: &mut PgConnection,
    operation: Uuid,
    volunteer: Uuid,
    group: Option<Uuid>,
    author: &Author,
) -> ApiResult<()> {
    open_operation(conn, operation).await?;
    let name: Option<String> = sqlx::query_scalar(
        // Joins of one volunteer run one after another, so the second sees the first's row.
        "SELECT display_name FROM users WHERE id = $1 AND role = 'volunteer' AND disabled_at IS NULL FOR NO KEY UPDATE",
    )
    .bind(volunteer)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(name) = name else { return Err(ApiError::not_found("volunteer")) };
    if !crate::registry::profile::is_approved(conn, volunteer).await? {
        return Err(ApiError::conflict(
            "volunteer_not_approved",
            format!("{name} is not approved for field work yet (vetting in the registry)"),
        ));
    }
    if let Some(group) = group {
        let ours: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM operation_groups WHERE id = $1 AND operation_id = $2)")
                .bind(group)
                .bind(operation)
                .fetch_one(&mut *conn)
                .await?;
        if !ours {
            return Err(ApiError::invalid_field("group_id", "this operation has no such group"));
        }
    }
    let current: Option<(Uuid, Option<Uuid>)> = sqlx::query_as(
        "SELECT operation_id, group_id FROM operation_members WHERE volunteer_id = $1 AND left_at IS NULL FOR UPDATE",
    )
    .bind(volunteer)
    .fetch_optional(&mut *conn)
    .await?;
    if current == Some((operation, group)) {
        return Ok(());
    }
    if let Some((elsewhere, _)) = current {
        sqlx::query(
            "UPDATE operation_members SET left_at = greatest(now(), joined_at) WHERE volunteer_id = $1 AND left_at IS NULL",
        )
            .bind(volunteer)
            .execute(&mut *conn)
            .await?;
        if elsewhere != operation {
            let details = json!({ "event": "member_left", "volunteer": volunteer, "name": name });
            record(conn, elsewhere, author, format!("− {name}"), details).await?;
        }
    }
    sqlx::query(
        "INSERT INTO operation_members (operation_id, volunteer_id, group_id, added_by) VALUES ($1, $2, $3, $4)",
    )
    .bind(operation)
    .bind(volunteer)
    .bind(group)
    .bind(author.user_id)
    .execute(&mut *conn)
    .await
    .on_constraint(
        "operation_members_current_key",
        "volunteer_id",
        "this volunteer was just put in an operation",
    )?;
    let details = json!({ "event": "member_joined", "volunteer": volunteer, "name": name, "group": group });
    record(conn, operation, author, format!("+ {name}"), details).await
}

/// Ends a volunteer's part in an operation.
pub async fn leave(conn: &mut PgConnection, operation: Uuid, volunteer: Uuid, author: &Author) -> ApiResult<()> {
    let name: Option<String> = sqlx::query_scalar(
        "UPDATE operation_members m SET left_at = greatest(now(), m.joined_at) FROM users u
         WHERE m.operation_id = $1 AND m.volunteer_id = $2 AND m.left_at IS NULL AND u.id = m.volunteer_id
         RETURNING u.display_name",
    )
    .bind(operation)
    .bind(volunteer)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(name) = name else { return Err(ApiError::not_found("member")) };
    let details = json!({ "event": "member_left", "volunteer": volunteer, "name": name });
    record(conn, operation, author, format!("− {name}"), details).await
}

/// The volunteer's current task: their place in an operation that is not finished, and their
/// group's current task (in their language).
pub async fn task_of(conn: &mut PgConnection, volunteer: Uuid) -> sqlx::Result<Option<mobile_api::Task>> {
    #[derive(sqlx::FromRow)]
    struct TaskRow {
        operation_id: Uuid,
        operation_name: String,
        case_id: Uuid,
        case_name: String,
        group_id: Option<Uuid>,
        group_name: Option<String>,
        instructions: Option<String>,
        leader: bool,
        language: String,
        lat: Option<f64>,
        lon: Option<f64>,
        updated_at: DateTime<Utc>,
    }
    let row: Option<TaskRow> = sqlx::query_as(
        "SELECT o.id AS operation_id, o.name AS operation_name, c.id AS case_id, c.full_name AS case_name,
                g.id AS group_id, g.name AS group_name, g.instructions, coalesce(g.leader_id = $1, false) AS leader,
                u.language, ST_Y(p.point) AS lat, ST_X(p.point) AS lon,
                greatest(o.updated_at, g.updated_at, m.joined_at) AS updated_at
         FROM operation_members m
         JOIN users u ON u.id = m.volunteer_id
         JOIN operations o ON o.id = m.operation_id
         JOIN cases c ON c.id = o.case_id
         LEFT JOIN operation_groups g ON g.id = m.group_id
         LEFT JOIN meeting_points p ON p.id = o.meeting_point_id
         WHERE m.volunteer_id = $1 AND m.left_at IS NULL AND o.status <> 'finished'",
    )
    .bind(volunteer)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(r) = row else { return Ok(None) };
    let current = match r.group_id {
        Some(group) => super::tasks::current_of_group(&mut *conn, group, &r.language).await?,
        None => None,
    };
    let updated_at = current.as_ref().map_or(r.updated_at, |t| t.updated_at.max(r.updated_at));
    let instructions = current.as_ref().and_then(|t| t.instructions.clone()).or(r.instructions);
    let assignment = current.map(|t| mobile_api::Assignment {
        task_id: t.id,
        number: t.number,
        title: t.title,
        search_type: serde_json::to_value(t.search_type)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        status: serde_json::to_value(t.status).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default(),
        squares: t.squares.into_iter().map(|s| s.label).collect(),
        places: t
            .places
            .into_iter()
            .map(|p| match p.address {
                Some(address) => format!("{}, {address}", p.name),
                None => p.name,
            })
            .collect(),
    });
    Ok(Some(mobile_api::Task {
        operation_id: r.operation_id,
        operation_name: r.operation_name,
        case_id: r.case_id,
        case_name: r.case_name,
        group: r.group_name,
        instructions,
        assignment,
        leader: r.leader,
        meeting_point: Point::from_columns(r.lat, r.lon).map(|p| mobile_api::Point { lat: p.lat, lon: p.lon }),
        updated_at,
    }))
}
