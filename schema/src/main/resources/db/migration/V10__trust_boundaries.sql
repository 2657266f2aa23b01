-- Who may do what: a finance role, keys created from keys (their family stays inside the parent's
-- limits), who issued each key (an owner may not loosen limits someone else set), and the bootstrap
-- administrator's key never coming back once rotated or revoked.
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('admin', 'finance', 'user'));

ALTER TABLE api_keys ADD COLUMN parent_key_id BIGINT REFERENCES api_keys (id);
ALTER TABLE api_keys ADD COLUMN issued_by BIGINT REFERENCES users (id);
CREATE INDEX api_keys_parent_idx ON api_keys (parent_key_id) WHERE parent_key_id IS NOT NULL;
UPDATE api_keys k SET issued_by = (e.payload->>'actor_user_id')::bigint
  FROM ledger_event e
 WHERE e.type = 'ApiKeyCreated' AND (e.payload->>'key_id')::bigint = k.id
   AND e.payload->>'actor_user_id' IS NOT NULL;

-- Admin power now needs a credential that carries it: the bootstrap key keeps its power explicitly.
UPDATE api_keys SET scopes = scopes || ARRAY['admin']
 WHERE name = 'bootstrap admin' AND NOT ('admin' = ANY (scopes));

-- Every secret ever installed from TOLLGATE_BOOTSTRAP_ADMIN_KEY: once rotated or revoked it is not
-- installed again on the next start, whatever the environment still says.
CREATE TABLE bootstrap_keys (
    key_hash   BYTEA       PRIMARY KEY,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
INSERT INTO bootstrap_keys (key_hash)
SELECT key_hash FROM api_keys WHERE name = 'bootstrap admin'
UNION SELECT previous_key_hash FROM api_keys WHERE name = 'bootstrap admin' AND previous_key_hash IS NOT NULL
ON CONFLICT DO NOTHING;

-- Login throttling by subject: an email from one client address, a client address, an email from anywhere.
ALTER TABLE login_failures RENAME COLUMN email TO subject;
