-- Family-doctor contracts (家庭医生签约, issue 13 §3; docs/doctors.md). Teams are registered by
-- managers over a street or community; workers pick one when signing a resident. A contract
-- carries the resident's path (kept current by moves and redistricting) so the signing rate of a
-- place is one range count; the key groups it covers are health data and sealed.
CREATE TABLE doctor_teams (
    id {PK},
    node_id BIGINT NOT NULL REFERENCES nodes(id),
    path {TEXT_C} NOT NULL,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    institution TEXT NOT NULL,
    lead_doctor TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    retired_at BIGINT
);
CREATE INDEX doctor_teams_path ON doctor_teams(path);

CREATE TABLE doctor_contracts (
    id {PK},
    resident_id BIGINT NOT NULL REFERENCES residents(id),
    path {TEXT_C} NOT NULL,
    team_id BIGINT NOT NULL REFERENCES doctor_teams(id),
    signed_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    groups_cipher {BLOB} NOT NULL,
    created_by_id BIGINT,
    created_by_name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    ended_at BIGINT,
    end_reason TEXT
);
CREATE INDEX doctor_contracts_path ON doctor_contracts(path, ends_at);
CREATE INDEX doctor_contracts_resident ON doctor_contracts(resident_id);
