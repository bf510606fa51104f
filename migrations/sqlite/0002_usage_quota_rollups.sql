-- Quota windows per account and usage rollups (issue 6), SQLite dialect.

-- The latest observation of each quota window of an account, from rate-limit headers or a
-- wham/usage probe (upstream.md §5.1, §5.5). Windows are classified by length, never by the
-- primary/secondary position, so the key is the class. `window_kind` rather than `window`:
-- WINDOW is a reserved word in PostgreSQL and the two dialects keep the same column names.
CREATE TABLE account_quota (
    account_id     INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    window_kind    TEXT    NOT NULL CHECK (window_kind IN ('5h', '7d', 'short')),
    used_percent   REAL    NOT NULL,
    window_minutes INTEGER NOT NULL,
    -- Unix ms; NULL when the upstream gave neither reset-at nor reset-after.
    reset_at       INTEGER,
    observed_at    INTEGER NOT NULL,
    PRIMARY KEY (account_id, window_kind)
);

-- Pre-aggregated usage per hour and per UTC day, per model, API key and account, folded in by
-- the usage writer in the same transaction as the raw rows. Raw logs expire after the
-- retention period; rollups are kept, so long charts stay fast and survive the purge.
-- `dimension_key` is the model name or the id as text; '' when the row had none.
CREATE TABLE usage_rollups (
    granularity        TEXT    NOT NULL CHECK (granularity IN ('hour', 'day')),
    dimension          TEXT    NOT NULL CHECK (dimension IN ('model', 'api_key', 'account')),
    bucket_start       INTEGER NOT NULL,
    dimension_key      TEXT    NOT NULL,
    requests           INTEGER NOT NULL DEFAULT 0,
    errors             INTEGER NOT NULL DEFAULT 0,
    input_tokens       INTEGER NOT NULL DEFAULT 0,
    cached_tokens      INTEGER NOT NULL DEFAULT 0,
    output_tokens      INTEGER NOT NULL DEFAULT 0,
    reasoning_tokens   INTEGER NOT NULL DEFAULT 0,
    duration_ms_sum    INTEGER NOT NULL DEFAULT 0,
    first_token_ms_sum INTEGER NOT NULL DEFAULT 0,
    first_token_count  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (granularity, dimension, bucket_start, dimension_key)
);
