-- Open311 GeoReport v2 (docs/open311.md): the API keys of Open311 clients (only a SHA-256 of
-- each key is kept) and, per request created through Open311, what the client sent beyond the
-- event itself. Contact details are personal data: email and phone are sealed (AES-GCM, as
-- residents' phones) and never returned by the API.

CREATE TABLE open311_keys (
    id {PK},
    name TEXT NOT NULL UNIQUE,
    key_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

CREATE TABLE open311_requests (
    event_id BIGINT PRIMARY KEY REFERENCES events(id),
    path {TEXT_C} NOT NULL,
    key_id BIGINT NOT NULL REFERENCES open311_keys(id),
    email_enc {BLOB},
    phone_enc {BLOB},
    device_id TEXT,
    account_id TEXT,
    address_string TEXT,
    media_url TEXT
);

-- GET requests.json without filters: the newest requests of the last 90 days.
CREATE INDEX events_reported_id ON events(reported_at, id);
-- GET servicerequestupdates.json: the timeline rows of a period.
CREATE INDEX event_transitions_at ON event_transitions(at, id);
