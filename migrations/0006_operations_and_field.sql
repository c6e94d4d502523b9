-- Search operations (the field work under a case), their groups and who is in them; alerts and
-- messages to volunteers with their read receipts and answers; reports and photos sent from the
-- field. The operations' areas, squares, tasks and coverage come later on top of these.

CREATE TABLE operations (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    case_id          uuid NOT NULL REFERENCES cases (id),
    name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    status           text NOT NULL DEFAULT 'active' CHECK (status IN ('planned', 'active', 'suspended', 'finished')),
    meeting_point_id uuid REFERENCES meeting_points (id),
    created_by       uuid REFERENCES users (id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    finished_at      timestamptz
);
CREATE INDEX operations_case_idx ON operations (case_id);

CREATE TABLE operation_groups (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    operation_id uuid NOT NULL REFERENCES operations (id),
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    -- What the group is to do, as the coordinator wrote it; shown on the members' phones.
    instructions text CHECK (length(instructions) <= 4000),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX operation_groups_name_key ON operation_groups (operation_id, lower(name));

-- Who took part, and when: a volunteer is in at most one operation at a time. Leaving ends the
-- row (left_at); rows are never deleted, so an operation's tracks can be told apart later.
CREATE TABLE operation_members (
    id           bigserial PRIMARY KEY,
    operation_id uuid NOT NULL REFERENCES operations (id),
    volunteer_id uuid NOT NULL REFERENCES users (id),
    group_id     uuid REFERENCES operation_groups (id),
    joined_at    timestamptz NOT NULL DEFAULT now(),
    left_at      timestamptz,
    added_by     uuid REFERENCES users (id),
    CHECK (left_at IS NULL OR left_at >= joined_at)
);
CREATE UNIQUE INDEX operation_members_current_key ON operation_members (volunteer_id) WHERE left_at IS NULL;
CREATE INDEX operation_members_operation_idx ON operation_members (operation_id);

-- An alert or a message to volunteers, and each recipient's delivery, read receipt and answer.
CREATE TABLE alerts (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    case_id      uuid REFERENCES cases (id),
    operation_id uuid REFERENCES operations (id),
    text         text NOT NULL CHECK (length(text) BETWEEN 1 AND 4000),
    location     geometry(Point, 4326),
    urgent       boolean NOT NULL DEFAULT false,
    asks_answer  boolean NOT NULL DEFAULT false,
    -- Whom it was meant for, as the sender chose ({"operation": …, "group": …, "volunteers": […]}).
    audience     jsonb NOT NULL DEFAULT '{}'::jsonb,
    sent_by      uuid REFERENCES users (id),
    sent_by_name text NOT NULL,
    sent_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX alerts_operation_idx ON alerts (operation_id, sent_at);

CREATE TABLE alert_recipients (
    alert_id     uuid NOT NULL REFERENCES alerts (id),
    volunteer_id uuid NOT NULL REFERENCES users (id),
    delivered_at timestamptz,
    read_at      timestamptz,
    answer       text CHECK (answer IN ('going', 'cant')),
    eta          timestamptz,
    answered_at  timestamptz,
    PRIMARY KEY (alert_id, volunteer_id)
);
CREATE INDEX alert_recipients_volunteer_idx ON alert_recipients (volunteer_id, alert_id);

-- Reports from the phone: the phone chooses the id, so a resent report is stored once.
CREATE TABLE field_reports (
    id           uuid PRIMARY KEY,
    volunteer_id uuid NOT NULL REFERENCES users (id),
    device_id    uuid REFERENCES devices (id),
    case_id      uuid NOT NULL REFERENCES cases (id),
    entry_id     bigint NOT NULL REFERENCES journal_entries (id),
    written_at   timestamptz NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now()
);

-- Photos from the field (a clue, a place), each with its entry in the case's log. Not the
-- missing person's photos, which are the card's (case_photos).
CREATE TABLE field_photos (
    id           uuid PRIMARY KEY,
    case_id      uuid NOT NULL REFERENCES cases (id),
    volunteer_id uuid NOT NULL REFERENCES users (id),
    device_id    uuid REFERENCES devices (id),
    entry_id     bigint NOT NULL REFERENCES journal_entries (id),
    content_type text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png')),
    bytes        bytea NOT NULL,
    thumbnail    bytea NOT NULL,
    sha256       bytea NOT NULL,
    width        integer NOT NULL,
    height       integer NOT NULL,
    taken_at     timestamptz,
    location     geometry(Point, 4326),
    uploaded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX field_photos_case_idx ON field_photos (case_id);

-- A report from the phone is written by a volunteer and is kept apart from the dispatchers' notes.
ALTER TABLE journal_entries DROP CONSTRAINT journal_entries_kind_check;
ALTER TABLE journal_entries ADD CONSTRAINT journal_entries_kind_check CHECK (kind IN ('note', 'call', 'dispatch', 'vehicle',
    'equipment_issued', 'equipment_returned', 'clue', 'status_change', 'alert_sent', 'police_note', 'task', 'card_update',
    'handoff', 'field_report', 'operation'));
