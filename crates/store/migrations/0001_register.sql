-- The city register, users and audit. One file serves both backends: {PK} {BLOB} {TEXT_C}
-- {DOUBLE} {BOOL} {BOOL_FALSE} are replaced by the migration runner (see src/migrate.rs).

CREATE TABLE nodes (
    id {PK},
    parent_id BIGINT REFERENCES nodes(id),
    kind TEXT NOT NULL,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    path {TEXT_C} NOT NULL UNIQUE,
    depth INTEGER NOT NULL,
    boundary TEXT,
    x {DOUBLE},
    y {DOUBLE},
    units INTEGER,
    floors INTEGER,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX nodes_parent ON nodes(parent_id);
CREATE INDEX nodes_kind_path ON nodes(kind, path);

-- The party organisation beside the tree: 街道党工委 → 社区党总支 → 网格党支部 → 楼宇党小组.
CREATE TABLE party_orgs (
    id {PK},
    node_id BIGINT NOT NULL REFERENCES nodes(id),
    parent_id BIGINT REFERENCES party_orgs(id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    secretary TEXT,
    path {TEXT_C} NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX party_orgs_node ON party_orgs(node_id);
CREATE INDEX party_orgs_path ON party_orgs(path);

-- Barrier lines (main roads, rivers, rail) that redistricting must not cross.
CREATE TABLE barriers (
    id {PK},
    node_id BIGINT NOT NULL REFERENCES nodes(id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    geometry TEXT NOT NULL,
    path {TEXT_C} NOT NULL
);
CREATE INDEX barriers_path ON barriers(path);

CREATE TABLE households (
    id {PK},
    building_id BIGINT NOT NULL REFERENCES nodes(id),
    unit INTEGER,
    room TEXT NOT NULL,
    address TEXT NOT NULL,
    head_id BIGINT,
    path {TEXT_C} NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX households_room ON households(building_id, unit, room);
CREATE INDEX households_path ON households(path, id);
-- Address and name searches filter by scope inside the index (no row visit per candidate).
CREATE INDEX households_address ON households(address, id, path);

CREATE TABLE household_moves (
    id {PK},
    household_id BIGINT NOT NULL REFERENCES households(id),
    from_building_id BIGINT NOT NULL REFERENCES nodes(id),
    to_building_id BIGINT NOT NULL REFERENCES nodes(id),
    from_address TEXT NOT NULL,
    to_address TEXT NOT NULL,
    moved_at BIGINT NOT NULL,
    actor_id BIGINT,
    note TEXT
);
CREATE INDEX household_moves_household ON household_moves(household_id);

CREATE TABLE residents (
    id {PK},
    household_id BIGINT NOT NULL REFERENCES households(id),
    path {TEXT_C} NOT NULL,
    name TEXT NOT NULL,
    gender TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    id_cipher {BLOB} NOT NULL,
    id_hash TEXT NOT NULL,
    id_mask TEXT NOT NULL,
    phone_cipher {BLOB},
    phone_hash TEXT,
    phone_mask TEXT,
    relationship TEXT NOT NULL,
    residence TEXT NOT NULL,
    party_member {BOOL} NOT NULL DEFAULT {BOOL_FALSE},
    volunteer {BOOL} NOT NULL DEFAULT {BOOL_FALSE},
    elderly_alone {BOOL} NOT NULL DEFAULT {BOOL_FALSE},
    disability_grade INTEGER,
    low_income TEXT,
    child_in_difficulty {BOOL} NOT NULL DEFAULT {BOOL_FALSE},
    family_doctor_key {BOOL} NOT NULL DEFAULT {BOOL_FALSE},
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX residents_id_hash ON residents(id_hash);
CREATE INDEX residents_path ON residents(path, id);
CREATE INDEX residents_household ON residents(household_id);
CREATE INDEX residents_name ON residents(name, id, path);
CREATE INDEX residents_id_mask ON residents(id_mask);
CREATE INDEX residents_phone_hash ON residents(phone_hash);

-- Counts per node (households, residents, each tag), kept current by every write and recomputed
-- after bulk loads, so that a city-wide home page does not scan two million rows.
CREATE TABLE node_stats (
    node_id BIGINT PRIMARY KEY REFERENCES nodes(id),
    households BIGINT NOT NULL DEFAULT 0,
    residents BIGINT NOT NULL DEFAULT 0,
    party_member BIGINT NOT NULL DEFAULT 0,
    volunteer BIGINT NOT NULL DEFAULT 0,
    elderly_alone BIGINT NOT NULL DEFAULT 0,
    disabled BIGINT NOT NULL DEFAULT 0,
    low_income BIGINT NOT NULL DEFAULT 0,
    child_in_difficulty BIGINT NOT NULL DEFAULT 0,
    family_doctor_key BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE users (
    id {PK},
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    scope_node_id BIGINT NOT NULL REFERENCES nodes(id),
    resident_id BIGINT REFERENCES residents(id),
    department TEXT,
    disabled {BOOL} NOT NULL DEFAULT {BOOL_FALSE},
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    id {PK},
    user_id BIGINT NOT NULL REFERENCES users(id),
    token_hash TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT
);

-- Append-only: the triggers in the backend-specific part refuse UPDATE and DELETE.
CREATE TABLE audit_log (
    id {PK},
    at BIGINT NOT NULL,
    actor_id BIGINT,
    actor_name TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id BIGINT,
    path {TEXT_C} NOT NULL,
    summary TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT,
    reason TEXT
);
CREATE INDEX audit_log_path ON audit_log(path, id);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE INDEX audit_log_actor ON audit_log(actor_id, id);
