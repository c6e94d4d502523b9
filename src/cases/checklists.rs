//! Checklists that start by themselves: templates (data an administrator edits) start tasks
//! on a case when it is created or enters a status, if their conditions hold; tasks not done
//! in time escalate.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sqlx::{PgConnection, PgPool};
use utoipa::ToSchema;
use uuid::Uuid;

use super::journal::{self, Author, EntryKind, NewEntry};
use super::urgency::UrgencyClass;
use crate::auth::Role;
use crate::error::{ApiError, ApiResult};
use crate::realtime::{announce, Notice};
use crate::state::AppState;

/// When a template starts its task.
pub const TRIGGERS: [&str; 5] =
    ["case_created", "status:first_checks", "status:search_active", "status:suspended", "status:closed"];

/// After how long past its deadline an open task escalates to the coordinators.
pub const LONG_OVERDUE_MINUTES: i64 = 30;

/// What must hold for a template to start its task; every condition given must hold.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Conditions {
    /// The case's category is one of these.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category_in: Option<Vec<String>>,
    /// The person is younger than this (unknown age: does not hold).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_below: Option<i32>,
    /// The person is at least this old (unknown age: does not hold).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_at_least: Option<i32>,
    /// The case's urgency is one of these.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urgency_in: Option<Vec<UrgencyClass>>,
}

/// The facts of a case the conditions look at.
#[derive(Clone, Debug)]
pub struct CaseFacts<'a> {
    /// Category.
    pub category: &'a str,
    /// Age, if known.
    pub age: Option<i32>,
    /// Urgency in force.
    pub urgency: UrgencyClass,
}

impl Conditions {
    /// Whether the conditions hold for a case.
    pub fn hold(&self, facts: &CaseFacts) -> bool {
        self.category_in.as_ref().is_none_or(|c| c.iter().any(|c| c == facts.category))
            && self.age_below.is_none_or(|limit| facts.age.is_some_and(|a| a < limit))
            && self.age_at_least.is_none_or(|limit| facts.age.is_some_and(|a| a >= limit))
            && self.urgency_in.as_ref().is_none_or(|u| u.contains(&facts.urgency))
    }
}

/// A task title in the team's languages.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Title {
    /// Russian.
    pub ru: String,
    /// English.
    pub en: String,
}

/// A checklist template.
#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct Template {
    /// Template id.
    pub id: Uuid,
    /// The task's title.
    #[schema(value_type = Title)]
    pub title: sqlx::types::Json<Title>,
    /// case_created, or status:<status>.
    pub trigger: String,
    /// When it applies.
    #[schema(value_type = Conditions)]
    pub conditions: sqlx::types::Json<Conditions>,
    /// Who does it.
    pub responsible_role: Role,
    /// Minutes from start to deadline.
    pub deadline_minutes: i32,
    /// Order among the tasks.
    pub position: i32,
    /// Inactive templates start nothing.
    pub active: bool,
}

/// A template's fields as written by an administrator.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateFields {
    /// The task's title.
    pub title: Option<Title>,
    /// case_created, or status:<status>.
    pub trigger: Option<String>,
    /// When it applies.
    pub conditions: Option<Conditions>,
    /// Who does it.
    pub responsible_role: Option<Role>,
    /// Minutes from start to deadline (1 to 43,200).
    pub deadline_minutes: Option<i32>,
    /// Order among the tasks.
    pub position: Option<i32>,
    /// Whether it starts tasks.
    pub active: Option<bool>,
}

const SELECT_TEMPLATE: &str =
    "SELECT id, title, trigger, conditions, responsible_role, deadline_minutes, position, active FROM checklist_templates";

/// Every template, in order.
pub async fn templates(db: &PgPool) -> sqlx::Result<Vec<Template>> {
    sqlx::query_as(&format!("{SELECT_TEMPLATE} ORDER BY position, id")).fetch_all(db).await
}

fn check_template(title: &Title, trigger: &str, deadline: i32) -> ApiResult<()> {
    for text in [&title.ru, &title.en] {
        if text.trim().is_empty() || text.chars().count() > 300 {
            return Err(ApiError::invalid_field(
                "title",
                "the title needs Russian and English text (at most 300 characters each)",
            ));
        }
    }
    if !TRIGGERS.contains(&trigger) {
        return Err(ApiError::invalid_field("trigger", format!("the trigger is one of {}", TRIGGERS.join(", "))));
    }
    if !(1..=43_200).contains(&deadline) {
        return Err(ApiError::invalid_field("deadline_minutes", "the deadline is 1 to 43,200 minutes (30 days)"));
    }
    Ok(())
}

