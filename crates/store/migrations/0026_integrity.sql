-- The integrity index (诚信指数, issue 12 §1; docs/integrity.md).
-- A catalogue is versioned: a new version is imported whole and becomes the active one; records
-- keep the item (and so the version) they were made under.
CREATE TABLE integrity_catalogues (
    id {PK},
    name TEXT NOT NULL,
    base_points BIGINT NOT NULL,
    -- The lowest score of one to five stars: "100,110,120,135,150".
    stars TEXT NOT NULL,
    appeal_days BIGINT NOT NULL,
    -- The shipped example, written for the platform (not the city's own text).
    example {BOOL} NOT NULL DEFAULT {BOOL_FALSE},
    active {BOOL} NOT NULL DEFAULT {BOOL_FALSE},
    created_by_name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE integrity_items (
    id {PK},
    catalogue_id BIGINT NOT NULL REFERENCES integrity_catalogues(id),
    code TEXT NOT NULL,
    theme TEXT NOT NULL,
    title TEXT NOT NULL,
    points BIGINT NOT NULL,
    -- merchant,resident,worker,platform
    subjects TEXT NOT NULL,
    evidence TEXT NOT NULL,
    valid_days BIGINT NOT NULL
);
CREATE UNIQUE INDEX integrity_items_code ON integrity_items(catalogue_id, code);

-- Who is scored, in a community (`node_id`). A merchant points at `merchants`, a resident at
-- `residents`; a worker's name is kept like a resident's, their phone sealed like one; a platform
-- company's name is public. `path` is the merchant's building, the resident's household, or the
-- community a worker or platform works in.
CREATE TABLE integrity_subjects (
    id {PK},
    kind TEXT NOT NULL,
    node_id BIGINT NOT NULL REFERENCES nodes(id),
    path {TEXT_C} NOT NULL,
    merchant_id BIGINT REFERENCES merchants(id),
    resident_id BIGINT REFERENCES residents(id),
    -- A worker's platform (a subject of kind platform).
    platform_id BIGINT REFERENCES integrity_subjects(id),
    -- A merchant's, a worker's or a platform's name (a resident's is the register's).
    name TEXT,
    phone_sealed {BLOB},
    created_by_name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX integrity_subjects_path ON integrity_subjects(path);
CREATE UNIQUE INDEX integrity_subjects_merchant ON integrity_subjects(merchant_id);
CREATE UNIQUE INDEX integrity_subjects_resident ON integrity_subjects(resident_id);

-- Resident accounts that act for a merchant or a worker (the shopkeeper, the rider): they see
-- its records, appeal them, adopt projects for it.
CREATE TABLE integrity_operators (
    subject_id BIGINT NOT NULL REFERENCES integrity_subjects(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    added_by_name TEXT NOT NULL,
    added_at BIGINT NOT NULL,
    PRIMARY KEY (subject_id, user_id)
);
CREATE INDEX integrity_operators_user ON integrity_operators(user_id);

CREATE TABLE integrity_agreements (
    id {PK},
    subject_id BIGINT NOT NULL REFERENCES integrity_subjects(id),
    path {TEXT_C} NOT NULL,
    title TEXT NOT NULL,
    terms TEXT NOT NULL,
    -- The parties as they signed (organisations and roles, not private persons).
    signatories TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    created_by_name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX integrity_agreements_subject ON integrity_agreements(subject_id);

-- Service projects a community publishes; each delivery by an adopter, once confirmed, is a
-- record of the project's plus item.
CREATE TABLE integrity_projects (
    id {PK},
    node_id BIGINT NOT NULL REFERENCES nodes(id),
    path {TEXT_C} NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    schedule TEXT NOT NULL,
    item_id BIGINT NOT NULL REFERENCES integrity_items(id),
    created_by_name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX integrity_projects_path ON integrity_projects(path);

CREATE TABLE integrity_adoptions (
    id {PK},
    project_id BIGINT NOT NULL REFERENCES integrity_projects(id),
    subject_id BIGINT NOT NULL REFERENCES integrity_subjects(id),
    adopted_by_name TEXT NOT NULL,
    adopted_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX integrity_adoptions_once ON integrity_adoptions(project_id, subject_id);

CREATE TABLE integrity_records (
    id {PK},
    subject_id BIGINT NOT NULL REFERENCES integrity_subjects(id),
    path {TEXT_C} NOT NULL,
    item_id BIGINT NOT NULL REFERENCES integrity_items(id),
    points BIGINT NOT NULL,
    occurred_on TEXT NOT NULL,
    -- The last day it counts.
    expires_on TEXT NOT NULL,
    note TEXT NOT NULL,
    agreement_id BIGINT REFERENCES integrity_agreements(id),
    adoption_id BIGINT REFERENCES integrity_adoptions(id),
    state TEXT NOT NULL,
    recorded_by BIGINT,
    recorded_by_name TEXT NOT NULL,
    recorded_at BIGINT NOT NULL
);
CREATE INDEX integrity_records_subject ON integrity_records(subject_id, state, expires_on);
CREATE INDEX integrity_records_path ON integrity_records(path);

-- Deliveries of an adopted project: reported (by the adopter or staff), then confirmed by staff
-- (which makes the record).
CREATE TABLE integrity_deliveries (
    id {PK},
    adoption_id BIGINT NOT NULL REFERENCES integrity_adoptions(id),
    delivered_on TEXT NOT NULL,
    note TEXT NOT NULL,
    reported_by_name TEXT NOT NULL,
    reported_at BIGINT NOT NULL,
    record_id BIGINT REFERENCES integrity_records(id),
    confirmed_by_name TEXT,
    confirmed_at BIGINT
);
CREATE INDEX integrity_deliveries_adoption ON integrity_deliveries(adoption_id);

CREATE TABLE integrity_evidence (
    record_id BIGINT PRIMARY KEY REFERENCES integrity_records(id),
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    data {BLOB} NOT NULL,
    uploaded_at BIGINT NOT NULL
);

CREATE TABLE integrity_appeals (
    id {PK},
    record_id BIGINT NOT NULL REFERENCES integrity_records(id),
    path {TEXT_C} NOT NULL,
    reason TEXT NOT NULL,
    filed_by BIGINT,
    filed_by_name TEXT NOT NULL,
    filed_at BIGINT NOT NULL,
    state TEXT NOT NULL,
    reviewed_by BIGINT,
    reviewed_by_name TEXT,
    reviewed_at BIGINT,
    review_reason TEXT
);
CREATE UNIQUE INDEX integrity_appeals_once ON integrity_appeals(record_id);
CREATE INDEX integrity_appeals_path ON integrity_appeals(path, state);

-- Incentives a community can grant (free after-school care for a shop's staff's children), and
-- who received what.
CREATE TABLE integrity_rewards (
    id {PK},
    node_id BIGINT NOT NULL REFERENCES nodes(id),
    path {TEXT_C} NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    min_stars BIGINT NOT NULL,
    created_by_name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX integrity_rewards_path ON integrity_rewards(path);

CREATE TABLE integrity_grants (
    id {PK},
    reward_id BIGINT NOT NULL REFERENCES integrity_rewards(id),
    subject_id BIGINT NOT NULL REFERENCES integrity_subjects(id),
    granted_on TEXT NOT NULL,
    note TEXT NOT NULL,
    granted_by_name TEXT NOT NULL,
    granted_at BIGINT NOT NULL
);
CREATE INDEX integrity_grants_reward ON integrity_grants(reward_id);
CREATE INDEX integrity_grants_subject ON integrity_grants(subject_id);
