-- Routing: a public model (what clients send) is served by one or more deployments (a provider, the name
-- the provider knows the model by, an optional price of its own, a weight, a priority tier and optional
-- per-minute limits). A model's own price is the administrator's; when it has none, each deployment is
-- priced from the bundled catalog, or the usage is flagged unpriced. Prices change by event, with the
-- time they take effect; usage keeps the price it was recorded with.
ALTER TABLE models ALTER COLUMN input_micros_per_million DROP NOT NULL;
ALTER TABLE models ALTER COLUMN output_micros_per_million DROP NOT NULL;
ALTER TABLE models ADD COLUMN strategy TEXT NOT NULL DEFAULT 'weighted'
    CHECK (strategy IN ('weighted', 'least_in_flight', 'lowest_latency', 'lowest_cost'));
ALTER TABLE models ADD COLUMN fallbacks TEXT[] NOT NULL DEFAULT '{}';
-- Seed 002's model lifecycle: an unloaded model takes no new calls until it is loaded again.
ALTER TABLE models ADD COLUMN available BOOLEAN NOT NULL DEFAULT TRUE;

CREATE TABLE deployments (
    id                        BIGSERIAL PRIMARY KEY,
    model_id                  TEXT        NOT NULL REFERENCES models (model_id) ON DELETE CASCADE,
    name                      TEXT        NOT NULL UNIQUE,
    provider_id               BIGINT      NOT NULL REFERENCES providers (id),
    upstream_name             TEXT        NOT NULL,
    input_micros_per_million  BIGINT      CHECK (input_micros_per_million >= 0),
    output_micros_per_million BIGINT      CHECK (output_micros_per_million >= 0),
    weight                    INT         NOT NULL DEFAULT 1 CHECK (weight BETWEEN 1 AND 1000),
    priority                  INT         NOT NULL DEFAULT 0 CHECK (priority BETWEEN 0 AND 100),
    rpm_limit                 BIGINT      CHECK (rpm_limit > 0),
    tpm_limit                 BIGINT      CHECK (tpm_limit > 0),
    enabled                   BOOLEAN     NOT NULL DEFAULT TRUE,
    created_at                TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((input_micros_per_million IS NULL) = (output_micros_per_million IS NULL))
);
CREATE INDEX deployments_model_idx ON deployments (model_id);
INSERT INTO deployments (model_id, name, provider_id, upstream_name)
SELECT model_id, model_id, provider_id, upstream_name FROM models;
ALTER TABLE models DROP COLUMN provider_id;
ALTER TABLE models DROP COLUMN upstream_name;

-- Prices set later, each from its effective time; the model's current price is the newest in effect.
CREATE TABLE model_prices (
    model_id                  TEXT        NOT NULL REFERENCES models (model_id) ON DELETE CASCADE,
    effective_at              TIMESTAMPTZ NOT NULL,
    input_micros_per_million  BIGINT      NOT NULL CHECK (input_micros_per_million >= 0),
    output_micros_per_million BIGINT      NOT NULL CHECK (output_micros_per_million >= 0),
    PRIMARY KEY (model_id, effective_at)
);
-- Every administrator's price lives in model_prices from now on, the one registered with a model included.
INSERT INTO model_prices (model_id, effective_at, input_micros_per_million, output_micros_per_million)
SELECT model_id, created_at, input_micros_per_million, output_micros_per_million FROM models
 WHERE input_micros_per_million IS NOT NULL AND NOT free;
ALTER TABLE models DROP COLUMN input_micros_per_million;
ALTER TABLE models DROP COLUMN output_micros_per_million;
