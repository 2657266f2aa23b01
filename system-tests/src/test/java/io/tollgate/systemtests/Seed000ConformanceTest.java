package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import com.fasterxml.jackson.databind.JsonNode;

import io.tollgate.gateway.Gateway;
import io.tollgate.ledger.money.Micros;

/**
 * Seed 000 (Pryx), walked as its usage guide shows it, with its own requests: the credential-less
 * bootstrap of a user and a key on a fresh install (from this machine only, and only until the first
 * key exists), model registration with the document's exact body (no price: the catalogue's), chat
 * completions at {@code /v1/completions}, and its error table.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class Seed000ConformanceTest {
    private Gateway gateway;
    private Api api;
    private String key;

    @BeforeAll
    void start() {
        gateway = Gateway.start(TestStack.config(TestStack.freshDatabase()));
        api = new Api(gateway.port());
    }

    @AfterAll
    void stop() {
        gateway.close();
    }

    private Api.Reply postWithoutCredential(String path, String body) {
        return api.send(api.builder(path, null).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    @Test
    void theWholeGuideInOrder() {
        // Admin bootstrap, exactly as the guide's curl commands send it.
        Api.Reply user = postWithoutCredential("/admin/users", "{\"email\":\"me@example.com\",\"name\":\"Me\"}");
        assertEquals(201, user.status(), user.body());
        long userId = user.json().get("id").asLong();
        Api.Reply created = postWithoutCredential("/admin/keys", "{\"user_id\":" + userId + ",\"name\":\"cli\","
                + "\"scopes\":\"completion:invoke,model:any,model:write\"}");
        assertEquals(201, created.status(), created.body());
        for (String f : new String[] {"id", "prefix", "key"}) {
            assertTrue(created.json().has(f), "the guide's { id, prefix, key }: " + created.body());
        }
        key = created.json().get("key").asText();
        Api.Reply closed = postWithoutCredential("/admin/users", "{\"email\":\"late@example.com\",\"name\":\"Late\"}");
        assertEquals(401, closed.status(), "once a key exists the bootstrap needs a credential: " + closed.body());

        // The guide's model registration, its exact body: no price given, so the catalogue's for gpt-4o-mini.
        // Registering a new endpoint is an administrator's call: the admin grants me that role first.
        assertEquals(200, api.put("/api/users/" + userId, TestStack.ADMIN_KEY, "{\"role\":\"admin\"}").status());
        Api.Reply model = api.post("/v1/models", key, "{\"name\":\"OpenRouter GPT-4o Mini\",\"model_name\":\"gpt-4o-mini\","
                + "\"endpoint\":\"https://openrouter.ai/api/v1\",\"api_key\":\"\"}");
        assertEquals(201, model.status(), model.body());
        JsonNode pricing = model.json().get("pricing");
        assertEquals("0.15", pricing.get("input_per_million").asText());
        assertEquals("0.6", pricing.get("output_per_million").asText());
        assertTrue(pricing.get("source").asText().startsWith("catalog:"), pricing.toString());

        // No internet here: the model is served through the mock instead of OpenRouter.
        JsonNode routing = api.get("/api/models/gpt-4o-mini/routing", TestStack.ADMIN_KEY).json();
        long openRouter = routing.get("deployments").get(0).get("id").asLong();
        Api.Reply mockProvider = api.post("/api/providers", TestStack.ADMIN_KEY, "{\"name\":\"mock\",\"type\":\"openai\","
                + "\"base_url\":\"" + TestStack.mock().baseUrl() + "\",\"api_key\":\"" + TestStack.UPSTREAM_KEY + "\"}");
        assertEquals(201, api.post("/api/models/gpt-4o-mini/deployments", TestStack.ADMIN_KEY, "{\"provider_id\":"
                + mockProvider.json().get("id").asLong() + ",\"upstream_model\":\"gpt-4o-mini\"}").status());
        assertEquals(200, api.patch("/api/deployments/" + openRouter, TestStack.ADMIN_KEY, "{\"enabled\":false}").status());

        Api.Reply completion = api.post("/v1/completions", key, "{\n    \"model\":\"gpt-4o-mini\",\n"
                + "    \"messages\":[{\"role\":\"user\",\"content\":\"Hello!\"}]\n  }");
        assertEquals(200, completion.status(), completion.body());
        assertEquals("chat.completion", completion.json().get("object").asText(), "OpenAI's chat completion, passed through");
        JsonNode e = TestStack.payloads(gateway.dataSource(), "SELECT payload::text FROM ledger_event WHERE type = "
                + "'UsageRecorded' AND payload->>'request_id' = ?", completion.header("x-request-id")).getFirst();
        assertEquals(Micros.cost(e.get("prompt_tokens").asLong(), e.get("completion_tokens").asLong(), 150_000, 600_000),
                e.get("cost_micros").asLong(), "charged at the catalogue's price");

        errorsAsTheGuideLists();
    }

    /** The guide's error table: 401, 403 (scope; model not allowed), 400 (bad JSON; unknown model), 502. */
    private void errorsAsTheGuideLists() {
        Api.Reply body = api.send(api.builder("/v1/completions", null).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4o-mini\",\"messages\":[]}")).build());
        assertEquals(401, body.status(), "missing token");
        assertEquals(401, api.post("/v1/completions", "sk_live_malformed", "{}").status(), "malformed token");
        String writerOnly = api.newKeyWith(TestStack.ADMIN_KEY, "model:write");
        assertEquals(403, api.post("/v1/completions", writerOnly, "{\"model\":\"gpt-4o-mini\",\"messages\":"
                + "[{\"role\":\"user\",\"content\":\"hi\"}]}").status(), "valid token without scope");
        String otherModel = api.newKeyWith(TestStack.ADMIN_KEY, "completion:invoke,model:some-other-model");
        Api.Reply notAllowed = api.post("/v1/completions", otherModel, "{\"model\":\"gpt-4o-mini\",\"messages\":"
                + "[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertEquals(403, notAllowed.status(), "model not allowed");
        assertEquals(400, api.post("/v1/completions", key, "{\"model\":").status(), "bad JSON");
        assertEquals(400, api.post("/v1/completions", key, "{\"model\":\"no-such-model\",\"messages\":"
                + "[{\"role\":\"user\",\"content\":\"hi\"}]}").status(), "unknown model");
        Api.Reply writer = api.post("/v1/models", key, "{\"name\":\"Broken\",\"model_name\":\"broken\",\"endpoint\":\""
                + TestStack.mock().baseUrl() + "\",\"api_key\":\"" + TestStack.UPSTREAM_KEY + "\",\"upstream_model\":"
                + "\"mock-fail-500\",\"input_price_per_million\":1,\"output_price_per_million\":1}");
        assertEquals(201, writer.status(), writer.body());
        assertEquals(502, api.post("/v1/completions", key, "{\"model\":\"broken\",\"messages\":"
                + "[{\"role\":\"user\",\"content\":\"hi\"}]}").status(), "upstream failure");
    }
}
