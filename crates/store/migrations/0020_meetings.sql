-- Deliberation meetings in rounds (issue 11 §3) and decisions carried out as tasks (§5),
-- docs/participation.md. A meeting belongs to a community; its minutes lock once (locked_at,
-- minutes_hash) and never change after. A decision comes from an agenda item or a vote; its
-- tasks move forward through progress steps, each step a row of the public timeline.
CREATE TABLE meetings (
    id {PK},
    node_id BIGINT NOT NULL REFERENCES nodes(id),
    path {TEXT_C} NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    held_at BIGINT NOT NULL,
    venue TEXT NOT NULL,
    organiser_id BIGINT,
    organiser_name TEXT NOT NULL,
    minutes TEXT,
    amend_until BIGINT,
    locked_at BIGINT,
    minutes_hash TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX meetings_path ON meetings(path, held_at);

CREATE TABLE meeting_parties (
    id {PK},
    meeting_id BIGINT NOT NULL REFERENCES meetings(id),
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    -- The account that may amend the minutes as this party (staff, or a resident's account).
    user_id BIGINT REFERENCES users(id),
    resident_id BIGINT REFERENCES residents(id),
    department_id BIGINT REFERENCES departments(id),
    attended {BOOL} NOT NULL DEFAULT {BOOL_FALSE}
);
CREATE INDEX meeting_parties_meeting ON meeting_parties(meeting_id);

CREATE TABLE agenda_items (
    id {PK},
    meeting_id BIGINT NOT NULL REFERENCES meetings(id),
    seq BIGINT NOT NULL,
    title TEXT NOT NULL,
    proposal_id BIGINT REFERENCES proposals(id),
    event_id BIGINT REFERENCES events(id),
    -- An evaluation meeting's item rates a decision.
    evaluates_decision_id BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX agenda_items_meeting ON agenda_items(meeting_id, seq);
CREATE INDEX agenda_items_proposal ON agenda_items(proposal_id);

CREATE TABLE deliberation_rounds (
    id {PK},
    item_id BIGINT NOT NULL REFERENCES agenda_items(id),
    n BIGINT NOT NULL,
    at BIGINT NOT NULL,
    positions_json TEXT NOT NULL,
    changes TEXT NOT NULL,
    open_points TEXT NOT NULL,
    recorded_by_name TEXT NOT NULL,
    UNIQUE (item_id, n)
);

CREATE TABLE minute_amendments (
    id {PK},
    meeting_id BIGINT NOT NULL REFERENCES meetings(id),
    author_id BIGINT,
    author_name TEXT NOT NULL,
    at BIGINT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX minute_amendments_meeting ON minute_amendments(meeting_id, at);

CREATE TABLE decisions (
    id {PK},
    node_id BIGINT NOT NULL REFERENCES nodes(id),
    path {TEXT_C} NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    figures_json TEXT NOT NULL,
    item_id BIGINT REFERENCES agenda_items(id),
    vote_id BIGINT REFERENCES votes(id),
    proposal_id BIGINT REFERENCES proposals(id),
    decided_at BIGINT NOT NULL,
    decided_by_name TEXT NOT NULL,
    rating BIGINT,
    rating_note TEXT,
    rated_in_meeting_id BIGINT REFERENCES meetings(id),
    rated_at BIGINT
);
CREATE INDEX decisions_path ON decisions(path, decided_at);
CREATE INDEX decisions_proposal ON decisions(proposal_id);
CREATE UNIQUE INDEX decisions_item ON decisions(item_id);

CREATE TABLE decision_tasks (
    id {PK},
    decision_id BIGINT NOT NULL REFERENCES decisions(id),
    path {TEXT_C} NOT NULL,
    title TEXT NOT NULL,
    owner_kind TEXT NOT NULL,
    owner_name TEXT NOT NULL,
    department_id BIGINT REFERENCES departments(id),
    event_id BIGINT REFERENCES events(id),
    due_at BIGINT NOT NULL,
    step TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX decision_tasks_decision ON decision_tasks(decision_id);
CREATE INDEX decision_tasks_department ON decision_tasks(department_id, step);

CREATE TABLE task_progress (
    id {PK},
    task_id BIGINT NOT NULL REFERENCES decision_tasks(id),
    step TEXT NOT NULL,
    at BIGINT NOT NULL,
    by_name TEXT NOT NULL,
    note TEXT
);
CREATE INDEX task_progress_task ON task_progress(task_id, at);
