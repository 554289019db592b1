-- Open community funds (issue 12 §2; docs/funds.md): a double-entry ledger in fen. An entry is
-- recorded (pending) and posted once: its lines are written then and never change; a rejected
-- entry stays visible with its reason. A posted entry is undone only by a reversal entry
-- (`reverses_id`), at most one per entry.
CREATE TABLE funds (
    id {PK},
    node_id BIGINT NOT NULL REFERENCES nodes(id),
    path {TEXT_C} NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    -- A spending or transfer above this needs a linked decision.
    threshold_fen BIGINT NOT NULL,
    created_by_name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX funds_path ON funds(path);

CREATE TABLE fund_entries (
    id {PK},
    fund_id BIGINT NOT NULL REFERENCES funds(id),
    path {TEXT_C} NOT NULL,
    kind TEXT NOT NULL,
    category TEXT NOT NULL,
    amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
    counter_fund_id BIGINT REFERENCES funds(id),
    purpose TEXT NOT NULL,
    voucher_no TEXT NOT NULL,
    occurred_on TEXT NOT NULL,
    -- A fee subsidy names its household (shown publicly only as building and public code).
    household_id BIGINT REFERENCES households(id),
    decision_id BIGINT REFERENCES decisions(id),
    reverses_id BIGINT REFERENCES fund_entries(id),
    -- A refund: the spending it returns.
    related_id BIGINT REFERENCES fund_entries(id),
    state TEXT NOT NULL,
    recorded_by BIGINT,
    recorded_by_name TEXT NOT NULL,
    recorded_at BIGINT NOT NULL,
    decided_by BIGINT,
    decided_by_name TEXT,
    decided_at BIGINT,
    reject_reason TEXT
);
-- Covering for a fund's list and its count: the entries it made, and the transfers it received.
CREATE INDEX fund_entries_fund ON fund_entries(fund_id, state, id);
CREATE INDEX fund_entries_counter ON fund_entries(counter_fund_id, state, id);
CREATE INDEX fund_entries_path ON fund_entries(path);
CREATE UNIQUE INDEX fund_entries_one_reversal ON fund_entries(reverses_id)
    WHERE reverses_id IS NOT NULL AND state <> 'rejected';

-- The postings: per entry, lines on accounts (`fund:ID`, `income:CODE`, `spending:CODE`) that
-- sum to zero; `fund_id` is set on a fund's own lines (its balance is their sum).
CREATE TABLE fund_lines (
    id {PK},
    entry_id BIGINT NOT NULL REFERENCES fund_entries(id),
    account TEXT NOT NULL,
    fund_id BIGINT REFERENCES funds(id),
    amount_fen BIGINT NOT NULL,
    month TEXT NOT NULL,
    posted_at BIGINT NOT NULL
);
-- Covering: a fund's balance and its months are read from the index alone.
CREATE INDEX fund_lines_fund ON fund_lines(fund_id, month, amount_fen);
CREATE INDEX fund_lines_entry ON fund_lines(entry_id);

-- Per fund and month, what came in and went out: a summary of `fund_lines` written in the same
-- transaction as the lines (the public page's balance and chart read it; the lines stay the
-- record, and the tests check the two agree).
CREATE TABLE fund_months (
    fund_id BIGINT NOT NULL REFERENCES funds(id),
    month TEXT NOT NULL,
    inflow BIGINT NOT NULL,
    outflow BIGINT NOT NULL,
    -- Posted entries listed on the fund's page (its own, and transfers it received).
    posted BIGINT NOT NULL,
    PRIMARY KEY (fund_id, month)
);

-- A scan or photo of an entry's voucher (receipt, invoice), checked like event photos.
CREATE TABLE fund_vouchers (
    entry_id BIGINT PRIMARY KEY REFERENCES fund_entries(id),
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    data {BLOB} NOT NULL,
    uploaded_at BIGINT NOT NULL
);
