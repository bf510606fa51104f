-- Switchyard schema, SQLite dialect. Append-only: never edit an applied migration, add a new
-- numbered file instead (sqlx checks the checksum of every applied file at startup).
--
-- Conventions shared with migrations/postgres so both backends behave identically:
--   * timestamps are unix milliseconds in INTEGER columns;
--   * booleans are INTEGER 0/1 (CHECKed), enum-like states are TEXT (CHECKed);
--   * ids come from AUTOINCREMENT so a deleted id is never reused, like a PostgreSQL identity.

CREATE TABLE accounts (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    name                  TEXT    NOT NULL,
    identity_key          TEXT    NOT NULL,
    email                 TEXT,
    chatgpt_account_id    TEXT,
    chatgpt_user_id       TEXT,
    plan_type             TEXT,
    kind                  TEXT    NOT NULL CHECK (kind IN ('refresh_token', 'access_token')),
    -- Output of SecretStore::seal (ciphertext or keyring reference); never plaintext tokens.
    credentials_sealed    TEXT    NOT NULL,
    credential_generation INTEGER NOT NULL DEFAULT 0,
    access_expires_at     INTEGER,
    last_refreshed_at     INTEGER,
    state                 TEXT    NOT NULL DEFAULT 'active'
                                  CHECK (state IN ('active', 'reauth_required')),
    state_reason          TEXT,
    enabled               INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    paused                INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
    proxy_url             TEXT,
    note                  TEXT,
    scheduler_priority    INTEGER NOT NULL DEFAULT 0,
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL,
    deleted_at            INTEGER
);

-- Identity is unique among live rows only, so a soft-deleted account can be re-imported.
CREATE UNIQUE INDEX accounts_identity_live_uq ON accounts (identity_key) WHERE deleted_at IS NULL;
CREATE INDEX accounts_created_idx ON accounts (created_at, id);

CREATE TABLE account_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL,
    detail     TEXT,
    created_at INTEGER NOT NULL
);

CREATE INDEX account_events_account_idx ON account_events (account_id, created_at, id);

CREATE TABLE api_keys (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT    NOT NULL,
    -- Keyed hash of the full key; the key itself is never stored.
    key_hash        TEXT    NOT NULL UNIQUE,
    key_preview     TEXT    NOT NULL,
    enabled         INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    rpm             INTEGER NOT NULL DEFAULT 0,
    max_concurrency INTEGER NOT NULL DEFAULT 0,
    token_quota     INTEGER NOT NULL DEFAULT 0,
    tokens_used     INTEGER NOT NULL DEFAULT 0,
    -- JSON array of model names; '[]' means every model.
    allowed_models  TEXT    NOT NULL DEFAULT '[]',
    expires_at      INTEGER,
    last_used_at    INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);

CREATE TABLE settings (
    key        TEXT    PRIMARY KEY NOT NULL,
    value      TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
);

-- No foreign keys: a usage row is a historical record and must outlive (hard-deleted) API
-- keys, and the batched writer must never fail because an account vanished meanwhile.
CREATE TABLE usage_logs (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at        INTEGER NOT NULL,
    request_id        TEXT    NOT NULL,
    api_key_id        INTEGER,
    account_id        INTEGER,
    endpoint          TEXT    NOT NULL,
    upstream_endpoint TEXT,
    requested_model   TEXT,
    effective_model   TEXT,
    stream            INTEGER NOT NULL CHECK (stream IN (0, 1)),
    status_code       INTEGER NOT NULL,
    error_kind        TEXT,
    input_tokens      INTEGER NOT NULL DEFAULT 0,
    cached_tokens     INTEGER NOT NULL DEFAULT 0,
    output_tokens     INTEGER NOT NULL DEFAULT 0,
    reasoning_tokens  INTEGER NOT NULL DEFAULT 0,
    first_token_ms    INTEGER,
    duration_ms       INTEGER NOT NULL DEFAULT 0,
    attempts          INTEGER NOT NULL DEFAULT 0,
    trace             TEXT,
    user_agent        TEXT
);

-- Every usage query is a time window, newest first; the per-dimension indexes carry
-- created_at too so a filtered page is an index range scan.
CREATE INDEX usage_logs_created_idx ON usage_logs (created_at, id);
CREATE INDEX usage_logs_account_idx ON usage_logs (account_id, created_at);
CREATE INDEX usage_logs_api_key_idx ON usage_logs (api_key_id, created_at);
CREATE INDEX usage_logs_requested_model_idx ON usage_logs (requested_model, created_at);
CREATE INDEX usage_logs_effective_model_idx ON usage_logs (effective_model, created_at);
