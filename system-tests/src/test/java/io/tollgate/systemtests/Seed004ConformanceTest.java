package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.tollgate.ledger.money.Micros;

/**
 * Seed 004 (LLMRouter): its console works by the {@code session} cookie, as a browser sends it from the
 * console's own pages (same Origin, JSON bodies): login, me, account, users, keys, providers (created,
 * refreshed, enabled, deleted), runtime models, stats, the console's chat and the OpenAI-compatible
 * {@code /api/v1} with a user key or, as a fallback, the session; admin errors as {@code {"error": string}}.
 */
class Seed004ConformanceTest extends GatewayTest {
    private static final String PASSWORD = "admin-password";
    private String admin;

    private Api.Reply withCookie(String method, String path, String session, String json) {
        HttpRequest.Builder b = api.builder(path, null).header("Cookie", "session=" + session)
                .header("Origin", api.base());
        if (json != null || !method.equals("GET")) {
            b.header("Content-Type", "application/json");
        }
        return api.send(b.method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(json)).build());
    }

    private String login(String email, String password) {
        Api.Reply r = api.post("/api/auth/login", null, "{\"email\":\"" + email + "\",\"password\":\"" + password + "\"}");
        assertEquals(200, r.status(), r.body());
        assertTrue(r.json().get("ok").asBoolean());
        String cookie = r.header("set-cookie");
        assertTrue(cookie.startsWith("session=") && cookie.contains("HttpOnly"), cookie);
        return cookie.substring("session=".length(), cookie.indexOf(';'));
    }

    @BeforeAll
    void adminSession() {
        assertEquals(200, api.put("/api/account", TestStack.ADMIN_KEY, "{\"new_password\":\"" + PASSWORD + "\"}").status());
        admin = login("admin@localhost", PASSWORD);
    }

    @Test
    void authAndAccount() {
        Api.Reply wrong = api.post("/api/auth/login", null, "{\"email\":\"admin@localhost\",\"password\":\"nope-nope\"}");
        assertEquals(401, wrong.status());
        assertEquals("invalid credentials", wrong.json().get("error").asText(), "the document's string");
        assertEquals(400, api.post("/api/auth/login", null, "{\"email\":").status());
        JsonNode me = withCookie("GET", "/api/auth/me", admin, null).json();
        for (String f : new String[] {"id", "email", "role", "disabled", "must_change_password"}) {
            assertTrue(me.has(f), f + " in " + me);
        }
        assertEquals("admin", me.get("role").asText());
        assertEquals(me, withCookie("GET", "/api/account", admin, null).json());
        assertTrue(api.get("/api/auth/me", null).json().get("error").isTextual(), "401 {\"error\": string}");
    }

    @Test
    void usersAreManagedByAnAdminSession() {
        Api.Reply created = withCookie("POST", "/api/users", admin, "{\"email\":\"bob@router.io\",\"password\":\"bob-password\","
                + "\"role\":\"user\"}");
        assertEquals(201, created.status(), created.body());
        assertFalse(created.body().contains("password"), "no password_hash");
        long bob = created.json().get("id").asLong();
        Api.Reply again = withCookie("POST", "/api/users", admin, "{\"email\":\"bob@router.io\",\"password\":\"bob-password\"}");
        assertEquals(409, again.status());
        assertTrue(again.json().get("error").isTextual());
        assertTrue(withCookie("GET", "/api/users", admin, null).json().size() >= 2);
        assertEquals(200, withCookie("PUT", "/api/users/" + bob, admin, "{\"role\":\"user\",\"disabled\":false}").status());
        assertEquals(404, withCookie("PUT", "/api/users/999999", admin, "{\"role\":\"user\"}").status());

        String session = login("bob@router.io", "bob-password");
        assertEquals(403, withCookie("GET", "/api/users", session, null).status(), "users are for admin sessions");
        Api.Reply key = withCookie("POST", "/api/keys", session, "{\"name\":\"laptop\"}");
        assertEquals(201, key.status(), key.body());
        assertTrue(key.json().has("id") && key.json().has("name") && key.json().has("value"));
        JsonNode keys = withCookie("GET", "/api/keys", session, null).json();
        assertTrue(keys.isArray());
        for (String f : new String[] {"id", "created_at", "updated_at", "user_id", "name", "prefix"}) {
            assertTrue(keys.get(0).has(f), f + " in " + keys.get(0));
        }
        assertTrue(withCookie("GET", "/api/admin/users/" + bob + "/keys", admin, null).json().size() >= 1);
        assertEquals(204, withCookie("DELETE", "/api/keys/" + key.json().get("id").asLong(), session, null).status());
        assertEquals(204, withCookie("DELETE", "/api/users/" + bob, admin, null).status());
    }

    @Test
    void providersArePulledOnCreationAndDeletedWithTheirModels() {
        Api.Reply created = withCookie("POST", "/api/providers", admin, "{\"name\":\"router-mock\",\"type\":\"openai\","
                + "\"base_url\":\"" + TestStack.mock().baseUrl() + "\",\"api_key\":\"" + TestStack.UPSTREAM_KEY
                + "\",\"enabled\":true}");
        assertEquals(201, created.status(), created.body());
        assertTrue(created.json().get("runtime_models").toString().contains("mock-chat"), "pulled at creation: " + created.body());
        assertTrue(created.json().has("models"));
        long id = created.json().get("id").asLong();
        assertEquals(409, withCookie("POST", "/api/providers", admin, "{\"name\":\"router-mock\",\"type\":\"openai\"}").status());
        assertEquals(200, withCookie("GET", "/api/providers/" + id, admin, null).status());
        assertEquals(false, withCookie("PUT", "/api/providers/" + id, admin, "{\"enabled\":false}").json().get("enabled").asBoolean());
        assertEquals(200, withCookie("PUT", "/api/providers/" + id, admin, "{\"enabled\":true}").status());
        assertEquals(200, withCookie("POST", "/api/providers/" + id + "/refresh_models", admin, null).status());
        JsonNode runtime = withCookie("GET", "/api/models", admin, null).json();
        assertTrue(runtime.toString().contains("\"provider_name\":\"router-mock\""), runtime.toString());
        assertEquals(204, withCookie("DELETE", "/api/providers/" + id, admin, null).status());
        assertEquals(404, withCookie("GET", "/api/providers/" + id, admin, null).status());
        Api.Reply unreachable = withCookie("POST", "/api/providers", admin, "{\"name\":\"down\",\"type\":\"openai\","
                + "\"base_url\":\"http://127.0.0.1:9/v1\",\"enabled\":false}");
        Api.Reply failed = withCookie("POST", "/api/providers/" + unreachable.json().get("id").asLong() + "/refresh_models",
                admin, null);
        assertEquals(502, failed.status());
        assertEquals("refresh_failed", failed.json().get("code").asText());
    }

    @Test
    void aProviderAddedIsCallableAtOnceAtCatalogPricesWithoutRegisteringAModel() {
        Api.Reply created = withCookie("POST", "/api/providers", admin, "{\"name\":\"listed\",\"type\":\"openai\","
                + "\"base_url\":\"" + TestStack.mock().baseUrl() + "\",\"api_key\":\"" + TestStack.UPSTREAM_KEY + "\"}");
        assertEquals(201, created.status(), created.body());
        String userKey = api.newKey(null, "completion:invoke,model:any");
        JsonNode listed = null;
        for (JsonNode m : api.get("/v1/models", userKey).json().get("data")) {
            if (m.get("id").asText().equals("gpt-4o-mini")) {
                listed = m;
            }
        }
        assertTrue(listed != null, "the provider's model is in the list");
        assertEquals("0.15", listed.get("pricing").get("input_per_million").asText());
        assertEquals("0.6", listed.get("pricing").get("output_per_million").asText());
        assertTrue(listed.get("pricing").get("source").asText().startsWith("catalog:"), listed.toString());

        Api.Reply chat = withCookie("POST", "/api/chat", admin, Catalog.chatBody("gpt-4o-mini", "priced at once", false));
        assertEquals(200, chat.status(), chat.body());
        JsonNode e = TestStack.payloads(gateway.dataSource(), "SELECT payload::text FROM ledger_event WHERE type = "
                + "'UsageRecorded' AND payload->>'request_id' = ?", chat.header("x-request-id")).getFirst();
        assertFalse(e.get("unpriced").asBoolean());
        assertEquals(Micros.cost(e.get("prompt_tokens").asLong(), e.get("completion_tokens").asLong(), 150_000, 600_000),
                e.get("cost_micros").asLong());
        assertTrue(e.get("cost_micros").asLong() > 0);
    }

    @Test
    void theConsolesChatAndTheOpenAiCompatibleApiWithAKeyOrTheSession() {
        String userKey = api.newKey(null, "completion:invoke,model:any");
        JsonNode models = api.get("/api/v1/models", userKey).json();
        assertEquals("list", models.get("object").asText());
        assertTrue(models.get("data").get(0).has("owned_by"));
        Api.Reply chat = api.post("/api/v1/chat/completions", userKey, Catalog.chatBody("chat", "by key", false));
        assertEquals(200, chat.status(), chat.body());
        Api.Reply stream = api.post("/api/v1/chat/completions", userKey, Catalog.chatBody("chat", "by key", true));
        assertTrue(stream.body().contains("data: [DONE]"));
        assertEquals(200, api.post("/api/v1/completions", userKey, "{\"model\":\"chat\",\"prompt\":\"hi\"}").status());
        assertEquals(200, api.post("/api/v1/embeddings", userKey, "{\"model\":\"embed\",\"input\":\"hi\"}").status());

        long before = usageCount();
        Api.Reply bySession = withCookie("POST", "/api/v1/chat/completions", admin, Catalog.chatBody("chat", "by session", false));
        assertEquals(200, bySession.status(), "the session as a fallback: " + bySession.body());
        Api.Reply consoleChat = withCookie("POST", "/api/chat", admin, Catalog.chatBody("chat", "console chat", true));
        assertEquals(200, consoleChat.status(), consoleChat.body());
        assertTrue(consoleChat.json().has("choices"), "never streamed");
        assertEquals(before + 2, usageCount());
        long console = TestStack.count(gateway.dataSource(), "SELECT id FROM api_keys WHERE name = 'console' AND user_id = 1");
        assertEquals(2, TestStack.count(gateway.dataSource(), "SELECT count(*) FROM ledger_event WHERE type = 'UsageRecorded' "
                + "AND (payload->>'key_id')::bigint = " + console + " AND payload->>'request_id' IN ('"
                + bySession.header("x-request-id") + "', '" + consoleChat.header("x-request-id") + "')"),
                "each call attributed to the user's console key");
        assertEquals(403, withCookie("POST", "/v1/chat/completions", admin, Catalog.chatBody("chat", "x", false)).status(),
                "the canonical data plane takes keys only");

        JsonNode stats = withCookie("GET", "/api/stats/me", admin, null).json();
        for (String f : new String[] {"requests", "avg_ms", "tokens_in", "tokens_out", "messages"}) {
            assertTrue(stats.has(f), f + " in " + stats);
        }
        assertEquals(200, withCookie("GET", "/api/admin/stats/user/1", admin, null).status());
        Api.Reply unknown = api.post("/api/v1/chat/completions", userKey, Catalog.chatBody("no-such-model", "x", false));
        assertEquals(400, unknown.status());
        assertEquals(200, withCookie("POST", "/api/auth/logout", admin, null).status());
        admin = login("admin@localhost", PASSWORD);
    }
}
