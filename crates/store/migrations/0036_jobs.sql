-- Employment help (issue 13 §3; docs/jobs.md): residents looking for work, positions offered by
-- local firms (the register's merchants), and referrals of one to the other ending in a
-- placement or not. Seekers and referrals carry the seeker's household path (they follow the
-- household); positions their firm's.
CREATE TABLE job_seekers (
    id {PK},
    resident_id BIGINT NOT NULL REFERENCES residents(id),
    household_id BIGINT NOT NULL REFERENCES households(id),
    path {TEXT_C} NOT NULL,
    work TEXT NOT NULL,
    note TEXT NOT NULL,
    state TEXT NOT NULL,
    registered_at BIGINT NOT NULL,
    ended_at BIGINT,
    created_by_name TEXT NOT NULL
);
CREATE INDEX job_seekers_path ON job_seekers(path, state);
CREATE INDEX job_seekers_resident ON job_seekers(resident_id);
CREATE INDEX job_seekers_household ON job_seekers(household_id);

CREATE TABLE job_positions (
    id {PK},
    merchant_id BIGINT NOT NULL REFERENCES merchants(id),
    path {TEXT_C} NOT NULL,
    title TEXT NOT NULL,
    work TEXT NOT NULL,
    openings BIGINT NOT NULL,
    filled BIGINT NOT NULL DEFAULT 0,
    wage_min BIGINT,
    wage_max BIGINT,
    requirements TEXT NOT NULL,
    posted_by_name TEXT NOT NULL,
    posted_at BIGINT NOT NULL,
    closed_at BIGINT
);
CREATE INDEX job_positions_path ON job_positions(path, work);

CREATE TABLE job_matches (
    id {PK},
    seeker_id BIGINT NOT NULL REFERENCES job_seekers(id),
    position_id BIGINT NOT NULL REFERENCES job_positions(id),
    path {TEXT_C} NOT NULL,
    state TEXT NOT NULL,
    note TEXT NOT NULL,
    referred_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    by_name TEXT NOT NULL
);
CREATE UNIQUE INDEX job_matches_one ON job_matches(seeker_id, position_id);
CREATE INDEX job_matches_path ON job_matches(path, state);
CREATE INDEX job_matches_position ON job_matches(position_id);
