-- The register of people who can be mobilised (issue 13 §4; docs/forces.md): party members
-- (双报到 ones included), volunteers, property staff, doctors, lawyers, police in the community,
-- with their skills (`,code,code,` so one LIKE finds a skill), when they can be called, and a
-- phone number sealed like residents' (the mask for lists, the hash for duplicates). `path` is
-- the place they serve (a community or a grid).
CREATE TABLE force_members (
    id {PK},
    node_id BIGINT NOT NULL REFERENCES nodes(id),
    path {TEXT_C} NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    resident_id BIGINT REFERENCES residents(id),
    organisation TEXT NOT NULL,
    skills TEXT NOT NULL,
    availability TEXT NOT NULL,
    phone_cipher {BLOB} NOT NULL,
    phone_hash TEXT NOT NULL,
    phone_mask TEXT NOT NULL,
    note TEXT NOT NULL,
    created_by_name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    removed_at BIGINT,
    removed_reason TEXT
);
CREATE INDEX force_members_path ON force_members(path, kind);
CREATE INDEX force_members_phone ON force_members(phone_hash);
CREATE INDEX force_members_resident ON force_members(resident_id);
