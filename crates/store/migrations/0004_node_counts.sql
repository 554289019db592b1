-- Places of each kind below a node, kept with the other per-node counts, so that a city-wide
-- page does not count 30,000 buildings on every view. Filled by writes and bulk loads; a
-- register created before this migration gets them from `recompute_stats` (jingzhi migrate).
ALTER TABLE node_stats ADD COLUMN districts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE node_stats ADD COLUMN streets BIGINT NOT NULL DEFAULT 0;
ALTER TABLE node_stats ADD COLUMN communities BIGINT NOT NULL DEFAULT 0;
ALTER TABLE node_stats ADD COLUMN grids BIGINT NOT NULL DEFAULT 0;
ALTER TABLE node_stats ADD COLUMN compounds BIGINT NOT NULL DEFAULT 0;
ALTER TABLE node_stats ADD COLUMN buildings BIGINT NOT NULL DEFAULT 0;
