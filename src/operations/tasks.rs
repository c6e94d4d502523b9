//! Tasks: a group's assignment in an operation — squares to comb in order, a route, or places
//! from the card to check — with its search type, instructions and progress (planned, assigned,
//! in progress, done, partly done with a reason, cancelled). The group leader reports progress
//! from the phone; every change goes into the case's log.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sqlx::PgConnection;
use utoipa::ToSchema;
use uuid::Uuid;

use super::grid::label;
use crate::cases::journal::{self, Author, EntryKind, NewEntry};
use crate::error::{ApiError, ApiResult};
use crate::realtime::{announce, Notice};

/// How a task is searched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum SearchType {
    /// A fast first pass along likely spots (paths, streams).
    Hasty,
    /// Line (grid) search: searchers abreast combing the squares.
    Line,
    /// Patrolling roads by car or on foot.
    RoadPatrol,
    /// Checking addresses and points of attraction.
    AddressCheck,
}

/// Where a task stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum TaskStatus {
    /// Prepared, no group yet.
    Planned,
    /// Given to a group.
    Assigned,
    /// The group is on it.
    InProgress,
    /// Finished.
    Done,
    /// Finished in part (the reason says what is left).
    PartlyDone,
    /// Called off.
    Cancelled,
}

impl TaskStatus {
    /// Whether the task is over.
    pub fn is_final(self) -> bool {
        matches!(self, TaskStatus::Done | TaskStatus::PartlyDone | TaskStatus::Cancelled)
    }

    /// Whether a task may go from `self` to `to`.
    pub fn may_become(self, to: TaskStatus) -> bool {
        use TaskStatus::*;
        match (self, to) {
            (from, to) if from == to => false,
            (from, _) if from.is_final() => false,
            (_, Cancelled) => true,
            (Planned, Assigned) => true,
            (Assigned, Planned | InProgress) => true,
            (InProgress, Done | PartlyDone | Assigned) => true,
            _ => false,
        }
    }
}

/// A square of a task.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TaskSquare {
    /// The square.
    pub id: i64,
    /// Its label in the reader's language.
    pub label: String,
}

/// A place from the card that a task checks.
#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct TaskPlace {
    /// The place.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// Its address.
    pub address: Option<String>,
}

/// A task as the console shows it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Task {
    /// Its id.
    pub id: Uuid,
    /// Its operation.
    pub operation_id: Uuid,
    /// Its number in the operation.
    pub number: i32,
    /// The group doing it.
    pub group_id: Option<Uuid>,
    /// The group's name.
    pub group_name: Option<String>,
    /// Its title.
    pub title: String,
    /// How it is searched.
    pub search_type: SearchType,
    /// What to do.
    pub instructions: Option<String>,
    /// Its own sweep width (else the operation's).
    pub sweep_width_m: Option<f32>,
    /// A route to follow (GeoJSON LineString).
    #[schema(value_type = Object)]
    pub route: Option<Value>,
    /// Where it stands.
    pub status: TaskStatus,
    /// Why it is partly done, or cancelled.
    pub status_reason: Option<String>,
    /// Its place in the order of tasks.
    pub position: i32,
    /// The squares, in the order to search them.
    pub squares: Vec<TaskSquare>,
    /// The places to check.
    pub places: Vec<TaskPlace>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct TaskRow {
    id: Uuid,
    operation_id: Uuid,
    number: i32,
    group_id: Option<Uuid>,
    group_name: Option<String>,
    title: String,
    search_type: SearchType,
    instructions: Option<String>,
    sweep_width_m: Option<f32>,
    route: Option<Value>,
    status: TaskStatus,
    status_reason: Option<String>,
    position: i32,
    updated_at: DateTime<Utc>,
}

