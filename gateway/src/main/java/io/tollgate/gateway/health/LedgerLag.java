package io.tollgate.gateway.health;

import java.sql.PreparedStatement;
import java.sql.ResultSet;

import io.tollgate.gateway.Db;

/**
 * How far the event flow trails the ledger, from Postgres: the newest seq, what the relay has published
 * to Kafka ({@code relay_checkpoint}) and what the projector has applied ({@code projector_offset}). The
 * one source of every lag figure ({@code /ready}, the relay-lag gauge, the health page). Read from the
 * tables, not from this instance's relay: with several instances one relay publishes and the others
 * stand by, and a standby instance must report the relay's lag, not its own idle relay's.
 */
public final class LedgerLag {
    /** The three positions, read in one round trip. */
    public record Positions(long lastSeq, long publishedSeq, long appliedSeq) {
        public long relayLag() {
            return Math.max(0, lastSeq - publishedSeq);
        }

        public long projectorLag() {
            return Math.max(0, lastSeq - appliedSeq);
        }
    }

    private final Db db;
    private final boolean relaying;

    /** @param relaying whether this gateway relays the ledger to Kafka (Kafka is configured) */
    public LedgerLag(Db db, boolean relaying) {
        this.db = db;
        this.relaying = relaying;
    }

    public boolean relaying() {
        return relaying;
    }

    public Positions positions() {
        return db.read(c -> {
            try (PreparedStatement q = c.prepareStatement("SELECT (SELECT coalesce(max(seq), 0) FROM ledger_event), "
                    + "(SELECT coalesce(max(last_seq), 0) FROM relay_checkpoint), "
                    + "(SELECT coalesce(max(max_seq), 0) FROM projector_offset)");
                 ResultSet rs = q.executeQuery()) {
                rs.next();
                return new Positions(rs.getLong(1), rs.getLong(2), rs.getLong(3));
            }
        });
    }

    /** Events not yet acknowledged by Kafka; 0 when the gateway runs without Kafka. */
    public long relayLagEvents() {
        return relaying ? positions().relayLag() : 0;
    }
}
