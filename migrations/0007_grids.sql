-- Search areas belong to an operation (older ones only to their case); an area is split into a
-- grid of squares in the metric projection of its UTM zone. A square keeps its indices in that
-- projection's grid, so regenerating the grid (a new cell size aside) finds the same squares
-- again and never renumbers one that has history.

ALTER TABLE search_areas ADD COLUMN operation_id uuid REFERENCES operations (id);
CREATE INDEX search_areas_operation_idx ON search_areas (operation_id);

CREATE TABLE grids (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    area_id     uuid NOT NULL REFERENCES search_areas (id),
    cell_size_m integer NOT NULL CHECK (cell_size_m BETWEEN 50 AND 2000),
    -- The UTM zone's EPSG code (326zz north, 327zz south) the squares are drawn in.
    srid        integer NOT NULL CHECK ((srid BETWEEN 32601 AND 32660) OR (srid BETWEEN 32701 AND 32760)),
    -- The grid indices of the first column and the top row when the grid was made: labels count
    -- from them, so squares added later (the area grew) fit the same lettering.
    first_i     integer NOT NULL,
    top_j       integer NOT NULL,
    created_by  uuid REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    -- A grid is replaced (a new cell size) rather than changed; the old one keeps its history.
    replaced_at timestamptz
);
CREATE UNIQUE INDEX grids_current_key ON grids (area_id) WHERE replaced_at IS NULL;

CREATE TABLE grid_cells (
    id        bigserial PRIMARY KEY,
    grid_id   uuid NOT NULL REFERENCES grids (id),
    i         integer NOT NULL,
    j         integer NOT NULL,
    -- The row from the top (0 = «А» / "A") and the column from the left (1, 2, ...).
    row_index integer NOT NULL CHECK (row_index >= 0),
    column_no integer NOT NULL CHECK (column_no >= 1),
    -- The square clipped to the area, in WGS 84 and in the grid's UTM projection.
    geom      geometry(MultiPolygon, 4326) NOT NULL,
    geom_utm  geometry NOT NULL,
    area_m2   double precision NOT NULL CHECK (area_m2 > 0),
    -- Outside the area now (the area was edited); kept for its history.
    retired_at timestamptz,
    UNIQUE (grid_id, i, j)
);
CREATE INDEX grid_cells_geom_idx ON grid_cells USING gist (geom);
CREATE INDEX grid_cells_geom_utm_idx ON grid_cells USING gist (geom_utm);
