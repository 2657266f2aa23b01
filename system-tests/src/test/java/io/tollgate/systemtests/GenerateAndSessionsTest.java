package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.tollgate.devstack.MockUpstream;

/** Seed 002's /v1/generate, its default model per modality, and /v1/sessions carrying a conversation. */
class GenerateAndSessionsTest extends GatewayTest {
    private long events(String type) {
        return TestStack.count(gateway.dataSource(), "SELECT count(*) FROM ledger_event WHERE type = '" + type + "'");
    }

    @Test
    void aModelsSchemaSaysWhatGenerateTakesWhereItIsReachedAndWhatItCosts() {
        com.fasterxml.jackson.databind.JsonNode chat = api.get("/v1/schema?model=chat", key).json();
        assertEquals("chat", chat.get("id").asText());
        assertEquals("openai", chat.get("provider_type").asText());
        assertEquals("0.5", new java.math.BigDecimal(chat.path("pricing").path("input_per_million").asText()).stripTrailingZeros()
                .toPlainString());
        assertTrue(chat.path("parameters").path("properties").has("temperature"), chat.toString());
        assertEquals("string", chat.path("input").path("properties").path("messages").path("items").path("properties")
                .path("role").path("type").asText(), "the message schema is inlined, not a $ref");
        assertTrue(chat.get("endpoints").toString().contains("/v1/embeddings"));
        com.fasterxml.jackson.databind.JsonNode claude = api.get("/api/v1/schema?model=claude", key).json();
        assertEquals("anthropic", claude.get("provider_type").asText());
        assertTrue(claude.get("endpoints").toString().contains("/v1/messages"));
        assertTrue(!claude.get("endpoints").toString().contains("/v1/embeddings"));

        Api.Reply none = api.get("/v1/schema", key);
        assertEquals(400, none.status());
        assertEquals("model_required", none.errorCode());
        assertEquals(404, api.get("/v1/schema?model=nope", key).status());
        assertEquals(401, api.get("/v1/schema?model=chat", null).status());
    }

    @Test
    void aPromptIsAnsweredAsAGenerationAndLedgeredOnce() {
        long before = usageCount();
        Api.Reply r = api.post("/v1/generate", key, "{\"model\":\"chat\",\"input\":{\"prompt\":\"hello there\"},"
                + "\"parameters\":{\"max_tokens\":50,\"temperature\":0.1}}");
        assertEquals(200, r.status(), r.body());
        JsonNode g = r.json();
        assertEquals("generation", g.get("object").asText());
        assertEquals(MockUpstream.replyTo("hello there"), g.get("output").get("text").asText());
        assertEquals("stop", g.get("finish_reason").asText());
        assertEquals(2, g.get("usage").get("prompt_tokens").asLong());
        assertEquals(4, g.get("usage").get("completion_tokens").asLong());
        assertEquals("requested", g.get("selection").get("reason").asText());
        assertEquals("mock", g.get("provider").asText());
        assertEquals(r.header("x-request-id"), g.get("id").asText());
        assertEquals(before + 1, usageCount());
        assertEquals(4, lastUsageEvent().get("completion_tokens").asLong());

        Api.Reply claude = api.post("/api/v1/generate", key, "{\"model\":\"claude\",\"input\":{\"messages\":["
                + "{\"role\":\"system\",\"content\":\"be kind\"},{\"role\":\"user\",\"content\":\"hi claude\"}]}}");
        assertEquals(200, claude.status(), claude.body());
        assertEquals(MockUpstream.replyTo("hi claude"), claude.json().get("output").get("text").asText());
        assertEquals("mock-anthropic", claude.json().get("provider").asText());
    }

    @Test
    void withoutAModelTheModalitysDefaultServesWhenItIsOnTheNamedProvider() {
        String prompt = "{\"input\":{\"prompt\":\"which model\"}";
        assertEquals("model_required", api.post("/v1/generate", key, prompt + "}").errorCode());
        long sets = events("DefaultModelSet");
        assertEquals(403, api.post("/v1/models/chat/default", key, "{\"modality\":\"text\"}").status(),
                "setting a default needs model:write");
        assertEquals(400, api.post("/v1/models/chat/default", TestStack.ADMIN_KEY, "{\"modality\":\"image\"}").status());
        assertEquals(404, api.post("/v1/models/nope/default", TestStack.ADMIN_KEY, "{}").status());
        assertEquals(200, api.post("/v1/models/chat/default", TestStack.ADMIN_KEY, "{\"modality\":\"text\"}").status());
        assertEquals(sets + 1, events("DefaultModelSet"));

        Api.Reply r = api.post("/v1/generate", key, prompt + "}");
        assertEquals(200, r.status(), r.body());
        assertEquals("chat", r.json().get("model").asText());
        assertEquals("default", r.json().get("selection").get("reason").asText());
        assertEquals(200, api.post("/v1/generate", key, prompt + ",\"provider\":\"mock\"}").status());
        Api.Reply byProvider = api.post("/v1/generate", key, prompt + ",\"provider\":\"mock-anthropic\"}");
        assertEquals(200, byProvider.status(), "seed 002: a provider alone selects a model of it: " + byProvider.body());
        assertEquals("claude", byProvider.json().get("model").asText());
        assertEquals("provider", byProvider.json().get("selection").get("reason").asText());
        assertEquals("model_required", api.post("/v1/generate", key, prompt + ",\"provider\":\"nowhere\"}").errorCode());
        assertEquals("unsupported_modality", api.post("/v1/generate", key, prompt + ",\"modality\":\"image\"}").errorCode());
    }

