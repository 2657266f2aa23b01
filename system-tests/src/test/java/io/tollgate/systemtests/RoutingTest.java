package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import com.fasterxml.jackson.databind.JsonNode;

import io.tollgate.devstack.MockUpstream;
import io.tollgate.gateway.Gateway;
import io.tollgate.ledger.money.Micros;

/**
 * One public model served by several deployments: failures before any byte reached the client (500,
 * 429 with Retry-After, timeouts, refused connections) are retried on another deployment or a fallback
 * model, never after; each call is ledgered once, naming the deployment that served, at its price; weights
 * split traffic; a deployment that kept failing cools down and comes back after a probe.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RoutingTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(1);
    private static final Duration COOLDOWN = Duration.ofSeconds(1);
    private Gateway gateway;
    private Api api;
    private String key;
    private long mock;

    @BeforeAll
    void start() {
        gateway = Gateway.start(TestStack.config(TestStack.freshDatabase(), TIMEOUT).toBuilder()
                .deploymentCooldown(COOLDOWN).build());
        api = new Api(gateway.port());
        mock = provider("mock", TestStack.mock().baseUrl());
        Catalog.model(api, "backup", "mock-chat", mock, "0.10", "0.20");
        key = api.newKey(null, "completion:invoke,model:any");
    }

    @AfterAll
    void stop() {
        gateway.close();
    }

    private long provider(String name, String baseUrl) {
        Api.Reply p = api.post("/api/providers", TestStack.ADMIN_KEY, "{\"name\":\"" + name + "\",\"type\":\"openai\","
                + "\"base_url\":\"" + baseUrl + "\",\"api_key\":\"" + TestStack.UPSTREAM_KEY + "\"}");
        assertEquals(201, p.status(), p.body());
        return p.json().get("id").asLong();
    }

    private JsonNode deployment(String model, String body) {
        Api.Reply d = api.post("/api/models/" + model + "/deployments", TestStack.ADMIN_KEY, body);
        assertEquals(201, d.status(), d.body());
        return d.json();
    }

    private Api.Reply chat(String model, boolean stream) {
        return api.post("/v1/chat/completions", key, Catalog.chatBody(model, "route me somewhere", stream));
    }

    private List<JsonNode> events(String requestId) {
        return TestStack.payloads(gateway.dataSource(), "SELECT payload::text FROM ledger_event WHERE type = "
                + "'UsageRecorded' AND payload->>'request_id' = ?", requestId);
    }

    @Test
    void aDeploymentAnswering500IsRetriedOnTheNextTierAndTheCallIsLedgeredOnceAtTheServingDeploymentsPrice() {
        Catalog.model(api, "tiered", "mock-fail-500", mock, "1", "2");
        deployment("tiered", "{\"name\":\"tiered@good\",\"provider_id\":" + mock + ",\"upstream_model\":\"mock-chat\","
                + "\"priority\":1,\"input_price_per_million\":\"3\",\"output_price_per_million\":\"4\"}");
        for (boolean stream : new boolean[] {false, true}) {
            Api.Reply r = chat("tiered", stream);
            assertEquals(200, r.status(), r.body());
            assertEquals("tiered@good", r.header("x-tollgate-deployment"));
            assertEquals("2", r.header("x-tollgate-attempts"));
            assertEquals("mock", r.header("x-tollgate-provider"));
            List<JsonNode> events = events(r.header("x-request-id"));
            assertEquals(1, events.size(), "one event for the call, not one per attempt");
            JsonNode e = events.getFirst();
            assertEquals("tiered@good", e.get("deployment").asText());
            assertEquals("[\"tiered: 500\"]", e.get("attempts").toString());
            assertEquals(Micros.cost(e.get("prompt_tokens").asLong(), e.get("completion_tokens").asLong(), 3_000_000,
                    4_000_000), e.get("cost_micros").asLong(), "charged at the deployment that served, at its own price");
            assertTrue(e.get("cost_micros").asLong() > 0);
        }
    }

    @Test
    void a429WithRetryAfterIsWaitedForThenTheCallIsSentAgain() {
        Catalog.model(api, "patient", "mock-flaky-429", mock, "1", "1");
        long started = System.nanoTime();
        Api.Reply r = chat("patient", false);
        long tookMs = (System.nanoTime() - started) / 1_000_000;
        assertEquals(200, r.status(), r.body());
        assertEquals("2", r.header("x-tollgate-attempts"));
        assertTrue(tookMs >= 900, "the upstream's Retry-After: 1 was honoured, took " + tookMs + " ms");
        assertEquals("[\"patient: 429\"]", events(r.header("x-request-id")).getFirst().get("attempts").toString());
    }

    @Test
    void refusedConnectionsAndTimeoutsFallBackToAnotherModel() throws IOException {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        long dead = provider("dead", "http://127.0.0.1:" + closed + "/v1");
        Catalog.model(api, "primary", "mock-chat", dead, "5", "5");
        Api.Reply set = api.put("/api/models/primary/routing", TestStack.ADMIN_KEY, "{\"fallbacks\":[\"backup\"]}");
        assertEquals(200, set.status(), set.body());
        Api.Reply refused = chat("primary", false);
        assertEquals(200, refused.status(), refused.body());
        assertEquals("backup", refused.header("x-tollgate-model"), "the configured fallback served");
        JsonNode e = events(refused.header("x-request-id")).getFirst();
        assertEquals("backup", e.get("model").asText());
        assertEquals("[\"primary: unreachable\"]", e.get("attempts").toString());

        Catalog.model(api, "sleepy", "mock-hang", mock, "5", "5");
        Api.Reply timedOut = api.send(api.builder("/v1/chat/completions", key).header("Content-Type", "application/json")
                .header("X-Tollgate-Fallbacks", "backup").POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                        Catalog.chatBody("sleepy", "wake up", false))).build());
        assertEquals(200, timedOut.status(), timedOut.body());
        assertEquals("backup", timedOut.header("x-tollgate-model"), "the fallback the request named served");
        assertEquals("[\"sleepy: timeout\"]", events(timedOut.header("x-request-id")).getFirst().get("attempts").toString());

        Api.Reply generate = api.post("/v1/generate", key, "{\"model\":\"primary\",\"input\":{\"prompt\":\"hi\"}}");
        assertEquals(200, generate.status(), generate.body());
        assertEquals("backup", generate.json().get("selection").get("model").asText());
        assertEquals("fallback", generate.json().get("selection").get("reason").asText());
        Api.Reply noFallback = api.post("/v1/generate", key, "{\"model\":\"primary\",\"use_fallback\":false,"
                + "\"input\":{\"prompt\":\"hi\"}}");
        assertTrue(noFallback.status() == 502 || noFallback.status() == 503, noFallback.body());
    }

    @Test
    void aStreamCutAfterItsFirstBytesIsNeverSentAgain() {
        Catalog.model(api, "cutter", "mock-chat-cut", mock, "1", "1");
        assertEquals(200, api.put("/api/models/cutter/routing", TestStack.ADMIN_KEY, "{\"fallbacks\":[\"backup\"]}").status());
        long before = TestStack.mock().calls();
        Api.Reply r = chat("cutter", true);
        assertEquals(200, r.status());
        assertEquals(1, TestStack.mock().calls() - before, "bytes had reached the client: no second attempt");
        List<JsonNode> events = events(r.header("x-request-id"));
        assertEquals(1, events.size());
        assertEquals("cutter", events.getFirst().get("deployment").asText());
        assertEquals(0, events.getFirst().get("attempts").size());
    }

    @Test
    void weightsSplitTrafficWithinTolerance() {
        Catalog.model(api, "split", "mock-chat", mock, "1", "1");
        JsonNode routing = api.get("/api/models/split/routing", TestStack.ADMIN_KEY).json();
        long first = routing.get("deployments").get(0).get("id").asLong();
        assertEquals(200, api.patch("/api/deployments/" + first, TestStack.ADMIN_KEY, "{\"weight\":3}").status());
        deployment("split", "{\"name\":\"split@b\",\"provider_id\":" + mock + ",\"upstream_model\":\"mock-chat\"}");
        Map<String, Integer> served = new HashMap<>();
        int calls = 300;
        for (int i = 0; i < calls; i++) {
            Api.Reply r = chat("split", false);
            assertEquals(200, r.status(), r.body());
            served.merge(r.header("x-tollgate-deployment"), 1, Integer::sum);
        }
        double share = served.getOrDefault("split", 0) / (double) calls;
        // Weights 3:1 give 0.75; four standard deviations of 300 draws are 0.1.
        assertTrue(Math.abs(share - 0.75) <= 0.1, "share of the weight-3 deployment: " + served);
    }

    @Test
    void aDeploymentThatKeepsFailingCoolsDownAndComesBackAfterAProbe() throws Exception {
        try (MockUpstream flaky = MockUpstream.start(0, TestStack.UPSTREAM_KEY)) {
            long p = provider("flaky", flaky.baseUrl());
            Catalog.model(api, "heal", "mock-chat", p, "1", "1");
            deployment("heal", "{\"name\":\"heal@backup\",\"provider_id\":" + mock + ",\"upstream_model\":\"mock-chat\","
                    + "\"priority\":1}");
            flaky.failWith(503);
            for (int i = 0; i < 3; i++) {
                Api.Reply r = chat("heal", false);
                assertEquals(200, r.status(), r.body());
                assertEquals("heal@backup", r.header("x-tollgate-deployment"));
            }
            assertEquals("open", circuit("heal"), "three failures in a row: cooling down");
            long before = flaky.calls();
            Api.Reply skipped = chat("heal", false);
            assertEquals("1", skipped.header("x-tollgate-attempts"), "a cooling deployment is not tried");
            assertEquals(before, flaky.calls());

            flaky.failWith(0);
            Thread.sleep(COOLDOWN.toMillis() + 200);
            assertEquals("half_open", circuit("heal"));
            Api.Reply probe = chat("heal", false);
            assertEquals("heal", probe.header("x-tollgate-deployment"), "the probe went to the recovered deployment");
            assertEquals("closed", circuit("heal"));
            assertTrue(api.get("/metrics", null).body().contains("tollgate_deployment_up{deployment=\"heal\",model=\"heal\"} 1.0"),
                    "the gauge in /metrics says so too");
        }
    }

    private String circuit(String deployment) {
        for (JsonNode d : api.get("/api/admin/deployments/health", TestStack.ADMIN_KEY).json().get("data")) {
            if (d.get("deployment").asText().equals(deployment)) {
                return d.get("circuit").asText();
            }
        }
        return "unknown";
    }

    @Test
    void aPriceSetForLaterTakesEffectThenAndEarlierUsageKeepsItsPrice() throws Exception {
        Catalog.model(api, "repriced", "mock-chat", mock, "1", "1");
        Instant at = Instant.now().plusMillis(1500);
        Api.Reply set = api.put("/api/models/repriced/price", TestStack.ADMIN_KEY, "{\"input_price_per_million\":\"100\","
                + "\"output_price_per_million\":\"100\",\"effective_at\":\"" + at + "\"}");
        assertEquals(200, set.status(), set.body());
        Api.Reply before = chat("repriced", false);
        Thread.sleep(Math.max(0, Duration.between(Instant.now(), at).toMillis() + 100));
        Api.Reply after = chat("repriced", false);
        JsonNode early = events(before.header("x-request-id")).getFirst();
        JsonNode late = events(after.header("x-request-id")).getFirst();
        long tokens = early.get("total_tokens").asLong();
        assertEquals(tokens, late.get("total_tokens").asLong());
        assertEquals(100 * early.get("cost_micros").asLong(), late.get("cost_micros").asLong(),
                "the same call costs 100 times more from the new price's time on");
    }

    @Test
    void routingChangesAreCheckedAndLedgered() {
        Catalog.model(api, "managed", "mock-chat", mock, "1", "1");
        assertEquals(400, api.put("/api/models/managed/routing", TestStack.ADMIN_KEY, "{\"strategy\":\"fastest\"}").status());
        assertEquals(400, api.put("/api/models/managed/routing", TestStack.ADMIN_KEY, "{\"fallbacks\":[\"nope\"]}").status());
        assertEquals(400, api.put("/api/models/managed/routing", TestStack.ADMIN_KEY, "{\"fallbacks\":[\"managed\"]}").status());
        assertEquals(400, api.post("/api/models/managed/deployments", TestStack.ADMIN_KEY,
                "{\"provider_id\":999999,\"upstream_model\":\"x\"}").status());
        assertEquals(400, api.post("/api/models/managed/deployments", TestStack.ADMIN_KEY, "{\"provider_id\":" + mock
                + ",\"upstream_model\":\"x\",\"weight\":0}").status());
        assertEquals(404, api.get("/api/models/nobody/routing", TestStack.ADMIN_KEY).status());
        long only = api.get("/api/models/managed/routing", TestStack.ADMIN_KEY).json().get("deployments").get(0).get("id").asLong();
        Api.Reply last = api.delete("/api/deployments/" + only, TestStack.ADMIN_KEY);
        assertEquals(409, last.status());
        assertEquals("last_deployment", last.errorCode());
        assertEquals(200, api.put("/api/models/managed/routing", TestStack.ADMIN_KEY,
                "{\"strategy\":\"lowest_cost\",\"fallbacks\":[\"backup\"]}").status());
        JsonNode routing = api.get("/api/models/managed/routing", TestStack.ADMIN_KEY).json();
        assertEquals("lowest_cost", routing.get("strategy").asText());
        assertEquals("[\"backup\"]", routing.get("fallbacks").toString());
        assertEquals(1, TestStack.count(gateway.dataSource(), "SELECT count(*) FROM ledger_event WHERE type = "
                + "'ModelRoutingSet' AND payload->>'model_name' = 'managed'"));
    }
}
