-- Stored chunks waiting to be added to their operations' coverage. A row is written in the
-- transaction that stores the chunk and deleted in the one that applies it, so a crash loses
-- nothing and applies nothing twice; a full recompute deletes its operation's rows.
CREATE TABLE coverage_queue (
    operation_id uuid NOT NULL REFERENCES operations (id),
    chunk_id     bigint NOT NULL REFERENCES track_chunks (id),
    queued_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (operation_id, chunk_id)
);
