-- When a group started and finished a task: the track its members recorded in between is that
-- task's sortie, searched with the task's sweep width.
ALTER TABLE tasks ADD COLUMN started_at timestamptz, ADD COLUMN finished_at timestamptz;
CREATE INDEX tasks_group_started_idx ON tasks (group_id, started_at) WHERE started_at IS NOT NULL;
