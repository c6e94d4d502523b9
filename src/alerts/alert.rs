//! An alert, its recipients, and what each of them did with it.

use chrono::{DateTime, Utc};
use mobile_api::Answer;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sqlx::PgConnection;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::cases::card::Point;
use crate::cases::journal::{self, Author, EntryKind, NewEntry};
use crate::error::{ApiError, ApiResult};
use crate::realtime::{announce, Notice};

/// Most characters in an alert's text.
pub const MAX_TEXT_CHARS: usize = 4000;

/// A message to the field, as a coordinator writes it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAlert {
    /// The text.
    pub text: String,
    /// Only this group of the operation.
    pub group_id: Option<Uuid>,
    /// Only these members of the operation.
    pub volunteer_ids: Option<Vec<Uuid>>,
    /// A place it points at.
    pub location: Option<Point>,
    /// Urgent (sounds even in quiet hours).
    #[serde(default)]
    pub urgent: bool,
    /// Ask for "going / can't".
    #[serde(default)]
    pub asks_answer: bool,
}

/// A recipient and what they did.
#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct Recipient {
    /// The volunteer.
    pub volunteer_id: Uuid,
    /// Their name.
    pub name: String,
    /// Their call sign.
    pub call_sign: Option<String>,
    /// Their skills.
    pub skills: Vec<String>,
    /// Their vehicles.
    #[schema(value_type = Vec<crate::registry::profile::Vehicle>)]
    pub vehicles: Value,
    /// How they answered: app, link or console.
    pub answered_via: Option<String>,
    /// A note with an answer taken on their behalf.
    pub answer_note: Option<String>,
    /// Who took it.
    pub answered_by_name: Option<String>,
    /// The escalation step that reached them (0: the first sending).
    pub step: i32,
    /// Each channel's delivery.
    #[sqlx(skip)]
    pub deliveries: Vec<crate::outbox::Delivery>,
    /// When their phone got it.
    pub delivered_at: Option<DateTime<Utc>>,
    /// When they read it.
    pub read_at: Option<DateTime<Utc>>,
    /// going or cant.
    pub answer: Option<String>,
    /// When they expect to arrive.
    pub eta: Option<DateTime<Utc>>,
    /// When they answered.
    pub answered_at: Option<DateTime<Utc>>,
}

/// Who is coming, against the target.
#[derive(Clone, Debug, Default, Serialize, ToSchema)]
pub struct Headcount {
    /// The target the coordinator set.
    pub needed: Option<i32>,
    /// Going.
    pub going: i64,
    /// Can't.
    pub cant: i64,
    /// No answer yet.
    pub no_answer: i64,
    /// Seats in the vehicles of those going (the largest vehicle of each).
    pub seats: i64,
}

/// An alert as the console shows it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AlertView {
    /// Its id.
    pub id: Uuid,
    /// field (an operation's message) or callout.
    pub kind: String,
    /// The case it is about.
    pub case_id: Option<Uuid>,
    /// The operation it went to.
    pub operation_id: Option<Uuid>,
    /// A call-out's title.
    pub title: Option<String>,
    /// Channels it uses.
    pub channels: Vec<String>,
    /// How many people are needed.
    pub needed: Option<i32>,
    /// Seconds between escalation steps.
    pub escalate_after_s: Option<i32>,
    /// Channels the steps add, in order.
    pub escalate_to: Vec<String>,
    /// Kilometres each step widens a radius by.
    pub widen_km: Option<f64>,
    /// The widest radius.
    pub max_km: Option<f64>,
    /// The radius now.
    pub radius_km: Option<f64>,
    /// Escalation steps taken.
    pub step: i32,
    /// When the next step is due.
    pub next_step_at: Option<DateTime<Utc>>,
    /// When its answer links stop working.
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was closed.
    pub closed_at: Option<DateTime<Utc>>,
    /// Who closed it.
    pub closed_by_name: Option<String>,
    /// Who is coming.
    pub headcount: Headcount,
    /// The text.
    pub text: String,
    /// A place it points at.
    pub location: Option<Point>,
    /// Urgent.
    pub urgent: bool,
    /// Asks for an answer.
    pub asks_answer: bool,
    /// Whom it was meant for.
    #[schema(value_type = Object)]
    pub audience: Value,
    /// Who sent it.
    pub sent_by_name: String,
    /// When.
    pub sent_at: DateTime<Utc>,
    /// Each recipient.
    pub recipients: Vec<Recipient>,
}