const SELECT_TASK: &str =
    "SELECT t.id, t.operation_id, t.number, t.group_id, g.name AS group_name, t.title, t.search_type,
        t.instructions, t.sweep_width_m, ST_AsGeoJSON(t.route, 7)::jsonb AS route, t.status, t.status_reason,
        t.position, t.updated_at
 FROM tasks t LEFT JOIN operation_groups g ON g.id = t.group_id";

async fn complete(conn: &mut PgConnection, row: TaskRow, language: &str) -> sqlx::Result<Task> {
    let squares: Vec<(i64, i32, i32)> = sqlx::query_as(
        "SELECT c.id, c.row_index, c.column_no FROM task_squares s JOIN grid_cells c ON c.id = s.cell_id
         WHERE s.task_id = $1 ORDER BY s.position",
    )
    .bind(row.id)
    .fetch_all(&mut *conn)
    .await?;
    let places: Vec<TaskPlace> = sqlx::query_as(
        "SELECT p.id, p.name, p.address FROM task_places t JOIN case_places p ON p.id = t.place_id
         WHERE t.task_id = $1 ORDER BY t.position",
    )
    .bind(row.id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(Task {
        id: row.id,
        operation_id: row.operation_id,
        number: row.number,
        group_id: row.group_id,
        group_name: row.group_name,
        title: row.title,
        search_type: row.search_type,
        instructions: row.instructions,
        sweep_width_m: row.sweep_width_m,
        route: row.route,
        status: row.status,
        status_reason: row.status_reason,
        position: row.position,
        squares: squares
            .into_iter()
            .map(|(id, r, c)| TaskSquare { id, label: label(r.max(0) as u32, c.max(1) as u32, language) })
            .collect(),
        places,
        updated_at: row.updated_at,
    })
}

/// One task.
pub async fn find(conn: &mut PgConnection, id: Uuid, language: &str) -> sqlx::Result<Option<Task>> {
    let row: Option<TaskRow> =
        sqlx::query_as(&format!("{SELECT_TASK} WHERE t.id = $1")).bind(id).fetch_optional(&mut *conn).await?;
    match row {
        Some(row) => Ok(Some(complete(conn, row, language).await?)),
        None => Ok(None),
    }
}

/// An operation's tasks in the coordinator's order.
pub async fn of_operation(conn: &mut PgConnection, operation: Uuid, language: &str) -> sqlx::Result<Vec<Task>> {
    let rows: Vec<TaskRow> =
        sqlx::query_as(&format!("{SELECT_TASK} WHERE t.operation_id = $1 ORDER BY t.position, t.number"))
            .bind(operation)
            .fetch_all(&mut *conn)
            .await?;
    let mut tasks = Vec::with_capacity(rows.len());
    for row in rows {
        tasks.push(complete(conn, row, language).await?);
    }
    Ok(tasks)
}

/// The task a group is on now (in progress, else the first assigned), if any.
pub async fn current_of_group(conn: &mut PgConnection, group: Uuid, language: &str) -> sqlx::Result<Option<Task>> {
    let row: Option<TaskRow> = sqlx::query_as(&format!(
        "{SELECT_TASK} WHERE t.group_id = $1 AND t.status IN ('assigned', 'in_progress')
         ORDER BY t.status = 'in_progress' DESC, t.position, t.number LIMIT 1"
    ))
    .bind(group)
    .fetch_optional(&mut *conn)
    .await?;
    match row {
        Some(row) => Ok(Some(complete(conn, row, language).await?)),
        None => Ok(None),
    }
}

/// A task's fields, new or changed.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskFields {
    /// Its title.
    pub title: Option<String>,
    /// How it is searched.
    pub search_type: Option<SearchType>,
    /// The group doing it.
    pub group_id: Option<Uuid>,
    /// What to do.
    pub instructions: Option<String>,
    /// Its own sweep width, metres.
    pub sweep_width_m: Option<f32>,
    /// A route (GeoJSON LineString).
    #[schema(value_type = Object)]
    pub route: Option<Value>,
    /// The squares to search, in order.
    pub square_ids: Option<Vec<i64>>,
    /// The card's places to check, in order.
    pub place_ids: Option<Vec<Uuid>>,
    /// Its place in the order of tasks.
    pub position: Option<i32>,
}

