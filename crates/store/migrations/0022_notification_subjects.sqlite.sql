-- Notifications about proposals as well as events (issue 11 §2): `event_id` becomes optional and
-- `proposal_id` names the proposal. SQLite cannot drop a NOT NULL, so the table is rebuilt.
CREATE TABLE notifications_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users(id),
    event_id BIGINT REFERENCES events(id),
    proposal_id BIGINT REFERENCES proposals(id),
    path TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    command TEXT NOT NULL,
    status TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    read_at BIGINT
);
INSERT INTO notifications_new (id, user_id, event_id, path, created_at, command, status, title, body, read_at)
    SELECT id, user_id, event_id, path, created_at, command, status, title, body, read_at FROM notifications;
DROP TABLE notifications;
ALTER TABLE notifications_new RENAME TO notifications;
CREATE INDEX notifications_user ON notifications(user_id, id);
CREATE INDEX notifications_unread ON notifications(user_id, read_at);
