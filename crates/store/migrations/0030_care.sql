-- Vulnerable people and their care, the yellow/orange/red warning and assistance cases (issue 13
-- §1–§2; docs/care.md). What is sensitive (health, disability, guardianship, income, the plan,
-- the assessment, help given) is sealed like ID numbers (`*_cipher`); what a query must filter
-- or count on (kind, colour, dates) is not.

-- One record per resident and kind (an elderly disabled person has two).
CREATE TABLE care_records (
    id {PK},
    resident_id BIGINT NOT NULL REFERENCES residents(id),
    household_id BIGINT NOT NULL REFERENCES households(id),
    path {TEXT_C} NOT NULL,
    kind TEXT NOT NULL,
    detail_cipher {BLOB} NOT NULL,
    worker_user_id BIGINT REFERENCES users(id),
    visit_every_days BIGINT NOT NULL,
    opened_at BIGINT NOT NULL,
    closed_at BIGINT,
    overdue_told_at BIGINT,
    created_by_name TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX care_records_resident ON care_records(resident_id, kind);
CREATE INDEX care_records_path ON care_records(path, id);
CREATE INDEX care_records_household ON care_records(household_id);
CREATE INDEX care_records_worker ON care_records(worker_user_id);

-- One row per monitored household (every household with an open care record): the facts staff
-- keep (income per head sealed, arrears) and its current colour with the rule that gave it.
CREATE TABLE care_households (
    household_id BIGINT PRIMARY KEY REFERENCES households(id),
    path {TEXT_C} NOT NULL,
    income_cipher {BLOB},
    arrears_months BIGINT NOT NULL DEFAULT 0,
    colour TEXT,
    rule_id TEXT,
    rule_version BIGINT,
    colour_since BIGINT,
    case_id BIGINT,
    updated_at BIGINT NOT NULL
);
CREATE INDEX care_households_path ON care_households(path);
CREATE INDEX care_households_colour ON care_households(colour, path);

-- Sudden events recorded on a household (重大疾病、失业、受灾、去世…).
CREATE TABLE care_hardships (
    id {PK},
    household_id BIGINT NOT NULL REFERENCES households(id),
    path {TEXT_C} NOT NULL,
    kind TEXT NOT NULL,
    note_cipher {BLOB} NOT NULL,
    happened_at BIGINT NOT NULL,
    recorded_by_name TEXT NOT NULL,
    recorded_at BIGINT NOT NULL
);
CREATE INDEX care_hardships_household ON care_hardships(household_id, happened_at);
CREATE INDEX care_hardships_path ON care_hardships(path, happened_at);

-- The city's warning rules, one row per version (the newest applies; none: the defaults).
CREATE TABLE care_rule_sets (
    version {PK},
    rules TEXT NOT NULL,
    note TEXT NOT NULL,
    created_by_name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Every change of a household's colour, with the rule (and its version) that caused it; colour
-- NULL when the warning is lifted.
CREATE TABLE care_colours (
    id {PK},
    household_id BIGINT NOT NULL REFERENCES households(id),
    path {TEXT_C} NOT NULL,
    colour TEXT,
    previous TEXT,
    rule_id TEXT,
    rule_label TEXT,
    rule_version BIGINT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX care_colours_household ON care_colours(household_id, at);
CREATE INDEX care_colours_path ON care_colours(path, at);

-- 一户一条救助链: one open case per household at a time.
CREATE TABLE care_cases (
    id {PK},
    household_id BIGINT NOT NULL REFERENCES households(id),
    path {TEXT_C} NOT NULL,
    colour TEXT NOT NULL,
    state TEXT NOT NULL,
    opened_at BIGINT NOT NULL,
    due_at BIGINT NOT NULL,
    assessment_cipher {BLOB},
    assessed_at BIGINT,
    assessed_by_name TEXT,
    escalated_at BIGINT,
    closed_at BIGINT,
    closed_by_name TEXT,
    closing_cipher {BLOB}
);
CREATE INDEX care_cases_path ON care_cases(path, state, due_at);
CREATE INDEX care_cases_household ON care_cases(household_id);

-- Referrals of a case to departments of the registry, each with its deadline and answer.
CREATE TABLE care_referrals (
    id {PK},
    case_id BIGINT NOT NULL REFERENCES care_cases(id),
    path {TEXT_C} NOT NULL,
    department TEXT NOT NULL,
    request TEXT NOT NULL,
    due_at BIGINT NOT NULL,
    sent_by_name TEXT NOT NULL,
    sent_at BIGINT NOT NULL,
    answer TEXT,
    answered_by_name TEXT,
    answered_at BIGINT,
    escalated_at BIGINT
);
CREATE INDEX care_referrals_case ON care_referrals(case_id);
CREATE INDEX care_referrals_department ON care_referrals(department, answered_at, due_at);

-- The help given and other steps of a case, in order (sealed: it says what the family lacks).
CREATE TABLE care_case_steps (
    id {PK},
    case_id BIGINT NOT NULL REFERENCES care_cases(id),
    kind TEXT NOT NULL,
    text_cipher {BLOB} NOT NULL,
    by_name TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX care_case_steps_case ON care_case_steps(case_id, at);