    @Test
    void aSessionCarriesTheConversationUntilResetAndOnlyForItsOwner() {
        Api.Reply s = api.post("/v1/sessions", key, "{\"title\":\"planning\"}");
        assertEquals(201, s.status(), s.body());
        String id = s.json().get("session_id").asText();
        String first = api.post("/v1/generate", key, "{\"model\":\"chat\",\"session_id\":\"" + id
                + "\",\"input\":{\"prompt\":\"first question\"}}").json().get("output").get("text").asText();
        Api.Reply second = api.post("/v1/generate", key, "{\"model\":\"chat\",\"session_id\":\"" + id
                + "\",\"input\":{\"prompt\":\"second one\"}}");
        assertEquals(200, second.status(), second.body());
        assertEquals(id, second.json().get("session_id").asText());
        assertEquals(MockUpstream.words("first question") + MockUpstream.words(first) + MockUpstream.words("second one"),
                second.json().get("usage").get("prompt_tokens").asLong(), "the first turn went upstream again");
        JsonNode got = api.get("/v1/sessions/" + id, key).json();
        assertEquals(4, got.get("message_count").asInt());
        assertEquals("user", got.get("messages").get(0).get("role").asText());
        assertEquals("first question", got.get("messages").get(0).get("content").asText());
        assertEquals(first, got.get("messages").get(1).get("content").asText());
        assertEquals("planning", got.get("title").asText());

        long bob = api.post("/api/users", TestStack.ADMIN_KEY, "{\"email\":\"bob.sessions@example.com\"}").json().get("id").asLong();
        String bobKey = api.newKey(bob, "completion:invoke,model:any");
        assertEquals(404, api.get("/v1/sessions/" + id, bobKey).status());
        assertEquals(404, api.post("/v1/generate", bobKey, "{\"model\":\"chat\",\"session_id\":\"" + id
                + "\",\"input\":{\"prompt\":\"peek\"}}").status());
        assertEquals(0, api.get("/v1/sessions", bobKey).json().get("data").size());

        assertEquals("renamed", api.put("/v1/sessions/" + id, key, "{\"title\":\"renamed\"}").json().get("title").asText());
        assertEquals(0, api.post("/v1/sessions/" + id + "/reset", key, "").json().get("message_count").asInt());
        assertEquals(2, api.post("/v1/generate", key, "{\"model\":\"chat\",\"session_id\":\"" + id
                + "\",\"input\":{\"prompt\":\"after reset\"}}").json().get("usage").get("prompt_tokens").asLong());
        assertTrue(api.get("/v1/sessions", key).body().contains(id));
        assertEquals(204, api.delete("/v1/sessions/" + id, key).status());
        assertEquals(404, api.get("/v1/sessions/" + id, key).status());
    }

    @Test
    void aStreamedGenerationRelaysChatChunksAndKeepsTheTurnInItsSession() {
        String id = api.post("/v1/sessions", key, "").json().get("session_id").asText();
        Api.Reply r = api.send(api.builder("/v1/generate", key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"chat\",\"stream\":true,\"session_id\":\"" + id
                        + "\",\"input\":{\"prompt\":\"stream this\"}}")).build());
        assertEquals(200, r.status(), r.body());
        assertTrue(r.header("content-type").startsWith("text/event-stream"));
        assertTrue(r.body().contains("chat.completion.chunk") && r.body().trim().endsWith("data: [DONE]"), r.body());
        JsonNode got = api.get("/v1/sessions/" + id, key).json();
        assertEquals(2, got.get("message_count").asInt());
        assertEquals(MockUpstream.replyTo("stream this"), got.get("messages").get(1).get("content").asText());
    }

    @Test
    void badGenerateInputGetsA400AndChangesNothing() {
        long before = usageCount();
        assertEquals("invalid_input", api.post("/v1/generate", key, "{\"model\":\"chat\"}").errorCode());
        assertEquals("invalid_input", api.post("/v1/generate", key, "{\"model\":\"chat\",\"input\":{\"prompt\":7}}").errorCode());
        assertEquals("invalid_request", api.post("/v1/generate", key, "{\"model\":\"chat\",\"input\":{\"prompt\":\"x\"},\"extra\":1}").errorCode());
        assertEquals("invalid_parameters", api.post("/v1/generate", key,
                "{\"model\":\"chat\",\"input\":{\"prompt\":\"x\"},\"parameters\":{\"wild\":1}}").errorCode());
        assertEquals("invalid_stream", api.post("/v1/generate", key,
                "{\"model\":\"chat\",\"input\":{\"prompt\":\"x\"},\"stream\":\"yes\"}").errorCode());
        assertEquals(404, api.post("/v1/generate", key, "{\"model\":\"chat\",\"session_id\":\"not-a-uuid\","
                + "\"input\":{\"prompt\":\"x\"}}").status());
        assertEquals(400, api.post("/v1/sessions", key, "{\"title\":5}").status());
        assertEquals(400, api.post("/v1/sessions", key, "{\"name\":\"x\"}").status());
        assertEquals(404, api.get("/v1/sessions/xyz", key).status());
        assertEquals(before, usageCount());
    }
}
