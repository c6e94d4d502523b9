//! Coverage of squares from the tracks of an operation's members, computed in PostGIS (see
//! docs/coverage.md for the definitions and a worked example):
//!
//! - a *segment* joins two consecutive fixes of one volunteer, while they were in the
//!   operation, if both are accurate enough, the pause between them is short enough, and the
//!   speed is a walking one (so driving, noise and signal gaps do not count);
//! - *geometric coverage* of a square: the share of it inside the union of its segments
//!   buffered by half the sweep width;
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

/// The counted segments of an operation's members, in WGS 84, with the squares near them.
/// Parameters: $1 the operation.
const PIECES: &str = "
op AS (SELECT id, sweep_width_m AS w, max_accuracy_m, max_speed_mps, max_gap_s FROM operations WHERE id = $1),
cells AS (
    SELECT c.id, c.geom, c.geom_utm, c.area_m2, g.srid
    FROM grid_cells c JOIN grids g ON g.id = c.grid_id JOIN search_areas a ON a.id = g.area_id
    WHERE a.operation_id = $1 AND g.replaced_at IS NULL AND c.retired_at IS NULL),
members AS (
    SELECT volunteer_id, group_id, joined_at, coalesce(left_at, 'infinity') AS left_at
    FROM operation_members WHERE operation_id = $1),
fixes AS (
    SELECT m.volunteer_id, m.group_id, ST_Force2D(d.geom) AS pt, ST_M(d.geom) AS t,
           c.accuracy[coalesce(d.path[1], 1)] AS accuracy
    FROM members m
    JOIN track_chunks c ON c.volunteer_id = m.volunteer_id AND c.last_at >= m.joined_at AND c.first_at <= m.left_at,
         ST_DumpPoints(c.fixes) d
    WHERE ST_M(d.geom) BETWEEN extract(epoch FROM m.joined_at) AND extract(epoch FROM m.left_at)),
ordered AS (
    SELECT f.*, lag(pt) OVER w AS prev_pt, lag(t) OVER w AS prev_t, lag(accuracy) OVER w AS prev_accuracy,
           lag(group_id) OVER w AS prev_group
    FROM fixes f WINDOW w AS (PARTITION BY volunteer_id ORDER BY t)),
segments AS (
    SELECT o.volunteer_id, o.group_id, ST_MakeLine(o.prev_pt, o.pt) AS line, o.prev_t AS t0, o.t AS t1
    FROM ordered o, op
    WHERE o.prev_pt IS NOT NULL AND o.t > o.prev_t AND o.t - o.prev_t <= op.max_gap_s
      AND o.group_id IS NOT DISTINCT FROM o.prev_group
      AND coalesce(o.accuracy, 0) <= op.max_accuracy_m AND coalesce(o.prev_accuracy, 0) <= op.max_accuracy_m
      AND ST_Distance(o.prev_pt::geography, o.pt::geography) / (o.t - o.prev_t) <= op.max_speed_mps),
pieces AS (
    SELECT c.id AS cell_id, c.geom_utm, c.area_m2, s.volunteer_id, s.group_id, s.t0, s.t1, op.w,
           ST_Transform(ST_SetSRID(s.line, 4326), c.srid) AS line_utm
    FROM segments s
    CROSS JOIN op
    JOIN cells c ON c.geom && ST_Expand(ST_SetSRID(s.line, 4326), op.w / 50000.0)
)";

/// Computes the coverage of every square of an operation again, from all its members' tracks:
/// after a change of sweep width or thresholds, and to check the incremental path.
pub async fn recompute(conn: &mut PgConnection, operation: Uuid) -> sqlx::Result<()> {
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
    sqlx::query(&format!(
        "WITH {PIECES},
         inside AS (
             SELECT cell_id, group_id, CASE WHEN group_id IS NULL THEN volunteer_id END AS alone, w, t0, t1,
                    ST_Length(ST_Intersection(line_utm, geom_utm)) AS length_m
             FROM pieces)
         INSERT INTO square_sorties (cell_id, sortie, group_id, volunteer_id, length_m, sweep_width_m, first_at, last_at)
         SELECT cell_id, coalesce('group:' || group_id::text, 'volunteer:' || alone::text), group_id, alone,
                sum(length_m), min(w), to_timestamp(min(t0)), to_timestamp(max(t1))
         FROM inside WHERE length_m > 0
         GROUP BY cell_id, group_id, alone"
    ))
    .bind(operation)
    .execute(&mut *conn)
    .await?;
    sqlx::query(&format!(
        "WITH {PIECES},
         near AS (SELECT * FROM pieces WHERE ST_DWithin(line_utm, geom_utm, w / 2)),
         strips AS (SELECT cell_id, ST_Union(ST_Buffer(line_utm, w / 2)) AS strips FROM near GROUP BY cell_id)
         INSERT INTO square_coverage (cell_id, swept, geometric)
         SELECT s.cell_id, x.swept, least(ST_Area(x.swept) / c.area_m2, 1)
         FROM strips s JOIN grid_cells c ON c.id = s.cell_id,
              LATERAL (SELECT ST_CollectionExtract(ST_Intersection(s.strips, c.geom_utm), 3) AS swept) x
         WHERE NOT ST_IsEmpty(x.swept)"
    ))
    .bind(operation)
    .execute(&mut *conn)
    .await?;
    Ok(())
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
