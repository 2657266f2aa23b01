package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.zaxxer.hikari.HikariDataSource;

import io.tollgate.ledger.events.CreditsAdded;
import io.tollgate.ledger.events.EventCodec;
import io.tollgate.ledger.events.NewEvent;
import io.tollgate.ledger.store.EventStore;
import io.tollgate.ledger.store.LedgerSpool;
import io.tollgate.schema.Migrate;

class LedgerSpoolTest {
    @Test
    void spooledEventsDrainIntoTheLedgerExactlyOnceEvenIfDrainedTwice() throws Exception {
        var db = TestStack.postgres().database("spool_" + ProcessHandle.current().pid());
        try (HikariDataSource ds = new HikariDataSource()) {
            ds.setJdbcUrl(db.jdbcUrl());
            ds.setUsername(db.user());
            Migrate.run(ds);
            EventCodec codec = new EventCodec();
            EventStore store = new EventStore(ds, codec);
            Path dir = TestStack.tempDir("spool");
            LedgerSpool spool = new LedgerSpool(dir, codec);
            List<NewEvent> batch = List.of(NewEvent.of(new CreditsAdded(1, 5_000_000, "top-up", "k1", 1)),
                    NewEvent.of(new CreditsAdded(2, 1, "top-up", "k2", 1)));
            spool.spill(batch);
            // A crash after the append but before the file was deleted: the same batch is drained again.
            LedgerSpool copy = new LedgerSpool(TestStack.tempDir("spool-copy"), codec);
            copy.spill(batch);
            assertEquals(2, spool.drain(store));
            assertTrue(spool.isEmpty());
            copy.drain(store);
            assertEquals(2, TestStack.count(ds, "SELECT count(*) FROM ledger_event"));
            assertEquals(5_000_001, TestStack.count(ds, "SELECT sum((payload->>'amount_micros')::bigint) FROM ledger_event"));
        }
    }
}