/// Whether an arrival time is plausible: from yesterday to a week ahead, not a typo's year 3000
/// (which could never be stored).
pub fn eta_in_range(eta: DateTime<Utc>) -> bool {
    let now = Utc::now();
    eta >= now - chrono::Duration::days(1) && eta <= now + chrono::Duration::days(7)
}

/// Sends an alert to an operation's current members (or a group, or some of them). Returns its id.
pub async fn send(conn: &mut PgConnection, operation: Uuid, alert: NewAlert, author: &Author) -> ApiResult<Uuid> {
    let text = alert.text.trim();
    if text.is_empty() || text.chars().count() > MAX_TEXT_CHARS {
        return Err(ApiError::invalid_field("text", format!("the text has 1 to {MAX_TEXT_CHARS} characters")));
    }
    if let Some(point) = &alert.location {
        point.check("location")?;
    }
    let row: Option<(Uuid, String)> = sqlx::query_as("SELECT case_id, status FROM operations WHERE id = $1 FOR SHARE")
        .bind(operation)
        .fetch_optional(&mut *conn)
        .await?;
    let Some((case_id, status)) = row else { return Err(ApiError::not_found("operation")) };
    if status == "finished" {
        return Err(ApiError::conflict("operation_finished", "a finished operation has nobody in the field"));
    }
    let recipients: Vec<Uuid> = sqlx::query_scalar(
        "SELECT volunteer_id FROM operation_members
         WHERE operation_id = $1 AND left_at IS NULL
           AND ($2::uuid IS NULL OR group_id = $2) AND ($3::uuid[] IS NULL OR volunteer_id = ANY($3))",
    )
    .bind(operation)
    .bind(alert.group_id)
    .bind(&alert.volunteer_ids)
    .fetch_all(&mut *conn)
    .await?;
    if let Some(chosen) = &alert.volunteer_ids {
        if let Some(outside) = chosen.iter().find(|v| !recipients.contains(v)) {
            return Err(ApiError::invalid_field("volunteer_ids", format!("{outside} is not in this operation")));
        }
    }
    if recipients.is_empty() {
        return Err(ApiError::invalid(
            "no_recipients",
            "nobody in the operation matches: the message would reach no one",
        ));
    }
    let audience = json!({ "operation": operation, "group": alert.group_id, "volunteers": alert.volunteer_ids });
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO alerts (case_id, operation_id, text, location, urgent, asks_answer, audience, sent_by, sent_by_name)
         VALUES ($1, $2, $3, CASE WHEN $4::float8 IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint($5, $4), 4326) END,
                 $6, $7, $8, $9, $10)
         RETURNING id",
    )
    .bind(case_id)
    .bind(operation)
    .bind(text)
    .bind(alert.location.map(|p| p.lat))
    .bind(alert.location.map(|p| p.lon))
    .bind(alert.urgent)
    .bind(alert.asks_answer)
    .bind(&audience)
    .bind(author.user_id)
    .bind(&author.name)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query("INSERT INTO alert_recipients (alert_id, volunteer_id) SELECT $1, unnest($2::uuid[])")
        .bind(id)
        .bind(&recipients)
        .execute(&mut *conn)
        .await?;
    crate::outbox::queue(conn, id, &recipients, &["app".to_string()], alert.urgent, 0, &[], true).await?;
    let details = json!({ "event": "alert_sent", "alert": id, "operation": operation, "group": alert.group_id,
                          "recipients": recipients.len(), "urgent": alert.urgent });
    let entry = NewEntry { location: alert.location, ..NewEntry::system(EntryKind::AlertSent, text, details) };
    journal::append(&mut *conn, case_id, author, entry).await?;
    announce(&mut *conn, &Notice::Alert { alert_id: id }).await?;
    Ok(id)
}