/// Creates a template.
pub async fn create_template(conn: &mut PgConnection, fields: TemplateFields) -> ApiResult<Template> {
    let (Some(title), Some(trigger), Some(role), Some(deadline)) =
        (fields.title, fields.trigger, fields.responsible_role, fields.deadline_minutes)
    else {
        return Err(ApiError::invalid(
            "missing_fields",
            "title, trigger, responsible_role and deadline_minutes are required",
        ));
    };
    check_template(&title, &trigger, deadline)?;
    let template = sqlx::query_as(
        "INSERT INTO checklist_templates (title, trigger, conditions, responsible_role, deadline_minutes, position, active)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         RETURNING id, title, trigger, conditions, responsible_role, deadline_minutes, position, active",
    )
    .bind(sqlx::types::Json(&title))
    .bind(&trigger)
    .bind(sqlx::types::Json(fields.conditions.unwrap_or_default()))
    .bind(role)
    .bind(deadline)
    .bind(fields.position.unwrap_or(100))
    .bind(fields.active.unwrap_or(true))
    .fetch_one(conn)
    .await?;
    Ok(template)
}

/// Changes a template; tasks it already started keep their title and deadline.
pub async fn update_template(conn: &mut PgConnection, id: Uuid, fields: TemplateFields) -> ApiResult<Template> {
    let current: Option<Template> = sqlx::query_as(&format!("{SELECT_TEMPLATE} WHERE id = $1 FOR UPDATE"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    let current = current.ok_or_else(|| ApiError::not_found("checklist template"))?;
    let title = fields.title.unwrap_or(current.title.0);
    let trigger = fields.trigger.unwrap_or(current.trigger);
    let deadline = fields.deadline_minutes.unwrap_or(current.deadline_minutes);
    check_template(&title, &trigger, deadline)?;
    let template = sqlx::query_as(
        "UPDATE checklist_templates SET title = $2, trigger = $3, conditions = $4, responsible_role = $5,
                deadline_minutes = $6, position = $7, active = $8, updated_at = now()
         WHERE id = $1
         RETURNING id, title, trigger, conditions, responsible_role, deadline_minutes, position, active",
    )
    .bind(id)
    .bind(sqlx::types::Json(&title))
    .bind(&trigger)
    .bind(sqlx::types::Json(fields.conditions.unwrap_or(current.conditions.0)))
    .bind(fields.responsible_role.unwrap_or(current.responsible_role))
    .bind(deadline)
    .bind(fields.position.unwrap_or(current.position))
    .bind(fields.active.unwrap_or(current.active))
    .fetch_one(conn)
    .await?;
    Ok(template)
}

/// A task on a case.
#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct Task {
    /// Task id.
    pub id: Uuid,
    /// The case.
    pub case_id: Uuid,
    /// The case's number.
    pub case_number: String,
    /// The missing person's name.
    pub full_name: String,
    /// Title.
    #[schema(value_type = Title)]
    pub title: sqlx::types::Json<Title>,
    /// Who does it.
    pub responsible_role: Role,
    /// Started at.
    pub created_at: DateTime<Utc>,
    /// Deadline.
    pub due_at: DateTime<Utc>,
    /// open, done, not_needed.
    pub state: String,
    /// Why done or not needed, or what was found.
    pub comment: Option<String>,
    /// 0 on time; 1 overdue; 2 long overdue.
    pub escalation_level: i32,
    /// Open past its deadline.
    pub overdue: bool,
    /// When its state last changed.
    pub state_changed_at: Option<DateTime<Utc>>,
    /// Who changed it.
    pub state_changed_by_name: Option<String>,
}

const SELECT_TASK: &str =
    "SELECT t.id, t.case_id, t.title, t.responsible_role, t.created_at, t.due_at, t.state, t.comment,
        t.escalation_level, (t.state = 'open' AND t.due_at < now()) AS overdue, t.state_changed_at,
        u.display_name AS state_changed_by_name, c.number AS case_number, c.full_name
 FROM case_tasks t JOIN cases c ON c.id = t.case_id LEFT JOIN users u ON u.id = t.state_changed_by";

/// A case's tasks, by deadline, then in the templates' order.
pub async fn tasks_of(conn: &mut PgConnection, case_id: Uuid) -> sqlx::Result<Vec<Task>> {
    sqlx::query_as(&format!("{SELECT_TASK} WHERE t.case_id = $1 ORDER BY t.due_at, t.position, t.id"))
        .bind(case_id)
        .fetch_all(conn)
        .await
}

/// One task.
pub async fn task(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<Task>> {
    sqlx::query_as(&format!("{SELECT_TASK} WHERE t.id = $1")).bind(id).fetch_optional(conn).await
}

/// Open tasks past their deadline, across the cases not closed, most overdue first (at most 500).
pub async fn overdue(db: &PgPool) -> sqlx::Result<Vec<Task>> {
    sqlx::query_as(&format!(
        "{SELECT_TASK} WHERE t.state = 'open' AND t.due_at < now() AND c.status <> 'closed' ORDER BY t.due_at LIMIT 500"
    ))
    .fetch_all(db)
    .await
}

/// Open tasks for `role`, soonest deadline first.
pub async fn open_for(db: &PgPool, role: Role) -> sqlx::Result<Vec<Task>> {
    sqlx::query_as(&format!(
        "{SELECT_TASK} WHERE t.state = 'open' AND t.responsible_role = $1 ORDER BY t.due_at LIMIT 200"
    ))
    .bind(role)
    .fetch_all(db)
    .await
}

/// Starts the tasks whose templates fire on `trigger` and whose conditions hold. A template
/// starts at most one task per case. Writes one log entry naming them.
pub async fn start(
    conn: &mut PgConnection,
    case_id: Uuid,
    trigger: &str,
    facts: &CaseFacts<'_>,
) -> ApiResult<Vec<Uuid>> {
    let candidates: Vec<Template> =
        sqlx::query_as(&format!("{SELECT_TEMPLATE} WHERE active AND trigger = $1 ORDER BY position, id"))
            .bind(trigger)
            .fetch_all(&mut *conn)
            .await?;
    let mut started = Vec::new();
    let mut titles = Vec::new();
    for template in candidates.iter().filter(|t| t.conditions.hold(facts)) {
        let id: Option<Uuid> = sqlx::query_scalar(
            "INSERT INTO case_tasks (case_id, template_id, title, responsible_role, position, due_at)
             VALUES ($1, $2, $3, $4, $6, now() + make_interval(mins => $5))
             ON CONFLICT (case_id, template_id) DO NOTHING RETURNING id",
        )
        .bind(case_id)
        .bind(template.id)
        .bind(&template.title)
        .bind(template.responsible_role)
        .bind(template.deadline_minutes)
        .bind(template.position)
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(id) = id {
            started.push(id);
            titles.push(template.title.0.clone());
        }
    }
    if !started.is_empty() {
        let text = titles.iter().map(|t| t.ru.as_str()).collect::<Vec<_>>().join("; ");
        let details = json!({ "event": "tasks_started", "trigger": trigger, "titles": titles });
        journal::append(conn, case_id, &Author::system(), NewEntry::system(EntryKind::Task, text, details)).await?;
    }
    Ok(started)
}

/// A change to a task's state.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskChange {
    /// open, done, not_needed.
    pub state: String,
    /// What was done or found, or why it is not needed.
    pub comment: Option<String>,
}

/// Sets a task's state; logs it.
pub async fn change_task(
    conn: &mut PgConnection,
    case_id: Uuid,
    task_id: Uuid,
    change: TaskChange,
    author: &Author,
) -> ApiResult<Task> {
    if !matches!(change.state.as_str(), "open" | "done" | "not_needed") {
        return Err(ApiError::invalid_field("state", "the state is open, done or not_needed"));
    }
    let comment = change.comment.map(|c| c.trim().to_string()).filter(|c| !c.is_empty());
    if change.state == "not_needed" && comment.is_none() {
        return Err(ApiError::invalid_field("comment", "say why the task is not needed"));
    }
    if comment.as_ref().is_some_and(|c| c.chars().count() > 2000) {
        return Err(ApiError::invalid_field("comment", "at most 2,000 characters"));
    }
    let title: Option<sqlx::types::Json<Title>> = sqlx::query_scalar(
        "UPDATE case_tasks SET state = $3, comment = $4, state_changed_at = now(), state_changed_by = $5,
                escalation_level = CASE WHEN $3 = 'open' THEN 0 ELSE escalation_level END
         WHERE id = $1 AND case_id = $2 RETURNING title",
    )
    .bind(task_id)
    .bind(case_id)
    .bind(&change.state)
    .bind(&comment)
    .bind(author.user_id)
    .fetch_optional(&mut *conn)
    .await?;
    let title = title.ok_or_else(|| ApiError::not_found("task"))?;
    let text = match &comment {
        Some(comment) => format!("{}: {} ({comment})", title.0.ru, change.state),
        None => format!("{}: {}", title.0.ru, change.state),
    };
    let details =
        json!({ "event": "task_state", "task": task_id, "title": title.0, "state": change.state, "comment": comment });
    journal::append(conn, case_id, author, NewEntry::system(EntryKind::Task, text, details)).await?;
    announce(&mut *conn, &Notice::CaseChanged { case_id }).await?;
    Ok(task(conn, task_id).await?.expect("the task exists"))
}

/// Raises the escalation level of every open task past its deadline (1) or long past it (2),
/// logs each step and announces it. Safe with several instances: each step happens once.
pub async fn escalate(db: &PgPool) -> ApiResult<usize> {
    let mut tx = db.begin().await?;
    let raised: Vec<(Uuid, Uuid, i32, sqlx::types::Json<Title>)> = sqlx::query_as(
        "WITH due AS (
             SELECT id, CASE WHEN now() > due_at + make_interval(mins => $1) THEN 2 ELSE 1 END AS level
             FROM case_tasks t WHERE t.state = 'open' AND t.due_at < now()
               AND (SELECT status FROM cases c WHERE c.id = t.case_id) <> 'closed'
             FOR UPDATE SKIP LOCKED)
         UPDATE case_tasks t SET escalation_level = due.level FROM due
         WHERE t.id = due.id AND t.escalation_level < due.level
         RETURNING t.id, t.case_id, t.escalation_level, t.title",
    )
    .bind(LONG_OVERDUE_MINUTES as i32)
    .fetch_all(&mut *tx)
    .await?;
    for (task_id, case_id, level, title) in &raised {
        let details = json!({ "event": "task_overdue", "task": task_id, "title": title.0, "level": level });
        let text = format!("{}: overdue (level {level})", title.0.ru);
        journal::append(&mut tx, *case_id, &Author::system(), NewEntry::system(EntryKind::Task, text, details)).await?;
        announce(&mut *tx, &Notice::TaskOverdue { task_id: *task_id, level: *level }).await?;
    }
    tx.commit().await?;
    Ok(raised.len())
}

