-- Foundation: accounts, sessions, API tokens, login attempts and the hash-chained audit log.

CREATE EXTENSION IF NOT EXISTS postgis;

CREATE TABLE users (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    login               text NOT NULL CHECK (login ~ '^[A-Za-z0-9._@-]{2,64}$'),
    display_name        text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
    role                text NOT NULL CHECK (role IN ('admin', 'dispatcher', 'coordinator', 'volunteer', 'police_liaison')),
    -- argon2id PHC string; NULL means the account cannot log in with a password (tokens only).
    password_hash       text,
    password_changed_at timestamptz,
    language            text NOT NULL DEFAULT 'ru' CHECK (language IN ('ru', 'en')),
    disabled_at         timestamptz,
    disabled_reason     text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_login_key ON users (lower(login));

-- Console sessions. The cookie holds a random secret; only its SHA-256 is stored.
CREATE TABLE sessions (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    token_hash   bytea NOT NULL UNIQUE,
    user_id      uuid NOT NULL REFERENCES users (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz,
    address      inet,
    user_agent   text
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

-- Bearer tokens for phones and integrations. Only the SHA-256 of the secret is stored.
CREATE TABLE api_tokens (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id      uuid NOT NULL REFERENCES users (id),
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    token_hash   bytea NOT NULL UNIQUE,
    -- The first characters of the secret, so a person can tell tokens apart.
    prefix       text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    created_by   uuid REFERENCES users (id),
    expires_at   timestamptz,
    last_used_at timestamptz,
    revoked_at   timestamptz,
    revoked_by   uuid REFERENCES users (id)
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

-- Every password attempt, for throttling guessing (kept in the database so several instances agree).
CREATE TABLE login_attempts (
    id        bigserial PRIMARY KEY,
    login     text NOT NULL,
    address   inet,
    at        timestamptz NOT NULL DEFAULT now(),
    succeeded boolean NOT NULL
);
CREATE INDEX login_attempts_login_idx ON login_attempts (lower(login), at);
CREATE INDEX login_attempts_address_idx ON login_attempts (address, at);

-- The audit log: append-only and hash-chained. Each row stores the hash of the row before it
-- and a hash of its own content, so an edit or a deletion breaks the chain (`sweep audit verify`).
CREATE SEQUENCE audit_log_id_seq;
CREATE TABLE audit_log (
    id          bigint PRIMARY KEY,
    at          timestamptz NOT NULL,
    actor_kind  text NOT NULL CHECK (actor_kind IN ('user', 'token', 'share_link', 'system', 'cli')),
    actor_id    text,
    actor_label text,
    action      text NOT NULL,
    record_type text,
    record_id   text,
    address     inet,
    details     jsonb NOT NULL DEFAULT '{}'::jsonb,
    prev_hash   bytea NOT NULL,
    hash        bytea NOT NULL
);
CREATE INDEX audit_log_record_idx ON audit_log (record_type, record_id, id);
CREATE INDEX audit_log_at_idx ON audit_log (at);

-- The hash of one row: SHA-256 of the previous hash and the row's fields, each quoted so that
-- NULL and '' differ and no field can run into the next.
CREATE FUNCTION audit_row_hash(
    prev_hash bytea, id bigint, at timestamptz, actor_kind text, actor_id text, actor_label text,
    action text, record_type text, record_id text, address inet, details jsonb
) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
    SELECT sha256(prev_hash || convert_to(concat_ws(',',
        id::text,
        (extract(epoch FROM at) * 1000000)::bigint::text,
        quote_nullable(actor_kind), quote_nullable(actor_id), quote_nullable(actor_label),
        quote_nullable(action), quote_nullable(record_type), quote_nullable(record_id),
        quote_nullable(address::text), quote_nullable(details::text)), 'UTF8'))
$$;

-- Fills id, time and both hashes. The advisory lock makes writers take turns, so ids, times and
-- the chain follow commit order even with many concurrent writers.
CREATE FUNCTION audit_log_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    last_hash bytea;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('sweep.audit_log'));
    SELECT a.hash INTO last_hash FROM audit_log a ORDER BY a.id DESC LIMIT 1;
    NEW.id := nextval('audit_log_id_seq');
    NEW.at := clock_timestamp();
    NEW.prev_hash := coalesce(last_hash, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea);
    NEW.hash := audit_row_hash(NEW.prev_hash, NEW.id, NEW.at, NEW.actor_kind, NEW.actor_id, NEW.actor_label,
                               NEW.action, NEW.record_type, NEW.record_id, NEW.address, NEW.details);
    RETURN NEW;
END
$$;
CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_chain();

CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();

-- The application's role keeps INSERT and SELECT only (a superuser still bypasses this, which
-- is why the chain exists).
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM PUBLIC;
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM CURRENT_USER;
