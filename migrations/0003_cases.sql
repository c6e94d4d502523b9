-- Cases: reports (обращения), the full missing-person card, its lifecycle, the incident log
-- (журнал), auto-started checklists, incoming calls from telephony, police units.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- A phone number reduced to its digits, the Russian trunk prefix normalised: 8XXXXXXXXXX, and
-- any ten-digit number XXXXXXXXXX (a number typed without its country code, mobile or
-- landline), become 7XXXXXXXXXX, so "+7 (916) 123-45-67", "8 916 1234567", "9161234567" and
-- "(495) 123-45-67" against "74951234567" match.
CREATE FUNCTION phone_key(phone text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN d = '' THEN NULL
        WHEN length(d) = 11 AND left(d, 1) = '8' THEN '7' || substr(d, 2)
        WHEN length(d) = 10 THEN '7' || d
        ELSE d END
    FROM (SELECT regexp_replace(coalesce(phone, ''), '[^0-9]', '', 'g') AS d) digits
$$;

-- Police liaisons belong to a police unit; cases are shared with units or with one person.
ALTER TABLE users ADD COLUMN police_unit text CHECK (length(police_unit) BETWEEN 1 AND 200);

-- The full card. Statuses and the first columns come from 0002.
ALTER TABLE cases
    ADD COLUMN person_phone        text,
    ADD COLUMN height_cm           integer CHECK (height_cm BETWEEN 30 AND 250),
    ADD COLUMN build               text,
    ADD COLUMN special_marks       text,
    ADD COLUMN health              text,
    ADD COLUMN medication          text,
    ADD COLUMN mental_state        text,
    ADD COLUMN weather             text NOT NULL DEFAULT 'normal' CHECK (weather IN ('normal', 'cold', 'hot', 'rain', 'storm')),
    ADD COLUMN contacts            jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(contacts) = 'array'),
    ADD COLUMN police_unit         text,
    ADD COLUMN police_case_number  text,
    ADD COLUMN situation           text,
    ADD COLUMN urgency             text NOT NULL DEFAULT 'normal' CHECK (urgency IN ('critical', 'high', 'normal')),
    ADD COLUMN urgency_reasons     text[] NOT NULL DEFAULT '{}',
    ADD COLUMN urgency_override    text CHECK (urgency_override IN ('critical', 'high', 'normal')),
    ADD COLUMN urgency_override_reason text,
    ADD COLUMN outcome             text CHECK (outcome IN ('found_alive', 'found_dead', 'found_by_police', 'returned_home', 'not_found', 'cancelled')),
    ADD COLUMN closed_at           timestamptz,
    ADD COLUMN search_started_at   timestamptz,
    ADD COLUMN version             integer NOT NULL DEFAULT 1,
    ADD CONSTRAINT cases_closed_has_outcome CHECK ((status = 'closed') = (outcome IS NOT NULL));
CREATE INDEX cases_name_trgm_idx ON cases USING gin (full_name gin_trgm_ops);
CREATE INDEX cases_phone_idx ON cases (phone_key(person_phone));
CREATE INDEX cases_created_idx ON cases (created_at);
-- Russian and English words of the card, for the console's search box.
CREATE INDEX cases_text_idx ON cases USING gin ((
    to_tsvector('russian', coalesce(full_name, '') || ' ' || coalesce(circumstances, '') || ' ' || coalesce(appearance, '') || ' ' ||
                           coalesce(clothing, '') || ' ' || coalesce(last_seen_address, '') || ' ' || coalesce(number, ''))
 || to_tsvector('english', coalesce(full_name, '') || ' ' || coalesce(circumstances, '') || ' ' || coalesce(appearance, '') || ' ' ||
                           coalesce(clothing, '') || ' ' || coalesce(last_seen_address, ''))));

-- Case numbers run per year: 2026-0001, 2026-0002, ...
CREATE TABLE case_number_counters (year integer PRIMARY KEY, last integer NOT NULL);

