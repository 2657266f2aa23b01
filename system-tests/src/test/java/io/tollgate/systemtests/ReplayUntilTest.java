package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.tollgate.gateway.Gateway;
import io.tollgate.ledger.events.CreditsAdded;
import io.tollgate.ledger.events.EventCodec;
import io.tollgate.ledger.events.LedgerEvent;
import io.tollgate.ledger.events.NewEvent;
import io.tollgate.ledger.events.UsageRecorded;
import io.tollgate.ledger.store.EventStore;
import io.tollgate.ledger.store.PostgresSettings;
import io.tollgate.projector.Replay;

/** {@code replay --until} answers "what was the balance at that moment". */
class ReplayUntilTest {
    private static NewEvent at(String time, LedgerEvent e) {
        return new NewEvent(UUID.randomUUID(), Instant.parse(time), e);
    }

    private static UsageRecorded usage(long user, long cost) {
        return new UsageRecorded("r", user, 1, "m", "p", "/chat/completions", false, 1, 1, 2, false, cost, 1, 200, "h",
                null, null, "live", null, 1, false, null, null, null);
    }

    @Test
    void replayUntilTheEndOfOctoberGivesTheBalanceAsOfThatMoment() throws Exception {
        PostgresSettings db = TestStack.freshDatabase();
        try (Gateway gateway = Gateway.start(TestStack.config(db))) {
            new EventStore(gateway.dataSource(), new EventCodec()).append(List.of(
                    at("2026-10-01T09:00:00Z", new CreditsAdded(42, 10_000_000, "october", "o", 1)),
                    at("2026-10-15T12:00:00Z", usage(42, 1_250_000)),
                    at("2026-10-31T23:59:59Z", usage(42, 250_000)),
                    at("2026-11-01T00:00:00Z", usage(42, 4_000_000)),
                    at("2026-11-02T08:00:00Z", new CreditsAdded(42, 1_000_000, "november", "n", 1))));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int status = Replay.run(TestStack.projectorConfig(db, "", "unused"), Replay.Source.POSTGRES,
                    Instant.parse("2026-10-31T23:59:59Z"), false, new PrintStream(out, true, StandardCharsets.UTF_8));
            assertEquals(0, status, out.toString());
            assertTrue(out.toString().contains("as of 2026-10-31T23:59:59Z"), out.toString());
            assertTrue(out.toString().contains("42: 10.000000 - 1.500000 = 8.500000"), out.toString());
            assertEquals(8_500_000, TestStack.count(TestStack.dataSource(db),
                    "SELECT credits_micros - spent_micros FROM replay.rm_balance WHERE account_id = '42'"));

            // A pool configured for the projector (here a single connection) is widened for replay's shards.
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            assertEquals(0, Replay.run(TestStack.projectorConfig(db.withPool(1), "", "unused"), Replay.Source.POSTGRES,
                    null, false, new PrintStream(all, true, StandardCharsets.UTF_8)), all.toString());
            assertTrue(all.toString().contains("42: 11.000000 - 5.500000 = 5.500000"), all.toString());
        }
    }
}
