//! Finding cases: the list sorted by urgency, search in Russian and English, possible
//! duplicates while a card is typed.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::card::Point;
use super::lifecycle::Status;
use super::urgency::UrgencyClass;
use crate::error::{ApiError, ApiResult};

/// A case as a line in a list.
#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct CaseSummary {
    /// Case id.
    pub id: Uuid,
    /// Case number.
    pub number: String,
    /// The missing person's name.
    pub full_name: String,
    /// Age now.
    pub age: Option<i32>,
    /// Category.
    pub category: String,
    /// Status.
    pub status: Status,
    /// Urgency in force.
    pub urgency: UrgencyClass,
    /// When last seen.
    pub last_seen_at: Option<DateTime<Utc>>,
    /// Where last seen.
    #[sqlx(skip)]
    pub last_seen: Option<Point>,
    /// Open checklist tasks.
    pub open_tasks: i64,
    /// Of those, past their deadline.
    pub overdue_tasks: i64,
    /// Registered at.
    pub created_at: DateTime<Utc>,
    #[serde(skip)]
    #[schema(ignore)]
    lat: Option<f64>,
    #[serde(skip)]
    #[schema(ignore)]
    lon: Option<f64>,
}

/// Filters for the cases list.
#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CaseFilter {
    /// Only this status; `open` means every status but closed.
    pub status: Option<String>,
    /// Only this category.
    pub category: Option<String>,
    /// Words to find (name, circumstances, appearance, clothing, address, number), Russian or English.
    pub q: Option<String>,
    /// Registered at or after.
    pub from: Option<DateTime<Utc>>,
    /// Registered before.
    pub to: Option<DateTime<Utc>>,
    /// At most this many (default 200, at most 1000).
    pub limit: Option<i64>,
}

const SUMMARY: &str = "SELECT c.id, c.number, c.full_name,
        coalesce(extract(year FROM age(c.birth_date))::int, c.estimated_age) AS age, c.category, c.status,
        coalesce(c.urgency_override, c.urgency) AS urgency, c.last_seen_at,
        ST_Y(c.last_seen_point) AS lat, ST_X(c.last_seen_point) AS lon,
        (SELECT count(*) FROM case_tasks t WHERE t.case_id = c.id AND t.state = 'open') AS open_tasks,
        (SELECT count(*) FROM case_tasks t WHERE t.case_id = c.id AND t.state = 'open' AND t.due_at < now()) AS overdue_tasks,
        c.created_at
 FROM cases c";

/// The document the search looks in; the same expression as the index in migration 0003.
const SEARCH_DOCUMENT: &str = "(to_tsvector('russian', coalesce(c.full_name, '') || ' ' || coalesce(c.circumstances, '') || ' ' || coalesce(c.appearance, '') || ' ' ||
                           coalesce(c.clothing, '') || ' ' || coalesce(c.last_seen_address, '') || ' ' || coalesce(c.number, ''))
 || to_tsvector('english', coalesce(c.full_name, '') || ' ' || coalesce(c.circumstances, '') || ' ' || coalesce(c.appearance, '') || ' ' ||
                           coalesce(c.clothing, '') || ' ' || coalesce(c.last_seen_address, '')))";

fn finish(mut summary: CaseSummary) -> CaseSummary {
    summary.last_seen = Point::from_columns(summary.lat, summary.lon);
    summary
}

