//! The probability of area (POA): where the missing person probably is. A coordinator sets each
//! square's POA before searching (by hand, or by distance rings from the last-seen point); after
//! searching, Bayes moves it: a searched square's POA falls by its POD and the others rise, the
//! total staying 1. With the squares' cumulative POD, the current POA is
//!
//!   POA(s) = POA₀(s) × (1 − POD(s)) ÷ Σₖ POA₀(k) × (1 − POD(k)),
//!
//! whatever the order of the sorties, so it is computed when read, never stored.

use serde::Deserialize;
use sqlx::PgConnection;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};

/// The current POA of squares from their initial POA and cumulative POD (Bayes).
pub fn updated(initial: &[f64], pod: &[f64]) -> Vec<f64> {
    let remaining: Vec<f64> = initial.iter().zip(pod).map(|(p, d)| p * (1.0 - d)).collect();
    let total: f64 = remaining.iter().sum();
    if total <= 0.0 {
        return initial.to_vec();
    }
    remaining.iter().map(|r| r / total).collect()
}

/// Distances (metres) within which 25%, 50%, 75% and 95% of lost people of a category are found,
/// from lost-person-behaviour statistics (rounded, flat temperate terrain): starting values the
/// coordinator edits.
pub fn default_rings(category: &str) -> [f64; 4] {
    match category {
        "child" => [300.0, 700.0, 1_200.0, 2_400.0],
        "teenager" => [800.0, 1_600.0, 3_000.0, 6_000.0],
        "elderly" => [500.0, 1_000.0, 1_800.0, 3_300.0],
        "dementia" => [300.0, 800.0, 1_600.0, 3_000.0],
        _ => [1_100.0, 2_000.0, 3_400.0, 6_000.0],
    }
}

/// Shares of the rings: 25% in each of the first three, 20% in the fourth, 5% beyond.
const RING_SHARES: [f64; 5] = [0.25, 0.25, 0.25, 0.20, 0.05];

/// A square's POA set by hand (a weight: the weights are scaled to add up to 1).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SquareWeight {
    /// The square.
    pub id: i64,
    /// Its weight (≥ 0).
    pub weight: f64,
}

async fn current_cells(conn: &mut PgConnection, operation: Uuid) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar(
        "SELECT c.id FROM grid_cells c JOIN grids g ON g.id = c.grid_id JOIN search_areas a ON a.id = g.area_id
         WHERE a.operation_id = $1 AND g.replaced_at IS NULL AND c.retired_at IS NULL",
    )
    .bind(operation)
    .fetch_all(conn)
    .await
}

/// Sets the initial POA by hand: the squares listed get their weight's share, the others none.
pub async fn set_by_hand(
    conn: &mut PgConnection,
    operation: Uuid,
    weights: &[SquareWeight],
    by: Uuid,
) -> ApiResult<()> {
    let cells = current_cells(conn, operation).await?;
    if let Some(bad) = weights.iter().find(|w| !w.weight.is_finite() || w.weight < 0.0) {
        return Err(ApiError::invalid_field("squares", format!("square {}: a weight is a number ≥ 0", bad.id)));
    }
    if let Some(stranger) = weights.iter().find(|w| !cells.contains(&w.id)) {
        return Err(ApiError::invalid_field(
            "squares",
            format!("square {} is not one of this operation's", stranger.id),
        ));
    }
    let total: f64 = weights.iter().map(|w| w.weight).sum();
    if total <= 0.0 {
        return Err(ApiError::invalid_field("squares", "give at least one square a weight above 0"));
    }
    let ids: Vec<i64> = cells.clone();
    let values: Vec<f64> =
        cells.iter().map(|c| weights.iter().filter(|w| w.id == *c).map(|w| w.weight).sum::<f64>() / total).collect();
    store(conn, &ids, &values, "manual", by).await
}

