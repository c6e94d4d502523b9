-- The probability of area (POA) of each square before any search: set by the coordinator, or
-- spread by distance rings from the last-seen point. The current POA follows from it and the
-- squares' POD by Bayes (docs/coverage.md), so it is computed, not stored.
CREATE TABLE square_poa (
    cell_id  bigint PRIMARY KEY REFERENCES grid_cells (id),
    initial  double precision NOT NULL CHECK (initial >= 0 AND initial <= 1),
    method   text NOT NULL CHECK (method IN ('manual', 'rings')),
    set_by   uuid REFERENCES users (id),
    set_at   timestamptz NOT NULL DEFAULT now()
);
