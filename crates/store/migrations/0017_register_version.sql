-- The register's version: a number that grows with every change to the places (their names,
-- outlines, codes, the tree) or to the map's barriers. Pages that draw a place's map keep the
-- drawing while this number stays the same. Triggers (one file per backend) keep it.
CREATE TABLE register_version (
    id INTEGER PRIMARY KEY,
    version BIGINT NOT NULL
);
INSERT INTO register_version (id, version) VALUES (1, 1);
