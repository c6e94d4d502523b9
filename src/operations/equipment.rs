//! Equipment handed to a group (radios, GPS navigators, lights, first-aid kits) and taken back,
//! each written into the case's log, so at the end of the day nothing is left in the forest.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use sqlx::PgConnection;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::cases::journal::{self, Author, EntryKind, NewEntry};
use crate::error::{ApiError, ApiResult};
use crate::realtime::{announce, Notice};

/// An item handed to a group.
#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct Equipment {
    /// Its id.
    pub id: Uuid,
    /// What ("radio Motorola #4").
    pub item: String,
    /// How many.
    pub quantity: i32,
    /// When it was handed out.
    pub issued_at: DateTime<Utc>,
    /// When it came back.
    pub returned_at: Option<DateTime<Utc>>,
}

/// A group's equipment, newest first.
pub async fn of_group(conn: &mut PgConnection, group: Uuid) -> sqlx::Result<Vec<Equipment>> {
    sqlx::query_as(
        "SELECT id, item, quantity, issued_at, returned_at FROM group_equipment WHERE group_id = $1 ORDER BY issued_at DESC",
    )
    .bind(group)
    .fetch_all(conn)
    .await
}

async fn case_and_operation(conn: &mut PgConnection, group: Uuid) -> ApiResult<(Uuid, Uuid, String)> {
    let row: Option<(Uuid, Uuid, String)> = sqlx::query_as(
        "SELECT o.case_id, o.id, g.name FROM operation_groups g JOIN operations o ON o.id = g.operation_id WHERE g.id = $1",
    )
    .bind(group)
    .fetch_optional(conn)
    .await?;
    row.ok_or_else(|| ApiError::not_found("group"))
}

/// Hands equipment to a group of `operation`.
pub async fn issue(
    conn: &mut PgConnection,
    operation: Uuid,
    group: Uuid,
    item: &str,
    quantity: i32,
    author: &Author,
) -> ApiResult<Uuid> {
    let item = item.trim();
    if item.is_empty() || item.chars().count() > 200 {
        return Err(ApiError::invalid_field("item", "1 to 200 characters"));
    }
    if !(1..=10_000).contains(&quantity) {
        return Err(ApiError::invalid_field("quantity", "1 to 10,000"));
    }
    let (case, ours, group_name) = case_and_operation(conn, group).await?;
    if ours != operation {
        return Err(ApiError::not_found("group"));
    }
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO group_equipment (group_id, item, quantity, issued_by) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(group)
    .bind(item)
    .bind(quantity)
    .bind(author.user_id)
    .fetch_one(&mut *conn)
    .await?;
    let details = json!({ "equipment": id, "group": group, "group_name": group_name, "item": item, "quantity": quantity,
                          "operation": operation });
    let text = format!("{group_name}: {item} × {quantity}");
    journal::append(&mut *conn, case, author, NewEntry::system(EntryKind::EquipmentIssued, text, details)).await?;
    announce(&mut *conn, &Notice::OperationChanged { operation_id: operation }).await?;
    Ok(id)
}

/// Takes equipment back.
pub async fn give_back(conn: &mut PgConnection, id: Uuid, author: &Author) -> ApiResult<Uuid> {
    let row: Option<(Uuid, String, i32, Option<DateTime<Utc>>)> =
        sqlx::query_as("SELECT group_id, item, quantity, returned_at FROM group_equipment WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    let Some((group, item, quantity, returned)) = row else { return Err(ApiError::not_found("equipment")) };
    if returned.is_some() {
        return Err(ApiError::conflict("already_returned", "this equipment was returned already"));
    }
    sqlx::query("UPDATE group_equipment SET returned_at = now(), returned_by = $2 WHERE id = $1")
        .bind(id)
        .bind(author.user_id)
        .execute(&mut *conn)
        .await?;
    let (case, operation, group_name) = case_and_operation(conn, group).await?;
    let details = json!({ "equipment": id, "group": group, "group_name": group_name, "item": item, "quantity": quantity,
                          "operation": operation });
    let text = format!("{group_name}: {item} × {quantity}");
    journal::append(&mut *conn, case, author, NewEntry::system(EntryKind::EquipmentReturned, text, details)).await?;
    announce(&mut *conn, &Notice::OperationChanged { operation_id: operation }).await?;
    Ok(operation)
}
