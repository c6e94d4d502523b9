//! Coverage of squares from the tracks of an operation's members, computed in PostGIS (see
//! docs/coverage.md for the definitions and a worked example):
//!
//! - a *segment* joins two consecutive fixes of one volunteer, while they were in the
//!   operation, if both are accurate enough, the pause between them is short enough, and the
//!   speed is a walking one (so driving, noise and signal gaps do not count);
//! - *geometric coverage* of a square: the share of it inside the union of its segments
//!   buffered by half the sweep width;
//! - a *sortie* is one task's search (the group's track between the task's start and finish,
//!   with the task's sweep width if it has one), else one group's, else one volunteer's;
//! - *effort coverage* of a sortie: C = W × L ÷ A (L: the sortie's segment length inside the
//!   square, A: the square's area), and its POD = 1 − e^(−C);
//! - *cumulative POD* of a square over its sorties: 1 − Π(1 − PODᵢ) = 1 − e^(−ΣCᵢ).

use serde::Serialize;
use sqlx::PgConnection;
use utoipa::ToSchema;
use uuid::Uuid;

/// Koopman's random-search formula: the probability of detection for effort coverage `c`.
pub fn pod(c: f64) -> f64 {
    1.0 - (-c.max(0.0)).exp()
}

/// Every fix of the operation's members while they were in it. Parameters: $1 the operation.
const ALL_FIXES: &str = "
members AS (
    SELECT volunteer_id, group_id, joined_at, coalesce(left_at, 'infinity') AS left_at
    FROM operation_members WHERE operation_id = $1),
fixes AS (
    SELECT m.volunteer_id, m.group_id, ST_Force2D(d.geom) AS pt, ST_M(d.geom) AS t,
           c.accuracy[coalesce(d.path[1], 1)] AS accuracy, true AS new, false AS pending
    FROM members m
    JOIN track_chunks c ON c.volunteer_id = m.volunteer_id AND c.last_at >= m.joined_at AND c.first_at <= m.left_at,
         ST_DumpPoints(c.fixes) d
    WHERE ST_M(d.geom) BETWEEN extract(epoch FROM m.joined_at) AND extract(epoch FROM m.left_at))";

/// The fixes of a set of chunks ($2, an array), marked `new`, with each chunk's fix just before
/// it and just after it among the volunteer's other chunks (so the segments joining them to the
/// rest of the track are counted), marked `pending` if their chunk still waits in the queue: a
/// segment to a pending chunk is counted when that chunk is applied, so each is counted once.
/// Parameters: $1 the operation.
const CHUNK_FIXES: &str = "
chunk AS (SELECT id, volunteer_id, first_at, last_at FROM track_chunks WHERE id = ANY($2)),
gap AS (SELECT make_interval(secs => max_gap_s) AS gap FROM operations WHERE id = $1),
members AS (
    SELECT m.volunteer_id, m.group_id, m.joined_at, coalesce(m.left_at, 'infinity') AS left_at
    FROM operation_members m WHERE m.operation_id = $1 AND m.volunteer_id IN (SELECT volunteer_id FROM chunk)),
own AS (
    SELECT c.volunteer_id, ST_Force2D(d.geom) AS pt, ST_M(d.geom) AS t, c.accuracy[coalesce(d.path[1], 1)] AS accuracy,
           true AS new, false AS pending
    FROM track_chunks c, ST_DumpPoints(c.fixes) d WHERE c.id = ANY($2)),
