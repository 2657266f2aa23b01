package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;


/** Invariant 1 under concurrency: N requests, N events, each durable before its reply completed. */
class ConcurrentRequestsTest extends GatewayTest {

    @Test
    void hundredConcurrentRequestsMakeExactlyHundredEventsEachCommittedBeforeItsReplyEnded() throws Exception {
        long before = TestStack.usageEvents(gateway.dataSource()).size();
        List<Future<String>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 100; i++) {
                boolean stream = i % 2 == 0;
                String prompt = "request number " + i;
                results.add(pool.submit(() -> {
                    Api.Reply r = api.post("/v1/chat/completions", key, Catalog.chatBody("chat", prompt, stream));
                    assertEquals(200, r.status(), r.body());
                    if (stream) {
                        assertTrue(r.body().endsWith("data: [DONE]\n\n"), r.body());
                    }
                    String requestId = r.header("x-request-id");
                    assertNotNull(requestId);
                    // The whole reply has arrived: its event must already be committed.
                    List<JsonNode> mine = TestStack.payloads(gateway.dataSource(), "SELECT payload::text FROM "
                            + "ledger_event WHERE type = 'UsageRecorded' AND payload->>'request_id' = ?", requestId);
                    assertEquals(1, mine.size(), "event for " + requestId + " committed before the reply ended");
                    assertEquals(stream, mine.getFirst().get("streamed").asBoolean());
                    assertEquals(3, mine.getFirst().get("prompt_tokens").asLong());
                    return requestId;
                }));
            }
            Set<String> ids = new HashSet<>();
            for (Future<String> f : results) {
                ids.add(f.get());
            }
            assertEquals(100, ids.size());
        }
        assertEquals(before + 100, TestStack.usageEvents(gateway.dataSource()).size());
        assertEquals(0, TestStack.count(gateway.dataSource(),
                "SELECT count(*) - count(DISTINCT payload->>'request_id') FROM ledger_event WHERE type = 'UsageRecorded'"));
    }
}
