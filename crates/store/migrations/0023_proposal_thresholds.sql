-- Proposals (issue 11 §2): a community's own threshold (an absolute number of supports, or a
-- share of its households, per mille, with a floor; a community without a row uses the default,
-- 1 % of households and at least 10), and overdue answers escalated to the street, once.
CREATE TABLE proposal_thresholds (
    community_id BIGINT PRIMARY KEY REFERENCES nodes(id),
    path {TEXT_C} NOT NULL,
    kind TEXT NOT NULL,
    count BIGINT,
    permille BIGINT,
    floor BIGINT,
    set_by_name TEXT NOT NULL,
    set_at BIGINT NOT NULL
);

-- An overdue answer escalates once to the street (the job that escalates overdue events).
ALTER TABLE proposals ADD COLUMN escalated_at BIGINT;

-- An event that needed a collective decision became this proposal (the other way round, a
-- proposal that became an event, is `phase = 'became_event'` with `linked` the event).
ALTER TABLE proposals ADD COLUMN from_event_id BIGINT REFERENCES events(id);
CREATE INDEX proposals_from_event ON proposals(from_event_id);
CREATE INDEX proposals_linked ON proposals(linked);