edges AS (
    SELECT k.volunteer_id, e.pt, e.t, e.accuracy, false AS new,
           EXISTS (SELECT 1 FROM coverage_queue q WHERE q.operation_id = $1 AND q.chunk_id = e.id) AS pending
    FROM chunk k CROSS JOIN gap,
    LATERAL (
        (SELECT c.id, ST_Force2D(d.geom) AS pt, ST_M(d.geom) AS t, c.accuracy[coalesce(d.path[1], 1)] AS accuracy
         FROM track_chunks c, ST_DumpPoints(c.fixes) d
         WHERE c.volunteer_id = k.volunteer_id AND c.id <> ALL($2)
           -- Found by their last fix's time (the recent ones), not their first's (every chunk
           -- of the volunteer's before this one), which the planner may prefer.
           AND c.last_at >= k.first_at - gap.gap AND c.first_at + interval '0 s' < k.first_at
           AND ST_M(d.geom) < extract(epoch FROM k.first_at)
         ORDER BY 3 DESC LIMIT 1)
        UNION ALL
        (SELECT c.id, ST_Force2D(d.geom) AS pt, ST_M(d.geom) AS t, c.accuracy[coalesce(d.path[1], 1)] AS accuracy
         FROM track_chunks c, ST_DumpPoints(c.fixes) d
         WHERE c.volunteer_id = k.volunteer_id AND c.id <> ALL($2)
           AND c.first_at <= k.last_at + gap.gap AND c.last_at > k.last_at
           AND ST_M(d.geom) > extract(epoch FROM k.last_at)
         ORDER BY 3 LIMIT 1)) e),
fixes AS (
    SELECT DISTINCT ON (p.volunteer_id, p.t) m.volunteer_id, m.group_id, p.pt, p.t, p.accuracy, p.new, p.pending
    FROM (SELECT * FROM own UNION ALL SELECT * FROM edges) p
    JOIN members m ON m.volunteer_id = p.volunteer_id
         AND p.t BETWEEN extract(epoch FROM m.joined_at) AND extract(epoch FROM m.left_at)
    ORDER BY p.volunteer_id, p.t, p.new DESC)";

/// The counted segments of `fixes` (columns volunteer_id, group_id, pt, t, accuracy, new,
/// pending) that have a new end and no pending one, in the projection of each square near
/// them. Parameters: $1 the operation.
fn pieces(fixes: &str) -> String {
    format!(
        "op AS (SELECT id, sweep_width_m AS w, max_accuracy_m, max_speed_mps, max_gap_s FROM operations WHERE id = $1),
{fixes},
ordered AS (
    SELECT f.*, lag(pt) OVER w AS prev_pt, lag(t) OVER w AS prev_t, lag(accuracy) OVER w AS prev_accuracy,
           lag(group_id) OVER w AS prev_group, lag(new) OVER w AS prev_new,
           lag(pending) OVER w AS prev_pending
    FROM fixes f WINDOW w AS (PARTITION BY volunteer_id ORDER BY t)),
segments AS (
    SELECT o.volunteer_id, o.group_id, k.id AS task_id, coalesce(k.sweep_width_m, op.w) AS w,
           ST_MakeLine(o.prev_pt, o.pt) AS line, o.prev_t AS t0, o.t AS t1
    FROM ordered o CROSS JOIN op
    -- The group's task under way between the two fixes, if any: its sortie, its sweep width.
    LEFT JOIN LATERAL (
        SELECT t.id, t.sweep_width_m FROM tasks t
        WHERE t.group_id = o.group_id AND t.started_at IS NOT NULL
          AND extract(epoch FROM t.started_at) <= o.prev_t
          AND o.t <= extract(epoch FROM coalesce(t.finished_at, 'infinity'))
        ORDER BY t.started_at DESC LIMIT 1) k ON true
    WHERE o.prev_pt IS NOT NULL AND o.t > o.prev_t AND o.t - o.prev_t <= op.max_gap_s AND (o.new OR o.prev_new)
      AND NOT (o.pending OR o.prev_pending)
      AND o.group_id IS NOT DISTINCT FROM o.prev_group
      AND coalesce(o.accuracy, 0) <= op.max_accuracy_m AND coalesce(o.prev_accuracy, 0) <= op.max_accuracy_m
      AND ST_Distance(o.prev_pt::geography, o.pt::geography) / (o.t - o.prev_t) <= op.max_speed_mps),
-- Each segment looks up the squares near it through their spatial index, whatever the
-- planner estimates of the segments' number (OFFSET 0 keeps the lookup from being flattened
-- into a join it might turn inside out: every square against every segment).
pieces AS MATERIALIZED (
    SELECT c.id AS cell_id, c.geom_utm, c.area_m2, s.volunteer_id, s.group_id, s.task_id, s.t0, s.t1, s.w,
           ST_Transform(ST_SetSRID(s.line, 4326), c.srid) AS line_utm
    FROM segments s
    CROSS JOIN LATERAL (
        SELECT c.id, c.geom_utm, c.area_m2, g.srid
        FROM grid_cells c JOIN grids g ON g.id = c.grid_id JOIN search_areas a ON a.id = g.area_id
        WHERE c.geom && ST_Expand(ST_SetSRID(s.line, 4326), s.w / 50000.0)
          AND a.operation_id = $1 AND g.replaced_at IS NULL AND c.retired_at IS NULL
        OFFSET 0) c)"
    )
}

