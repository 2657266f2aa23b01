package io.tollgate.gateway.controls;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

import io.tollgate.gateway.Db;
import io.tollgate.ledger.events.CreditsAdded;
import io.tollgate.ledger.events.NewEvent;
import io.tollgate.ledger.store.EventStore;

/**
 * Prepaid credit top-ups. A top-up with an idempotency key is recorded once: the key's row in
 * {@code credit_grants} commits in the same transaction as the {@code CreditsAdded} event, so a retry
 * (even one racing the first attempt) finds it and adds nothing.
 */
public final class Credits {
    /** The outcome of a top-up; {@code duplicate} when an earlier one with the same key already counted. */
    public record Grant(long userId, long amountMicros, boolean duplicate) {
    }

    private final Db db;
    private final EventStore events;
    private final LedgerFollower follower;

    /** An idempotency key already used for a top-up of another amount or account. */
    public static final class KeyReused extends RuntimeException {
        public KeyReused(String key) {
            super("idempotency_key " + key + " was already used for a different top-up", null, false, false);
        }
    }

    public Credits(Db db, EventStore events, LedgerFollower follower) {
        this.db = db;
        this.events = events;
        this.follower = follower;
    }

    public Grant add(long actorUserId, long userId, long amountMicros, String reason, String idempotencyKey) {
        if (amountMicros <= 0) {
            throw new IllegalArgumentException("a top-up adds a positive amount, not " + amountMicros);
        }
        NewEvent event = NewEvent.of(new CreditsAdded(userId, amountMicros, reason, idempotencyKey, actorUserId));
        Grant grant = db.tx(c -> {
            if (idempotencyKey != null) {
                Grant earlier = claim(c, idempotencyKey, userId, amountMicros, event);
                if (earlier != null) {
                    return earlier;
                }
            }
            events.append(c, List.of(event));
            return new Grant(userId, amountMicros, false);
        });
        try {
            // So that the reply (and the next request) already sees the new balance on this instance.
            follower.catchUp();
        } catch (SQLException e) {
            // The follower's next tick will apply it.
        }
        return grant;
    }

    /** Claims the idempotency key; returns the earlier grant if it was claimed before. */
    private static Grant claim(java.sql.Connection c, String key, long userId, long amount, NewEvent event)
            throws SQLException {
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO credit_grants (idempotency_key, account_id, "
                + "amount_micros, event_id) VALUES (?, ?, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING")) {
            insert.setString(1, key);
            insert.setString(2, Long.toString(userId));
            insert.setLong(3, amount);
            insert.setObject(4, event.eventId());
            if (insert.executeUpdate() == 1) {
                return null;
            }
        }
        try (PreparedStatement q = c.prepareStatement("SELECT account_id, amount_micros FROM credit_grants "
                + "WHERE idempotency_key = ?")) {
            q.setString(1, key);
            try (ResultSet rs = q.executeQuery()) {
                rs.next();
                if (!rs.getString(1).equals(Long.toString(userId)) || rs.getLong(2) != amount) {
                    throw new KeyReused(key);
                }
                return new Grant(userId, amount, true);
            }
        }
    }
}
