-- Accounts that can be stopped (issue 9 §5).
-- Failed logins per client address (an IPv4 address, or an IPv6 /64), counted in a window; see
-- jingzhi_domain::auth::AddressFailures. Kept in the database so that every server counts the
-- same attempts.
CREATE TABLE login_failures (
    address TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    window_start BIGINT NOT NULL,
    locked_until BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX login_failures_window ON login_failures(window_start);
-- "Sign out everywhere" revokes every token of a user at once.
CREATE INDEX api_tokens_user ON api_tokens(user_id);
