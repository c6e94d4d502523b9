-- Alerts the field raises by itself: a volunteer away from their task's squares or route for too
-- long, a group on a task not heard from for too long. A dispatcher acknowledges each; both the
-- alert and its acknowledgement go into the case's log.

ALTER TABLE operations
    -- Outside the task's squares or route (plus the margin) for this long raises an alert.
    ADD COLUMN off_task_after_s  integer NOT NULL DEFAULT 600 CHECK (off_task_after_s BETWEEN 10 AND 86400),
    ADD COLUMN off_task_margin_m real NOT NULL DEFAULT 50 CHECK (off_task_margin_m BETWEEN 0 AND 5000),
    -- A group on a task whose phones and trackers say nothing for this long raises an alert.
    ADD COLUMN silent_after_s    integer NOT NULL DEFAULT 1800 CHECK (silent_after_s BETWEEN 10 AND 86400);

CREATE TABLE field_alerts (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    operation_id    uuid NOT NULL REFERENCES operations (id),
    kind            text NOT NULL CHECK (kind IN ('off_task', 'silent_group')),
    task_id         uuid REFERENCES tasks (id),
    group_id        uuid REFERENCES operation_groups (id),
    volunteer_id    uuid REFERENCES users (id),
    -- Since when the condition holds (the last fix inside the task; the last word from the group).
    since           timestamptz NOT NULL,
    raised_at       timestamptz NOT NULL DEFAULT now(),
    -- The condition no longer holds (back inside; heard from again).
    cleared_at      timestamptz,
    acknowledged_at timestamptz,
    acknowledged_by uuid REFERENCES users (id),
    note            text CHECK (length(note) <= 2000),
    CHECK ((kind = 'off_task') = (volunteer_id IS NOT NULL))
);
-- One open alert of a kind for a volunteer (off task) or a group (silent).
CREATE UNIQUE INDEX field_alerts_open_key ON field_alerts (kind, coalesce(volunteer_id, group_id))
    WHERE acknowledged_at IS NULL AND cleared_at IS NULL;
CREATE INDEX field_alerts_operation_idx ON field_alerts (operation_id, raised_at);
