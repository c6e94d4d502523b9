//! What people do with a case: open it, change the card, move it through its lifecycle,
//! override its urgency, list the places to check. Every change is logged and announced.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::PgConnection;
use utoipa::ToSchema;
use uuid::Uuid;

use super::card::{self, CardFields, CardPatch, CaseRecord, Point, UrgencyView};
use super::checklists::{self, CaseFacts, Task};
use super::journal::{self, Author, EntryKind, NewEntry};
use super::lifecycle::{Outcome, Status};
use super::photos::{self, Photo};
use super::urgency::UrgencyClass;
use crate::error::{ApiError, ApiResult};
use crate::realtime::{announce, Notice};

/// A place the person is likely to go (точка притяжения).
#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct Place {
    /// Place id.
    pub id: Uuid,
    /// Name ("Mall on Lenina St", "grandmother's flat").
    pub name: String,
    /// Address.
    pub address: Option<String>,
    /// Where.
    #[sqlx(skip)]
    pub point: Option<Point>,
    /// Note.
    pub note: Option<String>,
    /// Whether it has been checked.
    pub checked: bool,
    /// When it was checked.
    pub checked_at: Option<DateTime<Utc>>,
    /// Who checked it.
    pub checked_by_name: Option<String>,
    #[serde(skip)]
    #[schema(ignore)]
    lat: Option<f64>,
    #[serde(skip)]
    #[schema(ignore)]
    lon: Option<f64>,
}

/// The whole card as the console shows it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Case {
    /// Case id.
    pub id: Uuid,
    /// Case number.
    pub number: String,
    /// Status.
    pub status: Status,
    /// Outcome, once closed.
    pub outcome: Option<Outcome>,
    /// Urgency.
    pub urgency: UrgencyView,
    /// Age now.
    pub age: Option<i32>,
    /// The card's fields.
    #[serde(flatten)]
    pub fields: CardFields,
    /// Places to check.
    pub places: Vec<Place>,
    /// Checklist tasks.
    pub tasks: Vec<Task>,
    /// Photos (fetch them at /api/cases/{id}/photos/{photo_id} and …/thumbnail).
    pub photos: Vec<Photo>,
    /// Registered at.
    pub created_at: DateTime<Utc>,
    /// Registered by.
    pub created_by_name: Option<String>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Send it back with a change.
    pub version: i32,
    /// Where the case may go next.
    pub allowed_transitions: Vec<Status>,
}

/// Loads the whole card.
pub async fn view(conn: &mut PgConnection, id: Uuid) -> ApiResult<Case> {
    let record = card::load(conn, id, false).await?.ok_or_else(|| ApiError::not_found("case"))?;
    let places = places_of(conn, id).await?;
    let tasks = checklists::tasks_of(conn, id).await?;
    let photos = photos::of_case(conn, id).await?;
    Ok(Case {
        id: record.id,
        number: record.number,
        status: record.status,
        outcome: record.outcome,
        urgency: record.urgency,
        age: record.age,
        allowed_transitions: record.status.next().to_vec(),
        fields: record.fields,
        places,
        tasks,
        photos,
        created_at: record.created_at,
        created_by_name: record.created_by_name,
        updated_at: record.updated_at,
        version: record.version,
    })
}

fn facts<'a>(fields: &'a CardFields, urgency: UrgencyClass, now: DateTime<Utc>) -> CaseFacts<'a> {
    CaseFacts { category: fields.category.as_deref().unwrap_or("adult"), age: fields.age(now), urgency }
}

/// Opens a case from a checked card: numbers it, computes its urgency, starts its checklist,
/// logs it. Returns its id.
pub async fn open(conn: &mut PgConnection, mut fields: CardFields, author: &Author, longitude: f64) -> ApiResult<Uuid> {
    let now = Utc::now();
    fields.check(now)?;
    let urgency = fields.urgency(now, longitude);
    let number = card::next_number(conn, "case_number_counters", "", now).await?;
    let id = card::insert(conn, &number, &fields, &urgency, author.user_id).await?;
    sqlx::query(
        "INSERT INTO case_transitions (case_id, from_status, to_status, by_user) VALUES ($1, NULL, 'registered', $2)",
    )
    .bind(id)
    .bind(author.user_id)
    .execute(&mut *conn)
    .await?;
    let details =
        json!({ "event": "case_opened", "number": number, "urgency": urgency.class, "reasons": urgency.reasons });
    journal::append(
        conn,
        id,
        author,
        NewEntry::system(EntryKind::StatusChange, format!("{number}: registered"), details),
    )
    .await?;
    checklists::start(conn, id, "case_created", &facts(&fields, urgency.class, now)).await?;
    announce(&mut *conn, &Notice::CaseChanged { case_id: id }).await?;
    Ok(id)
}

