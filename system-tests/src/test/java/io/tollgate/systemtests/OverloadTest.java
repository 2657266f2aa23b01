package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.Statement;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import com.zaxxer.hikari.HikariDataSource;

import io.tollgate.gateway.Gateway;
import io.tollgate.ledger.store.EventStore;
import io.tollgate.ledger.store.PostgresSettings;

/**
 * Past its bound of calls in flight, or while the ledger lags, the gateway refuses at once, calls no
 * upstream, ledgers nothing.
 */
class OverloadTest {
    @Test
    void aCallBeyondTheInFlightBoundGets503WithRetryAfterAndNoUpstreamCallOrEvent() throws Exception {
        PostgresSettings db = TestStack.freshDatabase();
        try (Gateway g = Gateway.start(TestStack.config(db).withUpstreamConcurrency(1));
             HikariDataSource ds = db.pool("overload-test")) {
            Api api = new Api(g.port());
            Catalog.register(api);
            String key = api.newKey(null, "completion:invoke,model:any");
            long before = TestStack.mock().calls();
            CompletableFuture<Api.Reply> slow = CompletableFuture.supplyAsync(() -> api.post("/v1/chat/completions",
                    key, Catalog.chatBody("chat-slow", "word ".repeat(60).trim(), true)));
            TestStack.await("the slow stream to reach the upstream", 10, () -> TestStack.mock().calls() > before);
            assertTrue(!slow.isDone(), "the stream is still flowing");
            long upstreamCalls = TestStack.mock().calls();

            Api.Reply refused = api.post("/v1/chat/completions", key, Catalog.chatBody("chat", "one more", false));
            assertEquals(503, refused.status(), refused.body());
            assertEquals("overloaded", refused.errorCode());
            assertEquals("1", refused.header("retry-after"));
            assertEquals(upstreamCalls, TestStack.mock().calls(), "a refused call reaches no upstream");

            assertEquals(200, slow.get(30, TimeUnit.SECONDS).status());
            // The place is freed as the handler returns, a moment after the stream's last byte reached the client.
            TestStack.await("a call admitted again once the stream ended", 5, () -> api.post("/v1/chat/completions",
                    key, Catalog.chatBody("chat", "now", false)).status() == 200);
            TestStack.await("both calls' events", 10, () -> usageEvents(ds) == 2);
            assertTrue(TestStack.usageEvents(ds).stream().allMatch(e -> e.get("upstream_status").asInt() == 200),
                    "the refused call left no event");
        }
    }

    @Test
    void whileTheLedgerIsMoreThanASecondBehindNewCallsGet503AndNoUpstreamCall() throws Exception {
        PostgresSettings db = TestStack.freshDatabase();
        try (Gateway g = Gateway.start(TestStack.config(db));
             HikariDataSource ds = db.pool("ledger-behind-test");
             Connection holder = ds.getConnection()) {
            Api api = new Api(g.port());
            Catalog.register(api);
            String key = api.newKey(null, "completion:invoke,model:any");
            // Hold the append lock, as a stalled disk or a long transaction would: commits queue up behind it.
            holder.setAutoCommit(false);
            try (Statement s = holder.createStatement()) {
                s.execute("SELECT pg_advisory_xact_lock(" + EventStore.APPEND_LOCK + ")");
            }
            CompletableFuture<Api.Reply> waiting = CompletableFuture.supplyAsync(() -> api.post("/v1/chat/completions",
                    key, Catalog.chatBody("chat", "waits for its commit", false)));
            Thread.sleep(1_500);
            assertTrue(!waiting.isDone(), "its reply waits for the commit");
            long upstreamCalls = TestStack.mock().calls();
            long started = System.nanoTime();
            Api.Reply refused = api.post("/v1/chat/completions", key, Catalog.chatBody("chat", "one more", false));
            assertEquals(503, refused.status(), refused.body());
            assertEquals("overloaded", refused.errorCode());
            assertEquals("1", refused.header("retry-after"));
            assertTrue((System.nanoTime() - started) / 1e6 < 500, "refused at once");
            assertEquals(upstreamCalls, TestStack.mock().calls(), "a refused call reaches no upstream");
            String backlog = api.get("/metrics", null).body().lines()
                    .filter(l -> l.startsWith("tollgate_ledger_backlog_seconds")).findFirst().orElseThrow();
            assertTrue(Double.parseDouble(backlog.substring(backlog.lastIndexOf(' ') + 1)) > 1, backlog);

            holder.commit();
            assertEquals(200, waiting.get(10, TimeUnit.SECONDS).status(), "the waiting reply goes out once committed");
            assertEquals(200, api.post("/v1/chat/completions", key, Catalog.chatBody("chat", "caught up", false)).status());
            assertEquals(2, usageEvents(ds), "the refused call left no event");
        }
    }

    private static long usageEvents(DataSource ds) {
        return TestStack.count(ds, "SELECT count(*) FROM ledger_event WHERE type = 'UsageRecorded'");
    }
}
