-- The ledger is the system of record. Rows are only ever inserted; the triggers below refuse
-- UPDATE, DELETE and TRUNCATE so that no code path (or operator) can rewrite history.
CREATE TABLE ledger_event (
    seq         BIGSERIAL PRIMARY KEY,
    event_id    UUID        NOT NULL UNIQUE,
    type        TEXT        NOT NULL,
    version     INT         NOT NULL,
    account_id  TEXT        NOT NULL,
    occurred_at TIMESTAMPTZ NOT NULL,
    payload     JSONB       NOT NULL
);
CREATE INDEX ledger_event_account_idx ON ledger_event (account_id, seq);
CREATE INDEX ledger_event_occurred_idx ON ledger_event (occurred_at);

CREATE FUNCTION ledger_event_is_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ledger_event is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER ledger_event_no_update_delete
    BEFORE UPDATE OR DELETE ON ledger_event
    FOR EACH ROW EXECUTE FUNCTION ledger_event_is_append_only();
CREATE TRIGGER ledger_event_no_truncate
    BEFORE TRUNCATE ON ledger_event
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_event_is_append_only();

-- Write models for identity and routing. Each change to them is made in the same transaction as
-- the ledger event that records it, so the audit trail can never miss a mutation.
CREATE TABLE users (
    id            BIGSERIAL PRIMARY KEY,
    email         TEXT        NOT NULL UNIQUE,
    name          TEXT        NOT NULL,
    role          TEXT        NOT NULL CHECK (role IN ('admin', 'user')),
    disabled      BOOLEAN     NOT NULL DEFAULT FALSE,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
    id          BIGSERIAL PRIMARY KEY,
    user_id     BIGINT      NOT NULL REFERENCES users (id),
    name        TEXT        NOT NULL,
    prefix      TEXT        NOT NULL,
    -- SHA-256 of the full key. Keys are 190+ bits of randomness, so a fast hash is safe here and
    -- keeps authentication off the CPU budget of the hot path.
    key_hash    BYTEA       NOT NULL UNIQUE,
    scopes      TEXT[]      NOT NULL,
    environment TEXT        NOT NULL DEFAULT 'live',
    cost_centre TEXT,
    project     TEXT,
    agent       TEXT,
    expires_at  TIMESTAMPTZ,
    revoked_at  TIMESTAMPTZ,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX api_keys_user_idx ON api_keys (user_id);

CREATE TABLE providers (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT        NOT NULL UNIQUE,
    type        TEXT        NOT NULL CHECK (type IN ('openai', 'anthropic')),
    base_url    TEXT        NOT NULL,
    -- AES-GCM ciphertext (nonce || ciphertext || tag); never the plaintext key.
    api_key_enc BYTEA,
    enabled     BOOLEAN     NOT NULL DEFAULT TRUE,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Models discovered at a provider's /models. They cannot be called until registered with a price.
CREATE TABLE provider_models (
    provider_id   BIGINT NOT NULL REFERENCES providers (id),
    upstream_name TEXT   NOT NULL,
    discovered_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (provider_id, upstream_name)
);

CREATE TABLE models (
    id                            BIGSERIAL PRIMARY KEY,
    model_id                      TEXT    NOT NULL UNIQUE,
    display_name                  TEXT    NOT NULL,
    provider_id                   BIGINT  NOT NULL REFERENCES providers (id),
    upstream_name                 TEXT    NOT NULL,
    input_micros_per_million      BIGINT  NOT NULL CHECK (input_micros_per_million >= 0),
    output_micros_per_million     BIGINT  NOT NULL CHECK (output_micros_per_million >= 0),
    free                          BOOLEAN NOT NULL DEFAULT FALSE,
    created_at                    TIMESTAMPTZ NOT NULL DEFAULT now()
);
