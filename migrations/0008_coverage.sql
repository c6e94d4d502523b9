-- Coverage of squares from the tracks of an operation's members: what counts as searching (the
-- operation's thresholds), the sweep width, and per square the swept area and each sortie's
-- track length. See docs/coverage.md for the definitions.

ALTER TABLE operations
    -- The width of the strip in which a searcher would detect the missing person, metres.
    ADD COLUMN sweep_width_m   real NOT NULL DEFAULT 20 CHECK (sweep_width_m > 0 AND sweep_width_m <= 500),
    -- Fixes less accurate than this do not count.
    ADD COLUMN max_accuracy_m  real NOT NULL DEFAULT 30 CHECK (max_accuracy_m > 0),
    -- Faster than this between two fixes is driving, not searching (m/s; 2.5 m/s = 9 km/h).
    ADD COLUMN max_speed_mps   real NOT NULL DEFAULT 2.5 CHECK (max_speed_mps > 0),
    -- Two fixes further apart in time than this are not joined by a straight line.
    ADD COLUMN max_gap_s       integer NOT NULL DEFAULT 120 CHECK (max_gap_s > 0);

-- Per square: the union of the counted track segments buffered by half the sweep width (in the
-- grid's projection), clipped to the square, and its share of the square.
CREATE TABLE square_coverage (
    cell_id     bigint PRIMARY KEY REFERENCES grid_cells (id),
    swept       geometry NOT NULL,
    geometric   double precision NOT NULL CHECK (geometric >= 0 AND geometric <= 1.000001),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Per square and sortie: the counted track length inside the square. A sortie is one group's
-- search (or one volunteer's, outside a group); with tasks, one group's search for one task.
CREATE TABLE square_sorties (
    cell_id       bigint NOT NULL REFERENCES grid_cells (id),
    sortie        text NOT NULL,
    group_id      uuid REFERENCES operation_groups (id),
    volunteer_id  uuid REFERENCES users (id),
    length_m      double precision NOT NULL CHECK (length_m >= 0),
    sweep_width_m real NOT NULL,
    first_at      timestamptz NOT NULL,
    last_at       timestamptz NOT NULL,
    PRIMARY KEY (cell_id, sortie)
);