#[derive(sqlx::FromRow)]
struct AlertRow {
    id: Uuid,
    kind: String,
    case_id: Option<Uuid>,
    operation_id: Option<Uuid>,
    title: Option<String>,
    channels: Vec<String>,
    needed: Option<i32>,
    escalate_after_s: Option<i32>,
    escalate_to: Vec<String>,
    widen_km: Option<f64>,
    max_km: Option<f64>,
    radius_km: Option<f64>,
    step: i32,
    next_step_at: Option<DateTime<Utc>>,
    expires_at: Option<DateTime<Utc>>,
    closed_at: Option<DateTime<Utc>>,
    closed_by_name: Option<String>,
    text: String,
    lat: Option<f64>,
    lon: Option<f64>,
    urgent: bool,
    asks_answer: bool,
    audience: Value,
    sent_by_name: String,
    sent_at: DateTime<Utc>,
}

const SELECT_ALERT: &str =
    "SELECT id, kind, case_id, operation_id, title, channels, needed, escalate_after_s, escalate_to, widen_km, max_km,
        radius_km, step, next_step_at, expires_at, closed_at, closed_by_name,
        text, ST_Y(location) AS lat, ST_X(location) AS lon, urgent, asks_answer, audience, sent_by_name, sent_at
 FROM alerts";

/// Alerts as the console shows them, with their recipients.
async fn views(conn: &mut PgConnection, rows: Vec<AlertRow>) -> sqlx::Result<Vec<AlertView>> {
    let mut alerts = Vec::with_capacity(rows.len());
    for row in rows {
        let mut recipients: Vec<Recipient> =
            sqlx::query_as(&format!("{SELECT_RECIPIENT} WHERE r.alert_id = $1 ORDER BY u.display_name"))
                .bind(row.id)
                .fetch_all(&mut *conn)
                .await?;
        let mut deliveries: std::collections::HashMap<Uuid, Vec<crate::outbox::Delivery>> = Default::default();
        for (volunteer, delivery) in crate::outbox::deliveries(&mut *conn, row.id).await? {
            deliveries.entry(volunteer).or_default().push(delivery);
        }
        for recipient in &mut recipients {
            recipient.deliveries = deliveries.remove(&recipient.volunteer_id).unwrap_or_default();
        }
        let headcount = headcount(&recipients, row.needed);
        alerts.push(AlertView {
            id: row.id,
            kind: row.kind,
            case_id: row.case_id,
            operation_id: row.operation_id,
            title: row.title,
            channels: row.channels,
            needed: row.needed,
            escalate_after_s: row.escalate_after_s,
            escalate_to: row.escalate_to,
            widen_km: row.widen_km,
            max_km: row.max_km,
            radius_km: row.radius_km,
            step: row.step,
            next_step_at: row.next_step_at,
            expires_at: row.expires_at,
            closed_at: row.closed_at,
            closed_by_name: row.closed_by_name,
            headcount,
            text: row.text,
            location: Point::from_columns(row.lat, row.lon),
            urgent: row.urgent,
            asks_answer: row.asks_answer,
            audience: row.audience,
            sent_by_name: row.sent_by_name,
            sent_at: row.sent_at,
            recipients,
        });
    }
    Ok(alerts)
}

/// Who is coming, from the recipients' answers.
pub fn headcount(recipients: &[Recipient], needed: Option<i32>) -> Headcount {
    let mut count = Headcount { needed, ..Headcount::default() };
    for recipient in recipients {
        match recipient.answer.as_deref() {
            Some("going") => {
                count.going += 1;
                let seats =
                    recipient.vehicles.as_array().into_iter().flatten().filter_map(|v| v["seats"].as_i64()).max();
                count.seats += seats.unwrap_or(0);
            }
            Some("cant") => count.cant += 1,
            _ => count.no_answer += 1,
        }
    }
    count
}

