package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.zaxxer.hikari.HikariDataSource;

import io.tollgate.devstack.MockUpstream;
import io.tollgate.gateway.Gateway;
import io.tollgate.ledger.store.PostgresSettings;

/**
 * The memory budget: bodies held by calls in flight never exceed it; a call that would is refused
 * with 503 and Retry-After instead of the gateway running out of heap, and every upstream call is
 * still ledgered exactly once.
 */
class MemoryBudgetTest {
    /** What a {@code chat-large} reply is held as: three times its ~1.5 MB. */
    private static final long LARGE_REPLY_HELD = 3L * 6 * MockUpstream.LARGE_REPLY_WORDS;

    @Test
    void aReplyLargerThanTheBudgetGets503IsLedgeredOnceWithItsUsageAndFreesItsBytes() throws Exception {
        try (Budgeted b = new Budgeted(2 << 20)) {
            // With a Content-Length (refused before a byte is read) and without (refused as the buffer grows).
            List<String> models = List.of("chat-large", "chat-large-chunked");
            for (int i = 0; i < models.size(); i++) {
                long before = TestStack.mock().calls();
                Api.Reply refused = b.api.post("/v1/chat/completions", b.key, Catalog.chatBody(models.get(i), "big", false));
                assertEquals(503, refused.status(), refused.body());
                assertEquals("overloaded", refused.errorCode());
                assertEquals("1", refused.header("retry-after"));
                assertEquals(before + 1, TestStack.mock().calls(), "the upstream was called");
                int events = i + 1;
                TestStack.await("the refused call's event", 10, () -> usageEvents(b.ds) == events);
                JsonNode billed = TestStack.usageEvents(b.ds).getLast();
                assertEquals(MockUpstream.LARGE_REPLY_WORDS, billed.get("completion_tokens").asLong(),
                        models.get(i) + ": the usage the upstream reported, read past without holding the reply");
                assertEquals(false, billed.get("tokens_estimated").asBoolean());
                assertTrue(billed.get("cost_micros").asLong() > 0, "and billed: " + billed);
            }
            assertEquals(200, b.api.post("/v1/chat/completions", b.key, Catalog.chatBody("chat", "small", false)).status(),
                    "the refused calls' bytes were given back");
            TestStack.await("nothing held once the calls ended", 5, () -> heldBytes(b.api) == 0);
        }
    }

    @Test
    void aStreamEventOutgrowingTheBudgetEndsTheStreamWithAnErrorEventAndIsLedgeredOnce() throws Exception {
        try (Budgeted b = new Budgeted(1 << 20)) {
            // The mock's first event is 2 MB of comment lines: within the 8 MB event bound, over this budget.
            Api.Reply cut = b.api.post("/v1/chat/completions", b.key, Catalog.chatBody("chat-long-event", "hi", true));
            assertEquals(200, cut.status(), "the stream had started");
            assertTrue(cut.body().contains("\"overloaded\""), cut.body());
            assertFalse(cut.body().contains("[DONE]"));
            TestStack.await("the cut stream's event", 10, () -> usageEvents(b.ds) == 1);
            TestStack.await("nothing held once the call ended", 5, () -> heldBytes(b.api) == 0);

            Api.Reply small = b.api.post("/v1/chat/completions", b.key, Catalog.chatBody("chat", "hi", true));
            assertTrue(small.body().contains("[DONE]"), "ordinary streams fit: " + small.body());
        }
    }

    @Test
    void aRequestBodyOverTheBudgetIsRefusedBeforeAnyUpstreamCall() throws Exception {
        try (Budgeted b = new Budgeted(200 << 10)) {
            long before = TestStack.mock().calls();

            // 60 KB, held as four copies: over the 200 KB budget though under the 256 KB body limit.
            Api.Reply refused = b.api.post("/v1/chat/completions", b.key,
                    Catalog.chatBody("chat", "word ".repeat(12_000).trim(), false));
            assertEquals(503, refused.status(), refused.body());
            assertEquals("overloaded", refused.errorCode());
            assertEquals(before, TestStack.mock().calls(), "no upstream call");
            assertEquals(200, b.api.post("/v1/chat/completions", b.key, Catalog.chatBody("chat", "small", false)).status());
            TestStack.await("the small call's event", 10, () -> usageEvents(b.ds) == 1);
        }
    }

    @Test
    void concurrentLargeRepliesBeyondTheBudgetAreRefusedNotFailedAndAllLedgered() throws Exception {
        // Room for two large replies at once, not three.
        try (Budgeted b = new Budgeted(2 * LARGE_REPLY_HELD + (1 << 20))) {
            long before = TestStack.mock().calls();

            List<CompletableFuture<Api.Reply>> calls = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                calls.add(CompletableFuture.supplyAsync(() -> b.api.post("/v1/chat/completions", b.key,
                        Catalog.chatBody("chat-large", "at once", false))));
            }
            int ok = 0;
            for (CompletableFuture<Api.Reply> call : calls) {
                Api.Reply r = call.get(60, TimeUnit.SECONDS);
                if (r.status() == 200) {
                    ok++;
                    assertEquals(MockUpstream.LARGE_REPLY_WORDS, r.json().get("usage").get("completion_tokens").asInt());
                } else {
                    assertEquals(503, r.status(), r.body());
                    assertEquals("overloaded", r.errorCode());
                }
            }
            assertTrue(ok >= 1, "the first to hold its reply always fits");
            long upstreamCalls = TestStack.mock().calls() - before;
            assertEquals(8, upstreamCalls);
            TestStack.await("one event per upstream call", 10, () -> usageEvents(b.ds) == upstreamCalls);
            TestStack.await("nothing held once the calls ended", 5, () -> heldBytes(b.api) == 0);
        }
    }

    /** A gateway of its own with the given memory budget, the test catalog and a key that may call it. */
    private static final class Budgeted implements AutoCloseable {
        final Gateway gateway;
        final HikariDataSource ds;
        final Api api;
        final String key;

        Budgeted(long budgetBytes) {
            PostgresSettings db = TestStack.freshDatabase();
            gateway = Gateway.start(TestStack.config(db).withMemoryBudget(budgetBytes));
            ds = db.pool("memory-budget-test");
            api = new Api(gateway.port());
            Catalog.register(api);
            key = api.newKey(null, "completion:invoke,model:any");
        }

        @Override
        public void close() {
            ds.close();
            gateway.close();
        }
    }

    private static long heldBytes(Api api) {
        return api.get("/metrics", null).body().lines().filter(l -> l.startsWith("tollgate_inflight_body_bytes "))
                .mapToLong(l -> (long) Double.parseDouble(l.substring(l.indexOf(' ') + 1))).findFirst()
                .orElseThrow(() -> new AssertionError("no tollgate_inflight_body_bytes gauge"));
    }

    private static long usageEvents(DataSource ds) {
        return TestStack.count(ds, "SELECT count(*) FROM ledger_event WHERE type = 'UsageRecorded'");
    }
}
