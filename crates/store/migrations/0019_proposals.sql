-- Small proposals (居民小提案) and their supports (附议), docs/participation.md, issue 11 §2.
-- A proposal concerns a place in its author's community; one support per resident; every change
-- of phase is a row of its public timeline.
CREATE TABLE proposals (
    id {PK},
    node_id BIGINT NOT NULL REFERENCES nodes(id),
    path {TEXT_C} NOT NULL,
    community_id BIGINT NOT NULL REFERENCES nodes(id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    author_resident_id BIGINT NOT NULL REFERENCES residents(id),
    author_name TEXT NOT NULL,
    -- Who filed it: the author's own account, or a steward on the household's behalf.
    filed_by BIGINT,
    filed_by_name TEXT NOT NULL,
    phase TEXT NOT NULL,
    supports BIGINT NOT NULL DEFAULT 0,
    awaiting_since BIGINT,
    answer_due BIGINT,
    -- The proposal it was merged into, or the event it became.
    linked BIGINT,
    answer TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX proposals_path ON proposals(path);
CREATE INDEX proposals_phase_due ON proposals(phase, answer_due);

CREATE TABLE proposal_supports (
    proposal_id BIGINT NOT NULL REFERENCES proposals(id),
    resident_id BIGINT NOT NULL REFERENCES residents(id),
    at BIGINT NOT NULL,
    PRIMARY KEY (proposal_id, resident_id)
);

CREATE TABLE proposal_timeline (
    id {PK},
    proposal_id BIGINT NOT NULL REFERENCES proposals(id),
    at BIGINT NOT NULL,
    phase TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    note TEXT
);
CREATE INDEX proposal_timeline_proposal ON proposal_timeline(proposal_id, at);
