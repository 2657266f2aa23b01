-- Tamper evidence: every event carries SHA-256(previous event's hash || this event's canonical text),
-- so changing, removing or reordering any row breaks the chain from that seq on. Appends are
-- serialised by the append lock, so "the previous event" is well defined; a BEFORE trigger sees the
-- rows inserted earlier by the same statement, so one multi-row append chains its rows in order.
-- The canonical text (Java's io.tollgate.ledger.store.HashChain says the same):
--   seq|event_id|type|version|account_id|occurred_at as epoch microseconds|payload as jsonb text
ALTER TABLE ledger_event ADD COLUMN hash BYTEA;

CREATE FUNCTION ledger_event_canonical(e ledger_event) RETURNS text AS $$
    SELECT e.seq::text || '|' || e.event_id::text || '|' || e.type || '|' || e.version::text || '|'
        || e.account_id || '|' || ((extract(epoch FROM e.occurred_at) * 1000000)::bigint)::text || '|' || e.payload::text
$$ LANGUAGE sql STABLE;

CREATE FUNCTION ledger_event_chain() RETURNS trigger AS $$
DECLARE
    previous BYTEA;
BEGIN
    SELECT hash INTO previous FROM ledger_event ORDER BY seq DESC LIMIT 1;
    NEW.hash := sha256(coalesce(previous, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea)
        || convert_to(ledger_event_canonical(NEW), 'UTF8'));
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

-- Chain the events already recorded, in seq order (the append-only trigger is lifted for this alone).
ALTER TABLE ledger_event DISABLE TRIGGER ledger_event_no_update_delete;
DO $$
DECLARE
    r ledger_event;
    previous BYTEA := '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea;
BEGIN
    FOR r IN SELECT * FROM ledger_event ORDER BY seq LOOP
        previous := sha256(previous || convert_to(ledger_event_canonical(r), 'UTF8'));
        UPDATE ledger_event SET hash = previous WHERE seq = r.seq;
    END LOOP;
END;
$$;
ALTER TABLE ledger_event ENABLE TRIGGER ledger_event_no_update_delete;
ALTER TABLE ledger_event ALTER COLUMN hash SET NOT NULL;

CREATE TRIGGER ledger_event_hash_chain
    BEFORE INSERT ON ledger_event
    FOR EACH ROW EXECUTE FUNCTION ledger_event_chain();
