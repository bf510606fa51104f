-- Cooldowns per account (scheduling.md §1, §7): the account-wide one (scope '') and one per
-- model. Kept so a restarted process or a new replica does not send traffic straight back to
-- an account the upstream just refused. Rows whose `until_ms` has passed mean nothing and
-- are deleted when the pool loads them.
CREATE TABLE account_cooldowns (
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    scope       TEXT    NOT NULL,
    reason      TEXT    NOT NULL,
    until_ms    INTEGER NOT NULL,
    since_ms    INTEGER NOT NULL,
    provisional INTEGER NOT NULL DEFAULT 0 CHECK (provisional IN (0, 1)),
    PRIMARY KEY (account_id, scope)
);

-- Admin overrides per account (scheduling.md §1): NULL = automatic. The score bias replaces
-- the plan weight of the dispatch score (§3); the base concurrency replaces the global
-- `max_concurrency` before the tier scales it (§4).
ALTER TABLE accounts ADD COLUMN score_bias_override INTEGER;
ALTER TABLE accounts ADD COLUMN base_concurrency_override INTEGER;
