//! The team's figures for a period: reports received, cases, searches, and how they ended, by
//! age band (under 14, 14–17, 18 and over, at the time of the report) and by category.
//!
//! Counted over the cases registered in the period: a search is a case that reached
//! "search active"; "still missing" is a case closed as not found or not closed yet.

use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, ApiResult};

/// The period asked for.
#[derive(Clone, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Period {
    /// First day (default: 1 January of this year).
    pub from: Option<NaiveDate>,
    /// Last day, included (default: today).
    pub to: Option<NaiveDate>,
}

/// Counts for one group of cases.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, ToSchema, sqlx::FromRow)]
pub struct Counts {
    /// Cases registered.
    pub cases: i64,
    /// Of those, searched for.
    pub searches: i64,
    /// Found alive.
    pub found_alive: i64,
    /// Found dead.
    pub found_dead: i64,
    /// Found by the police.
    pub found_by_police: i64,
    /// Came back by themselves.
    pub returned_home: i64,
    /// Closed, not found.
    pub not_found: i64,
    /// Called off.
    pub cancelled: i64,
    /// Not closed yet.
    pub still_open: i64,
    /// Not found, or not closed yet.
    pub still_missing: i64,
}

/// One group's row.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Group {
    /// under_14, 14_17, 18_plus, unknown; or a category.
    pub group: String,
    /// Its counts.
    #[serde(flatten)]
    pub counts: Counts,
}

/// The figures of a period.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Statistics {
    /// First day.
    pub from: NaiveDate,
    /// Last day (included).
    pub to: NaiveDate,
    /// Reports received.
    pub reports: i64,
    /// All cases.
    pub total: Counts,
    /// By age band at the time of the report.
    pub by_age_band: Vec<Group>,
    /// By category.
    pub by_category: Vec<Group>,
}

/// Age bands in the order they are reported.
pub const AGE_BANDS: [&str; 4] = ["under_14", "14_17", "18_plus", "unknown"];
const CATEGORIES: [&str; 5] = ["child", "teenager", "adult", "elderly", "dementia"];

#[derive(sqlx::FromRow)]
struct GroupRow {
    kind: String,
    name: Option<String>,
    #[sqlx(flatten)]
    counts: Counts,
}

/// Computes the figures for `period`.
pub async fn compute(db: &PgPool, period: &Period) -> ApiResult<Statistics> {
    let today = Utc::now().date_naive();
    let to = period.to.unwrap_or(today);
    let from = period
        .from
        .unwrap_or_else(|| NaiveDate::from_ymd_opt(chrono::Datelike::year(&to), 1, 1).expect("1 January exists"));
    if chrono::Datelike::year(&from) < 1900 || chrono::Datelike::year(&to) > 9999 {
        return Err(ApiError::invalid_field("from", "the period must lie between 1900 and 9999"));
    }
    if from > to {
        return Err(ApiError::invalid_field("from", "the period starts after it ends"));
    }
    if (to - from).num_days() > 366 * 20 {
        return Err(ApiError::invalid_field("from", "at most twenty years at a time"));
    }
    let reports: i64 =
        sqlx::query_scalar("SELECT count(*) FROM reports WHERE received_at >= $1::date AND received_at < $2::date + 1")
            .bind(from)
            .bind(to)
            .fetch_one(db)
            .await?;
    let rows: Vec<GroupRow> = sqlx::query_as(
        "WITH period AS (
             SELECT c.*, coalesce(extract(year FROM age(c.created_at::date, c.birth_date))::int, c.estimated_age) AS age_then
             FROM cases c WHERE c.created_at >= $1::date AND c.created_at < $2::date + 1),
         banded AS (
             SELECT *, CASE WHEN age_then IS NULL THEN 'unknown' WHEN age_then < 14 THEN 'under_14'
                            WHEN age_then < 18 THEN '14_17' ELSE '18_plus' END AS band
             FROM period)
         SELECT CASE WHEN GROUPING(band) = 0 THEN 'band' WHEN GROUPING(category) = 0 THEN 'category' ELSE 'total' END AS kind,
                coalesce(band, category) AS name,
                count(*) AS cases,
                count(*) FILTER (WHERE search_started_at IS NOT NULL) AS searches,
                count(*) FILTER (WHERE outcome = 'found_alive') AS found_alive,
                count(*) FILTER (WHERE outcome = 'found_dead') AS found_dead,
                count(*) FILTER (WHERE outcome = 'found_by_police') AS found_by_police,
                count(*) FILTER (WHERE outcome = 'returned_home') AS returned_home,
                count(*) FILTER (WHERE outcome = 'not_found') AS not_found,
                count(*) FILTER (WHERE outcome = 'cancelled') AS cancelled,
                count(*) FILTER (WHERE status <> 'closed') AS still_open,
                count(*) FILTER (WHERE status <> 'closed' OR outcome = 'not_found') AS still_missing
         FROM banded GROUP BY GROUPING SETS ((band), (category), ())",
    )
    .bind(from)
    .bind(to)
    .fetch_all(db)
    .await?;
    let find = |kind: &str, name: Option<&str>| {
        rows.iter().find(|r| r.kind == kind && r.name.as_deref() == name).map(|r| r.counts.clone()).unwrap_or_default()
    };
    Ok(Statistics {
        from,
        to,
        reports,
        total: find("total", None),
        by_age_band: AGE_BANDS.iter().map(|b| Group { group: b.to_string(), counts: find("band", Some(b)) }).collect(),
        by_category: CATEGORIES
            .iter()
            .map(|c| Group { group: c.to_string(), counts: find("category", Some(c)) })
            .collect(),
    })
}

/// The figures as CSV: a header, then one row for the total, each age band and each category.
pub fn csv(stats: &Statistics) -> String {
    let mut out = String::from(
        "section,group,reports,cases,searches,found_alive,found_dead,found_by_police,returned_home,not_found,cancelled,still_open,still_missing\n",
    );
    let mut row = |section: &str, group: &str, reports: Option<i64>, c: &Counts| {
        let reports = reports.map(|r| r.to_string()).unwrap_or_default();
        out.push_str(&format!(
            "{section},{group},{reports},{},{},{},{},{},{},{},{},{},{}\n",
            c.cases,
            c.searches,
            c.found_alive,
            c.found_dead,
            c.found_by_police,
            c.returned_home,
            c.not_found,
            c.cancelled,
            c.still_open,
            c.still_missing
        ));
    };
    row("total", "all", Some(stats.reports), &stats.total);
    for group in &stats.by_age_band {
        row("age_band", &group.group, None, &group.counts);
    }
    for group in &stats.by_category {
        row("category", &group.group, None, &group.counts);
    }
    out
}
