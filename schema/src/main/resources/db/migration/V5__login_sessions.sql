-- Password login for the management plane. A user without a password_hash (e.g. one created
-- before this, or the bootstrap admin) authenticates with API keys only until a password is set.
ALTER TABLE users ADD COLUMN password_hash TEXT;

-- A login: the JWT handed out names its session, so logging out, changing the password or
-- disabling the user ends it at once, whatever the token's own expiry says.
CREATE TABLE sessions (
    id          UUID        PRIMARY KEY,
    user_id     BIGINT      NOT NULL REFERENCES users (id),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at  TIMESTAMPTZ NOT NULL,
    revoked_at  TIMESTAMPTZ
);
CREATE INDEX sessions_by_user ON sessions (user_id) WHERE revoked_at IS NULL;

-- Single-use registration invites (auth.registration = invite). Only the SHA-256 of the token is kept.
CREATE TABLE invites (
    token_hash  BYTEA       PRIMARY KEY,
    created_by  BIGINT      NOT NULL REFERENCES users (id),
    email       TEXT,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at  TIMESTAMPTZ NOT NULL,
    used_by     BIGINT      REFERENCES users (id),
    used_at     TIMESTAMPTZ
);
