package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;


class HealthAndMetricsTest extends GatewayTest {

    @Test
    void metricsCanRequireATokenOrLiveOnAPortOfTheirOwn() {
        try (io.tollgate.gateway.Gateway g = io.tollgate.gateway.Gateway.start(TestStack.config(TestStack.freshDatabase())
                .withMetrics(new io.tollgate.gateway.health.MetricsAccess("scrape-secret-123", -1)))) {
            Api other = new Api(g.port());
            assertEquals(401, other.get("/metrics", null).status());
            assertEquals(401, other.get("/metrics", "wrong").status());
            assertEquals(401, other.get("/metrics", TestStack.ADMIN_KEY).status(), "an API key is not the scrape token");
            assertTrue(other.get("/metrics", "scrape-secret-123").body().contains("tollgate_"));
        }
        try (io.tollgate.gateway.Gateway g = io.tollgate.gateway.Gateway.start(TestStack.config(TestStack.freshDatabase())
                .withMetrics(new io.tollgate.gateway.health.MetricsAccess("", 0)))) {
            assertEquals(404, new Api(g.port()).get("/metrics", null).status(), "not on the public port");
            assertTrue(g.metricsPort() > 0 && g.metricsPort() != g.port());
            assertTrue(new Api(g.metricsPort()).get("/metrics", null).body().contains("tollgate_"));
        }
    }

    @Test
    void healthReportsTheDatabaseUserCountAndTime() {
        JsonNode h = api.get("/health", null).json();
        assertEquals("healthy", h.get("status").asText());
        assertEquals("connected", h.get("database").asText());
        assertEquals(1, h.get("user_count").asLong());
        assertTrue(h.has("timestamp"));
        assertEquals("healthy", api.get("/healthz", null).json().get("status").asText());
        assertEquals(200, api.get("/ready", null).status());
    }

    @Test
    void prometheusMetricsCountRequestsByRouteAndStatusAndTimeUpstreams() {
        String key = api.newKey(null, "completion:invoke,model:any");
        api.post("/v1/chat/completions", key, Catalog.chatBody("chat", "metrics", false));
        api.post("/v1/chat/completions", key, "{bad");
        String metrics = api.get("/metrics", null).body();
        assertTrue(metrics.contains("http_server_requests_seconds_count{method=\"POST\",route=\"/chat/completions\",status=\"200\"}")
                || metrics.matches("(?s).*http_server_requests_seconds_count\\{method=\"POST\",route=\"[^\"]*chat/completions\",status=\"200\"}.*"),
                metrics);
        assertTrue(metrics.matches("(?s).*http_server_requests_seconds_count\\{method=\"POST\",route=\"[^\"]*chat/completions\",status=\"400\"}.*"));
        assertTrue(metrics.contains("tollgate_upstream_latency_seconds_count{model=\"chat\",provider=\"mock\",status=\"200\"}"),
                metrics);
        assertTrue(metrics.contains("tollgate_usage_events_total"));
    }

    @Test
    void theWaitForEachReplysDurableCommitIsAHistogram() {
        String key = api.newKey(null, "completion:invoke,model:any");
        long before = commitWaits();
        for (int i = 0; i < 3; i++) {
            assertEquals(200, api.post("/v1/chat/completions", key, Catalog.chatBody("chat", "wait " + i, false)).status());
        }
        assertEquals(before + 3, commitWaits(), "one wait per ledgered reply");
        String metrics = api.get("/metrics", null).body();
        assertTrue(metrics.matches("(?s).*tollgate_ledger_commit_wait_seconds_bucket\\{le=\"0\\.00[0-9]+\"} [1-9].*"),
                "sub-10 ms buckets, where a commit lands: " + metrics);
    }

    private long commitWaits() {
        return api.get("/metrics", null).body().lines().filter(l -> l.startsWith("tollgate_ledger_commit_wait_seconds_count"))
                .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }
}
