-- 12345 hotline tickets (docs/12345.md). Every imported ticket is kept, once per ticket number:
-- matched to a building (with the event it became), waiting in the queue for a person, or
-- discarded with a reason. `path` is the event's building once matched; while queued or
-- discarded it is the scope of the user who imported it, so the queue stays in that scope.
-- The caller's phone is sealed like residents' phones (`phone_cipher`), masked in `phone_mask`.
CREATE TABLE hotline_tickets (
    id {PK},
    ticket_no TEXT NOT NULL,
    path {TEXT_C} NOT NULL,
    status TEXT NOT NULL,
    called_at BIGINT NOT NULL,
    caller_name TEXT NOT NULL,
    phone_cipher {BLOB},
    phone_mask TEXT,
    address TEXT NOT NULL,
    content TEXT NOT NULL,
    hotline_category TEXT NOT NULL,
    category_code TEXT NOT NULL REFERENCES event_categories(code),
    urgency TEXT NOT NULL,
    due_at BIGINT,
    node_id BIGINT REFERENCES nodes(id),
    event_id BIGINT REFERENCES events(id),
    suggested_node_id BIGINT REFERENCES nodes(id),
    confidence INTEGER NOT NULL DEFAULT 0,
    match_note TEXT NOT NULL,
    discard_reason TEXT,
    imported_at BIGINT NOT NULL,
    imported_by TEXT NOT NULL,
    handled_at BIGINT,
    handled_by TEXT,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX hotline_tickets_no ON hotline_tickets(ticket_no);
CREATE INDEX hotline_tickets_path ON hotline_tickets(path, id);
CREATE INDEX hotline_tickets_status_path ON hotline_tickets(status, path, id);
CREATE INDEX hotline_tickets_called ON hotline_tickets(called_at, path);
CREATE INDEX hotline_tickets_event ON hotline_tickets(event_id);
