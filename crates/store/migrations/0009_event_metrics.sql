-- Monthly counts of events per community (China Standard Time months, `yyyymm`), kept in the
-- same transaction as every event write by `store::events::{insert_event, save_event}` (through
-- `store::metrics`), so that a city's dashboard sums a few thousand rows instead of scanning
-- 300,000 events. The columns are `domain::events::metrics::Counts` (see docs/metrics.md);
-- `rebuild_rollup` recounts them from the events (after this migration, and in tests).
CREATE TABLE event_rollup (
    path {TEXT_C} NOT NULL,
    month INTEGER NOT NULL,
    reported BIGINT NOT NULL DEFAULT 0,
    responded_in_time BIGINT NOT NULL DEFAULT 0,
    valid BIGINT NOT NULL DEFAULT 0,
    resolved BIGINT NOT NULL DEFAULT 0,
    resolved_on_time BIGINT NOT NULL DEFAULT 0,
    satisfied BIGINT NOT NULL DEFAULT 0,
    fairly_satisfied BIGINT NOT NULL DEFAULT 0,
    dissatisfied BIGINT NOT NULL DEFAULT 0,
    whistled BIGINT NOT NULL DEFAULT 0,
    hotline BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (path, month)
);

-- Events reported per street, month and category (read only for streets and above).
CREATE TABLE event_rollup_category (
    path {TEXT_C} NOT NULL,
    month INTEGER NOT NULL,
    category_code TEXT NOT NULL,
    reported BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (path, month, category_code)
);
-- Volume by category read from the index alone.
CREATE INDEX event_rollup_category_cover ON event_rollup_category(path, month, category_code, reported);

-- Duplicate candidates: same category, a time window, then the scope.
CREATE INDEX events_category_reported ON events(category_code, reported_at, path);
-- Whistle performance of a place and period.
CREATE INDEX whistles_path_blown ON whistles(path, blown_at);
