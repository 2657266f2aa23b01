-- Seed 002's provider keys: a user's own key for a provider, used instead of the organisation's for
-- that user's calls. Sealed with the master key (AES-GCM) like provider keys; only a hint is shown.
CREATE TABLE user_provider_keys (
    user_id        BIGINT      NOT NULL REFERENCES users (id),
    provider_id    BIGINT      NOT NULL REFERENCES providers (id),
    api_key_sealed BYTEA       NOT NULL,
    key_hint       TEXT        NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, provider_id)
);
