-- Money controls: plans, rate limits, key security and credit idempotency. Like V1's write
-- models, every change to these rows commits together with the ledger event that records it.

-- A plan bundles rate limits, a monthly quota and entitlements. NULL limit = no limit.
-- prepaid: the account spends credits it bought (CreditsAdded) and is refused (402) when they run out.
CREATE TABLE plans (
    id                         TEXT PRIMARY KEY,
    name                       TEXT    NOT NULL,
    description                TEXT    NOT NULL DEFAULT '',
    prepaid                    BOOLEAN NOT NULL DEFAULT FALSE,
    monthly_token_quota        BIGINT CHECK (monthly_token_quota >= 0),
    monthly_spend_quota_micros BIGINT CHECK (monthly_spend_quota_micros >= 0),
    allowed_models             TEXT[],
    features                   TEXT[]  NOT NULL,
    requests_per_minute        BIGINT CHECK (requests_per_minute >= 0),
    requests_per_hour          BIGINT CHECK (requests_per_hour >= 0),
    requests_per_day           BIGINT CHECK (requests_per_day >= 0),
    tokens_per_minute          BIGINT CHECK (tokens_per_minute >= 0),
    tokens_per_hour            BIGINT CHECK (tokens_per_hour >= 0),
    tokens_per_day             BIGINT CHECK (tokens_per_day >= 0)
);

INSERT INTO plans (id, name, description, prepaid, monthly_token_quota, monthly_spend_quota_micros, allowed_models,
                   features, requests_per_minute, requests_per_hour, requests_per_day,
                   tokens_per_minute, tokens_per_hour, tokens_per_day) VALUES
    ('free', 'Free', 'Try it out: small limits, chat and embeddings only', FALSE, 1000000, NULL, NULL,
     '{chat,completions,embeddings}', 20, 300, 1000, 40000, 400000, 1000000),
    ('starter', 'Starter', 'Pay as you go from prepaid credits', TRUE, NULL, NULL, NULL,
     '{chat,completions,embeddings,streaming,messages}', 60, 2000, 20000, 200000, 5000000, 50000000),
    ('pro', 'Pro', 'Invoiced monthly, with a monthly spend quota', FALSE, NULL, 500000000, NULL,
     '{chat,completions,embeddings,streaming,messages,analytics}', 600, 20000, 200000, 2000000, 50000000, 500000000),
    ('enterprise', 'Enterprise', 'No gateway-side limits', FALSE, NULL, NULL, NULL,
     '{chat,completions,embeddings,streaming,messages,analytics,audit}', NULL, NULL, NULL, NULL, NULL, NULL);

-- NULL: no plan, no plan limits (postpaid, as before plans existed).
ALTER TABLE users ADD COLUMN plan_id TEXT REFERENCES plans (id);

-- Limits set for one key or one user; they apply on top of the plan's (the lower one wins).
CREATE TABLE rate_limits (
    subject             TEXT   NOT NULL CHECK (subject IN ('key', 'user')),
    subject_id          BIGINT NOT NULL,
    requests_per_minute BIGINT CHECK (requests_per_minute >= 0),
    requests_per_hour   BIGINT CHECK (requests_per_hour >= 0),
    requests_per_day    BIGINT CHECK (requests_per_day >= 0),
    tokens_per_minute   BIGINT CHECK (tokens_per_minute >= 0),
    tokens_per_hour     BIGINT CHECK (tokens_per_hour >= 0),
    tokens_per_day      BIGINT CHECK (tokens_per_day >= 0),
    PRIMARY KEY (subject, subject_id)
);

ALTER TABLE api_keys
    ADD COLUMN kind                   TEXT NOT NULL DEFAULT 'api' CHECK (kind IN ('api', 'virtual')),
    ADD COLUMN monthly_budget_micros  BIGINT CHECK (monthly_budget_micros >= 0),
    ADD COLUMN max_tokens_per_request BIGINT CHECK (max_tokens_per_request > 0),
    ADD COLUMN max_reasoning_tokens   BIGINT CHECK (max_reasoning_tokens >= 0),
    ADD COLUMN ip_allowlist           TEXT[],
    ADD COLUMN allowed_domains        TEXT[],
    ADD COLUMN max_requests           BIGINT CHECK (max_requests >= 0),
    ADD COLUMN max_spend_micros       BIGINT CHECK (max_spend_micros >= 0),
    -- After a rotation the old secret keeps working until previous_valid_until (the grace period).
    ADD COLUMN previous_key_hash      BYTEA UNIQUE,
    ADD COLUMN previous_valid_until   TIMESTAMPTZ,
    ADD COLUMN rotated_at             TIMESTAMPTZ;

-- One row per accepted top-up: a retry with the same idempotency key finds it and adds nothing.
CREATE TABLE credit_grants (
    idempotency_key TEXT PRIMARY KEY,
    account_id      TEXT        NOT NULL,
    amount_micros   BIGINT      NOT NULL CHECK (amount_micros > 0),
    event_id        UUID        NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
