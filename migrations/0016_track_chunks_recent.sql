-- The live map's snapshot reads each volunteer's chunks of the last hour: by volunteer and
-- last fix time, without reading their whole day.
CREATE INDEX track_chunks_volunteer_last_idx ON track_chunks (volunteer_id, last_at);
