//! Who may read a case. The team's staff read every case. A police liaison reads only the
//! cases shared with their police unit or with them, and a share link reads its one case;
//! both see the log with phones and e-mails removed, and every read is audited.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::PgConnection;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::secret::{hash_secret, new_secret};
use crate::auth::{Principal, Role};
use crate::error::{ApiError, ApiResult};

/// Someone outside the team reading a case.
#[derive(Clone, Debug)]
pub enum Outsider {
    /// A police liaison, by their account and unit.
    Liaison {
        /// Their account.
        user_id: Uuid,
        /// Their police unit.
        police_unit: Option<String>,
    },
    /// A share link for one case.
    Link {
        /// The link.
        id: Uuid,
        /// Its case.
        case_id: Uuid,
    },
}

/// Who reads: the team's staff, or an outsider.
#[derive(Clone, Debug)]
pub enum Reader {
    /// Administrators, dispatchers, coordinators.
    Staff,
    /// A liaison or a share link.
    Outsider(Outsider),
}

impl Reader {
    /// The reader a principal is; a role that reads no cases gets 403.
    pub async fn of(conn: &mut PgConnection, principal: &Principal) -> ApiResult<Self> {
        match principal.role {
            Role::Admin | Role::Dispatcher | Role::Coordinator => Ok(Reader::Staff),
            Role::PoliceLiaison => {
                let police_unit: Option<String> = sqlx::query_scalar("SELECT police_unit FROM users WHERE id = $1")
                    .bind(principal.user_id)
                    .fetch_one(conn)
                    .await?;
                Ok(Reader::Outsider(Outsider::Liaison { user_id: principal.user_id, police_unit }))
            }
            Role::Volunteer => Err(ApiError::forbidden("the role volunteer may not read cases")),
        }
    }

    /// Whether what is read must be redacted and audited.
    pub fn is_outsider(&self) -> bool {
        matches!(self, Reader::Outsider(_))
    }

    /// Refuses (404, so ids cannot be probed) a case this reader may not see.
    pub async fn check(&self, conn: &mut PgConnection, case_id: Uuid) -> ApiResult<()> {
        let visible = match self {
            Reader::Staff => {
                sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM cases WHERE id = $1)")
                    .bind(case_id)
                    .fetch_one(conn)
                    .await?
            }
            Reader::Outsider(Outsider::Liaison { user_id, police_unit }) => {
                sqlx::query_scalar(&format!("SELECT EXISTS (SELECT 1 FROM cases c WHERE c.id = $1 AND {SHARED_WITH})"))
                    .bind(case_id)
                    .bind(user_id)
                    .bind(police_unit)
                    .fetch_one(conn)
                    .await?
            }
            Reader::Outsider(Outsider::Link { case_id: linked, .. }) => *linked == case_id,
        };
        if visible {
            Ok(())
        } else {
            Err(ApiError::not_found("case"))
        }
    }

    /// For a liaison: their account and unit, to filter lists by.
    pub fn liaison(&self) -> Option<(Uuid, Option<String>)> {
        match self {
            Reader::Outsider(Outsider::Liaison { user_id, police_unit }) => Some((*user_id, police_unit.clone())),
            _ => None,
        }
    }
}

/// SQL condition: case `c` is shared with liaison `$2` or their unit `$3`.
pub const SHARED_WITH: &str = "EXISTS (SELECT 1 FROM case_shares s WHERE s.case_id = c.id AND s.revoked_at IS NULL
                                 AND (s.user_id = $2 OR (s.police_unit IS NOT NULL AND s.police_unit = $3)))";

/// A case shared with a police unit or one liaison.
#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct Share {
    /// Share id.
    pub id: Uuid,
    /// The police unit, when shared with a unit.
    pub police_unit: Option<String>,
    /// The liaison, when shared with one person.
    pub user_id: Option<Uuid>,
    /// Their name.
    pub user_name: Option<String>,
    /// Who shared it.
    pub granted_by_name: Option<String>,
    /// When.
    pub granted_at: DateTime<Utc>,
    /// When it was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Sharing a case: with a police unit, or with one liaison.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewShare {
    /// The police unit (as set on the liaisons' accounts).
    pub police_unit: Option<String>,
    /// One police liaison's account.
    pub user_id: Option<Uuid>,
}

