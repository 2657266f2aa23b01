package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.zaxxer.hikari.HikariDataSource;

import io.tollgate.ledger.projection.ReadModelStore;
import io.tollgate.ledger.projection.ReadModels;
import io.tollgate.ledger.projection.Rows.AuditEntry;
import io.tollgate.ledger.projection.Rows.Granularity;
import io.tollgate.ledger.projection.Rows.UsageRow;
import io.tollgate.schema.Migrate;

/** Replay loads its fresh tables with COPY: what it writes must read back exactly as upserts would. */
class ReplayBulkLoadTest {
    /** Text COPY's CSV must carry unchanged: quotes, separators, line breaks, backslashes, empty and absent. */
    private static final List<String> HOSTILE = List.of("plain", "with \"quotes\"", "a,b", "two\nlines", "cr\r\nlf",
            "back\\slash", "\\N", "", "ünïcødé ✓ 🚀", " padded ", "\"");

    @Test
    void rowsCopiedIntoAFreshSchemaReadBackAsTheyWereAndAsUpsertedOnes() throws SQLException {
        ReadModels models = new ReadModels();
        for (int i = 0; i < HOSTILE.size() * 2; i++) {
            String text = i < HOSTILE.size() ? HOSTILE.get(i) : null;
            String label = HOSTILE.get(i % HOSTILE.size());
            Instant at = Instant.parse("2026-11-30T12:00:00.123456Z").plusSeconds(i);
            models.usage.put(i + 1, new UsageRow(at, "req_" + label, i, 100 + i, label, "p", "/chat/completions",
                    i % 2 == 0, i, 2L * i, 1_000_003L * i, 40, 200, i % 3 == 0, text, text, label, text, i));
            models.audit.put(1000 + i, new AuditEntry(at, i % 2 == 0 ? null : (long) i, "key.created", "key",
                    Integer.toString(i), "7", "success", label));
            models.rateWindows.add("key", i, Granularity.MINUTE, 1_796_040_000L + 60L * i, 1, i);
        }
        try (HikariDataSource ds = TestStack.freshDatabase().pool("bulk-load-test"); Connection c = ds.getConnection()) {
            Migrate.run(ds);
            ReadModelStore copied = ReadModelStore.freshForReplay("copied");
            ReadModelStore upserted = new ReadModelStore("upserted");
            copied.createFresh(c);
            upserted.createFresh(c);
            copied.save(c, models);
            upserted.save(c, models);

            ReadModels fromCopy = copied.loadAll(c);
            assertEquals(List.of(), ReadModels.diff(models, fromCopy), "copied rows read back as written");
            assertEquals(List.of(), ReadModels.diff(upserted.loadAll(c), fromCopy), "and as upserted rows");
            assertEquals(List.of(), new ReadModelStore("upserted").eventRowDifferences(c, copied));

            // A row copied twice is refused by the unique index, never counted twice.
            assertThrows(SQLException.class, () -> copied.saveEventRows(c, models));
        }
    }
}
