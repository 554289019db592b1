-- Parking sharing (错时停车, issue 12 §2; docs/parking.md): a community's parking spaces, the
-- weekly hours each is shared in, rental contracts over a window of those hours, and the rent
-- payments, each posted to a fund as an income in the payment's transaction.
CREATE TABLE parking_spaces (
    id {PK},
    -- A compound (or the community) the space belongs to.
    node_id BIGINT NOT NULL REFERENCES nodes(id),
    path {TEXT_C} NOT NULL,
    number TEXT NOT NULL,
    note TEXT NOT NULL,
    created_by_name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX parking_spaces_number ON parking_spaces(node_id, number);
CREATE INDEX parking_spaces_path ON parking_spaces(path);

-- When a space is shared: days (bit 0 Monday … bit 6 Sunday) and minutes of the day; an end at
-- or before the start runs overnight; start = end is the whole day.
CREATE TABLE parking_windows (
    id {PK},
    space_id BIGINT NOT NULL REFERENCES parking_spaces(id),
    days BIGINT NOT NULL,
    start_min BIGINT NOT NULL,
    end_min BIGINT NOT NULL
);
CREATE INDEX parking_windows_space ON parking_windows(space_id);

CREATE TABLE parking_contracts (
    id {PK},
    space_id BIGINT NOT NULL REFERENCES parking_spaces(id),
    path {TEXT_C} NOT NULL,
    -- Where the rent goes (a fund of the space's community).
    fund_id BIGINT NOT NULL REFERENCES funds(id),
    -- The tenant: a person's name and phone are sealed; the masks are what lists show.
    tenant_sealed {BLOB} NOT NULL,
    tenant_mask TEXT NOT NULL,
    phone_sealed {BLOB},
    phone_mask TEXT,
    days BIGINT NOT NULL,
    start_min BIGINT NOT NULL,
    end_min BIGINT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    period TEXT NOT NULL,
    rent_fen BIGINT NOT NULL CHECK (rent_fen > 0),
    created_by_name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX parking_contracts_space ON parking_contracts(space_id);
CREATE INDEX parking_contracts_path ON parking_contracts(path);

CREATE TABLE parking_payments (
    id {PK},
    contract_id BIGINT NOT NULL REFERENCES parking_contracts(id),
    -- The first day of the period paid for.
    period_start TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    paid_on TEXT NOT NULL,
    fund_entry_id BIGINT NOT NULL REFERENCES fund_entries(id),
    recorded_by_name TEXT NOT NULL,
    recorded_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX parking_payments_once ON parking_payments(contract_id, period_start);
