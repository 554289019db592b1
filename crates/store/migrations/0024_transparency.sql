-- The transparency log (issue 12 §3; docs/transparency.md). Append-only: nothing here is ever
-- updated or deleted by the application, except the head's size, which only grows.

-- One row: how many entries the log holds. Every append first moves it forward (the row lock
-- puts concurrent appends in line on PostgreSQL; SQLite has one writer anyway).
CREATE TABLE transparency_head (
    id BIGINT PRIMARY KEY,
    size BIGINT NOT NULL
);
INSERT INTO transparency_head (id, size) VALUES (1, 0);

-- The entries: each a public record's canonical JSON (RFC 8785), byte for byte, with its leaf
-- hash (RFC 6962: SHA-256(0x00 ‖ entry)). `kind` and `subject_id` say which record it is (a
-- record is logged once); `path` is the place it belongs to.
CREATE TABLE transparency_entries (
    idx BIGINT PRIMARY KEY,
    kind TEXT NOT NULL,
    subject_id BIGINT NOT NULL,
    path {TEXT_C} NOT NULL,
    entry {BLOB} NOT NULL,
    leaf_hash {BLOB} NOT NULL,
    logged_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX transparency_entries_subject ON transparency_entries(kind, subject_id);

-- The hashes of complete subtrees above the leaves (level ≥ 1; the subtree of leaves
-- [idx·2^level, (idx+1)·2^level)). A cache the proofs are built from; `transparency verify`
-- never trusts it.
CREATE TABLE transparency_nodes (
    level BIGINT NOT NULL,
    idx BIGINT NOT NULL,
    hash {BLOB} NOT NULL,
    PRIMARY KEY (level, idx)
);

-- Signed checkpoints (C2SP tlog-checkpoint as a signed note).
CREATE TABLE transparency_checkpoints (
    tree_size BIGINT PRIMARY KEY,
    root_hash {BLOB} NOT NULL,
    note TEXT NOT NULL,
    signed_at BIGINT NOT NULL
);

-- Witnesses whose cosignatures the log accepts (their verifier keys), and what they cosigned.
CREATE TABLE transparency_witnesses (
    name TEXT PRIMARY KEY,
    verifier_key TEXT NOT NULL,
    added_by_name TEXT NOT NULL,
    added_at BIGINT NOT NULL
);

CREATE TABLE transparency_cosignatures (
    tree_size BIGINT NOT NULL REFERENCES transparency_checkpoints(tree_size),
    witness TEXT NOT NULL REFERENCES transparency_witnesses(name),
    line TEXT NOT NULL,
    cosigned_at BIGINT NOT NULL,
    PRIMARY KEY (tree_size, witness)
);