/// An operation's alerts with their recipients, newest first.
pub async fn of_operation(conn: &mut PgConnection, operation: Uuid) -> sqlx::Result<Vec<AlertView>> {
    let rows: Vec<AlertRow> = sqlx::query_as(&format!("{SELECT_ALERT} WHERE operation_id = $1 ORDER BY sent_at DESC"))
        .bind(operation)
        .fetch_all(&mut *conn)
        .await?;
    views(conn, rows).await
}

/// One alert with its recipients.
pub async fn find(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<AlertView>> {
    let rows: Vec<AlertRow> =
        sqlx::query_as(&format!("{SELECT_ALERT} WHERE id = $1")).bind(id).fetch_all(&mut *conn).await?;
    Ok(views(conn, rows).await?.pop())
}

const SELECT_RECIPIENT: &str =
    "SELECT r.volunteer_id, u.display_name AS name, p.call_sign, coalesce(p.skills, '{}') AS skills,
            coalesce(p.vehicles, '[]'::jsonb) AS vehicles, r.answered_via, r.answer_note, r.answered_by_name, r.step,
            r.delivered_at, r.read_at, r.answer, r.eta, r.answered_at
     FROM alert_recipients r JOIN users u ON u.id = r.volunteer_id
     LEFT JOIN volunteer_profiles p ON p.user_id = r.volunteer_id";

/// One recipient of an alert.
pub async fn recipient(conn: &mut PgConnection, alert: Uuid, volunteer: Uuid) -> sqlx::Result<Option<Recipient>> {
    sqlx::query_as(&format!("{SELECT_RECIPIENT} WHERE r.alert_id = $1 AND r.volunteer_id = $2"))
        .bind(alert)
        .bind(volunteer)
        .fetch_optional(conn)
        .await
}

/// The operation an alert went to.
pub async fn operation_of(conn: &mut PgConnection, alert: Uuid) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar("SELECT operation_id FROM alerts WHERE id = $1").bind(alert).fetch_one(conn).await
}

#[derive(sqlx::FromRow)]
struct PhoneRow {
    id: Uuid,
    case_id: Option<Uuid>,
    title: Option<String>,
    text: String,
    lat: Option<f64>,
    lon: Option<f64>,
    urgent: bool,
    asks_answer: bool,
    sent_by_name: String,
    sent_at: DateTime<Utc>,
    answer: Option<String>,
}

const SELECT_FOR_PHONE: &str =
    "SELECT a.id, a.case_id, a.title, a.text, ST_Y(a.location) AS lat, ST_X(a.location) AS lon, a.urgent,
        a.asks_answer, a.sent_by_name, a.sent_at, r.answer
 FROM alerts a JOIN alert_recipients r ON r.alert_id = a.id";

impl From<PhoneRow> for mobile_api::Alert {
    fn from(row: PhoneRow) -> Self {
        Self {
            id: row.id,
            case_id: row.case_id,
            // A call-out's title leads its text on the phone.
            text: match row.title {
                Some(title) => format!("{title}\n\n{}", row.text),
                None => row.text,
            },
            location: row.lat.zip(row.lon).map(|(lat, lon)| mobile_api::Point { lat, lon }),
            urgent: row.urgent,
            asks_answer: row.asks_answer,
            from: row.sent_by_name,
            sent_at: row.sent_at,
            answer: match row.answer.as_deref() {
                Some("going") => Some(Answer::Going),
                Some("cant") => Some(Answer::Cant),
                _ => None,
            },
        }
    }
}

/// An alert as the phones get it, and its recipients.
pub async fn for_phones(conn: &mut PgConnection, alert: Uuid) -> sqlx::Result<Option<(mobile_api::Alert, Vec<Uuid>)>> {
    let row: Option<PhoneRow> = sqlx::query_as(
        "SELECT a.id, a.case_id, a.title, a.text, ST_Y(a.location) AS lat, ST_X(a.location) AS lon, a.urgent,
                a.asks_answer, a.sent_by_name, a.sent_at, NULL::text AS answer
         FROM alerts a WHERE a.id = $1",
    )
    .bind(alert)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    // Those whose in-app message is out and not yet on their phone.
    let recipients: Vec<Uuid> = sqlx::query_scalar(
        "SELECT volunteer_id FROM outbox WHERE alert_id = $1 AND channel = 'app' AND status = 'sent'",
    )
    .bind(alert)
    .fetch_all(conn)
    .await?;
    Ok(Some((row.into(), recipients)))
}

