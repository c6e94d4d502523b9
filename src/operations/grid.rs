//! Grid squares over a search area, drawn in PostGIS in the metric projection of the area's UTM
//! zone (`ST_SquareGrid`, whose indices count from the projection's origin, so the same area
//! and cell size always give the same squares), clipped to the area, each with a stable label:
//! a letter row from the top and a number column from the left («Б-7»; "B-7" in English).

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::value::RawValue;
use sqlx::PgConnection;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};

/// The default side of a square, metres.
pub const DEFAULT_CELL_SIZE_M: i32 = 250;
/// The smallest and largest side a coordinator may choose, metres.
pub const CELL_SIZE_RANGE_M: std::ops::RangeInclusive<i32> = 50..=2000;

/// Row letters in Russian: the alphabet without Ё, Й, Ъ, Ы, Ь (easily confused or never first).
const RUSSIAN_ROWS: [char; 28] = [
    'А', 'Б', 'В', 'Г', 'Д', 'Е', 'Ж', 'З', 'И', 'К', 'Л', 'М', 'Н', 'О', 'П', 'Р', 'С', 'Т', 'У', 'Ф', 'Х', 'Ц', 'Ч',
    'Ш', 'Щ', 'Э', 'Ю', 'Я',
];
/// Row letters in English: A to Z.
const LATIN_ROWS: [char; 26] = [
    'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', 'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W',
    'X', 'Y', 'Z',
];

/// The letters of row `index` (0 = the top row): А…Я, then АА, АБ… (A…Z, AA, AB… in English).
pub fn row_letters(index: u32, language: &str) -> String {
    let alphabet: &[char] = if language == "ru" { &RUSSIAN_ROWS } else { &LATIN_ROWS };
    let base = alphabet.len() as u32;
    // Bijective numbering, as spreadsheet columns are lettered.
    let mut n = index + 1;
    let mut letters = Vec::new();
    while n > 0 {
        n -= 1;
        letters.push(alphabet[(n % base) as usize]);
        n /= base;
    }
    letters.iter().rev().collect()
}

/// A square's label, «Б-7».
pub fn label(row_index: u32, column_no: u32, language: &str) -> String {
    format!("{}-{column_no}", row_letters(row_index, language))
}

/// The EPSG code of the UTM zone around a point: 326zz in the north, 327zz in the south.
pub fn utm_srid(lat: f64, lon: f64) -> i32 {
    let zone = (((lon + 180.0) / 6.0).floor() as i32).clamp(0, 59) + 1;
    if lat >= 0.0 {
        32600 + zone
    } else {
        32700 + zone
    }
}

/// A grid as the console shows it.
#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct Grid {
    /// Its id.
    pub id: Uuid,
    /// The area it covers.
    pub area_id: Uuid,
    /// The side of a square, metres.
    pub cell_size_m: i32,
    /// The UTM zone's EPSG code it is drawn in.
    pub srid: i32,
    /// How many squares it has now.
    pub squares: i64,
    /// When it was made.
    pub created_at: DateTime<Utc>,
}

