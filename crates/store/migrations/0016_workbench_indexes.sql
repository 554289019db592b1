-- The workbenches (docs/workbench.md, issue 9 §2) ask on every home page: which open events
-- below a place are past their deadline (the index answers it without reading the events), and
-- which departments summoned below a place have not reported in (a handful of 17,000 rows at
-- full scale, read by status instead of scanning every department's).
CREATE INDEX events_status_path_deadline ON events(status, path, deadline_at);
CREATE INDEX whistle_departments_status_path ON whistle_departments(status, path);
