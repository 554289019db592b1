-- Reporters are told (docs/notifications.md): an in-app notification per reporter who is a user,
-- an outbox row per configured external channel (webhook, SMTP, a deployment's own), both
-- written in the transaction of the event's change. Overdue events escalate by themselves.

-- Where SMTP notifications go; optional, set with `jingzhi user email`.
ALTER TABLE users ADD COLUMN email TEXT;

CREATE TABLE notifications (
    id {PK},
    user_id BIGINT NOT NULL REFERENCES users(id),
    event_id BIGINT NOT NULL REFERENCES events(id),
    -- The place of the event, so that reads are confined to the caller's scope as well.
    path {TEXT_C} NOT NULL,
    created_at BIGINT NOT NULL,
    command TEXT NOT NULL,
    status TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    read_at BIGINT
);
CREATE INDEX notifications_user ON notifications(user_id, id);
-- The unread badge: one count over this index.
CREATE INDEX notifications_unread ON notifications(user_id, read_at);

CREATE TABLE notification_outbox (
    id {PK},
    channel TEXT NOT NULL,
    event_id BIGINT NOT NULL REFERENCES events(id),
    path {TEXT_C} NOT NULL,
    user_id BIGINT,
    -- The address for the channel (an e-mail address for smtp; empty for webhook).
    recipient TEXT NOT NULL,
    -- The message as JSON (docs/notifications.md): what a channel delivers.
    payload TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    -- pending → sending (claimed until claimed_until) → sent | pending (retry) | failed
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    claimed_until BIGINT NOT NULL DEFAULT 0,
    last_error TEXT,
    sent_at BIGINT
);
CREATE INDEX notification_outbox_due ON notification_outbox(status, next_attempt_at);
CREATE INDEX notification_outbox_event ON notification_outbox(event_id);

-- Overdue candidates for the escalation job, and the reporters of events merged into one.
CREATE INDEX events_status_deadline ON events(status, deadline_at);
CREATE INDEX events_merged_into ON events(merged_into);

-- The external channels in use (webhook, smtp, a deployment's own), as configured: written by
-- `jingzhi serve` and `jingzhi notify run-once` at start. A change of an event writes one
-- outbox row per channel listed here, in its own transaction.
CREATE TABLE notification_channels (
    name TEXT PRIMARY KEY,
    updated_at BIGINT NOT NULL
);