/// Adds the pieces' track lengths to their squares' sorties and their swept strips to their
/// squares' swept areas, in one statement (the pieces are found once). The strips are buffered a
/// run of consecutive segments at a time, not a segment at a time: uniting a square's hundreds
/// of segment buffers took most of a recompute (docs/performance.md, 3). Where a run is cut (at
/// a batch's end, when applied incrementally) its ends are round caps where the whole run has a
/// round join: the swept areas differ by well under a square metre. `first`: a statement to run
/// with it (a `WITH` clause's item and a comma), seeing the same rows.
fn apply_sql(first: &str, pieces: &str) -> String {
    format!(
        "WITH {first}
         {pieces},
         inside AS (
             SELECT cell_id, group_id, task_id, CASE WHEN group_id IS NULL THEN volunteer_id END AS alone, w, t0, t1,
                    ST_Length(ST_Intersection(line_utm, geom_utm)) AS length_m
             FROM pieces),
         sorties AS (
             INSERT INTO square_sorties (cell_id, sortie, group_id, volunteer_id, length_m, sweep_width_m, first_at, last_at)
             SELECT cell_id, coalesce('task:' || task_id::text, 'group:' || group_id::text, 'volunteer:' || alone::text),
                    group_id, alone, sum(length_m), min(w), to_timestamp(min(t0)), to_timestamp(max(t1))
             FROM inside WHERE length_m > 0
             GROUP BY cell_id, task_id, group_id, alone
             ON CONFLICT (cell_id, sortie) DO UPDATE SET length_m = square_sorties.length_m + EXCLUDED.length_m,
                 first_at = least(square_sorties.first_at, EXCLUDED.first_at),
                 last_at = greatest(square_sorties.last_at, EXCLUDED.last_at)),
         near AS (
             SELECT cell_id, volunteer_id, w, t0, t1, line_utm,
                    lag(t1) OVER (PARTITION BY cell_id, volunteer_id, w ORDER BY t0) AS prev_t1
             FROM pieces WHERE ST_DWithin(line_utm, geom_utm, w / 2)),
         runs AS (
             SELECT cell_id, volunteer_id, w, t0, line_utm,
                    count(*) FILTER (WHERE prev_t1 IS DISTINCT FROM t0)
                        OVER (PARTITION BY cell_id, volunteer_id, w ORDER BY t0) AS run
             FROM near),
         strips AS (
             SELECT cell_id, ST_Union(strip) AS strips
             FROM (SELECT cell_id, ST_Buffer(ST_MakeLine(array_agg(line_utm ORDER BY t0)), w / 2) AS strip
                   FROM runs GROUP BY cell_id, volunteer_id, w, run) r
             GROUP BY cell_id),
         swept AS (
             SELECT s.cell_id, c.area_m2, sc.swept AS before,
                    ST_CollectionExtract(ST_Intersection(s.strips, c.geom_utm), 3) AS added
             FROM strips s JOIN grid_cells c ON c.id = s.cell_id LEFT JOIN square_coverage sc ON sc.cell_id = s.cell_id)
         INSERT INTO square_coverage (cell_id, swept, geometric)
         SELECT x.cell_id, u.swept, least(ST_Area(u.swept) / x.area_m2, 1)
         FROM swept x,
              LATERAL (SELECT CASE WHEN x.before IS NULL THEN x.added
                                   ELSE ST_CollectionExtract(ST_Union(x.before, x.added), 3) END AS swept) u
         WHERE NOT ST_IsEmpty(x.added)
         ON CONFLICT (cell_id) DO UPDATE SET swept = EXCLUDED.swept, geometric = EXCLUDED.geometric, updated_at = now()"
    )
}

