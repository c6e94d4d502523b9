-- The volunteer registry (a profile beside each volunteer's account), call-outs to the
-- registry (alerts with a target, a headcount to reach and escalation steps), answer links, and
-- the outbox: one row per message per recipient per channel.

CREATE TABLE volunteer_profiles (
    user_id          uuid PRIMARY KEY REFERENCES users (id),
    call_sign        text CHECK (length(call_sign) BETWEEN 1 AND 50),
    phones           text[] NOT NULL DEFAULT '{}',
    email            text CHECK (length(email) BETWEEN 3 AND 254),
    -- Where they live: a point, or a district drawn as a polygon, with a name people read.
    home_label       text CHECK (length(home_label) BETWEEN 1 AND 200),
    home_area        geometry(Geometry, 4326),
    skills           text[] NOT NULL DEFAULT '{}',
    -- [{"name": "Niva", "seats": 4, "four_by_four": true}]
    vehicles         jsonb NOT NULL DEFAULT '[]'::jsonb,
    equipment        text[] NOT NULL DEFAULT '{}',
    vetting          text NOT NULL DEFAULT 'pending' CHECK (vetting IN ('pending', 'approved', 'suspended')),
    vetting_by       uuid REFERENCES users (id),
    vetting_by_name  text,
    vetting_at       timestamptz,
    vetting_note     text,
    tracking_consent_at           timestamptz,
    tracking_consent_withdrawn_at timestamptz,
    -- Notification preferences: channels for call-outs, quiet hours (local time in time_zone)
    -- for messages that are not urgent, and a mute until a date.
    channels         text[] NOT NULL DEFAULT '{app,email,sms}'
                     CHECK (channels <@ '{app,email,sms}'::text[]),
    quiet_from       time,
    quiet_to         time,
    time_zone        text NOT NULL DEFAULT 'Europe/Moscow',
    muted_until      timestamptz,
    notes            text CHECK (length(notes) <= 2000),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK ((quiet_from IS NULL) = (quiet_to IS NULL))
);
CREATE INDEX volunteer_profiles_home_idx ON volunteer_profiles USING gist ((home_area::geography));
CREATE INDEX last_positions_geography_idx ON last_positions USING gist ((point::geography));

-- Volunteers who were on the team before the registry existed keep working.
INSERT INTO volunteer_profiles (user_id, vetting, vetting_at, vetting_note)
SELECT id, 'approved', now(), 'on the team before vetting was recorded' FROM users WHERE role = 'volunteer';

-- A call-out goes to whoever its target selects in the registry, over its channels; an operation
-- message (kind 'field') to an operation's members, in the app.
ALTER TABLE alerts
    ADD COLUMN kind             text NOT NULL DEFAULT 'field' CHECK (kind IN ('field', 'callout')),
    ADD COLUMN title            text CHECK (length(title) BETWEEN 1 AND 200),
    ADD COLUMN channels         text[] NOT NULL DEFAULT '{app}' CHECK (channels <@ '{app,email,sms}'::text[]),
    ADD COLUMN needed           integer CHECK (needed BETWEEN 1 AND 10000),
    ADD COLUMN escalate_after_s integer CHECK (escalate_after_s BETWEEN 1 AND 86400),
    ADD COLUMN escalate_to      text[] NOT NULL DEFAULT '{}' CHECK (escalate_to <@ '{app,email,sms}'::text[]),
    ADD COLUMN widen_km         double precision CHECK (widen_km > 0),
    ADD COLUMN max_km           double precision CHECK (max_km > 0),
    ADD COLUMN radius_km        double precision,
    ADD COLUMN step             integer NOT NULL DEFAULT 0,
    ADD COLUMN next_step_at     timestamptz,
    ADD COLUMN expires_at       timestamptz,
    ADD COLUMN closed_at        timestamptz,
    ADD COLUMN closed_by_name   text;
CREATE INDEX alerts_callout_idx ON alerts (sent_at DESC) WHERE kind = 'callout';
CREATE INDEX alerts_next_step_idx ON alerts (next_step_at) WHERE next_step_at IS NOT NULL;

ALTER TABLE alert_recipients
    ADD COLUMN answered_via      text CHECK (answered_via IN ('app', 'link', 'console')),
    ADD COLUMN answer_note       text,
    ADD COLUMN answered_by_name  text,
    ADD COLUMN step              integer NOT NULL DEFAULT 0;

-- One row per message per recipient per channel: a volunteer gets one message per alert per
-- channel. In-app rows are handed to the phones at once and become delivered when the phone
-- has the alert; e-mail and SMS rows are claimed by a sender (`sending`, with a lease), then
-- sent or failed (retried with backoff). A row still `sending` after its lease (a crash while
-- the relay had it) becomes `unknown` and is not sent again: it may have left.
CREATE TABLE outbox (
    id              bigserial PRIMARY KEY,
    alert_id        uuid NOT NULL REFERENCES alerts (id),
    volunteer_id    uuid NOT NULL REFERENCES users (id),
    channel         text NOT NULL CHECK (channel IN ('app', 'email', 'sms')),
    address         text,
    urgent          boolean NOT NULL,
    step            integer NOT NULL DEFAULT 0,
    status          text NOT NULL DEFAULT 'queued'
                    CHECK (status IN ('queued', 'held', 'sending', 'sent', 'delivered', 'failed', 'unknown', 'skipped')),
    attempts        integer NOT NULL DEFAULT 0,
    -- When a sender last took it (what the sending rates count).
    claimed_at      timestamptz,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    lease_until     timestamptz,
    last_error      text,
    -- The digest message that carried this one (held during quiet hours with others).
    carried_by      bigint REFERENCES outbox (id),
    queued_at       timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz,
    delivered_at    timestamptz,
    UNIQUE (alert_id, volunteer_id, channel)
);
CREATE INDEX outbox_due_idx ON outbox (channel, next_attempt_at) WHERE status IN ('queued', 'held');
CREATE INDEX outbox_sending_idx ON outbox (lease_until) WHERE status = 'sending';
CREATE INDEX outbox_claimed_idx ON outbox (channel, claimed_at) WHERE claimed_at IS NOT NULL;
CREATE INDEX outbox_volunteer_idx ON outbox (volunteer_id);

-- Operation messages sent before the outbox existed, as in-app rows.
INSERT INTO outbox (alert_id, volunteer_id, channel, urgent, status, queued_at, sent_at, delivered_at)
SELECT r.alert_id, r.volunteer_id, 'app', a.urgent, CASE WHEN r.delivered_at IS NULL THEN 'sent' ELSE 'delivered' END,
       a.sent_at, a.sent_at, r.delivered_at
FROM alert_recipients r JOIN alerts a ON a.id = r.alert_id;

-- The links in e-mails and SMS that answer a call-out (and change preferences) without logging
-- in: one per message sent, valid for that call-out only. Only the SHA-256 of the token is kept.
CREATE TABLE answer_links (
    token_hash   bytea PRIMARY KEY,
    alert_id     uuid NOT NULL REFERENCES alerts (id),
    volunteer_id uuid NOT NULL REFERENCES users (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (alert_id, volunteer_id) REFERENCES alert_recipients (alert_id, volunteer_id)
);

-- When the quiet hours a moment falls in end (NULL when it is not in them). Quiet hours are
-- local times in `tz` and may span midnight (22:00–07:00).
CREATE FUNCTION quiet_until(q_from time, q_to time, tz text, at timestamptz) RETURNS timestamptz
LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN q_from IS NULL OR q_to IS NULL OR q_from = q_to THEN NULL
        WHEN q_from < q_to THEN
            CASE WHEN l::time >= q_from AND l::time < q_to THEN (l::date + q_to) AT TIME ZONE tz END
        ELSE
            CASE WHEN l::time >= q_from THEN ((l::date + 1) + q_to) AT TIME ZONE tz
                 WHEN l::time < q_to THEN (l::date + q_to) AT TIME ZONE tz END
    END
    FROM (SELECT at AT TIME ZONE tz AS l) local
$$;
