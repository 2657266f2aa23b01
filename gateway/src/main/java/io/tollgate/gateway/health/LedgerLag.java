package io.tollgate.gateway.health;

import java.sql.PreparedStatement;
import java.sql.ResultSet;

import io.tollgate.gateway.Db;
import io.tollgate.ledger.relay.LedgerRelay;

/** How far event publishing trails the ledger: events written to Postgres but not yet in Kafka. */
public final class LedgerLag {
    private final Db db;
    private final LedgerRelay relay;

    public LedgerLag(Db db, LedgerRelay relay) {
        this.db = db;
        this.relay = relay;
    }

    public boolean relaying() {
        return relay != null;
    }

    /** Events not yet acknowledged by Kafka; 0 when the gateway runs without Kafka. */
    public long relayLagEvents() {
        if (relay == null) {
            return 0;
        }
        long head = db.read(c -> {
            try (PreparedStatement q = c.prepareStatement("SELECT coalesce(max(seq), 0) FROM ledger_event");
                 ResultSet rs = q.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        });
        return Math.max(0, head - Math.max(0, relay.publishedSeq()));
    }
}
