-- The search leader of an operation, each group's radio channel or call signs, and the
-- equipment handed to a group (and taken back).

ALTER TABLE operations ADD COLUMN leader_id uuid REFERENCES users (id);
ALTER TABLE operation_groups ADD COLUMN radio text CHECK (length(radio) <= 200);

CREATE TABLE group_equipment (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    group_id    uuid NOT NULL REFERENCES operation_groups (id),
    item        text NOT NULL CHECK (length(item) BETWEEN 1 AND 200),
    quantity    integer NOT NULL DEFAULT 1 CHECK (quantity BETWEEN 1 AND 10000),
    issued_at   timestamptz NOT NULL DEFAULT now(),
    issued_by   uuid REFERENCES users (id),
    returned_at timestamptz,
    returned_by uuid REFERENCES users (id)
);
CREATE INDEX group_equipment_group_idx ON group_equipment (group_id);