-- Places the person is likely to go (точки притяжения).
CREATE TABLE case_places (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    case_id    uuid NOT NULL REFERENCES cases (id),
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
    address    text,
    point      geometry(Point, 4326),
    note       text,
    checked    boolean NOT NULL DEFAULT false,
    checked_at timestamptz,
    checked_by uuid REFERENCES users (id),
    position   integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX case_places_case_idx ON case_places (case_id, position);

-- Every move of a case between statuses: who, when, why.
CREATE TABLE case_transitions (
    id          bigserial PRIMARY KEY,
    case_id     uuid NOT NULL REFERENCES cases (id),
    from_status text,
    to_status   text NOT NULL,
    outcome     text,
    reason      text,
    by_user     uuid REFERENCES users (id),
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX case_transitions_case_idx ON case_transitions (case_id, id);

-- Incoming reports (обращения): most never become a search.
CREATE TABLE reports (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    number          text NOT NULL UNIQUE,
    channel         text NOT NULL CHECK (channel IN ('phone', 'sms', 'email', 'walk_in', 'police', 'web_form')),
    caller_name     text,
    caller_phone    text,
    caller_location geometry(Point, 4326),
    received_at     timestamptz NOT NULL DEFAULT now(),
    registered_at   timestamptz NOT NULL DEFAULT now(),
    registered_by   uuid REFERENCES users (id),
    text            text NOT NULL DEFAULT '',
    call_id         text,
    outcome         text CHECK (outcome IN ('information_only', 'duplicate', 'passed_to_police', 'linked_to_case', 'became_case')),
    outcome_note    text,
    outcome_at      timestamptz,
    outcome_by      uuid REFERENCES users (id),
    case_id         uuid REFERENCES cases (id),
    duplicate_of    uuid REFERENCES reports (id),
    CONSTRAINT reports_case_outcome CHECK ((outcome IN ('linked_to_case', 'became_case')) = (case_id IS NOT NULL))
);
CREATE INDEX reports_phone_idx ON reports (phone_key(caller_phone));
CREATE INDEX reports_received_idx ON reports (received_at);
CREATE INDEX reports_open_idx ON reports (received_at) WHERE outcome IS NULL;
-- One report per telephony call: a double submission is the same report.
CREATE UNIQUE INDEX reports_call_key ON reports (call_id) WHERE call_id IS NOT NULL;
CREATE TABLE report_number_counters (year integer PRIMARY KEY, last integer NOT NULL);

-- Calls announced by the telephony hook; a PBX that retries sends the same call id again.
CREATE TABLE incoming_calls (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    call_id       text NOT NULL UNIQUE CHECK (length(call_id) BETWEEN 1 AND 200),
    caller_number text NOT NULL,
    location      geometry(Point, 4326),
    line          text,
    received_at   timestamptz NOT NULL DEFAULT now(),
    received_by   uuid REFERENCES users (id),
    report_id     uuid REFERENCES reports (id)
);

-- The incident log (журнал): append-only. A correction is a new entry pointing at the one it
-- corrects; nothing is edited or deleted.
CREATE TABLE journal_entries (
    id          bigserial PRIMARY KEY,
    case_id     uuid NOT NULL REFERENCES cases (id),
    at          timestamptz NOT NULL DEFAULT now(),
    author_id   uuid REFERENCES users (id),
    author_name text NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('note', 'call', 'dispatch', 'vehicle', 'equipment_issued', 'equipment_returned',
                                             'clue', 'status_change', 'alert_sent', 'police_note', 'task', 'card_update', 'handoff')),
    text        text NOT NULL CHECK (length(text) BETWEEN 1 AND 10000),
    location    geometry(Point, 4326),
    corrects_id bigint REFERENCES journal_entries (id),
    details     jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX journal_entries_case_idx ON journal_entries (case_id, id);
CREATE INDEX journal_entries_corrects_idx ON journal_entries (corrects_id) WHERE corrects_id IS NOT NULL;

-- History tables refuse changes (the application's role also lacks the privileges: db::prepare).
CREATE FUNCTION append_only_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % is not allowed; add a correcting entry instead', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER journal_no_change BEFORE UPDATE OR DELETE ON journal_entries FOR EACH ROW EXECUTE FUNCTION append_only_refuse_change();
CREATE TRIGGER journal_no_truncate BEFORE TRUNCATE ON journal_entries FOR EACH STATEMENT EXECUTE FUNCTION append_only_refuse_change();
CREATE TRIGGER transitions_no_change BEFORE UPDATE OR DELETE ON case_transitions FOR EACH ROW EXECUTE FUNCTION append_only_refuse_change();
CREATE TRIGGER transitions_no_truncate BEFORE TRUNCATE ON case_transitions FOR EACH STATEMENT EXECUTE FUNCTION append_only_refuse_change();
REVOKE UPDATE, DELETE, TRUNCATE ON journal_entries, case_transitions FROM PUBLIC;
REVOKE UPDATE, DELETE, TRUNCATE ON journal_entries, case_transitions FROM CURRENT_USER;

-- Checklist templates: data an administrator edits. A template starts one task on a case when
-- its trigger happens and its conditions hold.
CREATE TABLE checklist_templates (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    title            jsonb NOT NULL CHECK (jsonb_typeof(title) = 'object'),
    trigger          text NOT NULL CHECK (trigger IN ('case_created', 'status:first_checks', 'status:search_active',
                                                      'status:suspended', 'status:closed')),
    conditions       jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(conditions) = 'object'),
    responsible_role text NOT NULL CHECK (responsible_role IN ('admin', 'dispatcher', 'coordinator', 'volunteer', 'police_liaison')),
    deadline_minutes integer NOT NULL CHECK (deadline_minutes BETWEEN 1 AND 43200),
    position         integer NOT NULL DEFAULT 0,
    active           boolean NOT NULL DEFAULT true,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE case_tasks (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    case_id          uuid NOT NULL REFERENCES cases (id),
    template_id      uuid REFERENCES checklist_templates (id),
    title            jsonb NOT NULL,
    responsible_role text NOT NULL,
    position         integer NOT NULL DEFAULT 0,
    created_at       timestamptz NOT NULL DEFAULT now(),
    due_at           timestamptz NOT NULL,
    state            text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'done', 'not_needed')),
    comment          text,
    state_changed_at timestamptz,
    state_changed_by uuid REFERENCES users (id),
    -- 0: on time; 1: overdue, shown on every dispatcher console; 2: long overdue, coordinators told.
    escalation_level integer NOT NULL DEFAULT 0,
    UNIQUE (case_id, template_id)
);
CREATE INDEX case_tasks_open_idx ON case_tasks (due_at) WHERE state = 'open';

-- Default checklist: every card; a child, or an elderly person with dementia, adds an
-- immediate call-out. Administrators change these in the console.
INSERT INTO checklist_templates (title, trigger, conditions, responsible_role, deadline_minutes, position) VALUES
    ('{"ru": "Обзвонить больницы", "en": "Call hospitals"}', 'case_created', '{}', 'dispatcher', 60, 10),
    ('{"ru": "Обзвонить морги", "en": "Call morgues"}', 'case_created', '{}', 'dispatcher', 120, 20),
    ('{"ru": "Запросить бюро регистрации несчастных случаев", "en": "Ask the accident bureau"}', 'case_created', '{}', 'dispatcher', 60, 30),
    ('{"ru": "Сообщить в полицию", "en": "Inform the police"}', 'case_created', '{}', 'dispatcher', 30, 40),
    ('{"ru": "Срочно оповестить добровольцев", "en": "Alert volunteers now"}', 'case_created',
        '{"category_in": ["child", "dementia"]}', 'coordinator', 15, 50),
    ('{"ru": "Назначить старшего и место штаба", "en": "Name the search leader and the meeting point"}', 'status:search_active',
        '{}', 'coordinator', 30, 60),
    ('{"ru": "Сообщить родственникам об итоге", "en": "Tell the relatives the outcome"}', 'status:closed',
        '{}', 'dispatcher', 60, 70);

-- Cases shared with a police unit or one liaison; a grant ends by revocation, never deletion.
CREATE TABLE case_shares (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    case_id     uuid NOT NULL REFERENCES cases (id),
    police_unit text,
    user_id     uuid REFERENCES users (id),
    granted_by  uuid REFERENCES users (id),
    granted_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz,
    revoked_by  uuid REFERENCES users (id),
    CHECK ((police_unit IS NULL) <> (user_id IS NULL))
);
CREATE INDEX case_shares_case_idx ON case_shares (case_id);
-- One live share per case and unit or person: revoking it really ends the access.
CREATE UNIQUE INDEX case_shares_unit_key ON case_shares (case_id, police_unit) WHERE revoked_at IS NULL AND police_unit IS NOT NULL;
CREATE UNIQUE INDEX case_shares_user_key ON case_shares (case_id, user_id) WHERE revoked_at IS NULL AND user_id IS NOT NULL;

-- Read-only links to one case, for someone without an account; every use is audited.
CREATE TABLE share_links (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    case_id     uuid NOT NULL REFERENCES cases (id),
    token_hash  bytea NOT NULL UNIQUE,
    label       text NOT NULL CHECK (length(label) BETWEEN 1 AND 200),
    created_by  uuid REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    revoked_at  timestamptz,
    revoked_by  uuid REFERENCES users (id),
    last_used_at timestamptz
);

-- Photos of the missing person, stored in the database so every instance serves them.
CREATE TABLE case_photos (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    case_id     uuid NOT NULL REFERENCES cases (id),
    content_type text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png')),
    bytes       bytea NOT NULL,
    thumbnail   bytea NOT NULL,
    sha256      bytea NOT NULL,
    width       integer NOT NULL,
    height      integer NOT NULL,
    uploaded_by uuid REFERENCES users (id),
    uploaded_at timestamptz NOT NULL DEFAULT now(),
    withdrawn_at timestamptz,
    withdrawn_by uuid REFERENCES users (id),
    UNIQUE (case_id, sha256)
);
