package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * SIGTERM to the production gateway process with streams in flight: they finish whole and their events
 * are committed, new calls and {@code /ready} get 503 while it drains, and the process exits 0.
 */
class GracefulShutdownTest {
    @Test
    void sigtermLetsStreamsInFlightFinishLedgeredRefusesNewCallsAndExitsZero() throws Exception {
        TestStack.GatewayProc proc = TestStack.gatewayProcess("drain", 0, List.of());
        Process gateway = proc.process();
        try {
            String base = proc.base();
            Api api = new Api(proc.port());
            Api.Reply p = api.post("/api/providers", TestStack.ADMIN_KEY, "{\"name\":\"mock\",\"type\":\"openai\","
                    + "\"base_url\":\"" + TestStack.mock().baseUrl() + "\",\"api_key\":\"" + TestStack.UPSTREAM_KEY + "\"}");
            Catalog.model(api, "slow", "mock-chat-slow", p.json().get("id").asLong(), "1", "1");

            HttpClient client = HttpClient.newHttpClient();
            String prompt = "tell me a long story " + "word ".repeat(60);
            List<CompletableFuture<HttpResponse<String>>> streams = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                streams.add(client.sendAsync(HttpRequest.newBuilder(URI.create(base + "/v1/chat/completions"))
                        .header("Authorization", "Bearer " + TestStack.ADMIN_KEY).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(Catalog.chatBody("slow", prompt, true))).build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            TestStack.await("the streams to be in flight", 10, () -> inFlight(api) == 4);

            gateway.destroy();  // SIGTERM
            TestStack.await("the drain to start", 10, () -> api.get("/ready", null).status() == 503);
            Api.Reply refused = api.post("/v1/chat/completions", TestStack.ADMIN_KEY, Catalog.chatBody("slow", "hi", false));
            assertEquals(503, refused.status(), refused.body());
            assertEquals("draining", refused.errorCode());

            for (CompletableFuture<HttpResponse<String>> s : streams) {
                HttpResponse<String> r = s.get(60, TimeUnit.SECONDS);
                assertEquals(200, r.statusCode());
                assertTrue(r.body().endsWith("data: [DONE]\n\n"), "the stream finished whole");
            }
            assertTrue(gateway.waitFor(60, TimeUnit.SECONDS), "the process exits once drained");
            assertEquals(0, gateway.exitValue());
            assertEquals(4, TestStack.count(TestStack.dataSource(proc.db()), "SELECT count(*) FROM ledger_event "
                    + "WHERE type = 'UsageRecorded' AND payload->>'model' = 'slow'"), "every drained call is ledgered");
        } finally {
            gateway.destroyForcibly().waitFor();
        }
    }

    /** Proxied calls in flight, from the gateway's own gauge. */
    private static int inFlight(Api api) {
        String metrics = api.get("/metrics", null).body();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^tollgate_inflight_calls ([0-9.]+)").matcher(metrics);
        return m.find() ? (int) Double.parseDouble(m.group(1)) : -1;
    }
}
