-- Seed 002's /v1/sessions: conversations whose turns /v1/generate with a session_id puts before the
-- new input and extends with the reply. User data, not the ledger: deleting or resetting one is allowed.
CREATE TABLE conversations (
    id          UUID        PRIMARY KEY,
    user_id     BIGINT      NOT NULL REFERENCES users (id),
    title       TEXT        NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX conversations_by_user ON conversations (user_id, updated_at DESC);

CREATE TABLE conversation_turns (
    conversation_id UUID        NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    seq             INT         NOT NULL,
    role            TEXT        NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
    content         TEXT        NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (conversation_id, seq)
);

-- The model /v1/generate uses when a request names none, per modality (seed 002's
-- POST /v1/models/{id}/default). Setting one is recorded as a DefaultModelSet event.
CREATE TABLE model_defaults (
    modality    TEXT        PRIMARY KEY,
    model_id    TEXT        NOT NULL,
    set_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
