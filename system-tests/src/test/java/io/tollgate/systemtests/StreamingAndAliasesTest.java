package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.EncodingType;

import io.tollgate.devstack.MockUpstream;
import io.tollgate.ledger.money.Micros;

class StreamingAndAliasesTest extends GatewayTest {

    @Test
    void anUpstreamThatReportsNoUsageIsCountedWithTheTokenizer() {
        Api.Reply r = api.post("/v1/chat/completions", key, Catalog.chatBody("chat-no-usage", "count these tokens", true));
        assertEquals(200, r.status());
        assertTrue(r.body().endsWith("data: [DONE]\n\n"));
        JsonNode e = lastUsageEvent();
        assertTrue(e.get("tokens_estimated").asBoolean());
        var o200k = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.O200K_BASE);
        long completion = o200k.countTokensOrdinary(MockUpstream.replyTo("count these tokens"));
        long prompt = 3 + 3 + o200k.countTokensOrdinary("user") + o200k.countTokensOrdinary("count these tokens");
        assertEquals(completion, e.get("completion_tokens").asLong());
        assertEquals(prompt, e.get("prompt_tokens").asLong());
        assertEquals(Micros.cost(prompt, completion, Catalog.CHAT_IN, Catalog.CHAT_OUT), e.get("cost_micros").asLong());
    }

    @Test
    void aLongEventWithinTheBoundsIsRelayedWhole() {
        Api.Reply r = api.post("/v1/chat/completions", key, Catalog.chatBody("chat-long-event", "hi", true));
        assertEquals(200, r.status());
        assertTrue(r.body().contains("[DONE]"), "the stream finished");
        assertTrue(r.body().length() > MockUpstream.LONG_EVENT_LINES * 1024, "with its 2 MB event: " + r.body().length());
    }

    @Test
    void aStreamCutOffByTheUpstreamIsStillLedgeredOnceWithoutAFinalEvent() {
        long before = TestStack.usageEvents(gateway.dataSource()).size();
        Api.Reply r = api.post("/v1/chat/completions", key,
                Catalog.chatBody("chat-cut", "one two three four five six seven eight", true));
        assertEquals(200, r.status());
        assertFalse(r.body().contains("[DONE]"), "the client must see that the stream did not finish");
        assertEquals(before + 1, TestStack.usageEvents(gateway.dataSource()).size());
        assertTrue(lastUsageEvent().get("completion_tokens").asLong() > 0);
    }

    @Test
    void streamChunksArriveBeforeTheUpstreamHasFinished() throws Exception {
        // The slow mock pauses 20 ms between chunks: the first chunk must reach the client long before the end.
        var request = api.builder("/v1/chat/completions", key).header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(Catalog.chatBody("chat-slow",
                        "a b c d e f g h i j k l m n o p q r s t u v w x y z", true))).build();
        long start = System.nanoTime();
        var response = java.net.http.HttpClient.newHttpClient().send(request,
                java.net.http.HttpResponse.BodyHandlers.ofLines());
        List<Long> arrivals = new java.util.ArrayList<>();
        response.body().filter(l -> l.startsWith("data:")).forEach(l -> arrivals.add(System.nanoTime() - start));
        assertTrue(arrivals.size() > 20, "chunks: " + arrivals.size());
        long firstMs = arrivals.getFirst() / 1_000_000;
        long lastMs = arrivals.getLast() / 1_000_000;
        assertTrue(lastMs - firstMs >= 300, "chunks were relayed as they came (first " + firstMs + " ms, last " + lastMs + " ms)");
    }

    @Test
    void streamEventsThatArriveTogetherAreForwardedInOneWrite() throws Exception {
        // The burst mock writes the whole stream at once; read over a raw socket to see the HTTP chunks.
        String body = Catalog.chatBody("chat-burst", "a b c d e f g h i j k l m n o p q r s t", true);
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", gateway.port())) {
            socket.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                    + "Authorization: Bearer " + key + "\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.getBytes(java.nio.charset.StandardCharsets.UTF_8).length + "\r\n\r\n" + body)
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            socket.setSoTimeout(10_000);
            var in = socket.getInputStream();
            var received = new java.io.ByteArrayOutputStream();
            while (!received.toString(java.nio.charset.StandardCharsets.UTF_8).endsWith("\r\n0\r\n\r\n")) {
                int b = in.read();
                assertTrue(b >= 0, "the reply ended before its last chunk: " + received);
                received.write(b);
            }
            String reply = received.toString(java.nio.charset.StandardCharsets.UTF_8);
            String entity = reply.substring(reply.indexOf("\r\n\r\n") + 4);
            int events = entity.split("data: ", -1).length - 1;
            // Chunked encoding: every HTTP chunk starts with a line holding only its size in hex.
            long chunks = entity.lines().filter(l -> l.matches("[0-9a-fA-F]+") && !l.equals("0")).count();
            assertTrue(entity.contains("[DONE]"), reply);
            assertTrue(events > 20, "events: " + events);
            assertTrue(chunks <= 3, events + " events went out in " + chunks + " writes");
        }
    }

    @Test
    void anthropicMessagesStreamAndPlainAreLedgeredFromAnthropicUsage() {
        String body = "{\"model\":\"claude\",\"max_tokens\":100,\"messages\":[{\"role\":\"user\",\"content\":\"hi there claude\"}]}";
        Api.Reply plain = api.post("/v1/messages", key, body);
        assertEquals(200, plain.status(), plain.body());
        assertEquals(3, plain.json().get("usage").get("input_tokens").asLong());
        JsonNode e = lastUsageEvent();
        assertEquals(3, e.get("prompt_tokens").asLong());
        assertEquals(5, e.get("completion_tokens").asLong());
        assertEquals(Micros.cost(3, 5, 3_000_000, 15_000_000), e.get("cost_micros").asLong());

        Api.Reply stream = api.post("/proxy/anthropic/v1/messages", key, body.replace("{\"model\"", "{\"stream\":true,\"model\""));
        assertEquals(200, stream.status());
        assertTrue(stream.body().endsWith("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"), stream.body());
        JsonNode s = lastUsageEvent();
        assertTrue(s.get("streamed").asBoolean());
        assertEquals(3, s.get("prompt_tokens").asLong());
        assertEquals(5, s.get("completion_tokens").asLong());
    }

    @Test
    void theSeedsPathAliasesAllReachTheSameProxy() {
        for (String path : List.of("/api/v1/chat/completions", "/proxy/openai/v1/chat/completions", "/v1/completions")) {
            Api.Reply r = api.post(path, key, Catalog.chatBody("chat", "alias test", false));
            assertEquals(200, r.status(), path + ": " + r.body());
            assertEquals("chat.completion", r.json().get("object").asText(), path);
            assertEquals("/chat/completions", lastUsageEvent().get("endpoint").asText(), path);
        }
        Api.Reply legacy = api.post("/v1/completions", key, "{\"model\":\"chat\",\"prompt\":\"complete this\"}");
        assertEquals(200, legacy.status(), legacy.body());
        assertEquals("text_completion", legacy.json().get("object").asText());
        assertEquals("/completions", lastUsageEvent().get("endpoint").asText());
        assertEquals(200, api.post("/api/v1/embeddings", key, "{\"model\":\"embed\",\"input\":[\"a b\",\"c\"]}").status());
        assertEquals(3, lastUsageEvent().get("prompt_tokens").asLong());
    }

    @Test
    void theKeysCostAttributionIsCopiedIntoEachEvent() {
        Api.Reply k = api.post("/api/keys", TestStack.ADMIN_KEY, "{\"name\":\"hr\",\"scopes\":\"completion:invoke,model:any\","
                + "\"environment\":\"staging\",\"cost_centre\":\"People\",\"project\":\"Onboarding\",\"agent\":\"HR Bot\"}");
        assertEquals(201, k.status(), k.body());
        assertTrue(k.json().get("key").asText().startsWith("tg_staging_"));
        assertEquals(200, api.post("/v1/chat/completions", k.json().get("key").asText(),
                Catalog.chatBody("chat", "hi", false)).status());
        JsonNode e = lastUsageEvent();
        assertEquals("People", e.get("cost_centre").asText());
        assertEquals("Onboarding", e.get("project").asText());
        assertEquals("staging", e.get("environment").asText());
        assertEquals("HR Bot", e.get("agent").asText());
        assertEquals(k.json().get("id").asLong(), e.get("key_id").asLong());
    }

    @Test
    void repeatedPromptsShareAHashForWasteDetection() {
        api.post("/v1/chat/completions", key, Catalog.chatBody("chat", "Same   question", false));
        String first = lastUsageEvent().get("prompt_hash").asText();
        api.post("/v1/chat/completions", key, Catalog.chatBody("chat", "same question", true));
        assertEquals(first, lastUsageEvent().get("prompt_hash").asText());
    }
}