/// Applies a change made from `patch.version`; 409 `stale_version` if someone saved since.
pub async fn change(
    conn: &mut PgConnection,
    id: Uuid,
    patch: CardPatch,
    author: &Author,
    longitude: f64,
) -> ApiResult<Vec<&'static str>> {
    let now = Utc::now();
    let record: CaseRecord = card::load(conn, id, true).await?.ok_or_else(|| ApiError::not_found("case"))?;
    if record.version != patch.version {
        return Err(ApiError::conflict(
            "stale_version",
            format!(
                "someone saved this card meanwhile (version {} now, yours {}); reload it and apply your change again",
                record.version, patch.version
            ),
        )
        .with_details(json!({ "current_version": record.version })));
    }
    let mut fields = record.fields;
    let changed = patch.apply(&mut fields);
    if changed.is_empty() {
        return Ok(changed);
    }
    fields.check(now)?;
    let urgency = fields.urgency(now, longitude);
    card::update(conn, id, record.version, &fields, &urgency).await?;
    let details = json!({ "event": "card_changed", "fields": changed, "urgency": urgency.class });
    journal::append(conn, id, author, NewEntry::system(EntryKind::CardUpdate, changed.join(", "), details)).await?;
    announce(&mut *conn, &Notice::CaseChanged { case_id: id }).await?;
    Ok(changed)
}

/// A move to another status.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Transition {
    /// Where to.
    pub to: Status,
    /// Why (required to suspend, close or reopen).
    pub reason: Option<String>,
    /// How it ended (required, and only allowed, when closing).
    pub outcome: Option<Outcome>,
}

/// Moves a case to another status, recording who, when and why; starts the checklist of the
/// new status. Refuses a move the lifecycle does not allow with 409.
pub async fn transition(conn: &mut PgConnection, id: Uuid, transition: Transition, author: &Author) -> ApiResult<()> {
    let now = Utc::now();
    let record = card::load(conn, id, true).await?.ok_or_else(|| ApiError::not_found("case"))?;
    let from = record.status;
    let to = transition.to;
    if !from.may_move_to(to) {
        let allowed: Vec<&str> = from.next().iter().map(|s| s.as_str()).collect();
        return Err(ApiError::conflict(
            "transition_not_allowed",
            format!("a case that is {from} cannot move to {to}; it may move to: {}", allowed.join(", ")),
        )
        .with_details(json!({ "from": from, "to": to, "allowed": allowed })));
    }
    let reason = transition.reason.as_deref().map(str::trim).filter(|r| !r.is_empty());
    if reason.is_none() && from.move_needs_reason(to) {
        return Err(ApiError::invalid_field("reason", format!("say why the case moves from {from} to {to}")));
    }
    if reason.is_some_and(|r| r.chars().count() > 2000) {
        return Err(ApiError::invalid_field("reason", "at most 2,000 characters"));
    }
    match (to, transition.outcome) {
        (Status::Closed, None) => return Err(ApiError::invalid_field("outcome", "a closed case needs its outcome")),
        (Status::Closed, Some(_)) => {}
        (_, Some(_)) => return Err(ApiError::invalid_field("outcome", "only closing a case sets its outcome")),
        _ => {}
    }
    sqlx::query(
        "UPDATE cases SET status = $2, outcome = $3, updated_at = now(), version = version + 1,
                closed_at = CASE WHEN $2 = 'closed' THEN now() ELSE NULL END,
                search_started_at = CASE WHEN $2 = 'search_active' THEN coalesce(search_started_at, now()) ELSE search_started_at END
         WHERE id = $1",
    )
    .bind(id)
    .bind(to)
    .bind(transition.outcome)
    .execute(&mut *conn)
    .await?;
    sqlx::query("INSERT INTO case_transitions (case_id, from_status, to_status, outcome, reason, by_user) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(id)
        .bind(from)
        .bind(to)
        .bind(transition.outcome)
        .bind(reason)
        .bind(author.user_id)
        .execute(&mut *conn)
        .await?;
    let text = match (reason, transition.outcome) {
        (Some(reason), Some(outcome)) => {
            format!("{from} → {to} ({}): {reason}", serde_json::to_value(outcome).unwrap().as_str().unwrap_or_default())
        }
        (Some(reason), None) => format!("{from} → {to}: {reason}"),
        (None, _) => format!("{from} → {to}"),
    };
    if to == Status::Closed {
        // The first checks and call-outs of a case that is over are not needed any more.
        sqlx::query(
            "UPDATE case_tasks SET state = 'not_needed', comment = 'case closed', state_changed_at = now(), state_changed_by = $2
             WHERE case_id = $1 AND state = 'open'",
        )
        .bind(id)
        .bind(author.user_id)
        .execute(&mut *conn)
        .await?;
    }
    let details = json!({ "event": "status", "from": from, "to": to, "outcome": transition.outcome, "reason": reason });
    journal::append(conn, id, author, NewEntry::system(EntryKind::StatusChange, text, details)).await?;
    let fields = record.fields;
    checklists::start(conn, id, &format!("status:{to}"), &facts(&fields, record.urgency.class, now)).await?;
    announce(&mut *conn, &Notice::CaseChanged { case_id: id }).await?;
    Ok(())
}

/// A coordinator's override of the computed urgency.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UrgencyOverride {
    /// The class to use; null returns to the computed one.
    pub class: Option<UrgencyClass>,
    /// Why.
    pub reason: String,
}