async fn record(
    conn: &mut PgConnection,
    operation: Uuid,
    author: &Author,
    text: String,
    details: Value,
) -> ApiResult<()> {
    let case: Uuid = sqlx::query_scalar("SELECT case_id FROM operations WHERE id = $1")
        .bind(operation)
        .fetch_one(&mut *conn)
        .await?;
    let mut details = details;
    details["operation"] = json!(operation);
    journal::append(&mut *conn, case, author, NewEntry::system(EntryKind::Operation, text, details)).await?;
    announce(&mut *conn, &Notice::OperationChanged { operation_id: operation }).await?;
    Ok(())
}

/// Checks and writes a task's squares, places, group and route (those given).
async fn write_parts(conn: &mut PgConnection, operation: Uuid, task: Uuid, fields: &TaskFields) -> ApiResult<()> {
    if let Some(group) = fields.group_id {
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
    if let Some(route) = &fields.route {
        if route.get("type").and_then(Value::as_str) != Some("LineString") {
            return Err(ApiError::invalid_field("route", "a GeoJSON LineString"));
        }
        let valid: Option<bool> = sqlx::query_scalar(
            "SELECT ST_IsValid(ST_GeomFromGeoJSON($1::text)) AND ST_NPoints(ST_GeomFromGeoJSON($1::text)) >= 2",
        )
        .bind(route.to_string())
        .fetch_one(&mut *conn)
        .await
        .map_err(|error| match error {
            sqlx::Error::Database(_) => {
                ApiError::invalid_field("route", "this is not a GeoJSON LineString PostGIS can read")
            }
            other => other.into(),
        })?;
        if valid != Some(true) {
            return Err(ApiError::invalid_field("route", "a route has at least two points"));
        }
        sqlx::query("UPDATE tasks SET route = ST_SetSRID(ST_GeomFromGeoJSON($2::text), 4326) WHERE id = $1")
            .bind(task)
            .bind(route.to_string())
            .execute(&mut *conn)
            .await?;
    }
    if let Some(squares) = &fields.square_ids {
        let ours: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM grid_cells c JOIN grids g ON g.id = c.grid_id JOIN search_areas a ON a.id = g.area_id
             WHERE c.id = ANY($1) AND a.operation_id = $2",
        )
        .bind(squares)
        .bind(operation)
        .fetch_one(&mut *conn)
        .await?;
        let mut distinct = squares.clone();
        distinct.sort_unstable();
        distinct.dedup();
        if ours != distinct.len() as i64 || distinct.len() != squares.len() {
            return Err(ApiError::invalid_field("square_ids", "every square once, and only this operation's"));
        }
        sqlx::query("DELETE FROM task_squares WHERE task_id = $1").bind(task).execute(&mut *conn).await?;
        sqlx::query(
            "INSERT INTO task_squares (task_id, cell_id, position)
             SELECT $1, id, n FROM unnest($2::bigint[]) WITH ORDINALITY AS s(id, n)",
        )
        .bind(task)
        .bind(squares)
        .execute(&mut *conn)
        .await?;
    }
    if let Some(places) = &fields.place_ids {
        let ours: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM case_places p JOIN operations o ON o.case_id = p.case_id WHERE p.id = ANY($1) AND o.id = $2",
        )
        .bind(places)
        .bind(operation)
        .fetch_one(&mut *conn)
        .await?;
        let mut distinct = places.clone();
        distinct.sort_unstable();
        distinct.dedup();
        if ours != distinct.len() as i64 || distinct.len() != places.len() {
            return Err(ApiError::invalid_field("place_ids", "every place once, and only the case's"));
        }
        sqlx::query("DELETE FROM task_places WHERE task_id = $1").bind(task).execute(&mut *conn).await?;
        sqlx::query(
            "INSERT INTO task_places (task_id, place_id, position)
             SELECT $1, id, n FROM unnest($2::uuid[]) WITH ORDINALITY AS p(id, n)",
        )
        .bind(task)
        .bind(places)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

fn check_text(fields: &TaskFields) -> ApiResult<()> {
    if let Some(title) = &fields.title {
        let n = title.trim().chars().count();
        if n == 0 || n > 200 {
            return Err(ApiError::invalid_field("title", "a title has 1 to 200 characters"));
        }
    }
    if fields.instructions.as_ref().is_some_and(|i| i.chars().count() > 4000) {
        return Err(ApiError::invalid_field("instructions", "instructions have at most 4,000 characters"));
    }
    if fields.sweep_width_m.is_some_and(|w| !w.is_finite() || w <= 0.0 || w > 500.0) {
        return Err(ApiError::invalid_field("sweep_width_m", "a sweep width is above 0 and at most 500 metres"));
    }
    Ok(())
}

/// Creates a task (assigned if a group is given, else planned). Returns its id.
pub async fn create(conn: &mut PgConnection, operation: Uuid, fields: TaskFields, author: &Author) -> ApiResult<Uuid> {
    check_text(&fields)?;
    let Some(title) = fields.title.as_deref().map(str::trim) else {
        return Err(ApiError::invalid_field("title", "a task needs a title"));
    };
    let Some(search_type) = fields.search_type else {
        return Err(ApiError::invalid_field("search_type", "hasty, line, road_patrol or address_check"));
    };
    let status: Option<String> = sqlx::query_scalar("SELECT status FROM operations WHERE id = $1 FOR NO KEY UPDATE")
        .bind(operation)
        .fetch_optional(&mut *conn)
        .await?;
    match status.as_deref() {
        None => return Err(ApiError::not_found("operation")),
        Some("finished") => return Err(ApiError::conflict("operation_finished", "a finished operation gets no tasks")),
        Some(_) => {}
    }
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO tasks (operation_id, number, title, search_type, instructions, sweep_width_m, status, position, created_by)
         VALUES ($1, (SELECT coalesce(max(number), 0) + 1 FROM tasks WHERE operation_id = $1), $2, $3, nullif(trim($4), ''),
                 $5, 'planned', coalesce($6, (SELECT coalesce(max(position), 0) + 1 FROM tasks WHERE operation_id = $1)), $7)
         RETURNING id",
    )
    .bind(operation)
    .bind(title)
    .bind(search_type)
    .bind(&fields.instructions)
    .bind(fields.sweep_width_m)
    .bind(fields.position)
    .bind(author.user_id)
    .fetch_one(&mut *conn)
    .await?;
    write_parts(conn, operation, id, &fields).await?;
    if let Some(group) = fields.group_id {
        sqlx::query("UPDATE tasks SET group_id = $2, status = 'assigned' WHERE id = $1")
            .bind(id)
            .bind(group)
            .execute(&mut *conn)
            .await?;
    }
    let details = json!({ "event": "task_created", "task": id, "title": title, "group": fields.group_id });
    record(conn, operation, author, format!("+ {title}"), details).await?;
    Ok(id)
}

