-- Read models for finance reporting (rebuilt by replay like the others; run `./tollgate replay`
-- after upgrading so that rows projected before this migration get their new columns).

-- Sums for averages (latency) and seed 004's message counts.
-- Waste (calls that repeated a prompt within the waste window) per cell, so reports filter it like spend.
ALTER TABLE rm_spend ADD COLUMN latency_ms    BIGINT NOT NULL DEFAULT 0,
                     ADD COLUMN messages      BIGINT NOT NULL DEFAULT 0,
                     ADD COLUMN repeats       BIGINT NOT NULL DEFAULT 0,
                     ADD COLUMN wasted_micros BIGINT NOT NULL DEFAULT 0;
CREATE INDEX rm_spend_user_idx ON rm_spend (user_id, day);

-- One row per UsageRecorded, for listing usage events page by page (cursor = seq).
CREATE TABLE rm_usage_event (
    seq               BIGINT PRIMARY KEY,
    occurred_at       TIMESTAMPTZ NOT NULL,
    request_id        TEXT        NOT NULL,
    user_id           BIGINT      NOT NULL,
    key_id            BIGINT      NOT NULL,
    model             TEXT        NOT NULL,
    provider          TEXT        NOT NULL,
    endpoint          TEXT        NOT NULL,
    streamed          BOOLEAN     NOT NULL,
    prompt_tokens     BIGINT      NOT NULL,
    completion_tokens BIGINT      NOT NULL,
    cost_micros       BIGINT      NOT NULL,
    latency_ms        BIGINT      NOT NULL,
    upstream_status   INT         NOT NULL,
    tokens_estimated  BOOLEAN     NOT NULL,
    cost_centre       TEXT,
    project           TEXT,
    environment       TEXT,
    agent             TEXT,
    messages          BIGINT      NOT NULL
);
CREATE INDEX rm_usage_event_user_idx ON rm_usage_event (user_id, seq);
CREATE INDEX rm_usage_event_key_idx ON rm_usage_event (key_id, seq);
CREATE INDEX rm_usage_event_time_idx ON rm_usage_event (occurred_at);
CREATE INDEX rm_usage_event_model_idx ON rm_usage_event (model, seq);
CREATE INDEX rm_usage_event_cost_centre_idx ON rm_usage_event (cost_centre, seq);

-- An account's credits and spend per month (UTC, by event time), with the seq range of its events
-- in that month: the body of a monthly statement.
CREATE TABLE rm_account_month (
    account_id     TEXT   NOT NULL,
    month          DATE   NOT NULL,
    credits_micros BIGINT NOT NULL,
    spent_micros   BIGINT NOT NULL,
    requests       BIGINT NOT NULL,
    first_seq      BIGINT NOT NULL,
    last_seq       BIGINT NOT NULL,
    PRIMARY KEY (account_id, month)
);

CREATE INDEX rm_audit_account_idx ON rm_audit (account_id, seq);

-- The spend roll-up by month without key and agent, so reports over months and years sum few rows.
CREATE TABLE rm_spend_month (
    month             DATE   NOT NULL,
    user_id           BIGINT NOT NULL,
    project           TEXT   NOT NULL,
    cost_centre       TEXT   NOT NULL,
    environment       TEXT   NOT NULL,
    model             TEXT   NOT NULL,
    requests          BIGINT NOT NULL,
    prompt_tokens     BIGINT NOT NULL,
    completion_tokens BIGINT NOT NULL,
    cost_micros       BIGINT NOT NULL,
    latency_ms        BIGINT NOT NULL,
    messages          BIGINT NOT NULL,
    repeats           BIGINT NOT NULL,
    wasted_micros     BIGINT NOT NULL,
    PRIMARY KEY (month, user_id, project, cost_centre, environment, model)
);
CREATE INDEX rm_spend_month_user_idx ON rm_spend_month (user_id, month);

-- Report filters on the daily roll-up, and the top of the waste list.
CREATE INDEX rm_spend_cost_centre_idx ON rm_spend (cost_centre, day);
CREATE INDEX rm_spend_environment_idx ON rm_spend (environment, day);
CREATE INDEX rm_prompt_repeats_idx ON rm_prompt (repeats DESC, prompt_hash) WHERE repeats > 0;
CREATE INDEX rm_prompt_account_repeats_idx ON rm_prompt (account_id, repeats DESC, prompt_hash) WHERE repeats > 0;

-- Spend per month, cost centre and environment by one dimension at a time (user, project, model):
-- an organisation-wide overview sums thousands of these rows instead of every user × model cell.
CREATE TABLE rm_spend_dimension (
    month             DATE   NOT NULL,
    cost_centre       TEXT   NOT NULL,
    environment       TEXT   NOT NULL,
    dimension         TEXT   NOT NULL CHECK (dimension IN ('user', 'project', 'model')),
    value             TEXT   NOT NULL,
    requests          BIGINT NOT NULL,
    prompt_tokens     BIGINT NOT NULL,
    completion_tokens BIGINT NOT NULL,
    cost_micros       BIGINT NOT NULL,
    latency_ms        BIGINT NOT NULL,
    messages          BIGINT NOT NULL,
    repeats           BIGINT NOT NULL,
    wasted_micros     BIGINT NOT NULL,
    PRIMARY KEY (month, cost_centre, environment, dimension, value)
);
