-- Whistles name who blew them by display name (issue 9 §3: timelines show people's names, never
-- login names). Rows written before that kept the login name: replace it where it still
-- matches a user's login name and that user has a display name.
UPDATE whistles SET blown_by = (
    SELECT u.display_name FROM users u WHERE u.username = whistles.blown_by
)
WHERE EXISTS (
    SELECT 1 FROM users u WHERE u.username = whistles.blown_by AND u.display_name <> ''
);
