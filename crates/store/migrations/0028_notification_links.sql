-- A notification about something that is neither an event nor a proposal (a decision's task
-- sent to a department, an integrity record) carries the page it leads to.
ALTER TABLE notifications ADD COLUMN link TEXT;
