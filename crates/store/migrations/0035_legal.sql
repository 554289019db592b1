-- Legal-aid cases (issue 13 §3; docs/legal.md): a resident's legal matter recorded by the
-- community with its kind and channel, the lawyer from the register of people who can be
-- mobilised, and where it stands. The matter and every step's note are sealed. `path` is the
-- household's (it follows the household when it moves).
CREATE TABLE legal_cases (
    id {PK},
    resident_id BIGINT NOT NULL REFERENCES residents(id),
    household_id BIGINT NOT NULL REFERENCES households(id),
    path {TEXT_C} NOT NULL,
    matter TEXT NOT NULL,
    channel TEXT NOT NULL,
    lawyer_id BIGINT REFERENCES force_members(id),
    lawyer_name TEXT,
    summary_cipher {BLOB} NOT NULL,
    state TEXT NOT NULL,
    outcome TEXT,
    opened_at BIGINT NOT NULL,
    closed_at BIGINT,
    created_by_name TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX legal_cases_path ON legal_cases(path, opened_at);
CREATE INDEX legal_cases_household ON legal_cases(household_id);

CREATE TABLE legal_case_steps (
    id {PK},
    case_id BIGINT NOT NULL REFERENCES legal_cases(id),
    at BIGINT NOT NULL,
    state TEXT NOT NULL,
    note_cipher {BLOB} NOT NULL,
    by_name TEXT NOT NULL
);
CREATE INDEX legal_case_steps_case ON legal_case_steps(case_id, at);
