-- Votes counted per household, adult resident or residents' representative (docs/participation.md,
-- issue 11 §4). The units eligible are taken once, when the vote opens (vote_units); a ballot is
-- one row per unit, and the unique key refuses a second one from any member or channel.
CREATE TABLE representatives (
    resident_id BIGINT PRIMARY KEY REFERENCES residents(id),
    path {TEXT_C} NOT NULL,
    since BIGINT NOT NULL,
    named_by BIGINT
);
CREATE INDEX representatives_path ON representatives(path);

CREATE TABLE household_voters (
    household_id BIGINT PRIMARY KEY REFERENCES households(id),
    resident_id BIGINT NOT NULL REFERENCES residents(id),
    since BIGINT NOT NULL
);

CREATE TABLE votes (
    id {PK},
    node_id BIGINT NOT NULL REFERENCES nodes(id),
    path {TEXT_C} NOT NULL,
    question TEXT NOT NULL,
    options_json TEXT NOT NULL,
    unit TEXT NOT NULL,
    quorum_percent INTEGER NOT NULL,
    majority TEXT NOT NULL,
    majority_of TEXT NOT NULL,
    opens_at BIGINT NOT NULL,
    closes_at BIGINT NOT NULL,
    closed_at BIGINT,
    -- Units eligible, counted when they were taken at the opening (NULL before).
    eligible BIGINT,
    created_by BIGINT,
    created_by_name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX votes_path ON votes(path);

CREATE TABLE vote_units (
    vote_id BIGINT NOT NULL REFERENCES votes(id),
    unit_id BIGINT NOT NULL,
    PRIMARY KEY (vote_id, unit_id)
);

CREATE TABLE ballots (
    id {PK},
    vote_id BIGINT NOT NULL REFERENCES votes(id),
    unit_id BIGINT NOT NULL,
    option_index INTEGER NOT NULL,
    -- Who cast it: the resident (online or on paper), and the staff member who entered a paper one.
    resident_id BIGINT,
    channel TEXT NOT NULL,
    recorded_by BIGINT,
    at BIGINT NOT NULL
);
CREATE UNIQUE INDEX ballots_unit ON ballots(vote_id, unit_id);
