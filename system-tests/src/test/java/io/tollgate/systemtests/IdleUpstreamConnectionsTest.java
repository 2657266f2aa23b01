package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.tollgate.devstack.MockUpstream;

/**
 * Upstreams close idle keep-alive connections (Node's http server after 5 s, proxies after their own
 * timeouts), some saying so in {@code Keep-Alive: timeout=N}, some silently. After idle gaps of every
 * length around that timeout, rounds of concurrent calls all succeed, each reaches the upstream exactly
 * once, and each has exactly one ledger event.
 */
class IdleUpstreamConnectionsTest extends GatewayTest {
    private static final Duration UPSTREAM_IDLE = Duration.ofSeconds(2);
    private static final long[] GAPS_MS = {300, 1500, 2500, 3500};
    private static final int ROUND = 8;

    private long counter(String name) {
        Matcher m = Pattern.compile("(?m)^" + name + "_total(?:\\{[^}]*})? ([0-9.E]+)").matcher(api.get("/metrics", null).body());
        return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
    }

    private void roundsAfterIdleGaps(MockUpstream upstream, String model) throws Exception {
        Api.Reply p = api.post("/api/providers", TestStack.ADMIN_KEY, "{\"name\":\"" + model + "\",\"type\":\"openai\","
                + "\"base_url\":\"" + upstream.baseUrl() + "\"}");
        assertEquals(201, p.status(), p.body());
        Catalog.model(api, model, "mock-chat", p.json().get("id").asLong(), "0.50", "1.50");
        long events = usageCount();
        long upstreamCalls = upstream.calls();
        int calls = 0;
        try (ExecutorService pool = Executors.newFixedThreadPool(ROUND)) {
            for (long gap : GAPS_MS) {
                List<Future<Api.Reply>> round = new ArrayList<>();
                for (int i = 0; i < ROUND; i++) {
                    round.add(pool.submit(() -> api.post("/v1/chat/completions", key, Catalog.chatBody(model, "after a gap", false))));
                }
                for (Future<Api.Reply> f : round) {
                    Api.Reply r = f.get();
                    assertEquals(200, r.status(), "after an idle gap of " + gap + " ms: " + r.body());
                    calls++;
                }
                Thread.sleep(gap);
            }
        }
        assertEquals(calls, upstream.calls() - upstreamCalls, "no call reached the upstream twice");
        assertEquals(calls, usageCount() - events, "one ledger event per call");
    }

    @Test
    void anUpstreamThatAnnouncesItsIdleTimeoutNeverGetsAConnectionItHasClosed() throws Exception {
        try (MockUpstream node = MockUpstream.closingIdleConnections(null, UPSTREAM_IDLE, true)) {
            long resent = counter("tollgate_upstream_requests_resent");
            roundsAfterIdleGaps(node, "announcing");
            assertEquals(resent, counter("tollgate_upstream_requests_resent"), "closed before the upstream would");
            assertTrue(counter("tollgate_upstream_connections_evicted") > 0);
        }
    }

    @Test
    void anUpstreamThatClosesSilentlyHasItsClosedConnectionsFoundBeforeReuse() throws Exception {
        try (MockUpstream silent = MockUpstream.closingIdleConnections(null, UPSTREAM_IDLE, false)) {
            long evicted = counter("tollgate_upstream_connections_evicted");
            roundsAfterIdleGaps(silent, "silent");
            assertTrue(counter("tollgate_upstream_connections_evicted") > evicted, "probed and found closed");
            assertTrue(counter("tollgate_upstream_connections_reused") > 0, "and kept-alive ones still reused");
        }
    }
}
