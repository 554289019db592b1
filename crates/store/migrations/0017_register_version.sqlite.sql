CREATE TRIGGER nodes_version_insert AFTER INSERT ON nodes
BEGIN UPDATE register_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER nodes_version_update AFTER UPDATE OF parent_id, kind, code, name, path, boundary, x, y, units, floors ON nodes
BEGIN UPDATE register_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER nodes_version_delete AFTER DELETE ON nodes
BEGIN UPDATE register_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER barriers_version_insert AFTER INSERT ON barriers
BEGIN UPDATE register_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER barriers_version_update AFTER UPDATE ON barriers
BEGIN UPDATE register_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER barriers_version_delete AFTER DELETE ON barriers
BEGIN UPDATE register_version SET version = version + 1 WHERE id = 1; END;
