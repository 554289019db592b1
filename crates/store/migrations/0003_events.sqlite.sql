CREATE TRIGGER event_transitions_no_update BEFORE UPDATE ON event_transitions
BEGIN SELECT RAISE(ABORT, 'event_transitions is append-only'); END;
CREATE TRIGGER event_transitions_no_delete BEFORE DELETE ON event_transitions
BEGIN SELECT RAISE(ABORT, 'event_transitions is append-only'); END;