/// Sets the initial POA by distance rings around the case's last-seen point.
pub async fn set_by_rings(
    conn: &mut PgConnection,
    operation: Uuid,
    rings_m: Option<[f64; 4]>,
    by: Uuid,
) -> ApiResult<()> {
    let case: Option<(String, bool)> = sqlx::query_as(
        "SELECT c.category, c.last_seen_point IS NOT NULL FROM operations o JOIN cases c ON c.id = o.case_id WHERE o.id = $1",
    )
    .bind(operation)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((category, has_point)) = case else { return Err(ApiError::not_found("operation")) };
    if !has_point {
        return Err(ApiError::invalid("no_last_seen_point", "the case has no last-seen point to draw rings from"));
    }
    let rings = rings_m.unwrap_or_else(|| default_rings(&category));
    if !rings.iter().all(|r| r.is_finite() && *r > 0.0) || rings.windows(2).any(|w| w[0] >= w[1]) {
        return Err(ApiError::invalid_field("rings_m", "four growing distances in metres"));
    }
    // Each ring's share spread over the squares by the part of the ring inside each; the share
    // beyond the last ring over the squares' parts beyond it.
    let shares: Vec<(i64, f64)> = sqlx::query_as(
        "WITH p AS (SELECT c.last_seen_point AS point FROM operations o JOIN cases c ON c.id = o.case_id WHERE o.id = $1),
         cells AS (
             SELECT c.id, c.geom_utm, ST_Transform(p.point, g.srid) AS centre
             FROM grid_cells c JOIN grids g ON g.id = c.grid_id JOIN search_areas a ON a.id = g.area_id, p
             WHERE a.operation_id = $1 AND g.replaced_at IS NULL AND c.retired_at IS NULL),
         bounds AS (SELECT * FROM unnest($2::float8[], $3::float8[], $4::float8[]) AS r(inner_m, outer_m, share)),
         parts AS (
             SELECT cells.id, bounds.share,
                    ST_Area(ST_Intersection(cells.geom_utm,
                        CASE WHEN bounds.outer_m IS NULL THEN ST_Difference(ST_Expand(cells.geom_utm, 1), ST_Buffer(cells.centre, bounds.inner_m, 64))
                             WHEN bounds.inner_m = 0 THEN ST_Buffer(cells.centre, bounds.outer_m, 64)
                             ELSE ST_Difference(ST_Buffer(cells.centre, bounds.outer_m, 64), ST_Buffer(cells.centre, bounds.inner_m, 64)) END)) AS inside,
                    bounds.inner_m
             FROM cells, bounds),
         totals AS (SELECT inner_m, sum(inside) AS ring_total FROM parts GROUP BY inner_m)
         SELECT parts.id, sum(CASE WHEN totals.ring_total > 0 THEN parts.share * parts.inside / totals.ring_total ELSE 0 END)
         FROM parts JOIN totals USING (inner_m) GROUP BY parts.id",
    )
    .bind(operation)
    .bind([0.0, rings[0], rings[1], rings[2], rings[3]].to_vec())
    .bind([Some(rings[0]), Some(rings[1]), Some(rings[2]), Some(rings[3]), None].to_vec())
    .bind(RING_SHARES.to_vec())
    .fetch_all(&mut *conn)
    .await?;
    let total: f64 = shares.iter().map(|(_, s)| s).sum();
    if total <= 0.0 {
        return Err(ApiError::invalid("no_squares", "the operation has no squares yet: draw them first"));
    }
    let ids: Vec<i64> = shares.iter().map(|(id, _)| *id).collect();
    let values: Vec<f64> = shares.iter().map(|(_, s)| s / total).collect();
    store(conn, &ids, &values, "rings", by).await
}

async fn store(conn: &mut PgConnection, ids: &[i64], values: &[f64], method: &str, by: Uuid) -> ApiResult<()> {
    sqlx::query(
        "INSERT INTO square_poa (cell_id, initial, method, set_by)
         SELECT id, least(greatest(v, 0), 1), $3, $4 FROM unnest($1::bigint[], $2::float8[]) AS t(id, v)
         ON CONFLICT (cell_id) DO UPDATE SET initial = EXCLUDED.initial, method = EXCLUDED.method,
             set_by = EXCLUDED.set_by, set_at = now()",
    )
    .bind(ids)
    .bind(values)
    .bind(method)
    .bind(by)
    .execute(conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_moves_probability_out_of_the_searched_square_and_the_total_stays_one() {
        let initial = [0.5, 0.3, 0.2];
        let after = updated(&initial, &[0.8, 0.0, 0.0]);
        assert!((after.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        // 0.5 × 0.2 = 0.1 left there; 0.1 + 0.3 + 0.2 = 0.6.
        assert!((after[0] - 0.1 / 0.6).abs() < 1e-12);
        assert!(after[1] > initial[1] && after[2] > initial[2]);
        // Searching in two steps is searching once with the combined POD.
        let twice = updated(&updated(&initial, &[0.5, 0.0, 0.0]), &[0.6, 0.0, 0.0]);
        assert!(twice.iter().zip(&after).all(|(a, b)| (a - b).abs() < 1e-12));
    }

    #[test]
    fn nothing_searched_changes_nothing() {
        assert_eq!(updated(&[0.25, 0.75], &[0.0, 0.0]), vec![0.25, 0.75]);
    }
}