const SELECT_SHARE: &str =
    "SELECT s.id, s.police_unit, s.user_id, u.display_name AS user_name, g.display_name AS granted_by_name,
        s.granted_at, s.revoked_at
 FROM case_shares s LEFT JOIN users u ON u.id = s.user_id LEFT JOIN users g ON g.id = s.granted_by";

/// A case's shares, revoked ones too.
pub async fn shares(conn: &mut PgConnection, case_id: Uuid) -> sqlx::Result<Vec<Share>> {
    sqlx::query_as(&format!("{SELECT_SHARE} WHERE s.case_id = $1 ORDER BY s.granted_at"))
        .bind(case_id)
        .fetch_all(conn)
        .await
}

/// Shares a case.
pub async fn share(conn: &mut PgConnection, case_id: Uuid, new: NewShare, by: Uuid) -> ApiResult<Share> {
    let police_unit = new.police_unit.as_deref().map(str::trim).filter(|u| !u.is_empty());
    match (police_unit, new.user_id) {
        (Some(_), Some(_)) | (None, None) => {
            return Err(ApiError::invalid(
                "invalid_share",
                "share with a police unit or with one liaison: give exactly one of police_unit, user_id",
            ))
        }
        (Some(unit), None) if unit.chars().count() > 200 => {
            return Err(ApiError::invalid_field("police_unit", "at most 200 characters"))
        }
        (None, Some(user)) => {
            let role: Option<Role> = sqlx::query_scalar("SELECT role FROM users WHERE id = $1")
                .bind(user)
                .fetch_optional(&mut *conn)
                .await?;
            if role != Some(Role::PoliceLiaison) {
                return Err(ApiError::invalid_field("user_id", "cases are shared with police liaisons' accounts only"));
            }
        }
        _ => {}
    }
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO case_shares (case_id, police_unit, user_id, granted_by) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(case_id)
    .bind(police_unit)
    .bind(new.user_id)
    .bind(by)
    .fetch_one(&mut *conn)
    .await?;
    Ok(sqlx::query_as(&format!("{SELECT_SHARE} WHERE s.id = $1")).bind(id).fetch_one(conn).await?)
}

/// Ends a share (its record stays).
pub async fn revoke_share(conn: &mut PgConnection, case_id: Uuid, id: Uuid, by: Uuid) -> ApiResult<()> {
    revoke(conn, "case_shares", "share", case_id, id, by).await
}

/// Marks a grant of `table` revoked (once; a second revocation changes nothing); its record stays.
async fn revoke(conn: &mut PgConnection, table: &str, what: &str, case_id: Uuid, id: Uuid, by: Uuid) -> ApiResult<()> {
    let found = sqlx::query(&format!(
        "UPDATE {table} SET revoked_at = coalesce(revoked_at, now()), revoked_by = coalesce(revoked_by, $3)
         WHERE id = $1 AND case_id = $2"
    ))
    .bind(id)
    .bind(case_id)
    .bind(by)
    .execute(conn)
    .await?
    .rows_affected();
    if found == 0 {
        return Err(ApiError::not_found(what));
    }
    Ok(())
}

/// A read-only link to one case.
#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct ShareLink {
    /// Link id.
    pub id: Uuid,
    /// Whom it is for ("investigator Petrov").
    pub label: String,
    /// Who made it.
    pub created_by_name: Option<String>,
    /// When.
    pub created_at: DateTime<Utc>,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// When it was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
    /// Last use.
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A new link.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewShareLink {
    /// Whom it is for.
    pub label: String,
    /// Hours until it expires: 1 to 720 (30 days).
    pub expires_in_hours: i32,
}