/// Changes a task's fields (not its status). A finished task does not change.
pub async fn update(conn: &mut PgConnection, task: Uuid, fields: TaskFields, author: &Author) -> ApiResult<()> {
    check_text(&fields)?;
    let row: Option<(Uuid, TaskStatus)> =
        sqlx::query_as("SELECT operation_id, status FROM tasks WHERE id = $1 FOR UPDATE")
            .bind(task)
            .fetch_optional(&mut *conn)
            .await?;
    let Some((operation, status)) = row else { return Err(ApiError::not_found("task")) };
    if status.is_final() {
        return Err(ApiError::conflict("task_finished", "a finished task does not change"));
    }
    sqlx::query(
        "UPDATE tasks SET title = coalesce(trim($2), title), search_type = coalesce($3, search_type),
             instructions = CASE WHEN $4::text IS NULL THEN instructions ELSE nullif(trim($4), '') END,
             sweep_width_m = coalesce($5, sweep_width_m), position = coalesce($6, position),
             group_id = coalesce($7, group_id),
             status = CASE WHEN $7::uuid IS NOT NULL AND status = 'planned' THEN 'assigned' ELSE status END,
             updated_at = now()
         WHERE id = $1",
    )
    .bind(task)
    .bind(&fields.title)
    .bind(fields.search_type)
    .bind(&fields.instructions)
    .bind(fields.sweep_width_m)
    .bind(fields.position)
    .bind(fields.group_id)
    .execute(&mut *conn)
    .await?;
    write_parts(conn, operation, task, &fields).await?;
    if fields.sweep_width_m.is_some() {
        // The task's searching counts with its new width.
        super::coverage::recompute(&mut *conn, operation).await?;
    }
    let details = json!({ "event": "task_changed", "task": task, "title": fields.title, "group": fields.group_id });
    record(conn, operation, author, "~".into(), details).await
}

