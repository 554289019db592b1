-- Volunteer service hours (issue 13 §3; docs/volunteering.md): logged by the volunteer against
-- one of their teams, decided by the team's leader or a manager of its place (never by the
-- volunteer). `path` is the team's place.
CREATE TABLE volunteer_hours (
    id {PK},
    team_id BIGINT NOT NULL REFERENCES teams(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    path {TEXT_C} NOT NULL,
    served_at BIGINT NOT NULL,
    minutes BIGINT NOT NULL,
    activity TEXT NOT NULL,
    logged_at BIGINT NOT NULL,
    -- pending | confirmed | rejected
    status TEXT NOT NULL,
    decided_by_id BIGINT,
    decided_by_name TEXT,
    decided_at BIGINT,
    reason TEXT
);
CREATE INDEX volunteer_hours_user ON volunteer_hours(user_id, served_at);
CREATE INDEX volunteer_hours_team ON volunteer_hours(team_id, status);
CREATE INDEX volunteer_hours_path ON volunteer_hours(path, status);
