package io.tollgate.ledger.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.BiFunction;

import javax.sql.DataSource;

import io.tollgate.ledger.events.EventCodec;
import io.tollgate.ledger.events.NewEvent;
import io.tollgate.ledger.events.RecordedEvent;

/**
 * The append-only {@code ledger_event} table. Appends run inside the caller's transaction so that a
 * state change and the event recording it commit together.
 */
public final class EventStore {
    /**
     * Every appending transaction takes this transaction-scoped advisory lock first, so sequence
     * numbers are handed out in commit order. Without it a reader paging by {@code seq} (the relay)
     * could pass a gap whose transaction commits a moment later, and miss that event forever.
     */
    public static final long APPEND_LOCK = 0x7011_6a7e_0001L;

    /**
     * One statement, so one round trip: the lock, then the rows in list order. The join with the
     * lock's row means no row (and no seq) exists before the lock is held. Group commit pays this per
     * batch; as three round trips (lock, insert, commit) it cost a proxied call ~0.2 ms.
     */
    private static final String APPEND = "WITH append_lock AS (SELECT pg_advisory_xact_lock(" + APPEND_LOCK + ")) "
            + "INSERT INTO ledger_event (event_id, type, version, account_id, occurred_at, payload) "
            + "SELECT e.event_id::uuid, e.type, e.version, e.account_id, e.occurred_at::timestamptz, e.payload::jsonb "
            + "FROM append_lock, unnest(?::text[], ?::text[], ?::int4[], ?::text[], ?::text[], ?::text[]) WITH ORDINALITY "
            + "AS e(event_id, type, version, account_id, occurred_at, payload, n) ORDER BY e.n "
            + "ON CONFLICT (event_id) DO NOTHING";

    private final DataSource dataSource;
    private final EventCodec codec;

    public EventStore(DataSource dataSource, EventCodec codec) {
        this.dataSource = dataSource;
        this.codec = codec;
    }

    public EventCodec codec() {
        return codec;
    }

    /**
     * Appends events in the connection's current transaction (in a transaction of their own if it
     * auto-commits). An event id already in the ledger is skipped, so a retry after an unknown commit
     * outcome never writes the same event twice.
     */
    public void append(Connection connection, List<NewEvent> events) throws SQLException {
        if (events.isEmpty()) {
            return;
        }
        int n = events.size();
        String[] ids = new String[n];
        String[] types = new String[n];
        Integer[] versions = new Integer[n];
        String[] accounts = new String[n];
        String[] occurred = new String[n];
        String[] payloads = new String[n];
        for (int i = 0; i < n; i++) {
            NewEvent e = events.get(i);
            ids[i] = e.eventId().toString();
            types[i] = EventCodec.typeOf(e.event());
            versions[i] = EventCodec.versionOf(types[i]);
            accounts[i] = e.event().accountId();
            occurred[i] = e.occurredAt().toString();
            payloads[i] = codec.encode(e.event());
        }
        try (PreparedStatement insert = connection.prepareStatement(APPEND)) {
            insert.setArray(1, connection.createArrayOf("text", ids));
            insert.setArray(2, connection.createArrayOf("text", types));
            insert.setArray(3, connection.createArrayOf("int4", versions));
            insert.setArray(4, connection.createArrayOf("text", accounts));
            insert.setArray(5, connection.createArrayOf("text", occurred));
            insert.setArray(6, connection.createArrayOf("text", payloads));
            insert.executeUpdate();
        }
    }

    /** Appends in a transaction of its own: the group commit's one round trip per batch. */
    public void append(List<NewEvent> events) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(true);
            append(c, events);
        }
    }

    /** A cheap round trip to the database; throws if it cannot be reached. */
    public void ping() throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("SELECT 1");
        }
    }

    /** Recomputes the hash chain over every event: see {@link HashChain}. */
    public HashChain.Result verifyChain() throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return HashChain.verify(c);
        }
    }

    /** The seq of the newest event (0 for an empty ledger). */
    public long lastSeq() throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT coalesce(max(seq), 0) FROM ledger_event")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static final String COLUMNS = "SELECT seq, event_id, type, version, account_id, occurred_at, payload::text "
            + "FROM ledger_event ";

    /** Events with {@code seq > afterSeq}, in seq order, at most {@code limit}. */
    public List<RecordedEvent> readAfter(long afterSeq, int limit) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement q = c.prepareStatement(COLUMNS + "WHERE seq > ? ORDER BY seq LIMIT ?")) {
            q.setLong(1, afterSeq);
            q.setInt(2, limit);
            return decode(q);
        }
    }

    /** One account's events that occurred before {@code before}, in seq order (a statement's whole history). */
    public List<RecordedEvent> readAccount(String accountId, Instant before) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement q = c.prepareStatement(COLUMNS + "WHERE account_id = ? AND occurred_at < ? ORDER BY seq")) {
            q.setString(1, accountId);
            q.setObject(2, before.atOffset(java.time.ZoneOffset.UTC));
            return decode(q);
        }
    }

    /**
     * Folds one account's events of the given types with {@code seq <= uptoSeq}, in seq order, into
     * {@code initial}: read through a cursor, so an account's whole history is never held in memory.
     */
    public <S> S foldAccount(String accountId, long uptoSeq, Set<String> types, S initial,
                             BiFunction<S, RecordedEvent, S> evolve) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try (PreparedStatement q = c.prepareStatement(COLUMNS
                    + "WHERE account_id = ? AND seq <= ? AND type = ANY(?) ORDER BY seq")) {
                q.setFetchSize(1000);
                q.setString(1, accountId);
                q.setLong(2, uptoSeq);
                q.setArray(3, c.createArrayOf("text", types.toArray()));
                S state = initial;
                try (ResultSet rs = q.executeQuery()) {
                    while (rs.next()) {
                        state = evolve.apply(state, recorded(rs));
                    }
                }
                return state;
            } finally {
                c.rollback();
                c.setAutoCommit(autoCommit);
            }
        }
    }

    private RecordedEvent recorded(ResultSet rs) throws SQLException {
        String type = rs.getString(3);
        int version = rs.getInt(4);
        return new RecordedEvent(rs.getLong(1), rs.getObject(2, UUID.class), type, version, rs.getString(5),
                rs.getTimestamp(6).toInstant(), codec.decode(type, version, rs.getString(7)));
    }

    private List<RecordedEvent> decode(PreparedStatement q) throws SQLException {
        List<RecordedEvent> out = new ArrayList<>();
        try (ResultSet rs = q.executeQuery()) {
            while (rs.next()) {
                out.add(recorded(rs));
            }
        }
        return out;
    }
}