/// Serialises coverage work on one operation (a recompute, the batches applied to it).
async fn lock(conn: &mut PgConnection, operation: Uuid) -> sqlx::Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('coverage:' || $1::text, 0))")
        .bind(operation)
        .execute(conn)
        .await?;
    Ok(())
}

/// Computes the coverage of every square of an operation again, from all its members' tracks:
/// after a change of sweep width or thresholds, and to check the incremental path.
pub async fn recompute(conn: &mut PgConnection, operation: Uuid) -> sqlx::Result<()> {
    lock(&mut *conn, operation).await?;
    let cells = "SELECT c.id FROM grid_cells c JOIN grids g ON g.id = c.grid_id JOIN search_areas a ON a.id = g.area_id
                 WHERE a.operation_id = $1";
    sqlx::query(&format!("DELETE FROM square_sorties WHERE cell_id IN ({cells})"))
        .bind(operation)
        .execute(&mut *conn)
        .await?;
    sqlx::query(&format!("DELETE FROM square_coverage WHERE cell_id IN ({cells})"))
        .bind(operation)
        .execute(&mut *conn)
        .await?;
    // What is queued is in the tracks read: it must not be added a second time. Its queue rows
    // go in the same statement, which sees the same chunks: a chunk stored meanwhile is in
    // neither and is applied from the queue later (deleted in a statement before, it was in
    // the tracks but not deleted, and counted twice).
    let dequeue = "dequeued AS (DELETE FROM coverage_queue WHERE operation_id = $1),";
    sqlx::query(&apply_sql(dequeue, &pieces(ALL_FIXES))).bind(operation).execute(&mut *conn).await?;
    Ok(())
}

/// Inside the transaction that stores chunks: queues each for the coverage of every operation
/// its volunteer was in while it was recorded.
pub async fn queue(conn: &mut PgConnection, chunks: &[i64]) -> sqlx::Result<()> {
    if chunks.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO coverage_queue (operation_id, chunk_id)
         SELECT DISTINCT m.operation_id, c.id
         FROM track_chunks c JOIN operation_members m ON m.volunteer_id = c.volunteer_id
              AND m.joined_at <= c.last_at AND coalesce(m.left_at, 'infinity') >= c.first_at
         WHERE c.id = ANY($1)
         ON CONFLICT DO NOTHING",
    )
    .bind(chunks)
    .execute(conn)
    .await?;
    Ok(())
}

/// Adds chunks to an operation's coverage: only the squares their segments touch change. A
/// late chunk that falls inside a stretch already joined by a straight line (a short gap that
/// was bridged) replaces that line, which cannot be taken out of the swept union: then the
/// operation is recomputed.
async fn apply(conn: &mut PgConnection, operation: Uuid, chunks: &[i64]) -> sqlx::Result<()> {
    let bridged: bool = sqlx::query_scalar(
        "WITH gap AS (SELECT max_gap_s FROM operations WHERE id = $1)
         SELECT coalesce(bool_or(extract(epoch FROM after.at - before.at) <= gap.max_gap_s), false)
         FROM track_chunks k CROSS JOIN gap,
         LATERAL (SELECT max(c.last_at) AS at FROM track_chunks c
                  WHERE c.volunteer_id = k.volunteer_id AND c.id <> ALL($2) AND c.last_at < k.first_at) before,
         LATERAL (SELECT min(c.first_at) AS at FROM track_chunks c
                  WHERE c.volunteer_id = k.volunteer_id AND c.id <> ALL($2) AND c.first_at > k.last_at) after
         WHERE k.id = ANY($2)",
    )
    .bind(operation)
    .bind(chunks)
    .fetch_one(&mut *conn)
    .await?;
    if bridged {
        return recompute(conn, operation).await;
    }
    // Planned once per connection, not for each set of chunks: planning this statement took
    // 20-30 ms, a third of applying a second's chunks. Its lookups go through indexes whatever
    // the parameters (see `pieces`), so the generic plan is as good.
    sqlx::query("SET LOCAL plan_cache_mode = force_generic_plan").execute(&mut *conn).await?;
    sqlx::query(&apply_sql("", &pieces(CHUNK_FIXES))).bind(operation).bind(chunks).execute(&mut *conn).await?;
    sqlx::query("SET LOCAL plan_cache_mode = auto").execute(&mut *conn).await?;
    Ok(())
}

