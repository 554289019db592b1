-- Councils and associations (街区共治理事会, 行业自治协会), docs/participation.md, issue 11 §6.
-- Trade associations of a place with their member merchants (a merchant is a business at a
-- building; issue 12's integrity index reads `merchants`); a street co-governance council with
-- member organisations in chair order, its rotating chair, the handovers, and its matters.
CREATE TABLE associations (
    id {PK},
    node_id BIGINT NOT NULL REFERENCES nodes(id),
    path {TEXT_C} NOT NULL,
    name TEXT NOT NULL,
    trade TEXT NOT NULL,
    created_by_name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX associations_path ON associations(path);
CREATE UNIQUE INDEX associations_name ON associations(node_id, name);

CREATE TABLE merchants (
    id {PK},
    building_id BIGINT NOT NULL REFERENCES nodes(id),
    path {TEXT_C} NOT NULL,
    name TEXT NOT NULL,
    -- 统一社会信用代码, 18 characters, check character verified; one merchant per code.
    licence_number TEXT NOT NULL,
    -- A business line, kept as written (not a person's number: not sealed).
    contact_phone TEXT,
    association_id BIGINT REFERENCES associations(id),
    created_by_name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX merchants_path ON merchants(path);
CREATE INDEX merchants_association ON merchants(association_id);
CREATE UNIQUE INDEX merchants_licence ON merchants(licence_number);

CREATE TABLE councils (
    id {PK},
    node_id BIGINT NOT NULL REFERENCES nodes(id),
    path {TEXT_C} NOT NULL,
    name TEXT NOT NULL,
    term_days BIGINT NOT NULL,
    -- The member chairing now and since when (null until the first member joins).
    chair_member_id BIGINT,
    chair_since BIGINT,
    created_by_name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX councils_path ON councils(path);

CREATE TABLE council_members (
    id {PK},
    council_id BIGINT NOT NULL REFERENCES councils(id),
    -- The chair order: 1, 2, 3 … in the order the members joined.
    position BIGINT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    node_id BIGINT REFERENCES nodes(id),
    association_id BIGINT REFERENCES associations(id),
    merchant_id BIGINT REFERENCES merchants(id),
    joined_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX council_members_position ON council_members(council_id, position);
CREATE UNIQUE INDEX council_members_name ON council_members(council_id, name);

CREATE TABLE council_handovers (
    id {PK},
    council_id BIGINT NOT NULL REFERENCES councils(id),
    -- Null for the first chair.
    from_member_id BIGINT REFERENCES council_members(id),
    to_member_id BIGINT NOT NULL REFERENCES council_members(id),
    at BIGINT NOT NULL,
    recorded_by_name TEXT NOT NULL
);
CREATE INDEX council_handovers_council ON council_handovers(council_id, at);

CREATE TABLE council_matters (
    id {PK},
    council_id BIGINT NOT NULL REFERENCES councils(id),
    title TEXT NOT NULL,
    status TEXT NOT NULL,
    raised_at BIGINT NOT NULL,
    raised_by_name TEXT NOT NULL,
    outcome TEXT,
    settled_at BIGINT,
    settled_by_name TEXT
);
CREATE INDEX council_matters_council ON council_matters(council_id, raised_at);
