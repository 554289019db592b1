-- Emergencies (平急结合, issue 13 §4; docs/emergency.md): volunteer and emergency teams of a place,
-- incidents declared over a place, the vulnerable households each covers with who checks them,
-- and every check recorded (the latest is kept on the household's row for the board).
CREATE TABLE teams (
    id {PK},
    node_id BIGINT NOT NULL REFERENCES nodes(id),
    path {TEXT_C} NOT NULL,
    -- volunteer | emergency
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    leader_user_id BIGINT REFERENCES users(id),
    created_by_name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX teams_path ON teams(path);

CREATE TABLE team_members (
    team_id BIGINT NOT NULL REFERENCES teams(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    skills TEXT NOT NULL,
    joined_at BIGINT NOT NULL,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members(user_id);

CREATE TABLE incidents (
    id {PK},
    node_id BIGINT NOT NULL REFERENCES nodes(id),
    path {TEXT_C} NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    retry_minutes BIGINT NOT NULL,
    declared_by_id BIGINT,
    declared_by_name TEXT NOT NULL,
    declared_at BIGINT NOT NULL,
    stood_down_at BIGINT,
    stood_down_by_name TEXT
);
CREATE INDEX incidents_path ON incidents(path);

-- The teams activated by an incident (those of its place, above or below it).
CREATE TABLE incident_teams (
    incident_id BIGINT NOT NULL REFERENCES incidents(id),
    team_id BIGINT NOT NULL REFERENCES teams(id),
    PRIMARY KEY (incident_id, team_id)
);

-- One row per household the incident covers; status and last_check_at are its latest check.
CREATE TABLE incident_households (
    incident_id BIGINT NOT NULL REFERENCES incidents(id),
    household_id BIGINT NOT NULL REFERENCES households(id),
    building_id BIGINT NOT NULL REFERENCES nodes(id),
    path {TEXT_C} NOT NULL,
    -- Bits: 1 elderly living alone, 2 disabled, 4 low-income, 8 child in difficulty, 16 added.
    reasons BIGINT NOT NULL,
    assignee_user_id BIGINT REFERENCES users(id),
    status TEXT NOT NULL,
    last_check_at BIGINT,
    checks BIGINT NOT NULL,
    escalated_at BIGINT,
    escalations BIGINT NOT NULL,
    event_id BIGINT,
    PRIMARY KEY (incident_id, household_id)
);
CREATE INDEX incident_households_path ON incident_households(incident_id, path);
CREATE INDEX incident_households_assignee ON incident_households(assignee_user_id, incident_id);

CREATE TABLE incident_checks (
    id {PK},
    incident_id BIGINT NOT NULL REFERENCES incidents(id),
    household_id BIGINT NOT NULL REFERENCES households(id),
    status TEXT NOT NULL,
    note TEXT NOT NULL,
    by_user_id BIGINT,
    by_name TEXT NOT NULL,
    checked_at BIGINT NOT NULL
);
CREATE INDEX incident_checks_household ON incident_checks(incident_id, household_id);

-- A household that needs help in an emergency becomes an event of this category at once.
INSERT INTO event_categories (code, name, parent_code, handler_kind, department, questions_json, sort_order, active) VALUES
('emergency_help', '应急求助', NULL, 'community', NULL, '[]', 12, 1 = 1);
