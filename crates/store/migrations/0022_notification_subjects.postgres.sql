-- Notifications about proposals as well as events (issue 11 §2): `event_id` becomes optional and
-- `proposal_id` names the proposal.
ALTER TABLE notifications ALTER COLUMN event_id DROP NOT NULL;
ALTER TABLE notifications ADD COLUMN proposal_id BIGINT REFERENCES proposals(id);
