package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.zaxxer.hikari.HikariDataSource;

import io.tollgate.ledger.events.CreditsAdded;
import io.tollgate.ledger.events.EventCodec;
import io.tollgate.ledger.events.NewEvent;
import io.tollgate.ledger.events.RecordedEvent;
import io.tollgate.ledger.store.EventStore;
import io.tollgate.ledger.store.PostgresSettings;
import io.tollgate.schema.Migrate;

/** The group commit's one-statement append: order, retries, and the lock that keeps seq in commit order. */
class EventStoreAppendTest {
    private static HikariDataSource ds;
    private static EventStore store;

    @BeforeAll
    static void start() {
        ds = TestStack.freshDatabase().pool("append-test");
        Migrate.run(ds);
        store = new EventStore(ds, new EventCodec());
    }

    @AfterAll
    static void stop() {
        ds.close();
    }

    private static NewEvent credit(long account, long micros) {
        return NewEvent.of(new CreditsAdded(account, micros, "top-up", null, 1));
    }

    @Test
    void commitsWaitForTheDiskEvenWhereTheDatabaseDefaultIsAsynchronous() throws Exception {
        PostgresSettings db = TestStack.freshDatabase();
        try (HikariDataSource pool = db.pool("sync-commit-test")) {
            try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
                assertEquals("on", show(s), "the dev and test server commits synchronously, as a production one does");
                s.execute("ALTER DATABASE \"" + db.name() + "\" SET synchronous_commit = off");
            }
            String plainUrl = "jdbc:postgresql://" + db.host() + ":" + db.port() + "/" + db.name();
            try (Connection c = DriverManager.getConnection(plainUrl, db.user(), db.password());
                 Statement s = c.createStatement()) {
                assertEquals("off", show(s), "a session without Tollgate's settings now commits asynchronously");
            }
            pool.getHikariPoolMXBean().softEvictConnections();
            try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
                assertEquals("on", show(s), "Tollgate's connections still wait for the WAL flush");
            }
        }
    }

    private static String show(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery("SHOW synchronous_commit")) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void aBatchIsStoredInListOrderAndARetriedBatchWritesNothingTwice() throws Exception {
        long before = store.lastSeq();
        List<NewEvent> batch = List.of(credit(11, 1), credit(12, 2), credit(13, 3));
        store.append(batch);
        // A retry after a lost acknowledgement, with one new event added behind it.
        NewEvent late = credit(14, 4);
        store.append(List.of(batch.get(0), batch.get(1), batch.get(2), late));

        List<RecordedEvent> stored = store.readAfter(before, 100);
        assertEquals(4, stored.size(), "each event once");
        for (int i = 0; i < 3; i++) {
            assertEquals(batch.get(i).eventId(), stored.get(i).eventId(), "seq follows the list's order");
            assertEquals(batch.get(i).event(), stored.get(i).event(), "payload round-trips");
            assertEquals(batch.get(i).occurredAt().toEpochMilli(), stored.get(i).occurredAt().toEpochMilli());
        }
        assertEquals(late.eventId(), stored.get(3).eventId());
    }

    @Test
    void anAppendWaitsForAnOpenAppendingTransactionSoSeqIsCommitOrder() throws Exception {
        long before = store.lastSeq();
        try (Connection open = ds.getConnection()) {
            open.setAutoCommit(false);
            store.append(open, List.of(credit(21, 1)));
            CompletableFuture<Void> second = CompletableFuture.runAsync(() -> {
                try {
                    store.append(List.of(credit(22, 2)));
                } catch (java.sql.SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(300);
            // Had it taken a seq and committed now, a reader paging by seq could pass the open one's gap.
            assertFalse(second.isDone(), "the one-statement append waits for the lock");
            assertEquals(0, store.readAfter(before, 100).size());
            open.commit();
            second.get(10, TimeUnit.SECONDS);
        }
        List<RecordedEvent> stored = store.readAfter(before, 100);
        assertEquals(2, stored.size());
        assertEquals("21", stored.get(0).accountId());
        assertTrue(stored.get(0).seq() < stored.get(1).seq());
    }
}