/// Cases matching the filter (only those shared with a liaison, for one): the most urgent first, then the newest. Closed cases come last.
/// A name is found despite a typo (a word of the name at least 45% alike by trigrams).
pub async fn list(
    db: &PgPool,
    filter: &CaseFilter,
    shared_with: Option<(Uuid, Option<String>)>,
) -> ApiResult<Vec<CaseSummary>> {
    let limit = filter.limit.unwrap_or(200);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::invalid_field("limit", "limit must be between 1 and 1000"));
    }
    let status = match filter.status.as_deref() {
        None | Some("") => None,
        Some("open") => Some("open"),
        Some(s) if Status::ALL.iter().any(|x| x.as_str() == s) => Some(s),
        Some(_) => {
            return Err(ApiError::invalid_field(
                "status",
                "the status is open, registered, first_checks, search_active, suspended or closed",
            ))
        }
    };
    let q = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    let cases: Vec<CaseSummary> = sqlx::query_as(&format!(
        "{SUMMARY}
         WHERE ($1::text IS NULL OR ($1 = 'open' AND c.status <> 'closed') OR c.status = $1)
           AND ($2::text IS NULL OR c.category = $2)
           AND ($3::text IS NULL
                OR {SEARCH_DOCUMENT} @@ (plainto_tsquery('russian', $3) || plainto_tsquery('english', $3))
                OR word_similarity($3, c.full_name) >= 0.45 OR c.number = $3 OR phone_key(c.person_phone) = phone_key($3))
           AND ($4::timestamptz IS NULL OR c.created_at >= $4) AND ($5::timestamptz IS NULL OR c.created_at < $5)
           AND ($7::uuid IS NULL OR EXISTS (SELECT 1 FROM case_shares s WHERE s.case_id = c.id AND s.revoked_at IS NULL
                                            AND (s.user_id = $7 OR (s.police_unit IS NOT NULL AND s.police_unit = $8))))
         ORDER BY c.status = 'closed',
                  CASE coalesce(c.urgency_override, c.urgency) WHEN 'critical' THEN 0 WHEN 'high' THEN 1 ELSE 2 END,
                  c.created_at DESC
         LIMIT $6"
    ))
    .bind(status)
    .bind(filter.category.as_deref().filter(|c| !c.is_empty()))
    .bind(q)
    .bind(filter.from)
    .bind(filter.to)
    .bind(limit)
    .bind(shared_with.as_ref().map(|(user, _)| *user))
    .bind(shared_with.and_then(|(_, unit)| unit))
    .fetch_all(db)
    .await?;
    Ok(cases.into_iter().map(finish).collect())
}

/// What is typed into a new card so far.
#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SimilarQuery {
    /// The name as typed.
    pub full_name: Option<String>,
    /// The year of birth, if known.
    pub birth_year: Option<i32>,
    /// A phone (the person's or a relative's).
    pub phone: Option<String>,
}

/// An existing case that may be the same person.
#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct SimilarCase {
    /// Case id.
    pub id: Uuid,
    /// Case number.
    pub number: String,
    /// Name.
    pub full_name: String,
    /// Year of birth.
    pub birth_year: Option<i32>,
    /// Status.
    pub status: Status,
    /// Why it is offered: name or phone.
    pub reason: String,
    /// How alike the names are (0..1); 1 for a phone match.
    pub score: f32,
}

/// Cases with a similar name (and, when given, a birth year within one year), or the same phone.
pub async fn similar(db: &PgPool, query: &SimilarQuery) -> ApiResult<Vec<SimilarCase>> {
    let name = query.full_name.as_deref().map(str::trim).filter(|n| n.chars().count() >= 3);
    let phone = query.phone.as_deref().map(str::trim).filter(|p| p.chars().filter(char::is_ascii_digit).count() >= 5);
    if name.is_none() && phone.is_none() {
        return Ok(Vec::new());
    }
    let found = sqlx::query_as(
        "SELECT * FROM (
             SELECT DISTINCT ON (id) * FROM (
                 SELECT c.id, c.number, c.full_name, extract(year FROM c.birth_date)::int AS birth_year, c.status,
                        'phone' AS reason, 1.0::real AS score
                 FROM cases c
                 WHERE $3::text IS NOT NULL AND (phone_key(c.person_phone) = phone_key($3)
                       OR EXISTS (SELECT 1 FROM jsonb_array_elements(c.contacts) k WHERE phone_key(k->>'phone') = phone_key($3)))
                 UNION ALL
                 SELECT c.id, c.number, c.full_name, extract(year FROM c.birth_date)::int, c.status,
                        'name', similarity(c.full_name, $1)
                 FROM cases c
                 WHERE $1::text IS NOT NULL AND c.full_name % $1
                   AND ($2::int IS NULL OR c.birth_date IS NULL OR abs(extract(year FROM c.birth_date)::int - $2) <= 1)
             ) candidates ORDER BY id, score DESC
         ) best ORDER BY score DESC LIMIT 10",
    )
    .bind(name)
    .bind(query.birth_year)
    .bind(phone)
    .fetch_all(db)
    .await?;
    Ok(found)
}
