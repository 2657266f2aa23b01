package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.tollgate.devstack.DevPostgres;
import io.tollgate.gateway.Gateway;
import io.tollgate.gateway.GatewayConfig;

/** With Postgres down the gateway answers 503 fast, calls no upstream it could not ledger, and recovers by itself. */
class DatabaseOutageTest {
    private static int waitForReady(Api api, int status, long maxMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + maxMillis;
        int last;
        do {
            last = api.get("/ready", null).status();
            if (last == status) {
                return last;
            }
            Thread.sleep(100);
        } while (System.currentTimeMillis() < deadline);
        return last;
    }

    private static boolean waitForLedger(Api api, String state, long maxMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + maxMillis;
        while (System.currentTimeMillis() < deadline) {
            if (api.get("/health", null).json().get("ledger").asText().equals(state)) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }

    @Test
    void postgresDownMeans503WithoutUpstreamCallsAndRecoveryWhenItReturns() throws Exception {
        Path dir = TestStack.tempDir("tollgate-outage");
        int port;
        DevPostgres pg = DevPostgres.start(dir);
        port = pg.port();
        GatewayConfig config = TestStack.config(pg.database("tollgate"));
        try (Gateway g = Gateway.start(config)) {
            Api api = new Api(g.port());
            Catalog.register(api);
            String key = api.newKey(null, "completion:invoke,model:any");
            assertEquals(200, api.post("/v1/chat/completions", key, Catalog.chatBody("chat", "warm", false)).status());

            // A stream already flowing when Postgres dies still gets its event made durable (spooled to
            // disk) before its final event, and the spool is moved into the ledger when Postgres returns.
            CompletableFuture<Api.Reply> inFlight = CompletableFuture.supplyAsync(() -> api.post("/v1/chat/completions",
                    key, Catalog.chatBody("chat-slow", "word ".repeat(60).trim(), true)));
            Thread.sleep(150);
            pg.close();
            Api.Reply streamed = inFlight.get(30, TimeUnit.SECONDS);
            assertEquals(200, streamed.status());
            assertTrue(streamed.body().endsWith("data: [DONE]\n\n"), streamed.body());
            String spooledRequest = streamed.header("x-request-id");

            // Once the ledger knows Postgres is gone (its idle probe runs twice a second), nothing reaches an upstream.
            assertEquals(503, waitForReady(api, 503, 10_000));
            assertTrue(waitForLedger(api, "unavailable", 10_000));
            long upstreamCalls = TestStack.mock().calls();
            long start = System.nanoTime();
            Api.Reply cached = api.post("/v1/chat/completions", key, Catalog.chatBody("chat", "during outage", false));
            Api.Reply uncached = api.post("/v1/chat/completions", "tg_live_notcachedkeynotcachedkeynotcach",
                    Catalog.chatBody("chat", "during outage", false));
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(503, cached.status(), cached.body());
            assertEquals(503, uncached.status(), uncached.body());
            assertEquals(503, api.get("/health", null).status());
            assertTrue(millis < 6000, "answered in " + millis + " ms");
            assertEquals(upstreamCalls, TestStack.mock().calls(), "no upstream call that could not be ledgered");

            try (var spooled = Files.list(config.ledgerSpool())) {
                assertEquals(1, spooled.filter(f -> f.toString().endsWith(".jsonl")).count(), "the event waits on disk");
            }
            pg = DevPostgres.start(dir, port);
            assertEquals(200, waitForReady(api, 200, 15_000));
            assertEquals(200, api.post("/v1/chat/completions", key, Catalog.chatBody("chat", "recovered", false)).status());
            assertEquals(1, TestStack.payloads(g.dataSource(), "SELECT payload::text FROM ledger_event WHERE "
                    + "payload->>'request_id' = ?", spooledRequest).size(), "the spooled event reached the ledger once");
        } finally {
            pg.close();
        }
    }
}
