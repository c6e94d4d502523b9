//! Verifying the audit log's hash chain.

use futures::TryStreamExt;
use serde::Serialize;
use sqlx::PgPool;

/// What a check of the chain found.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChainReport {
    /// Rows checked.
    pub rows: u64,
    /// Whether every row is intact and linked to the one before.
    pub intact: bool,
    /// The first row that is not, and why.
    pub first_broken: Option<BrokenRow>,
    /// The last row's id and hash (hex): write them down somewhere else to detect a rewrite of
    /// the whole tail later.
    pub head: Option<ChainHead>,
}

/// The first row where the chain breaks.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BrokenRow {
    /// Its id.
    pub id: i64,
    /// What is wrong.
    pub problem: String,
}

/// The newest row of the chain.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChainHead {
    /// Its id.
    pub id: i64,
    /// Its hash, hex.
    pub hash: String,
}

#[derive(sqlx::FromRow)]
struct Link {
    id: i64,
    prev_hash: Vec<u8>,
    hash: Vec<u8>,
    content_matches: bool,
}

/// Walks the whole log in order, recomputing every row's hash.
pub async fn verify(db: &PgPool) -> sqlx::Result<ChainReport> {
    let mut rows = sqlx::query_as::<_, Link>(
        "SELECT id, prev_hash, hash,
                hash = audit_row_hash(prev_hash, id, at, actor_kind, actor_id, actor_label, action,
                                      record_type, record_id, address, details) AS content_matches
         FROM audit_log ORDER BY id",
    )
    .fetch(db);
    let mut count = 0u64;
    let mut previous: Option<(i64, Vec<u8>)> = None;
    let mut first_broken = None;
    while let Some(link) = rows.try_next().await? {
        count += 1;
        if first_broken.is_none() {
            first_broken = check(&link, previous.as_ref());
        }
        previous = Some((link.id, link.hash));
    }
    Ok(ChainReport {
        rows: count,
        intact: first_broken.is_none(),
        first_broken,
        head: previous.map(|(id, hash)| ChainHead { id, hash: hex::encode(hash) }),
    })
}

fn check(link: &Link, previous: Option<&(i64, Vec<u8>)>) -> Option<BrokenRow> {
    if !link.content_matches {
        return Some(BrokenRow {
            id: link.id,
            problem: "its content does not match its hash: the row was altered".into(),
        });
    }
    match previous {
        None if link.prev_hash.iter().any(|b| *b != 0) => Some(BrokenRow {
            id: link.id,
            problem: "it is the first row left but points to an earlier one: rows before it were deleted".into(),
        }),
        Some((prev_id, prev_hash)) if &link.prev_hash != prev_hash => Some(BrokenRow {
            id: link.id,
            problem: format!("it does not link to row {prev_id} before it: a row between them was deleted, or row {prev_id} was altered"),
        }),
        _ => None,
    }
}
