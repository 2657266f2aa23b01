-- Finance sees which deployment served each call and which calls had no price (charged 0, to be priced).
ALTER TABLE rm_usage_event ADD COLUMN deployment TEXT;
ALTER TABLE rm_usage_event ADD COLUMN unpriced BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX rm_usage_event_unpriced_idx ON rm_usage_event (seq) WHERE unpriced;
