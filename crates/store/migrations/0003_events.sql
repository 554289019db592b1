-- Events (事件), their timeline, handlers, ratings, and whistles (吹哨报到). Every table carries
-- the `path` of the place the event is located in, so every query is confined to a scope.

CREATE TABLE event_categories (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    parent_code TEXT REFERENCES event_categories(code),
    handler_kind TEXT NOT NULL,
    department TEXT,
    questions_json TEXT NOT NULL,
    sort_order INTEGER NOT NULL,
    active {BOOL} NOT NULL
);

-- The defaults (crates/domain/src/events/category.rs; a test checks they agree).
INSERT INTO event_categories (code, name, parent_code, handler_kind, department, questions_json, sort_order, active) VALUES
('parking', '停车秩序', NULL, 'grid_worker', NULL, '[{"code":"plate","text":"车牌号（如知道）","required":false,"choices":[]},{"code":"blocking","text":"是否堵塞消防通道","required":true,"choices":["是","否"]}]', 1, 1 = 1),
('ebike_charging', '电动车违规充电/飞线', NULL, 'grid_worker', NULL, '[{"code":"place","text":"充电位置","required":true,"choices":["楼道","室内","窗外飞线","其他"]}]', 2, 1 = 1),
('stairwell_clutter', '楼道堆物', NULL, 'property_company', NULL, '[{"code":"floor","text":"所在楼层","required":false,"choices":[]}]', 3, 1 = 1),
('neighbour_dispute', '邻里纠纷', NULL, 'community', NULL, '[{"code":"kind","text":"纠纷类型","required":true,"choices":["噪音","漏水","占用公共空间","其他"]}]', 4, 1 = 1),
('market_order', '市场秩序', NULL, 'department', '市场监督管理局', '[]', 5, 1 = 1),
('property_service', '物业服务与物业费', NULL, 'community', NULL, '[{"code":"kind","text":"问题类型","required":true,"choices":["服务质量","收费","维修","其他"]}]', 6, 1 = 1),
('road_facility', '道路与设施破损', NULL, 'department', '住房和城乡建设局', '[{"code":"facility","text":"设施类型","required":true,"choices":["道路","路灯","井盖","健身器材","其他"]}]', 7, 1 = 1),
('sanitation', '环境卫生', NULL, 'property_company', NULL, '[]', 8, 1 = 1),
('noise', '噪音扰民', NULL, 'grid_worker', NULL, '[{"code":"time","text":"发生时段","required":true,"choices":["白天","夜间"]}]', 9, 1 = 1),
('fire_safety', '消防安全', NULL, 'department', '消防救援大队', '[{"code":"danger_now","text":"是否正在发生险情","required":true,"choices":["是","否"]}]', 10, 1 = 1),
('other', '其他', NULL, 'community', NULL, '[]', 11, 1 = 1);

CREATE TABLE events (
    id {PK},
    path {TEXT_C} NOT NULL,
    node_id BIGINT NOT NULL REFERENCES nodes(id),
    category_code TEXT NOT NULL REFERENCES event_categories(code),
    urgency TEXT NOT NULL,
    status TEXT NOT NULL,
    reopened INTEGER NOT NULL DEFAULT 0,
    escalations INTEGER NOT NULL DEFAULT 0,
    source TEXT NOT NULL,
    reporter_user_id BIGINT,
    reporter_name TEXT NOT NULL,
    description TEXT NOT NULL,
    answers_json TEXT,
    x {DOUBLE},
    y {DOUBLE},
    merged_into BIGINT REFERENCES events(id),
    invalid_reason TEXT,
    result TEXT,
    rating TEXT,
    reported_at BIGINT NOT NULL,
    deadline_at BIGINT NOT NULL,
    responded_at BIGINT,
    first_resolved_at BIGINT,
    resolved_at BIGINT,
    closed_at BIGINT,
    rated_at BIGINT,
    whistled {BOOL} NOT NULL DEFAULT {BOOL_FALSE},
    updated_at BIGINT NOT NULL
);
CREATE INDEX events_path ON events(path, id);
CREATE INDEX events_status_path ON events(status, path);
CREATE INDEX events_category_path ON events(category_code, path);
CREATE INDEX events_reported_path ON events(reported_at, path);
CREATE INDEX events_reporter ON events(reporter_user_id, id);

-- The timeline: append-only, one row per transition.
CREATE TABLE event_transitions (
    id {PK},
    event_id BIGINT NOT NULL REFERENCES events(id),
    path {TEXT_C} NOT NULL,
    at BIGINT NOT NULL,
    actor_id BIGINT,
    actor_name TEXT NOT NULL,
    command TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT NOT NULL,
    note TEXT
);
CREATE INDEX event_transitions_event ON event_transitions(event_id, id);

-- Handlers of a dispatch: lead (主办), co_handler (协办), notified (知会). A new dispatch
-- deactivates the previous handlers.
CREATE TABLE event_assignments (
    id {PK},
    event_id BIGINT NOT NULL REFERENCES events(id),
    path {TEXT_C} NOT NULL,
    role TEXT NOT NULL,
    handler_kind TEXT NOT NULL,
    handler_name TEXT NOT NULL,
    assigned_at BIGINT NOT NULL,
    active {BOOL} NOT NULL
);
CREATE INDEX event_assignments_event ON event_assignments(event_id);
CREATE INDEX event_assignments_handler ON event_assignments(handler_name, path);

-- Every rating given (a reopened event may be rated twice); events.rating holds the latest.
CREATE TABLE event_ratings (
    id {PK},
    event_id BIGINT NOT NULL REFERENCES events(id),
    path {TEXT_C} NOT NULL,
    at BIGINT NOT NULL,
    rating TEXT NOT NULL,
    rater_id BIGINT,
    comment TEXT
);
CREATE INDEX event_ratings_event ON event_ratings(event_id);

CREATE TABLE whistles (
    id {PK},
    event_id BIGINT NOT NULL REFERENCES events(id),
    path {TEXT_C} NOT NULL,
    urgency TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL,
    blown_at BIGINT NOT NULL,
    blown_by TEXT NOT NULL,
    report_in_deadline_at BIGINT NOT NULL,
    inspection_at BIGINT,
    inspection_participants TEXT,
    inspection_findings TEXT,
    inspection_solution TEXT,
    done_at BIGINT,
    updated_at BIGINT NOT NULL
);
CREATE INDEX whistles_event ON whistles(event_id);
CREATE INDEX whistles_path ON whistles(path, id);

CREATE TABLE whistle_departments (
    id {PK},
    whistle_id BIGINT NOT NULL REFERENCES whistles(id),
    path {TEXT_C} NOT NULL,
    department TEXT NOT NULL,
    status TEXT NOT NULL,
    reported_in_at BIGINT,
    task TEXT,
    task_done_at BIGINT,
    rating TEXT,
    sort_order INTEGER NOT NULL
);
CREATE UNIQUE INDEX whistle_departments_name ON whistle_departments(whistle_id, department);
CREATE INDEX whistle_departments_path ON whistle_departments(department, path);
