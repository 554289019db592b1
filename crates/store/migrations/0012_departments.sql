-- The department registry (职能部门): every department an event can be dispatched to or a whistle
-- can summon, with its jurisdiction (a node of the tree: the city, a district…) and parent
-- department. Dispatches, whistles, users and categories name a department by its `code`.
CREATE TABLE departments (
    id {PK},
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    short_name TEXT NOT NULL,
    -- city | district | street
    level TEXT NOT NULL,
    node_id BIGINT NOT NULL REFERENCES nodes(id),
    parent_id BIGINT REFERENCES departments(id),
    contact TEXT,
    -- One of the joint meeting's departments (联席会议成员单位).
    joint_meeting {BOOL} NOT NULL DEFAULT {BOOL_FALSE},
    sort_order INTEGER NOT NULL DEFAULT 0,
    active {BOOL} NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX departments_node ON departments(node_id);
CREATE UNIQUE INDEX departments_name_node ON departments(node_id, name);

-- A department handler's code (NULL for the other kinds; handler_name keeps its name then).
ALTER TABLE event_assignments ADD COLUMN handler_code TEXT;
CREATE INDEX event_assignments_code ON event_assignments(handler_code, event_id);

-- whistle_departments.department now holds the department's code; the index on it serves
-- "what was this department summoned to".

-- Categories name their default department by code (the city's departments in the demo).
UPDATE event_categories SET department = 'shichangjianguan' WHERE code = 'market_order';
UPDATE event_categories SET department = 'zhujian' WHERE code = 'road_facility';
UPDATE event_categories SET department = 'xiaofang' WHERE code = 'fire_safety';
