package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

/**
 * An upstream that streams one SSE event without end (data lines, never the blank line that ends
 * the event): the gateway must not hold it without bound. It cuts the stream at 8 MB and ledgers the
 * call once, instead of reading until its heap runs out.
 */
class EndlessStreamEventTest extends GatewayTest {
    @Test
    void anEventThatNeverEndsIsCutAndTheCallLedgeredOnce() throws Exception {
        AtomicLong sent = new AtomicLong();
        HttpServer endless = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        endless.createContext("/v1/chat/completions", exchange -> {
            exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0);
            byte[] line = ("data: " + "x".repeat(1000) + "\n").getBytes(StandardCharsets.US_ASCII);
            try (OutputStream out = exchange.getResponseBody()) {
                while (sent.get() < 1L << 30) {  // 1 GB: "forever" for this test
                    out.write(line);
                    sent.addAndGet(line.length);
                }
            } catch (IOException cut) {
                // the gateway hung up
            }
        });
        endless.start();
        try {
            Api.Reply provider = api.post("/api/providers", TestStack.ADMIN_KEY, "{\"name\":\"endless\",\"type\":\"openai\","
                    + "\"base_url\":\"http://127.0.0.1:" + endless.getAddress().getPort() + "/v1\"}");
            assertEquals(201, provider.status(), provider.body());
            Catalog.model(api, "endless-chat", "endless", provider.json().get("id").asLong(), "0.50", "1.50");
            long before = usageCount();

            Api.Reply r = api.post("/v1/chat/completions", key, Catalog.chatBody("endless-chat", "go on", true));
            assertEquals(200, r.status(), "the stream had started");
            assertFalse(r.body().contains("[DONE]"), "and was cut, not finished");
            TestStack.await("the cut call's event", 10, () -> usageCount() == before + 1);
            assertTrue(sent.get() < 64L << 20, "the gateway hung up near 8 MB, after " + (sent.get() >> 20) + " MB");
        } finally {
            endless.stop(0);
        }
    }
}
