-- Stewards' rounds (小巷管家、网格员走访, 民情日志) and grid service specialists (双报到).
-- Every table carries the `path` of its place, so every query is confined to a scope.

-- A post: the buildings of one grid that a steward or a grid worker looks after. One post per
-- user; `user_id` is NULL for a steward on the roster who has no account yet (demo roster).
CREATE TABLE rounds_posts (
    id {PK},
    kind TEXT NOT NULL,
    user_id BIGINT REFERENCES users(id),
    holder_name TEXT NOT NULL,
    grid_id BIGINT NOT NULL REFERENCES nodes(id),
    path {TEXT_C} NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX rounds_posts_user ON rounds_posts(user_id);
CREATE INDEX rounds_posts_path ON rounds_posts(path, id);

-- A building is in at most one post of each kind.
CREATE TABLE rounds_post_buildings (
    post_id BIGINT NOT NULL REFERENCES rounds_posts(id),
    building_id BIGINT NOT NULL REFERENCES nodes(id),
    kind TEXT NOT NULL,
    path {TEXT_C} NOT NULL
);
CREATE UNIQUE INDEX rounds_post_buildings_building ON rounds_post_buildings(kind, building_id);
CREATE INDEX rounds_post_buildings_post ON rounds_post_buildings(post_id, building_id);

-- 民情日志: one row per household visit; `path` is the household's at the time of the visit.
CREATE TABLE rounds_visits (
    id {PK},
    household_id BIGINT NOT NULL REFERENCES households(id),
    post_id BIGINT REFERENCES rounds_posts(id),
    path {TEXT_C} NOT NULL,
    visitor_user_id BIGINT REFERENCES users(id),
    visitor_name TEXT NOT NULL,
    visited_at BIGINT NOT NULL,
    note TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX rounds_visits_household ON rounds_visits(household_id, visited_at);
CREATE INDEX rounds_visits_visitor ON rounds_visits(visitor_user_id, visited_at);
CREATE INDEX rounds_visits_post ON rounds_visits(post_id, visited_at);
CREATE INDEX rounds_visits_path ON rounds_visits(path, visited_at);

CREATE TABLE rounds_findings (
    id {PK},
    visit_id BIGINT NOT NULL REFERENCES rounds_visits(id),
    path {TEXT_C} NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    event_id BIGINT REFERENCES events(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX rounds_findings_visit ON rounds_findings(visit_id);
CREATE INDEX rounds_findings_event ON rounds_findings(event_id);

-- The latest visit of each household, kept by every visit, so that coverage is one indexed
-- query per page instead of a scan of all visits.
CREATE TABLE rounds_last_visits (
    household_id BIGINT PRIMARY KEY REFERENCES households(id),
    building_id BIGINT NOT NULL,
    grid_id BIGINT NOT NULL,
    path {TEXT_C} NOT NULL,
    last_at BIGINT NOT NULL
);
CREATE INDEX rounds_last_visits_grid ON rounds_last_visits(grid_id, last_at);
CREATE INDEX rounds_last_visits_building ON rounds_last_visits(building_id, last_at);
CREATE INDEX rounds_last_visits_path ON rounds_last_visits(path, last_at);

-- 双报到: party members from departments serving a grid (网格服务专员). Months are
-- year * 12 + (month - 1).
CREATE TABLE rounds_specialists (
    id {PK},
    grid_id BIGINT NOT NULL REFERENCES nodes(id),
    path {TEXT_C} NOT NULL,
    name TEXT NOT NULL,
    department TEXT NOT NULL,
    party_org TEXT NOT NULL,
    phone_cipher {BLOB},
    phone_hash TEXT,
    phone_mask TEXT,
    user_id BIGINT REFERENCES users(id),
    since_month BIGINT NOT NULL,
    until_month BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX rounds_specialists_grid ON rounds_specialists(grid_id, until_month);
CREATE INDEX rounds_specialists_path ON rounds_specialists(path, id);
CREATE INDEX rounds_specialists_user ON rounds_specialists(user_id);

CREATE TABLE rounds_services (
    id {PK},
    specialist_id BIGINT NOT NULL REFERENCES rounds_specialists(id),
    path {TEXT_C} NOT NULL,
    month BIGINT NOT NULL,
    content TEXT NOT NULL,
    logged_by_id BIGINT REFERENCES users(id),
    logged_by_name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX rounds_services_month ON rounds_services(specialist_id, month);
CREATE INDEX rounds_services_path ON rounds_services(path, month);