/// Overrides (or stops overriding) the urgency; logged.
pub async fn override_urgency(
    conn: &mut PgConnection,
    id: Uuid,
    change: UrgencyOverride,
    author: &Author,
) -> ApiResult<()> {
    let reason = change.reason.trim();
    if reason.is_empty() || reason.chars().count() > 2000 {
        return Err(ApiError::invalid_field("reason", "say why (at most 2,000 characters)"));
    }
    let record = card::load(conn, id, true).await?.ok_or_else(|| ApiError::not_found("case"))?;
    sqlx::query("UPDATE cases SET urgency_override = $2, urgency_override_reason = $3, updated_at = now(), version = version + 1 WHERE id = $1")
        .bind(id)
        .bind(change.class)
        .bind(change.class.map(|_| reason))
        .execute(&mut *conn)
        .await?;
    let before = record.urgency.class;
    let after = change.class.unwrap_or(record.urgency.computed);
    let details =
        json!({ "event": "urgency_override", "from": before, "to": after, "override": change.class, "reason": reason });
    let class = |c: UrgencyClass| format!("{c:?}").to_lowercase();
    let text = format!("urgency {} → {}: {reason}", class(before), class(after));
    journal::append(conn, id, author, NewEntry::system(EntryKind::CardUpdate, text, details)).await?;
    announce(&mut *conn, &Notice::CaseChanged { case_id: id }).await?;
    Ok(())
}

const SELECT_PLACE: &str =
    "SELECT p.id, p.name, p.address, p.note, p.checked, p.checked_at, u.display_name AS checked_by_name,
        ST_Y(p.point) AS lat, ST_X(p.point) AS lon
 FROM case_places p LEFT JOIN users u ON u.id = p.checked_by";

fn finish_place(mut place: Place) -> Place {
    place.point = Point::from_columns(place.lat, place.lon);
    place
}

async fn places_of(conn: &mut PgConnection, case_id: Uuid) -> sqlx::Result<Vec<Place>> {
    let places: Vec<Place> =
        sqlx::query_as(&format!("{SELECT_PLACE} WHERE p.case_id = $1 ORDER BY p.position, p.created_at"))
            .bind(case_id)
            .fetch_all(conn)
            .await?;
    Ok(places.into_iter().map(finish_place).collect())
}

async fn place(conn: &mut PgConnection, case_id: Uuid, id: Uuid) -> sqlx::Result<Option<Place>> {
    let place: Option<Place> = sqlx::query_as(&format!("{SELECT_PLACE} WHERE p.id = $1 AND p.case_id = $2"))
        .bind(id)
        .bind(case_id)
        .fetch_optional(conn)
        .await?;
    Ok(place.map(finish_place))
}

/// A place's fields; absent ones stay as they are.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlaceFields {
    /// Name.
    pub name: Option<String>,
    /// Address.
    pub address: Option<String>,
    /// Where.
    pub point: Option<Point>,
    /// Note.
    pub note: Option<String>,
    /// Whether it has been checked.
    pub checked: Option<bool>,
}

