-- Photos of events (docs/decisions.md: "Event photos in the database"): on the report and on
-- any transition of the timeline. The bytes are checked by the use-case (JPEG/PNG/WebP by their
-- magic numbers, size limits) and stored here with their SHA-256; `path` is the event's, so
-- every read is confined to a scope like the event itself.
CREATE TABLE event_attachments (
    id {PK},
    event_id BIGINT NOT NULL REFERENCES events(id),
    transition_id BIGINT REFERENCES event_transitions(id),
    path {TEXT_C} NOT NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    data {BLOB} NOT NULL,
    uploaded_by BIGINT,
    uploaded_at BIGINT NOT NULL
);
CREATE INDEX event_attachments_event ON event_attachments(event_id, id);
CREATE INDEX event_attachments_path ON event_attachments(path, id);
