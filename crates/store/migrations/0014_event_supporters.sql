-- The resident's report (docs/events-web.md, issue 9 §3).
--
-- "我也遇到了": a resident adds themselves to an open report of the same problem instead of
-- filing a duplicate. A supporter is told of the event's changes like its reporter; the event's
-- page shows how many there are. `path` is the event's place, so reads stay in scope.
CREATE TABLE event_supporters (
    event_id BIGINT NOT NULL REFERENCES events(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    path {TEXT_C} NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (event_id, user_id)
);
CREATE INDEX event_supporters_user ON event_supporters(user_id, event_id);

-- A staff note on the timeline that residents do not see (内部备注).
ALTER TABLE event_transitions ADD COLUMN internal {BOOL} NOT NULL DEFAULT {BOOL_FALSE};
