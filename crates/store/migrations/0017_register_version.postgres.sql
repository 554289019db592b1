CREATE FUNCTION register_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN UPDATE register_version SET version = version + 1 WHERE id = 1; RETURN NULL; END; $$;
CREATE TRIGGER nodes_version AFTER INSERT OR DELETE
  OR UPDATE OF parent_id, kind, code, name, path, boundary, x, y, units, floors ON nodes
FOR EACH STATEMENT EXECUTE FUNCTION register_version_bump();
CREATE TRIGGER barriers_version AFTER INSERT OR UPDATE OR DELETE ON barriers
FOR EACH STATEMENT EXECUTE FUNCTION register_version_bump();
