package io.tollgate.ledger.store;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HexFormat;

/**
 * The ledger's tamper evidence: each event's {@code hash} is SHA-256 of the previous event's hash (32
 * zero bytes before the first) and the event's canonical text, {@code
 * seq|event_id|type|version|account_id|occurred_at in epoch microseconds|payload as jsonb text}. The
 * database computes it on insert (migration V11); {@link #verify} recomputes the whole chain and names
 * the first seq whose stored hash disagrees: that row, or the one before it, was changed, inserted out of
 * order or removed.
 */
public final class HashChain {
    /** The outcome of a check: events checked, the first broken seq (null: intact) and the chain's head. */
    public record Result(long checked, Long firstBrokenSeq, String headHex) {
        public boolean intact() {
            return firstBrokenSeq == null;
        }
    }

    private static final byte[] GENESIS = new byte[32];

    private HashChain() {
    }

    public static byte[] next(byte[] previous, String canonical) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(previous);
            sha.update(canonical.getBytes(StandardCharsets.UTF_8));
            return sha.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Walks every event in seq order (streamed, so any size of ledger fits). */
    public static Result verify(Connection c) throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);  // a cursor: Postgres streams rows only inside a transaction
        try (PreparedStatement q = c.prepareStatement("SELECT seq, ledger_event_canonical(e), hash FROM ledger_event e "
                + "ORDER BY seq")) {
            q.setFetchSize(10_000);
            byte[] previous = GENESIS;
            long checked = 0;
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    byte[] expected = next(previous, rs.getString(2));
                    byte[] stored = rs.getBytes(3);
                    if (!MessageDigest.isEqual(expected, stored)) {
                        return new Result(checked, rs.getLong(1), HexFormat.of().formatHex(previous));
                    }
                    previous = stored;
                    checked++;
                }
            }
            return new Result(checked, null, HexFormat.of().formatHex(previous));
        } finally {
            c.commit();
            c.setAutoCommit(auto);
        }
    }
}
