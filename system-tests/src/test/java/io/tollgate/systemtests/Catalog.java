package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The models every system test can call, registered through the public API against the mock
 * upstream. Prices are per million tokens: chat $0.50 in / $1.50 out, embeddings $0.10.
 */
final class Catalog {
    static final long CHAT_IN = 500_000;
    static final long CHAT_OUT = 1_500_000;
    static final long EMBED_IN = 100_000;

    private Catalog() {
    }

    static void register(Api api) {
        String base = TestStack.mock().baseUrl();
        Api.Reply openai = api.post("/api/providers", TestStack.ADMIN_KEY, "{\"name\":\"mock\",\"type\":\"openai\","
                + "\"base_url\":\"" + base + "\",\"api_key\":\"" + TestStack.UPSTREAM_KEY + "\",\"enabled\":true}");
        assertEquals(201, openai.status(), openai.body());
        long openaiId = openai.json().get("id").asLong();
        Api.Reply anthropic = api.post("/api/providers", TestStack.ADMIN_KEY, "{\"name\":\"mock-anthropic\","
                + "\"type\":\"anthropic\",\"base_url\":\"" + base + "\",\"api_key\":\"" + TestStack.UPSTREAM_KEY + "\"}");
        assertEquals(201, anthropic.status(), anthropic.body());
        long anthropicId = anthropic.json().get("id").asLong();
        model(api, "chat", "mock-chat", openaiId, "0.50", "1.50");
        model(api, "embed", "mock-embed", openaiId, "0.10", "0");
        model(api, "chat-no-usage", "mock-chat-no-usage", openaiId, "0.50", "1.50");
        model(api, "chat-fail-500", "mock-chat-fail-500", openaiId, "0.50", "1.50");
        model(api, "chat-fail-400", "mock-chat-fail-400", openaiId, "0.50", "1.50");
        model(api, "chat-cut", "mock-chat-cut", openaiId, "0.50", "1.50");
        model(api, "chat-slow", "mock-chat-slow", openaiId, "0.50", "1.50");
        model(api, "chat-burst", "mock-chat-burst", openaiId, "0.50", "1.50");
        model(api, "chat-large", "mock-chat-large", openaiId, "0.50", "1.50");
        model(api, "chat-large-chunked", "mock-chat-large-chunked", openaiId, "0.50", "1.50");
        model(api, "chat-long-event", "mock-chat-long-event", openaiId, "0.50", "1.50");
        model(api, "chat-stall", "mock-chat-stall", openaiId, "0.50", "1.50");
        model(api, "claude", "mock-claude", anthropicId, "3", "15");
    }

    static long providerId(Api api, String name) {
        for (var p : api.get("/api/providers", TestStack.ADMIN_KEY).json()) {
            if (name.equals(p.path("name").asText())) {
                return p.path("id").asLong();
            }
        }
        throw new AssertionError("no provider " + name);
    }

    static void model(Api api, String id, String upstream, long providerId, String in, String out) {
        Api.Reply r = api.post("/v1/models", TestStack.ADMIN_KEY, "{\"name\":\"" + id + "\",\"model_name\":\"" + id
                + "\",\"upstream_model\":\"" + upstream + "\",\"provider_id\":" + providerId
                + ",\"input_price_per_million\":\"" + in + "\",\"output_price_per_million\":\"" + out + "\"}");
        assertEquals(201, r.status(), r.body());
    }

    static String chatBody(String model, String prompt, boolean stream) {
        return "{\"model\":\"" + model + "\",\"stream\":" + stream + ",\"messages\":[{\"role\":\"user\",\"content\":\""
                + prompt + "\"}]}";
    }
}
