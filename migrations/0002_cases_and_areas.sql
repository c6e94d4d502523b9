-- The first shape of a missing-person case and its search areas; the cases and operations
-- capabilities grow these in later migrations.

CREATE TABLE cases (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    number            text NOT NULL,
    full_name         text NOT NULL CHECK (length(full_name) BETWEEN 1 AND 300),
    sex               text CHECK (sex IN ('female', 'male')),
    birth_date        date,
    estimated_age     integer CHECK (estimated_age BETWEEN 0 AND 130),
    category          text NOT NULL CHECK (category IN ('child', 'teenager', 'adult', 'elderly', 'dementia')),
    status            text NOT NULL DEFAULT 'registered'
                      CHECK (status IN ('registered', 'first_checks', 'search_active', 'suspended', 'closed')),
    appearance        text,
    clothing          text,
    circumstances     text,
    last_seen_at      timestamptz,
    last_seen_point   geometry(Point, 4326),
    last_seen_address text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    created_by        uuid REFERENCES users (id),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX cases_number_key ON cases (number);
CREATE INDEX cases_status_idx ON cases (status);

CREATE TABLE search_areas (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    case_id    uuid NOT NULL REFERENCES cases (id),
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    geom       geometry(Polygon, 4326) NOT NULL CHECK (ST_IsValid(geom)),
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by uuid REFERENCES users (id)
);
CREATE INDEX search_areas_case_idx ON search_areas (case_id);
CREATE INDEX search_areas_geom_idx ON search_areas USING gist (geom);

-- Where a search's headquarters stands (штаб).
CREATE TABLE meeting_points (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    case_id    uuid NOT NULL REFERENCES cases (id),
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    point      geometry(Point, 4326) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX meeting_points_case_idx ON meeting_points (case_id);