async fn find(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Grid> {
    sqlx::query_as(
        "SELECT g.id, g.area_id, g.cell_size_m, g.srid, g.created_at,
                (SELECT count(*) FROM grid_cells c WHERE c.grid_id = g.id AND c.retired_at IS NULL) AS squares
         FROM grids g WHERE g.id = $1",
    )
    .bind(id)
    .fetch_one(conn)
    .await
}

/// Draws (or redraws) the squares of an area. The same cell size keeps the grid: squares still
/// in the area keep their ids and labels, new ones are added, those now outside are retired. A
/// new cell size replaces the grid (the old one keeps its squares and their history).
pub async fn generate(conn: &mut PgConnection, area: Uuid, cell_size_m: i32, by: Option<Uuid>) -> ApiResult<Grid> {
    if !CELL_SIZE_RANGE_M.contains(&cell_size_m) {
        return Err(ApiError::invalid_field("cell_size_m", "a square's side is 50 to 2,000 metres"));
    }
    let centre: Option<(f64, f64)> = sqlx::query_as(
        "SELECT ST_Y(ST_Centroid(geom)), ST_X(ST_Centroid(geom)) FROM search_areas WHERE id = $1 FOR UPDATE",
    )
    .bind(area)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((lat, lon)) = centre else { return Err(ApiError::not_found("area")) };
    let srid = utm_srid(lat, lon);
    let current: Option<(Uuid, i32)> =
        sqlx::query_as("SELECT id, cell_size_m FROM grids WHERE area_id = $1 AND replaced_at IS NULL")
            .bind(area)
            .fetch_optional(&mut *conn)
            .await?;
    let squares = "SELECT s.i, s.j, ST_CollectionExtract(ST_Intersection(s.geom, a.g), 3) AS clipped
         FROM (SELECT ST_Transform(geom, $2) AS g FROM search_areas WHERE id = $1) a,
              ST_SquareGrid($3, a.g) s
         WHERE ST_Intersects(s.geom, a.g)";
    let grid = match current {
        Some((grid, size)) if size == cell_size_m => grid,
        _ => {
            if let Some((old, _)) = current {
                sqlx::query("UPDATE grids SET replaced_at = now() WHERE id = $1").bind(old).execute(&mut *conn).await?;
            }
            sqlx::query_scalar(&format!(
                "WITH s AS ({squares})
                 INSERT INTO grids (area_id, cell_size_m, srid, first_i, top_j, created_by)
                 SELECT $1, $3::int, $2, min(i), max(j), $4 FROM s
                 RETURNING id"
            ))
            .bind(area)
            .bind(srid)
            .bind(f64::from(cell_size_m))
            .bind(by)
            .fetch_one(&mut *conn)
            .await?
        }
    };
    // Squares of the grid's own projection (an area edited across a zone line keeps its grid).
    let (grid_srid, first_i, top_j): (i32, i32, i32) =
        sqlx::query_as("SELECT srid, first_i, top_j FROM grids WHERE id = $1").bind(grid).fetch_one(&mut *conn).await?;
    sqlx::query(&format!(
        "WITH s AS ({squares}), kept AS (SELECT * FROM s WHERE ST_Area(clipped) >= 1)
         INSERT INTO grid_cells (grid_id, i, j, row_index, column_no, geom, geom_utm, area_m2)
         SELECT $4, i, j, $6 - j, i - $5 + 1, ST_Multi(ST_Transform(clipped, 4326)), clipped, ST_Area(clipped)
         FROM kept
         WHERE $6 - j >= 0 AND i - $5 + 1 >= 1
         ON CONFLICT (grid_id, i, j) DO UPDATE SET geom = EXCLUDED.geom, geom_utm = EXCLUDED.geom_utm,
             area_m2 = EXCLUDED.area_m2, retired_at = NULL"
    ))
    .bind(area)
    .bind(grid_srid)
    .bind(f64::from(cell_size_m))
    .bind(grid)
    .bind(first_i)
    .bind(top_j)
    .execute(&mut *conn)
    .await?;
    // The squares are drawn once (MATERIALIZED), not again for each square checked.
    sqlx::query(&format!(
        "WITH s AS MATERIALIZED ({squares}), kept AS (SELECT i, j FROM s WHERE ST_Area(clipped) >= 1)
         UPDATE grid_cells c SET retired_at = now()
         WHERE c.grid_id = $4 AND c.retired_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM kept WHERE kept.i = c.i AND kept.j = c.j)"
    ))
    .bind(area)
    .bind(grid_srid)
    .bind(f64::from(cell_size_m))
    .bind(grid)
    .execute(&mut *conn)
    .await?;
    Ok(find(conn, grid).await?)
}

