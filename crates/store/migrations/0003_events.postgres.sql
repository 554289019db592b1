CREATE FUNCTION event_transitions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'event_transitions is append-only'; END; $$;
CREATE TRIGGER event_transitions_no_change BEFORE UPDATE OR DELETE ON event_transitions
FOR EACH ROW EXECUTE FUNCTION event_transitions_append_only();
