-- Communities of the right size (社区规模优化): hand corrections of the building adjacency graph,
-- plans and their closed-loop approval (six steps, residents' comments, departments' votes), and
-- the history of applied changes. Every row carries a `path` so that reads are confined to a
-- scope like the register's.

-- An edge of the building graph added or removed by hand (op 'add' | 'remove'), between two
-- buildings by code; `path` is the lowest common ancestor of the two buildings.
CREATE TABLE districting_edge_overrides (
    id {PK},
    a_code TEXT NOT NULL,
    b_code TEXT NOT NULL,
    op TEXT NOT NULL,
    note TEXT,
    path {TEXT_C} NOT NULL,
    created_by BIGINT,
    created_by_name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX districting_edge_overrides_path ON districting_edge_overrides(path);

-- A plan for a scope node (a community in split mode, a street or above in either mode).
CREATE TABLE districting_plans (
    id {PK},
    scope_node_id BIGINT NOT NULL REFERENCES nodes(id),
    scope_code TEXT NOT NULL,
    path {TEXT_C} NOT NULL,
    mode TEXT NOT NULL,
    seed BIGINT NOT NULL,
    cap INTEGER NOT NULL,
    min_households INTEGER NOT NULL,
    status TEXT NOT NULL,
    title TEXT NOT NULL,
    plan_json TEXT NOT NULL,
    metrics_json TEXT NOT NULL,
    departments_json TEXT NOT NULL,
    created_by BIGINT,
    created_by_name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    decided_at BIGINT,
    applied_at BIGINT
);
CREATE INDEX districting_plans_path ON districting_plans(path, id);

-- The six approval steps' records (公众参与 … 会议研究), at most one per step.
CREATE TABLE districting_steps (
    id {PK},
    plan_id BIGINT NOT NULL REFERENCES districting_plans(id),
    step TEXT NOT NULL,
    seq INTEGER NOT NULL,
    record TEXT NOT NULL,
    documents TEXT NOT NULL,
    decision TEXT,
    path {TEXT_C} NOT NULL,
    actor_id BIGINT,
    actor_name TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE UNIQUE INDEX districting_steps_plan_step ON districting_steps(plan_id, step);

-- Residents' comments during 公众参与.
CREATE TABLE districting_comments (
    id {PK},
    plan_id BIGINT NOT NULL REFERENCES districting_plans(id),
    body TEXT NOT NULL,
    path {TEXT_C} NOT NULL,
    author_id BIGINT,
    author_name TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX districting_comments_plan ON districting_comments(plan_id, id);

-- Each department's vote at 会议研究 (agree | object), one per department.
CREATE TABLE districting_votes (
    id {PK},
    plan_id BIGINT NOT NULL REFERENCES districting_plans(id),
    department TEXT NOT NULL,
    vote TEXT NOT NULL,
    note TEXT,
    path {TEXT_C} NOT NULL,
    actor_id BIGINT,
    actor_name TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE UNIQUE INDEX districting_votes_plan_dept ON districting_votes(plan_id, department);

-- History of applied plans: every node moved (a grid or a compound, with its subtree) …
CREATE TABLE districting_node_moves (
    id {PK},
    plan_id BIGINT NOT NULL REFERENCES districting_plans(id),
    node_id BIGINT NOT NULL REFERENCES nodes(id),
    node_kind TEXT NOT NULL,
    from_parent_id BIGINT NOT NULL REFERENCES nodes(id),
    to_parent_id BIGINT NOT NULL REFERENCES nodes(id),
    from_path {TEXT_C} NOT NULL,
    to_path {TEXT_C} NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX districting_node_moves_plan ON districting_node_moves(plan_id);
CREATE INDEX districting_node_moves_node ON districting_node_moves(node_id);

-- … and which community every moved household belonged to, and since when it belongs to another.
CREATE TABLE districting_household_history (
    id {PK},
    plan_id BIGINT NOT NULL REFERENCES districting_plans(id),
    household_id BIGINT NOT NULL REFERENCES households(id),
    from_community_id BIGINT NOT NULL REFERENCES nodes(id),
    to_community_id BIGINT NOT NULL REFERENCES nodes(id),
    at BIGINT NOT NULL
);
CREATE INDEX districting_household_history_household ON districting_household_history(household_id);
CREATE INDEX districting_household_history_plan ON districting_household_history(plan_id);
