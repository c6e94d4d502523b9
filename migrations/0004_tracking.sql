-- Field tracking: devices (a volunteer's phone or tracker app, with its token), track chunks
-- (one row per acknowledged batch of fixes), and each volunteer's last known position.

CREATE TABLE devices (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id      uuid NOT NULL REFERENCES users (id),
    label        text NOT NULL CHECK (length(label) BETWEEN 1 AND 100),
    token_hash   bytea NOT NULL UNIQUE,
    -- The first characters of the token, so people can tell devices apart.
    prefix       text NOT NULL,
    created_by   uuid REFERENCES users (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz,
    revoked_at   timestamptz,
    revoked_by   uuid REFERENCES users (id)
);
CREATE INDEX devices_user_idx ON devices (user_id);

-- GPX files from navigators and apps, imported after a search; the same file for the same
-- volunteer is imported once.
CREATE TABLE gpx_imports (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    volunteer_id uuid NOT NULL REFERENCES users (id),
    case_id      uuid REFERENCES cases (id),
    file_name    text,
    sha256       bytea NOT NULL,
    tracks       integer NOT NULL,
    segments     integer NOT NULL,
    points       integer NOT NULL,
    waypoints    integer NOT NULL,
    imported_by  uuid REFERENCES users (id),
    imported_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (volunteer_id, sha256)
);

-- One row per batch. The fixes are one geometry whose M is the fix time (epoch seconds); a
-- batch of one fix is a point. The extras are arrays in the same order as the fixes.
CREATE TABLE track_chunks (
    id           bigserial PRIMARY KEY,
    volunteer_id uuid NOT NULL REFERENCES users (id),
    -- The device that sent it; NULL for an imported GPX file, which names its import instead.
    device_id    uuid REFERENCES devices (id),
    gpx_import_id uuid REFERENCES gpx_imports (id),
    source       text NOT NULL CHECK (source IN ('app', 'osmand', 'owntracks', 'gpx')),
    -- The batch's number for its device (app protocol); NULL for single-fix protocols and GPX.
    seq          bigint,
    first_at     timestamptz NOT NULL,
    last_at      timestamptz NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    fix_count    integer NOT NULL CHECK (fix_count >= 1),
    fixes        geometry(GeometryM, 4326) NOT NULL
                 CHECK (ST_GeometryType(fixes) IN ('ST_Point', 'ST_LineString')),
    accuracy     real[] NOT NULL,
    altitude     real[] NOT NULL,
    speed        real[] NOT NULL,
    heading      real[] NOT NULL,
    battery      real[] NOT NULL,
    CHECK (first_at <= last_at),
    CHECK ((source = 'gpx') = (device_id IS NULL AND gpx_import_id IS NOT NULL))
);
-- Exactly once: a replayed batch hits these and is acknowledged again without a second row.
CREATE UNIQUE INDEX track_chunks_batch_key ON track_chunks (device_id, seq) WHERE seq IS NOT NULL;
CREATE UNIQUE INDEX track_chunks_single_fix_key ON track_chunks (device_id, first_at) WHERE seq IS NULL AND source <> 'gpx';
CREATE INDEX track_chunks_volunteer_time_idx ON track_chunks (volunteer_id, first_at);
CREATE INDEX track_chunks_fixes_idx ON track_chunks USING gist (fixes);

-- Where each volunteer was last, upserted with every batch: the live map never scans tracks.
CREATE TABLE last_positions (
    volunteer_id uuid PRIMARY KEY REFERENCES users (id),
    device_id    uuid REFERENCES devices (id),
    at           timestamptz NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    point        geometry(Point, 4326) NOT NULL,
    accuracy     real,
    speed        real,
    heading      real,
    battery      real,
    source       text NOT NULL
);
