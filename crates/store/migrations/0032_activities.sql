-- Community activities (issue 13 §3; docs/activities.md): announced over a place (community or
-- street) by its workers; residents of the place sign up and may withdraw until it starts; the
-- organisers mark who came. `signed` and `attended` are kept with every write so a full activity
-- refuses the next sign-up in one conditional UPDATE (no race past the places).
CREATE TABLE activities (
    id {PK},
    node_id BIGINT NOT NULL REFERENCES nodes(id),
    path {TEXT_C} NOT NULL,
    category TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    venue TEXT NOT NULL,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    capacity BIGINT,
    signed BIGINT NOT NULL DEFAULT 0,
    attended BIGINT NOT NULL DEFAULT 0,
    organiser_id BIGINT,
    organiser_name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    cancelled_at BIGINT,
    cancel_reason TEXT
);
CREATE INDEX activities_path ON activities(path, starts_at);
CREATE INDEX activities_starts ON activities(starts_at);

-- One row per resident and activity; withdrawing keeps the row (cancelled_at), signing up again
-- clears it.
CREATE TABLE activity_signups (
    id {PK},
    activity_id BIGINT NOT NULL REFERENCES activities(id),
    resident_id BIGINT NOT NULL REFERENCES residents(id),
    user_id BIGINT REFERENCES users(id),
    name TEXT NOT NULL,
    path {TEXT_C} NOT NULL,
    signed_at BIGINT NOT NULL,
    cancelled_at BIGINT,
    attended {BOOL} NOT NULL DEFAULT {BOOL_FALSE},
    marked_by_name TEXT,
    marked_at BIGINT
);
CREATE UNIQUE INDEX activity_signups_one ON activity_signups(activity_id, resident_id);
CREATE INDEX activity_signups_resident ON activity_signups(resident_id);