/// The current squares of an operation's areas as a GeoJSON FeatureCollection, labelled in
/// `language`.
pub async fn squares(conn: &mut PgConnection, operation: Uuid, language: &str) -> sqlx::Result<Squares> {
    #[derive(sqlx::FromRow)]
    struct Square {
        id: i64,
        area_id: Uuid,
        row_index: i32,
        column_no: i32,
        area_m2: f64,
        geometry: String,
        geometric: f64,
        effort: f64,
        sorties: i64,
        poa_initial: Option<f64>,
        area_name: String,
        cell_size_m: i32,
    }
    // The outlines go out as PostGIS writes them: 5,000 squares' GeoJSON parsed and written again
    // took longer than the query.
    let rows: Vec<Square> = sqlx::query_as(
        "SELECT c.id, g.area_id, c.row_index, c.column_no, c.area_m2, ST_AsGeoJSON(c.geom, 7) AS geometry,
                coalesce(sc.geometric, 0) AS geometric, so.effort, so.sorties, sp.initial AS poa_initial,
                a.name AS area_name, g.cell_size_m
         FROM grid_cells c JOIN grids g ON g.id = c.grid_id JOIN search_areas a ON a.id = g.area_id
         LEFT JOIN square_coverage sc ON sc.cell_id = c.id
         LEFT JOIN square_poa sp ON sp.cell_id = c.id
         CROSS JOIN LATERAL (
             SELECT count(*) AS sorties, coalesce(sum(s.sweep_width_m * s.length_m), 0) / c.area_m2 AS effort
             FROM square_sorties s WHERE s.cell_id = c.id) so
         WHERE a.operation_id = $1 AND g.replaced_at IS NULL AND c.retired_at IS NULL
         ORDER BY a.created_at, c.row_index, c.column_no",
    )
    .bind(operation)
    .fetch_all(conn)
    .await?;
    // The current POA: the initial one moved by Bayes with each square's POD (all squares at once).
    let pods: Vec<f64> = rows.iter().map(|s| super::coverage::pod(s.effort)).collect();
    let any_poa = rows.iter().any(|s| s.poa_initial.is_some());
    let initial: Vec<f64> = rows.iter().map(|s| s.poa_initial.unwrap_or(0.0)).collect();
    let current = super::probability::updated(&initial, &pods);
    let mut features = Vec::with_capacity(rows.len());
    for (s, (pod, poa)) in rows.into_iter().zip(pods.into_iter().zip(current)) {
        let (poa, pos) = if any_poa { (Some(poa), Some(s.poa_initial.unwrap_or(0.0) * pod)) } else { (None, None) };
        let geometry = RawValue::from_string(s.geometry).map_err(|error| sqlx::Error::Decode(Box::new(error)))?;
        features.push(SquareFeature {
            r#type: "Feature",
            id: s.id,
            geometry,
            properties: SquareProperties {
                kind: "square",
                id: s.id,
                area_id: s.area_id,
                area_name: s.area_name,
                cell_size_m: s.cell_size_m,
                label: label(s.row_index as u32, s.column_no as u32, language),
                row: s.row_index,
                column: s.column_no,
                area_m2: s.area_m2,
                geometric: s.geometric,
                effort: s.effort,
                pod,
                sorties: s.sorties,
                poa_initial: s.poa_initial,
                poa,
                pos,
            },
        });
    }
    Ok(Squares { r#type: "FeatureCollection", features })
}

/// An operation's squares: a GeoJSON FeatureCollection.
#[derive(Serialize)]
pub struct Squares {
    r#type: &'static str,
    /// One per square.
    pub features: Vec<SquareFeature>,
}

/// A square with its label and coverage.
#[derive(Serialize)]
pub struct SquareFeature {
    r#type: &'static str,
    id: i64,
    geometry: Box<RawValue>,
    /// What the console shows of it.
    pub properties: SquareProperties,
}

/// A square's label, place and coverage.
#[derive(Serialize)]
pub struct SquareProperties {
    kind: &'static str,
    id: i64,
    area_id: Uuid,
    area_name: String,
    cell_size_m: i32,
    label: String,
    row: i32,
    column: i32,
    area_m2: f64,
    geometric: f64,
    effort: f64,
    pod: f64,
    sorties: i64,
    poa_initial: Option<f64>,
    poa: Option<f64>,
    pos: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_lettered_from_the_top_and_go_on_with_two_letters() {
        assert_eq!(label(0, 1, "ru"), "А-1");
        assert_eq!(label(1, 7, "ru"), "Б-7");
        assert_eq!(label(1, 7, "en"), "B-7");
        assert_eq!(row_letters(27, "ru"), "Я");
        assert_eq!(row_letters(28, "ru"), "АА");
        assert_eq!(row_letters(25, "en"), "Z");
        assert_eq!(row_letters(26, "en"), "AA");
        assert_eq!(row_letters(26 + 26 * 26, "en"), "AAA");
    }

    #[test]
    fn the_utm_zone_follows_longitude_and_hemisphere() {
        assert_eq!(utm_srid(56.1, 36.8), 32637);
        assert_eq!(utm_srid(56.1, 35.99), 32636);
        assert_eq!(utm_srid(-33.92, 18.42), 32734);
        assert_eq!(utm_srid(0.0, -180.0), 32601);
        assert_eq!(utm_srid(10.0, 180.0), 32660);
    }
}
