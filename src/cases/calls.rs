//! The telephony hook: a PBX announces an incoming call; every dispatcher console shows it at
//! once, with the earlier reports and cases that share the number.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use utoipa::ToSchema;
use uuid::Uuid;

use super::card::Point;
use crate::error::{ApiError, ApiResult};
use crate::realtime::{announce, Notice};

/// An incoming call as a PBX announces it.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CallEvent {
    /// The PBX's id of the call: the same id again is the same call.
    pub call_id: String,
    /// The caller's number.
    pub caller_number: String,
    /// Where the caller is, if the provider knows.
    pub location: Option<Point>,
    /// Which line or number was called.
    pub line: Option<String>,
}

/// A call as stored.
#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct Call {
    /// Row id.
    pub id: Uuid,
    /// The PBX's id.
    pub call_id: String,
    /// The caller's number.
    pub caller_number: String,
    /// Where the caller is.
    #[sqlx(skip)]
    pub location: Option<Point>,
    /// Which line.
    pub line: Option<String>,
    /// When it came in.
    pub received_at: DateTime<Utc>,
    /// The report made of it, if any.
    pub report_id: Option<Uuid>,
    #[serde(skip)]
    #[schema(ignore)]
    lat: Option<f64>,
    #[serde(skip)]
    #[schema(ignore)]
    lon: Option<f64>,
}

/// An earlier report or case with the same phone number.
#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct Match {
    /// report or case.
    pub kind: String,
    /// Its id.
    pub id: Uuid,
    /// Its number.
    pub number: String,
    /// The caller's or the missing person's name.
    pub label: String,
    /// When it was registered.
    pub at: DateTime<Utc>,
}

/// Records a call (once per call id); returns it and whether it is new.
pub async fn record(conn: &mut PgConnection, event: CallEvent, by: Uuid) -> ApiResult<(Call, bool)> {
    let call_id = event.call_id.trim();
    if call_id.is_empty() || call_id.chars().count() > 200 {
        return Err(ApiError::invalid_field("call_id", "call_id must have 1 to 200 characters"));
    }
    let number = event.caller_number.trim();
    if number.is_empty() || number.chars().count() > 100 {
        return Err(ApiError::invalid_field("caller_number", "caller_number must have 1 to 100 characters"));
    }
    if let Some(point) = &event.location {
        point.check("location")?;
    }
    let inserted: Option<Uuid> = sqlx::query_scalar(
        "INSERT INTO incoming_calls (call_id, caller_number, location, line, received_by)
         VALUES ($1, $2, CASE WHEN $3::float8 IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint($4, $3), 4326) END, $5, $6)
         ON CONFLICT (call_id) DO NOTHING RETURNING id",
    )
    .bind(call_id)
    .bind(number)
    .bind(event.location.map(|p| p.lat))
    .bind(event.location.map(|p| p.lon))
    .bind(event.line.as_deref().map(|l| l.chars().take(200).collect::<String>()))
    .bind(by)
    .fetch_optional(&mut *conn)
    .await?;
    let call = find_by_call_id(conn, call_id).await?.expect("the call is stored");
    if inserted.is_some() {
        announce(&mut *conn, &Notice::Call { id: call.id }).await?;
    }
    Ok((call, inserted.is_some()))
}

const SELECT_CALL: &str = "SELECT id, call_id, caller_number, line, received_at, report_id,
        ST_Y(location) AS lat, ST_X(location) AS lon FROM incoming_calls";

fn finish(mut call: Call) -> Call {
    call.location = Point::from_columns(call.lat, call.lon);
    call
}

async fn find_by_call_id(conn: &mut PgConnection, call_id: &str) -> sqlx::Result<Option<Call>> {
    let call: Option<Call> =
        sqlx::query_as(&format!("{SELECT_CALL} WHERE call_id = $1")).bind(call_id).fetch_optional(conn).await?;
    Ok(call.map(finish))
}

/// One call by row id.
pub async fn find(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<Call>> {
    let call: Option<Call> =
        sqlx::query_as(&format!("{SELECT_CALL} WHERE id = $1")).bind(id).fetch_optional(conn).await?;
    Ok(call.map(finish))
}

/// Earlier reports and cases with this phone number (the caller's, the missing person's, or a
/// relative's), newest first.
pub async fn matches(conn: &mut PgConnection, phone: &str) -> sqlx::Result<Vec<Match>> {
    sqlx::query_as(
        "SELECT * FROM (
             SELECT 'report' AS kind, r.id, r.number, coalesce(r.caller_name, r.caller_phone, '') AS label, r.received_at AS at
             FROM reports r WHERE phone_key(r.caller_phone) = phone_key($1)
             UNION ALL
             SELECT 'case', c.id, c.number, c.full_name, c.created_at
             FROM cases c
             WHERE phone_key(c.person_phone) = phone_key($1)
                OR EXISTS (SELECT 1 FROM jsonb_array_elements(c.contacts) k WHERE phone_key(k->>'phone') = phone_key($1))
         ) found ORDER BY at DESC LIMIT 20",
    )
    .bind(phone)
    .fetch_all(conn)
    .await
}
