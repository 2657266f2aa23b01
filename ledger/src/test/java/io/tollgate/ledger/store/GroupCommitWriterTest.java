package io.tollgate.ledger.store;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.sql.Connection;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import java.util.logging.Logger;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import io.tollgate.ledger.events.CreditsAdded;
import io.tollgate.ledger.events.EventCodec;
import io.tollgate.ledger.events.NewEvent;

class GroupCommitWriterTest {
    /** A database that never answers: every connection request blocks until interrupted. */
    private static DataSource hanging() {
        return (DataSource) Proxy.newProxyInstance(DataSource.class.getClassLoader(), new Class<?>[] {DataSource.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "getConnection" -> {
                        Thread.sleep(Long.MAX_VALUE);
                        yield (Connection) null;
                    }
                    case "getLogWriter" -> (PrintWriter) null;
                    case "getParentLogger" -> Logger.getGlobal();
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    @Test
    void aCallerWaitsNoLongerThanTheTimeLimitEvenWhileTheWriterIsStuckInTheDatabase() throws Exception {
        EventCodec codec = new EventCodec();
        EventStore store = new EventStore(hanging(), codec);
        GroupCommitWriter writer = new GroupCommitWriter(store, new LedgerSpool(Files.createTempDirectory("spool"), codec),
                16, Duration.ofSeconds(30), Duration.ofMillis(300));
        long start = System.nanoTime();
        CompletionException e = assertThrows(CompletionException.class,
                () -> writer.append(NewEvent.of(new CreditsAdded(1, 1, "r", null, 1))).join());
        long waitedMs = (System.nanoTime() - start) / 1_000_000;
        assertInstanceOf(TimeoutException.class, e.getCause());
        assertTrue(waitedMs >= 250 && waitedMs < 2_000, "waited " + waitedMs + " ms");
    }
}