/// Moves a task to `to` (with a reason for "partly done", optional otherwise).
pub async fn transition(
    conn: &mut PgConnection,
    task: Uuid,
    to: TaskStatus,
    reason: Option<&str>,
    author: &Author,
) -> ApiResult<()> {
    let row: Option<(Uuid, TaskStatus, Option<Uuid>, String)> =
        sqlx::query_as("SELECT operation_id, status, group_id, title FROM tasks WHERE id = $1 FOR UPDATE")
            .bind(task)
            .fetch_optional(&mut *conn)
            .await?;
    let Some((operation, from, group, title)) = row else { return Err(ApiError::not_found("task")) };
    if !from.may_become(to) {
        return Err(ApiError::conflict("invalid_transition", format!("a task cannot go from {from:?} to {to:?}")));
    }
    if to == TaskStatus::Assigned && group.is_none() {
        return Err(ApiError::invalid_field("group_id", "give the task to a group first"));
    }
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    if to == TaskStatus::PartlyDone && reason.is_none() {
        return Err(ApiError::invalid_field("reason", "say what was not done"));
    }
    if reason.is_some_and(|r| r.chars().count() > 2000) {
        return Err(ApiError::invalid_field("reason", "at most 2,000 characters"));
    }
    sqlx::query(
        "UPDATE tasks SET status = $2, status_reason = $3, updated_at = now(),
             started_at = CASE WHEN $2 = 'in_progress' THEN coalesce(started_at, now()) ELSE started_at END,
             finished_at = CASE WHEN $2 IN ('done', 'partly_done', 'cancelled') THEN now() ELSE finished_at END
         WHERE id = $1",
    )
    .bind(task)
    .bind(to)
    .bind(reason)
    .execute(&mut *conn)
    .await?;
    let details =
        json!({ "event": "task_status", "task": task, "title": title, "from": from, "to": to, "reason": reason });
    record(conn, operation, author, reason.unwrap_or("~").to_string(), details).await
}

#[cfg(test)]
mod tests {
    use super::TaskStatus::*;

    #[test]
    fn a_task_goes_forward_can_be_called_off_and_stays_finished() {
        assert!(Planned.may_become(Assigned));
        assert!(Assigned.may_become(InProgress));
        assert!(InProgress.may_become(Done));
        assert!(InProgress.may_become(PartlyDone));
        assert!(Planned.may_become(Cancelled) && InProgress.may_become(Cancelled));
        assert!(!Planned.may_become(Done), "not done without being searched");
        assert!(!Done.may_become(InProgress) && !Cancelled.may_become(Assigned));
        assert!(!Assigned.may_become(Assigned));
    }
}
