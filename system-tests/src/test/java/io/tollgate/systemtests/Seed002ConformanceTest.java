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
import io.tollgate.gateway.auth.LoginSettings;

/**
 * Seed 002 (an LLM API gateway with a unified generate endpoint): register, log in, then everything with
 * {@code X-API-Key}: models and their schema, defaults, generate (plain and streamed, by provider alone),
 * sessions, request status and cancel, tokens, provider keys, the profile and the provider list.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class Seed002ConformanceTest {
    private Gateway gateway;
    private Api api;
    private String key;

    @BeforeAll
    void start() {
        gateway = Gateway.start(TestStack.config(TestStack.freshDatabase()).withLogin(LoginSettings.DEFAULT.withRegistration("open")));
        api = new Api(gateway.port());
        Catalog.register(api);
        Api.Reply registered = api.post("/v1/users/register", null, "{\"email\":\"user@example.com\",\"password\":\"password123\"}");
        assertEquals(201, registered.status(), registered.body());
        Api.Reply login = api.post("/v1/users/login", null, "{\"email\":\"user@example.com\",\"password\":\"password123\"}");
        assertEquals(200, login.status(), login.body());
        assertTrue(login.json().has("token") && login.json().has("user"));
        key = registered.json().get("api_key").asText();
    }

    @AfterAll
    void stop() {
        gateway.close();
    }

    private Api.Reply call(String method, String path, String json) {
        HttpRequest.Builder b = api.builder(path, null).header("X-API-Key", key);
        b = json == null ? b.method(method, HttpRequest.BodyPublishers.noBody())
                : b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json));
        return api.send(b.build());
    }

    @Test
    void modelsTheirSchemaAndTheDefault() {
        JsonNode models = call("GET", "/v1/models", null).json();
        assertTrue(models.get("data").size() > 0);
        assertEquals("chat", call("GET", "/v1/models/chat", null).json().get("id").asText());
        JsonNode schema = call("GET", "/v1/schema?model=chat", null).json();
        assertTrue(schema.has("input") && schema.has("parameters"), schema.toString());
        assertEquals(403, call("POST", "/v1/models/chat/default", null).status(), "a user's key may not set defaults");
    }

    @Test
    void generatePlainStreamedAndByProviderInASession() {
        String session = call("POST", "/v1/sessions", null).json().get("session_id").asText();
        JsonNode plain = call("POST", "/v1/generate", "{\"model\":\"chat\",\"provider\":\"openai\",\"modality\":\"text\","
                + "\"input\":{\"prompt\":\"Hello, how are you?\"},\"parameters\":{\"temperature\":0.7,\"max_tokens\":100},"
                + "\"session_id\":\"" + session + "\"}").json();
        assertTrue(plain.has("output") && plain.has("usage") && plain.has("selection"), plain.toString());
        Api.Reply streamed = call("POST", "/v1/generate", "{\"model\":\"chat\",\"provider\":\"openai\",\"modality\":\"text\","
                + "\"input\":{\"prompt\":\"Hello, how are you?\"},\"stream\":true,\"session_id\":\"" + session + "\"}");
        assertEquals(200, streamed.status());
        assertTrue(streamed.header("content-type").startsWith("text/event-stream"));
        JsonNode byProvider = call("POST", "/v1/generate", "{\"provider\":\"anthropic\",\"modality\":\"text\","
                + "\"input\":{\"prompt\":\"pick for me\"}}").json();
        assertEquals("provider", byProvider.get("selection").get("reason").asText(), byProvider.toString());

        assertEquals(4, call("GET", "/v1/sessions/" + session, null).json().get("messages").size());
        assertTrue(call("GET", "/v1/sessions", null).json().get("data").size() >= 1);
        assertEquals("Planning", call("PUT", "/v1/sessions/" + session, "{\"title\":\"Planning\"}").json().get("title").asText());
        assertEquals(0, call("POST", "/v1/sessions/" + session + "/reset", null).json().get("message_count").asInt());
        assertEquals(204, call("DELETE", "/v1/sessions/" + session, null).status());
    }

    @Test
    void requestStatusAndCancel() {
        Api.Reply chat = api.send(api.builder("/v1/generate", null).header("X-API-Key", key)
                .header("Content-Type", "application/json").header("X-Request-Id", "seed2-req-1")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"chat\",\"input\":{\"prompt\":\"hi\"}}")).build());
        assertEquals(200, chat.status(), chat.body());
        assertEquals("completed", call("GET", "/v1/requests/seed2-req-1/status", null).json().get("status").asText());
        assertEquals(409, call("POST", "/v1/requests/seed2-req-1/cancel", null).status(), "it already finished");
    }

    @Test
    void tokensProviderKeysProfileAndProviders() {
        JsonNode token = call("POST", "/v1/users/tokens", "{\"name\":\"My Token\",\"scopes\":[\"read\",\"write\"],"
                + "\"expires_days\":30}").json();
        assertTrue(token.has("token") && token.has("id"), token.toString());
        assertTrue(call("GET", "/v1/users/tokens", null).json().size() >= 2);
        assertEquals(204, call("DELETE", "/v1/users/tokens/" + token.get("id").asLong(), null).status());

        assertEquals(201, call("POST", "/v1/users/provider-keys", "{\"provider\":\"openai\",\"api_key\":\"sk-my-own-key-123\"}")
                .status());
        assertTrue(call("GET", "/v1/users/provider-keys", null).body().contains("-123"), "shown as a hint of its end");
        assertEquals(204, call("DELETE", "/v1/users/provider-keys/openai", null).status());

        assertEquals("user@example.com", call("GET", "/v1/users/me", null).json().get("email").asText());
        assertEquals("New Name", call("PATCH", "/v1/users/me", "{\"display_name\":\"New Name\"}").json()
                .get("display_name").asText());
        JsonNode providers = api.get("/v1/providers", key).json();
        assertTrue(providers.size() >= 2, "Authorization: Bearer as the document shows for /v1/providers");
    }

    @Test
    void healthReadinessAndMetrics() {
        assertEquals(200, api.get("/health", null).status());
        assertEquals(200, api.get("/ready", null).status());
        assertTrue(api.get("/metrics", null).body().contains("tollgate_"));
    }
}