fn check_place(fields: &PlaceFields) -> ApiResult<()> {
    if let Some(name) = &fields.name {
        if name.trim().is_empty() || name.chars().count() > 300 {
            return Err(ApiError::invalid_field("name", "the name must have 1 to 300 characters"));
        }
    }
    if let Some(point) = &fields.point {
        point.check("point")?;
    }
    for (field, value) in [("address", &fields.address), ("note", &fields.note)] {
        if value.as_deref().is_some_and(|v| v.chars().count() > 2000) {
            return Err(ApiError::invalid_field(field, "at most 2,000 characters"));
        }
    }
    Ok(())
}

/// Adds a place to check.
pub async fn add_place(
    conn: &mut PgConnection,
    case_id: Uuid,
    fields: PlaceFields,
    author: &Author,
) -> ApiResult<Place> {
    if fields.name.is_none() {
        return Err(ApiError::invalid_field("name", "a place needs a name"));
    }
    check_place(&fields)?;
    card::load(conn, case_id, false).await?.ok_or_else(|| ApiError::not_found("case"))?;
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO case_places (case_id, name, address, point, note, position)
         VALUES ($1, $2, $3, CASE WHEN $4::float8 IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint($5, $4), 4326) END, $6,
                 (SELECT coalesce(max(position), 0) + 1 FROM case_places WHERE case_id = $1))
         RETURNING id",
    )
    .bind(case_id)
    .bind(fields.name.as_deref().map(str::trim))
    .bind(&fields.address)
    .bind(fields.point.map(|p| p.lat))
    .bind(fields.point.map(|p| p.lon))
    .bind(&fields.note)
    .fetch_one(&mut *conn)
    .await?;
    let name = fields.name.unwrap_or_default();
    let details = json!({ "event": "place_added", "place": id, "name": name });
    journal::append(conn, case_id, author, NewEntry::system(EntryKind::CardUpdate, format!("+ {name}"), details))
        .await?;
    announce(&mut *conn, &Notice::CaseChanged { case_id }).await?;
    Ok(place(conn, case_id, id).await?.expect("just added"))
}

/// Changes a place; ticking it checked records who and when.
pub async fn change_place(
    conn: &mut PgConnection,
    case_id: Uuid,
    id: Uuid,
    fields: PlaceFields,
    author: &Author,
) -> ApiResult<Place> {
    check_place(&fields)?;
    // Held until the change is written, so two people ticking at once do not undo each other.
    sqlx::query("SELECT 1 FROM case_places WHERE id = $1 FOR UPDATE").bind(id).execute(&mut *conn).await?;
    let current = place(conn, case_id, id).await?.ok_or_else(|| ApiError::not_found("place"))?;
    let point = fields.point.or(current.point);
    sqlx::query(
        "UPDATE case_places SET name = $3, address = $4, note = $5,
                point = CASE WHEN $6::float8 IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint($7, $6), 4326) END,
                checked = $8,
                checked_at = CASE WHEN $8 AND NOT checked THEN now() WHEN NOT $8 THEN NULL ELSE checked_at END,
                checked_by = CASE WHEN $8 AND NOT checked THEN $9 WHEN NOT $8 THEN NULL ELSE checked_by END
         WHERE id = $1 AND case_id = $2",
    )
    .bind(id)
    .bind(case_id)
    .bind(fields.name.as_deref().map(str::trim).unwrap_or(&current.name))
    .bind(fields.address.or(current.address))
    .bind(fields.note.or(current.note))
    .bind(point.map(|p| p.lat))
    .bind(point.map(|p| p.lon))
    .bind(fields.checked.unwrap_or(current.checked))
    .bind(author.user_id)
    .execute(&mut *conn)
    .await?;
    if let Some(checked) = fields.checked.filter(|c| *c != current.checked) {
        let details = json!({ "event": "place_checked", "place": id, "name": current.name, "checked": checked });
        let text = format!("{} {}", if checked { "✓" } else { "☐" }, current.name);
        journal::append(conn, case_id, author, NewEntry::system(EntryKind::CardUpdate, text, details)).await?;
    }
    announce(&mut *conn, &Notice::CaseChanged { case_id }).await?;
    Ok(place(conn, case_id, id).await?.expect("exists"))
}