/// Runs [`escalate`] every 15 seconds until shutdown.
pub async fn run_escalation(state: AppState, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(Duration::from_secs(15));
    loop {
        tokio::select! {
            _ = shutdown.changed() => return,
            _ = tick.tick() => {
                if let Err(error) = escalate(&state.db).await {
                    tracing::warn!(%error, "checklist escalation failed; trying again shortly");
                }
            }
        }
    }
}

/// Used by the live hub: the message for an overdue task, and who gets it.
pub async fn overdue_message(db: &PgPool, task_id: Uuid, level: i32) -> sqlx::Result<Option<Value>> {
    let mut conn = db.acquire().await?;
    let task = task(&mut conn, task_id).await?;
    Ok(task.map(|task| json!({ "type": "task.overdue", "level": level, "task": task })))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(category: &'static str, age: Option<i32>) -> CaseFacts<'static> {
        CaseFacts { category, age, urgency: UrgencyClass::High }
    }

    #[test]
    fn empty_conditions_always_hold() {
        assert!(Conditions::default().hold(&facts("adult", None)));
    }

    #[test]
    fn every_given_condition_must_hold() {
        let child_or_dementia =
            Conditions { category_in: Some(vec!["child".into(), "dementia".into()]), ..Default::default() };
        assert!(child_or_dementia.hold(&facts("dementia", Some(80))));
        assert!(!child_or_dementia.hold(&facts("teenager", Some(15))));
        let young = Conditions { age_below: Some(14), ..Default::default() };
        assert!(young.hold(&facts("child", Some(9))));
        assert!(!young.hold(&facts("child", Some(14))));
        assert!(!young.hold(&facts("child", None)), "an unknown age does not satisfy an age condition");
        let old_and_urgent =
            Conditions { age_at_least: Some(75), urgency_in: Some(vec![UrgencyClass::Critical]), ..Default::default() };
        assert!(!old_and_urgent.hold(&facts("elderly", Some(80))), "urgency is high, not critical");
        assert!(old_and_urgent.hold(&CaseFacts { urgency: UrgencyClass::Critical, ..facts("elderly", Some(80)) }));
    }

    #[test]
    fn conditions_refuse_unknown_keys() {
        assert!(serde_json::from_str::<Conditions>(r#"{"age_under": 5}"#).is_err());
    }
}