/// A link just made: the only time its address is shown.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct IssuedShareLink {
    /// The link's record.
    pub link: ShareLink,
    /// The address to send.
    pub url: String,
}

const SELECT_LINK: &str =
    "SELECT l.id, l.label, u.display_name AS created_by_name, l.created_at, l.expires_at, l.revoked_at, l.last_used_at
 FROM share_links l LEFT JOIN users u ON u.id = l.created_by";

/// A case's links, revoked and expired ones too.
pub async fn links(conn: &mut PgConnection, case_id: Uuid) -> sqlx::Result<Vec<ShareLink>> {
    sqlx::query_as(&format!("{SELECT_LINK} WHERE l.case_id = $1 ORDER BY l.created_at DESC"))
        .bind(case_id)
        .fetch_all(conn)
        .await
}

/// Makes a link; the address carries the secret after `#`, so it never reaches server logs.
pub async fn make_link(
    conn: &mut PgConnection,
    case_id: Uuid,
    new: NewShareLink,
    by: Uuid,
    public_url: &str,
) -> ApiResult<IssuedShareLink> {
    let label = new.label.trim();
    if label.is_empty() || label.chars().count() > 200 {
        return Err(ApiError::invalid_field("label", "say whom the link is for (1 to 200 characters)"));
    }
    if !(1..=720).contains(&new.expires_in_hours) {
        return Err(ApiError::invalid_field("expires_in_hours", "a link lasts 1 to 720 hours (30 days)"));
    }
    let secret = new_secret("");
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO share_links (case_id, token_hash, label, created_by, expires_at)
         VALUES ($1, $2, $3, $4, now() + make_interval(hours => $5)) RETURNING id",
    )
    .bind(case_id)
    .bind(hash_secret(&secret))
    .bind(label)
    .bind(by)
    .bind(new.expires_in_hours)
    .fetch_one(&mut *conn)
    .await?;
    let link = sqlx::query_as(&format!("{SELECT_LINK} WHERE l.id = $1")).bind(id).fetch_one(conn).await?;
    Ok(IssuedShareLink { link, url: format!("{public_url}/shared.html#{secret}") })
}

/// Revokes a link: it stops working at once; its record stays.
pub async fn revoke_link(conn: &mut PgConnection, case_id: Uuid, id: Uuid, by: Uuid) -> ApiResult<()> {
    revoke(conn, "share_links", "share link", case_id, id, by).await
}

/// A link's id, case, label, expiry and revocation.
type LinkRow = (Uuid, Uuid, String, DateTime<Utc>, Option<DateTime<Utc>>);

/// The reader a link's secret stands for: 404 if unknown, 410 if expired or revoked.
pub async fn open_link(conn: &mut PgConnection, secret: &str) -> ApiResult<(Reader, String)> {
    let row: Option<LinkRow> =
        sqlx::query_as("SELECT id, case_id, label, expires_at, revoked_at FROM share_links WHERE token_hash = $1")
            .bind(hash_secret(secret.trim()))
            .fetch_optional(&mut *conn)
            .await?;
    let (id, case_id, label, expires_at, revoked_at) = row.ok_or_else(|| {
        ApiError::new(axum::http::StatusCode::NOT_FOUND, "share_link_unknown", "this link is not known")
    })?;
    if revoked_at.is_some() {
        return Err(ApiError::new(
            axum::http::StatusCode::GONE,
            "share_link_revoked",
            "this link was revoked; ask the team for a new one",
        ));
    }
    if expires_at <= Utc::now() {
        return Err(ApiError::new(
            axum::http::StatusCode::GONE,
            "share_link_expired",
            "this link has expired; ask the team for a new one",
        )
        .with_details(json!({ "expired_at": expires_at })));
    }
    sqlx::query("UPDATE share_links SET last_used_at = now() WHERE id = $1").bind(id).execute(conn).await?;
    Ok((Reader::Outsider(Outsider::Link { id, case_id }), label))
}
