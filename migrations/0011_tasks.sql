-- Tasks of an operation: a group's assignment (squares, a route, or places from the card to
-- check), in the spirit of the ICS-204 assignment form; and each group's leader, who reports
-- the task's progress from the phone.

ALTER TABLE operation_groups ADD COLUMN leader_id uuid REFERENCES users (id);

CREATE TABLE tasks (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    operation_id  uuid NOT NULL REFERENCES operations (id),
    -- Numbered per operation: "task 3".
    number        integer NOT NULL CHECK (number >= 1),
    group_id      uuid REFERENCES operation_groups (id),
    title         text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    search_type   text NOT NULL CHECK (search_type IN ('hasty', 'line', 'road_patrol', 'address_check')),
    instructions  text CHECK (length(instructions) <= 4000),
    -- Overrides the operation's sweep width for this task's searching.
    sweep_width_m real CHECK (sweep_width_m > 0 AND sweep_width_m <= 500),
    route         geometry(LineString, 4326),
    status        text NOT NULL DEFAULT 'planned'
                  CHECK (status IN ('planned', 'assigned', 'in_progress', 'done', 'partly_done', 'cancelled')),
    status_reason text CHECK (length(status_reason) <= 2000),
    -- Where it stands in the order the coordinator wants tasks done.
    position      integer NOT NULL DEFAULT 0,
    created_by    uuid REFERENCES users (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (operation_id, number),
    -- "Partly done" says why.
    CHECK (status <> 'partly_done' OR status_reason IS NOT NULL)
);
CREATE INDEX tasks_group_idx ON tasks (group_id) WHERE status IN ('assigned', 'in_progress');

-- The squares of a task, in the order to search them.
CREATE TABLE task_squares (
    task_id  uuid NOT NULL REFERENCES tasks (id),
    cell_id  bigint NOT NULL REFERENCES grid_cells (id),
    position integer NOT NULL,
    PRIMARY KEY (task_id, cell_id)
);

-- The places from the card (addresses, points of attraction) a task checks.
CREATE TABLE task_places (
    task_id  uuid NOT NULL REFERENCES tasks (id),
    place_id uuid NOT NULL REFERENCES case_places (id),
    position integer NOT NULL,
    PRIMARY KEY (task_id, place_id)
);
