package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.zaxxer.hikari.HikariDataSource;

import io.tollgate.ledger.events.CreditsAdded;
import io.tollgate.ledger.events.RecordedEvent;
import io.tollgate.ledger.events.UsageRecorded;
import io.tollgate.ledger.events.UserCreated;
import io.tollgate.ledger.projection.Projection;
import io.tollgate.ledger.projection.ReadModelStore;
import io.tollgate.ledger.projection.ReadModels;
import io.tollgate.schema.Migrate;

/** Replay loads its fresh tables with COPY: what it writes must read back exactly as upserts would. */
class ReplayBulkLoadTest {
    /** Text COPY's CSV must carry unchanged: quotes, separators, line breaks, backslashes, empty and absent. */
    private static final List<String> HOSTILE = List.of("plain", "with \"quotes\"", "a,b", "two\nlines", "cr\r\nlf",
            "back\\slash", "\\N", "", "ünïcødé ✓ 🚀", " padded ", "\"");

    @Test
    void rowsCopiedIntoAFreshSchemaReadBackAsTheyWereAndAsUpsertedOnes() throws SQLException {
        // Every read model gets rows with these strings in them, as projection makes them.
        Projection projection = new Projection(Duration.ofHours(24));
        ReadModels models = new ReadModels();
        long seq = 0;
        for (int i = 0; i < HOSTILE.size() * 2; i++) {
            String text = i < HOSTILE.size() ? HOSTILE.get(i) : null;
            String label = HOSTILE.get(i % HOSTILE.size());
            Instant at = Instant.parse("2026-11-30T12:00:00.123456Z").plusSeconds(3_600L * i);
            UsageRecorded call = new UsageRecorded("req_" + label, i % 3, 100 + i, label, "p", "/chat/completions",
                    i % 2 == 0, i, 2L * i, 3L * i, i % 3 == 0, 1_000_003L * i, 40, 200, label, text, text, label, text, i, i % 5 == 0,
                    i % 2 == 0 ? null : "dep-" + i, i % 4 == 0 ? java.util.List.of("dep-x: 502") : null, null);
            projection.apply(models, new RecordedEvent(++seq, UUID.randomUUID(), "UsageRecorded", 1, call.accountId(), at,
                    call));
            // Audit rows with and without an actor (a null bigint through both paths).
            UserCreated user = new UserCreated(100 + i, "u" + i + "@example.com", label, "member", i % 2 == 0 ? null : 1L);
            projection.apply(models, new RecordedEvent(++seq, UUID.randomUUID(), "UserCreated", 1, user.accountId(), at,
                    user));
            CreditsAdded credits = new CreditsAdded(i % 3, 5_000_000, label, "idem-" + i, 1);
            projection.apply(models, new RecordedEvent(++seq, UUID.randomUUID(), "CreditsAdded", 1, credits.accountId(),
                    at, credits));
        }
        try (HikariDataSource ds = TestStack.freshDatabase().pool("bulk-load-test"); Connection c = ds.getConnection()) {
            Migrate.run(ds);
            ReadModelStore copied = ReadModelStore.freshForReplay("copied");
            ReadModelStore upserted = new ReadModelStore("upserted");
            copied.createFresh(c);
            upserted.createFresh(c);
            // As the replay command loads: keys and indexes dropped first, built once the rows are in.
            List<String> deferred = copied.deferIndexes(c);
            copied.save(c, models);
            copied.buildIndexes(c, deferred);
            upserted.save(c, models);

            ReadModels fromCopy = copied.loadAll(c);
            assertTrue(List.of(fromCopy.balances, fromCopy.rateWindows, fromCopy.spend, fromCopy.spendMonths,
                    fromCopy.spendDimensions, fromCopy.prompts, fromCopy.months).stream().noneMatch(Map::isEmpty)
                    && !fromCopy.usage.isEmpty() && !fromCopy.audit.isEmpty(), "every read model has rows");
            assertEquals(List.of(), ReadModels.diff(models, fromCopy), "copied rows read back as written");
            assertEquals(List.of(), ReadModels.diff(upserted.loadAll(c), fromCopy), "and as upserted rows");
            assertEquals(List.of(), new ReadModelStore("upserted").eventRowDifferences(c, copied));

            // A row copied twice is refused by the primary key, never counted twice: at once once it is back,
            assertThrows(SQLException.class, () -> copied.saveEventRows(c, models));
            // and when it is added back after loading without it.
            ReadModelStore twice = ReadModelStore.freshForReplay("twice");
            twice.createFresh(c);
            List<String> keys = twice.deferIndexes(c);
            twice.saveEventRows(c, models);
            twice.saveEventRows(c, models);
            assertThrows(SQLException.class, () -> twice.buildIndexes(c, keys));
        }
    }
}
