package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import io.tollgate.gateway.Gateway;

/** Upstream connections: kept alive and reused, replaced when the upstream closed them, cut off when too slow. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UpstreamConnectionsTest {
    private Gateway gateway;
    private Api api;
    private String key;

    @BeforeAll
    void start() {
        gateway = Gateway.start(TestStack.config(TestStack.freshDatabase(), Duration.ofSeconds(1)));
        api = new Api(gateway.port());
        Catalog.register(api);
        Catalog.model(api, "chat-hang", "mock-chat-hang", Catalog.providerId(api, "mock"), "0.50", "1.50");
        key = api.newKey(null, "completion:invoke,model:any");
    }

    @AfterAll
    void stop() {
        gateway.close();
    }

    private long usageCount() {
        return TestStack.count(gateway.dataSource(), "SELECT count(*) FROM ledger_event WHERE type = 'UsageRecorded'");
    }

    @Test
    void anUpstreamThatDoesNotAnswerGets504AtTheTimeLimitAndTheCallIsLedgered() {
        long before = usageCount();
        long start = System.nanoTime();
        Api.Reply r = api.post("/v1/chat/completions", key, Catalog.chatBody("chat-hang", "hello", false));
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertEquals(504, r.status(), r.body());
        assertEquals("upstream_timeout", r.json().path("error").path("code").asText());
        assertTrue(ms >= 900 && ms < 5_000, "answered after " + ms + " ms with a 1 s limit");
        assertEquals(before + 1, usageCount(), "the call reached the upstream, so it has its event");
    }

    @Test
    void aStreamThatStallsIsCutAtTheTimeLimitAndLedgeredWithWhatCameBefore() {
        long before = usageCount();
        Api.Reply r = api.post("/v1/chat/completions", key, Catalog.chatBody("chat-stall", "one two three four five six",
                true));
        assertEquals(200, r.status());
        assertTrue(r.body().contains("Mock"), "the first half was relayed: " + r.body());
        assertFalse(r.body().contains("[DONE]"), "the client can tell the stream did not finish");
        assertEquals(before + 1, usageCount());
        assertTrue(TestStack.usageEvents(gateway.dataSource()).getLast().get("completion_tokens").asLong() > 0);
    }

    @Test
    void aStreamLongerThanTheLimitWhoseEventsKeepComingIsNotCut() {
        // 60 words at 20 ms each: ~1.3 s in all, never more than 20 ms between two events.
        Api.Reply r = api.post("/v1/chat/completions", key, Catalog.chatBody("chat-slow", "word ".repeat(60).trim(), true));
        assertEquals(200, r.status());
        assertTrue(r.body().contains("[DONE]"), r.body());
    }

    @Test
    void callsReuseOneKeptAliveConnectionAndOneTheUpstreamClosedIsReplaced() throws Exception {
        try (OneShotUpstream keeps = new OneShotUpstream(false); OneShotUpstream closes = new OneShotUpstream(true)) {
            for (OneShotUpstream upstream : new OneShotUpstream[] {keeps, closes}) {
                Api.Reply p = api.post("/api/providers", TestStack.ADMIN_KEY, "{\"name\":\"raw-" + upstream.port
                        + "\",\"type\":\"openai\",\"base_url\":\"http://127.0.0.1:" + upstream.port + "/v1\"}");
                assertEquals(201, p.status(), p.body());
                Catalog.model(api, "raw-" + upstream.port, "raw", p.json().get("id").asLong(), "0.50", "1.50");
            }
            for (int i = 0; i < 5; i++) {
                assertEquals(200, api.post("/v1/chat/completions", key, Catalog.chatBody("raw-" + keeps.port, "hi",
                        false)).status());
            }
            assertEquals(1, keeps.accepted.get(), "five calls, one connection");

            int before = closes.accepted.get();  // creating the provider may have listed its models already
            for (int i = 0; i < 3; i++) {
                Api.Reply r = api.post("/v1/chat/completions", key, Catalog.chatBody("raw-" + closes.port, "hi", false));
                assertEquals(200, r.status(), "call " + i + " after the upstream closed the idle connection: " + r.body());
                Thread.sleep(300);
            }
            assertEquals(3, closes.accepted.get() - before, "one new connection per call, each after the last closed");
        }
    }

    /**
     * An OpenAI-format upstream over a raw socket that answers one chat call per request, keeping the
     * connection alive or, like a server with a short idle timeout, closing it 100 ms after each reply.
     */
    private static final class OneShotUpstream implements AutoCloseable {
        private static final String BODY = "{\"id\":\"x\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,"
                + "\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1,\"total_tokens\":2}}";
        final AtomicInteger accepted = new AtomicInteger();
        final int port;
        private final ServerSocket server;

        OneShotUpstream(boolean closeWhenIdle) throws IOException {
            server = new ServerSocket(0);
            port = server.getLocalPort();
            Thread.ofVirtual().start(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket s = server.accept();
                        accepted.incrementAndGet();
                        Thread.ofVirtual().start(() -> serve(s, closeWhenIdle));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        private static void serve(Socket s, boolean closeWhenIdle) {
            try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                while (true) {
                    int length = readHead(in);
                    if (length < 0) {
                        return;
                    }
                    in.readNBytes(length);
                    out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                            + BODY.length() + "\r\n\r\n" + BODY).getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    if (closeWhenIdle) {
                        Thread.sleep(100);
                        return;
                    }
                }
            } catch (IOException | InterruptedException e) {
                // connection gone
            }
        }

        /** Reads a request's head; returns its Content-Length, or -1 at the end of the connection. */
        private static int readHead(InputStream in) throws IOException {
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    return -1;
                }
                head.append((char) b);
            }
            for (String line : head.toString().split("\r\n")) {
                if (line.toLowerCase().startsWith("content-length:")) {
                    return Integer.parseInt(line.substring(15).trim());
                }
            }
            return 0;
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
