-- Read models: projections of ledger_event, rebuilt from scratch by replay. Only the projector
-- (and replay, in its own schema) writes them; endpoints read them.
CREATE TABLE rm_balance (
    account_id     TEXT PRIMARY KEY,
    credits_micros BIGINT NOT NULL,
    spent_micros   BIGINT NOT NULL,
    requests       BIGINT NOT NULL
);

CREATE TABLE rm_rate_window (
    subject      TEXT        NOT NULL CHECK (subject IN ('key', 'user')),
    subject_id   BIGINT      NOT NULL,
    granularity  TEXT        NOT NULL CHECK (granularity IN ('MINUTE', 'HOUR', 'DAY')),
    window_start TIMESTAMPTZ NOT NULL,
    requests     BIGINT      NOT NULL,
    tokens       BIGINT      NOT NULL,
    PRIMARY KEY (subject, subject_id, granularity, window_start)
);

CREATE TABLE rm_spend (
    day               DATE   NOT NULL,
    user_id           BIGINT NOT NULL,
    key_id            BIGINT NOT NULL,
    project           TEXT   NOT NULL,
    cost_centre       TEXT   NOT NULL,
    environment       TEXT   NOT NULL,
    agent             TEXT   NOT NULL,
    model             TEXT   NOT NULL,
    requests          BIGINT NOT NULL,
    prompt_tokens     BIGINT NOT NULL,
    completion_tokens BIGINT NOT NULL,
    cost_micros       BIGINT NOT NULL,
    PRIMARY KEY (day, user_id, key_id, project, cost_centre, environment, agent, model)
);

CREATE TABLE rm_prompt (
    account_id    TEXT        NOT NULL,
    prompt_hash   TEXT        NOT NULL,
    model         TEXT        NOT NULL,
    first_seen    TIMESTAMPTZ NOT NULL,
    last_seen     TIMESTAMPTZ NOT NULL,
    occurrences   BIGINT      NOT NULL,
    repeats       BIGINT      NOT NULL,
    wasted_micros BIGINT      NOT NULL,
    PRIMARY KEY (account_id, prompt_hash, model)
);

CREATE TABLE rm_audit (
    seq           BIGINT PRIMARY KEY,
    occurred_at   TIMESTAMPTZ NOT NULL,
    actor_user_id BIGINT,
    action        TEXT NOT NULL,
    target_type   TEXT NOT NULL,
    target_id     TEXT NOT NULL,
    account_id    TEXT NOT NULL,
    outcome       TEXT NOT NULL,
    details       TEXT NOT NULL
);
CREATE INDEX rm_audit_action_idx ON rm_audit (action, occurred_at);

-- Kafka offsets consumed by the projector, committed in the same transaction as the read-model
-- changes they produced. max_seq is the highest ledger seq applied from the partition: a
-- republished (duplicate) event has a seq at or below it and is skipped.
CREATE TABLE projector_offset (
    topic       TEXT   NOT NULL,
    partition   INT    NOT NULL,
    next_offset BIGINT NOT NULL,
    max_seq     BIGINT NOT NULL,
    PRIMARY KEY (topic, partition)
);

-- How far the relay has published ledger_event to Kafka.
CREATE TABLE relay_checkpoint (
    name     TEXT PRIMARY KEY,
    last_seq BIGINT NOT NULL
);