/// Applies queued chunks (at most `limit`), an operation's at a time: those queued for it are
/// applied together in one transaction with the deletion of their queue rows. Returns the
/// operations whose coverage changed.
pub async fn apply_queued(db: &sqlx::PgPool, limit: i64) -> sqlx::Result<Vec<Uuid>> {
    let mut changed = Vec::new();
    let mut left = limit;
    while left > 0 {
        let mut tx = db.begin().await?;
        let next: Vec<(Uuid, i64)> = sqlx::query_as(
            "SELECT operation_id, chunk_id FROM coverage_queue
             WHERE operation_id = (SELECT operation_id FROM coverage_queue ORDER BY queued_at, chunk_id LIMIT 1)
             ORDER BY queued_at, chunk_id LIMIT $1 FOR UPDATE SKIP LOCKED",
        )
        .bind(left)
        .fetch_all(&mut *tx)
        .await?;
        let Some((operation, _)) = next.first().copied() else { break };
        left -= next.len() as i64;
        // A recompute of the operation holds its lock and will delete these rows: leave them
        // (waiting here while holding the rows would deadlock with the recompute's delete).
        let ours: bool =
            sqlx::query_scalar("SELECT pg_try_advisory_xact_lock(hashtextextended('coverage:' || $1::text, 0))")
                .bind(operation)
                .fetch_one(&mut *tx)
                .await?;
        if !ours {
            tx.rollback().await?;
            break;
        }
        // A recompute may have taken some meanwhile.
        let ids: Vec<i64> = next.iter().map(|(_, chunk)| *chunk).collect();
        let still: Vec<i64> = sqlx::query_scalar(
            "DELETE FROM coverage_queue WHERE operation_id = $1 AND chunk_id = ANY($2) RETURNING chunk_id",
        )
        .bind(operation)
        .bind(&ids)
        .fetch_all(&mut *tx)
        .await?;
        if !still.is_empty() {
            apply(&mut tx, operation, &still).await?;
            crate::realtime::announce(&mut *tx, &crate::realtime::Notice::CoverageChanged { operation_id: operation })
                .await?;
        }
        tx.commit().await?;
        if !still.is_empty() && !changed.contains(&operation) {
            changed.push(operation);
        }
    }
    Ok(changed)
}

/// Applies queued chunks until `shutdown`: at once when this instance stored one, and every
/// half second for those stored by other instances.
pub async fn run(state: crate::state::AppState, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    loop {
        match apply_queued(&state.db, 200).await {
            Ok(changed) if !changed.is_empty() => continue,
            Ok(_) => {}
            Err(error) => tracing::warn!(?error, "coverage: queued batches could not be applied now; retrying"),
        }
        tokio::select! {
            _ = shutdown.changed() => return,
            _ = state.hub.coverage_wake.notified() => {}
            _ = tokio::time::sleep(std::time::Duration::from_millis(500)) => {}
        }
    }
}

/// A square's coverage, as the map shows it.
#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct SquareCoverage {
    /// The square.
    pub cell_id: i64,
    /// Share of the square inside the swept strips (0..1).
    pub geometric: f64,
    /// Effort coverage summed over sorties: ΣW×L÷A.
    pub effort: f64,
    /// Cumulative probability of detection: 1 − e^(−Σ C).
    pub pod: f64,
    /// How many sorties searched it.
    pub sorties: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn koopmans_formula_gives_the_textbook_figures() {
        for (c, expected) in [(0.5, 0.393), (1.0, 0.632), (2.0, 0.865)] {
            assert!((pod(c) - expected).abs() < 0.001, "C = {c}: {}", pod(c));
        }
        assert_eq!(pod(0.0), 0.0);
        // Two sorties of C = 1: 1 − (1 − 0.632)² = 1 − e^(−2).
        assert!((1.0 - (1.0 - pod(1.0)).powi(2) - pod(2.0)).abs() < 1e-12);
    }
}