/// How long an unread alert is sent again to a phone that reconnects.
const PENDING_DAYS: i32 = 3;

/// What a volunteer has not read (or not answered, when asked) yet, oldest first; marked
/// delivered.
pub async fn pending_for(conn: &mut PgConnection, volunteer: Uuid) -> sqlx::Result<Vec<mobile_api::Alert>> {
    let rows: Vec<PhoneRow> = sqlx::query_as(&format!(
        "{SELECT_FOR_PHONE}
         WHERE r.volunteer_id = $1 AND (r.read_at IS NULL OR (a.asks_answer AND r.answer IS NULL))
           AND a.sent_at > now() - make_interval(days => {PENDING_DAYS}) AND a.closed_at IS NULL
           AND EXISTS (SELECT 1 FROM outbox o WHERE o.alert_id = a.id AND o.volunteer_id = r.volunteer_id
                         AND o.channel = 'app' AND o.status <> 'skipped')
         ORDER BY a.sent_at"
    ))
    .bind(volunteer)
    .fetch_all(&mut *conn)
    .await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    mark_delivered(conn, &ids, volunteer).await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// Notes that the volunteer's phone got these alerts.
pub async fn mark_delivered(conn: &mut PgConnection, alerts: &[Uuid], volunteer: Uuid) -> sqlx::Result<()> {
    if alerts.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "UPDATE alert_recipients SET delivered_at = now()
         WHERE alert_id = ANY($1) AND volunteer_id = $2 AND delivered_at IS NULL",
    )
    .bind(alerts)
    .bind(volunteer)
    .execute(&mut *conn)
    .await?;
    crate::outbox::app_delivered(conn, alerts, volunteer).await
}

/// A read receipt or an answer; `false` when the volunteer did not receive this alert.
pub async fn answer(
    conn: &mut PgConnection,
    alert: Uuid,
    volunteer: Uuid,
    answer: Option<(Answer, Option<DateTime<Utc>>)>,
    via: &str,
) -> sqlx::Result<bool> {
    let (answer, eta) = match answer {
        Some((Answer::Going, eta)) => (Some("going"), eta),
        Some((Answer::Cant, _)) => (Some("cant"), None),
        None => (None, None),
    };
    let read: Option<Option<DateTime<Utc>>> =
        sqlx::query_scalar("SELECT read_at FROM alert_recipients WHERE alert_id = $1 AND volunteer_id = $2 FOR UPDATE")
            .bind(alert)
            .bind(volunteer)
            .fetch_optional(&mut *conn)
            .await?;
    match read {
        None => return Ok(false),
        // A read receipt sent again (the phone saw the alert again after a reconnect) is no news.
        Some(Some(_)) if answer.is_none() => return Ok(true),
        Some(_) => {}
    }
    sqlx::query(
        "UPDATE alert_recipients SET read_at = coalesce(read_at, now()), delivered_at = coalesce(delivered_at, now()),
             answer = coalesce($3, answer), eta = CASE WHEN $3 IS NULL THEN eta ELSE $4 END,
             answered_at = CASE WHEN $3 IS NULL THEN answered_at ELSE now() END,
             answered_via = CASE WHEN $3 IS NULL THEN answered_via ELSE $5 END,
             answer_note = CASE WHEN $3 IS NULL THEN answer_note ELSE NULL END,
             answered_by_name = CASE WHEN $3 IS NULL THEN answered_by_name ELSE NULL END
         WHERE alert_id = $1 AND volunteer_id = $2",
    )
    .bind(alert)
    .bind(volunteer)
    .bind(answer)
    .bind(eta)
    .bind(via)
    .execute(&mut *conn)
    .await?;
    announce(conn, &Notice::AlertAnswered { alert_id: alert, volunteer_id: volunteer }).await?;
    Ok(true)
}
