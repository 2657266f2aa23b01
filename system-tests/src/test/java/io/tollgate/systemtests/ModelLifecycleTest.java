package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Seed 002's model lifecycle with real effects: on an Ollama-type provider (the mock's Ollama API) load
 * puts the model in the server's memory and unload takes it out; on a hosted provider load is a health
 * check and unload stops new calls while those in flight finish, or, forced, are cancelled.
 */
class ModelLifecycleTest extends GatewayTest {
    private long ollama;

    private long ollama() {
        if (ollama == 0) {
            Api.Reply p = api.post("/api/providers", TestStack.ADMIN_KEY, "{\"name\":\"local-ollama\",\"type\":\"ollama\","
                    + "\"base_url\":\"" + TestStack.mock().baseUrl() + "\",\"api_key\":\"" + TestStack.UPSTREAM_KEY + "\"}");
            assertEquals(201, p.status(), p.body());
            ollama = p.json().get("id").asLong();
        }
        return ollama;
    }

    private JsonNode status(String model) {
        Api.Reply r = api.get("/v1/models/" + model + "/status", key);
        assertEquals(200, r.status(), r.body());
        return r.json();
    }

    @Test
    void onOllamaLoadPutsTheModelInMemoryAndUnloadTakesItOut() {
        Catalog.model(api, "local-llama", "llama-slow-load", ollama(), "0", "0");
        assertEquals("not_loaded", status("local-llama").get("status").asText(), "Ollama would load it on the next call");

        Api.Reply loading = api.post("/v1/models/local-llama/load", TestStack.ADMIN_KEY, "{\"wait\":false}");
        assertEquals(202, loading.status(), loading.body());
        assertEquals("loading", loading.json().get("status").asText());
        assertEquals("loading", status("local-llama").get("status").asText(), "it takes the mock 1.5 s");
        TestStack.await("the model to load", 10, () -> "loaded".equals(status("local-llama").get("status").asText()));
        assertTrue(TestStack.mock().loadedModels().contains("llama-slow-load"), "the server really has it in memory");
        assertTrue(api.get("/v1/models/loaded", key).body().contains("\"model\":\"local-llama\""));

        Api.Reply unloaded = api.post("/v1/models/local-llama/unload", TestStack.ADMIN_KEY, "{\"force\":false}");
        assertEquals(200, unloaded.status(), unloaded.body());
        assertEquals("unloaded", unloaded.json().get("status").asText());
        TestStack.await("the server to drop it", 10, () -> !TestStack.mock().loadedModels().contains("llama-slow-load"));
        Api.Reply refused = api.post("/v1/chat/completions", key, Catalog.chatBody("local-llama", "hi", false));
        assertEquals(503, refused.status());
        assertEquals("model_unloaded", refused.errorCode());
        assertFalse(api.get("/v1/models/loaded", key).body().contains("\"model\":\"local-llama\""));

        Api.Reply waited = api.post("/v1/models/local-llama/load", TestStack.ADMIN_KEY, "{\"wait\":true}");
        assertEquals(200, waited.status(), waited.body());
        assertEquals("loaded", waited.json().get("status").asText());
        assertEquals(200, api.post("/v1/chat/completions", key, Catalog.chatBody("local-llama", "hi", false)).status());
        assertEquals(2, TestStack.count(gateway.dataSource(), "SELECT count(*) FROM ledger_event WHERE type = "
                + "'ModelAvailabilityChanged' AND payload->>'model_name' = 'local-llama'"), "unload and load are ledgered");
    }

    @Test
    void onAHostedProviderUnloadDrainsOrForcedCancelsAndLoadIsAHealthCheck() throws Exception {
        Catalog.model(api, "hosted", "mock-chat-slow", Catalog.providerId(api, "mock"), "1", "1");
        assertEquals("loaded", status("hosted").get("status").asText(), "a hosted model is always resident");

        CompletableFuture<Api.Reply> inFlight = CompletableFuture.supplyAsync(() -> api.post("/v1/chat/completions", key,
                Catalog.chatBody("hosted", "a long enough prompt to stream for a while " + "word ".repeat(200), true)));
        TestStack.await("the call to be in flight", 10, () -> status("hosted").get("in_flight").asInt() == 1);
        Api.Reply draining = api.post("/v1/models/hosted/unload", TestStack.ADMIN_KEY, "{}");
        assertEquals(200, draining.status(), draining.body());
        assertEquals(1, draining.json().get("in_flight").asInt());
        assertEquals(503, api.post("/v1/chat/completions", key, Catalog.chatBody("hosted", "hi", false)).status(),
                "no new calls while draining");
        Api.Reply finished = inFlight.get();
        assertEquals(200, finished.status());
        assertTrue(finished.body().contains("data: [DONE]"), "the call in flight finished whole");

        assertEquals(200, api.post("/v1/models/hosted/load", TestStack.ADMIN_KEY, "{}").status());
        CompletableFuture<Api.Reply> cancelled = CompletableFuture.supplyAsync(() -> api.post("/v1/chat/completions", key,
                Catalog.chatBody("hosted", "another long prompt " + "word ".repeat(200), true)));
        TestStack.await("the call to be in flight", 10, () -> status("hosted").get("in_flight").asInt() == 1);
        Api.Reply forced = api.post("/v1/models/hosted/unload", TestStack.ADMIN_KEY, "{\"force\":true}");
        assertEquals(1, forced.json().get("in_flight").asInt(), "one call cancelled");
        assertFalse(cancelled.get().body().contains("data: [DONE]"), "the forced unload cut the call short");
    }

    @Test
    void loadFailsClearlyOrFallsBackWhenNoDeploymentCanServe() {
        Catalog.model(api, "unlisted", "not-on-the-mock", Catalog.providerId(api, "mock"), "1", "1");
        Api.Reply failed = api.post("/v1/models/unlisted/load", TestStack.ADMIN_KEY, "{\"use_fallback\":false}");
        assertEquals(502, failed.status(), failed.body());
        assertEquals("model_load_failed", failed.errorCode());
        assertEquals(200, api.put("/api/models/unlisted/routing", TestStack.ADMIN_KEY, "{\"fallbacks\":[\"chat\"]}").status());
        Api.Reply fallback = api.post("/v1/models/unlisted/load", TestStack.ADMIN_KEY, "{\"use_fallback\":true}");
        assertEquals(200, fallback.status(), fallback.body());
        assertEquals("fallback", fallback.json().get("status").asText());
        assertEquals("chat", fallback.json().get("fallback").asText());
    }

    @Test
    void lifecycleCallsNeedModelWriteAndUnknownModelsAre404() {
        assertEquals(403, api.post("/v1/models/chat/unload", key, "{}").status(), "a key that only calls models");
        assertEquals(404, api.get("/v1/models/nobody/status", key).status());
        assertEquals(400, api.post("/v1/models/chat/load", TestStack.ADMIN_KEY, "{\"wait\":\"yes\"}").status());
        assertEquals(400, api.post("/v1/models/chat/unload", TestStack.ADMIN_KEY, "{\"hard\":true}").status());
    }
}
