package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Seed 003 (a FastAPI cost-tracking proxy): the OAuth2 password form for a JWT, me, virtual keys with
 * budgets for an agent and cost centre, the two proxies with {@code X-Virtual-Key} (and the user's JWT
 * beside it), the metrics overview, usage events as an array, health; errors readable as {@code detail}.
 */
class Seed003ConformanceTest extends GatewayTest {
    private static final String PASSWORD = "admin12345";
    private String jwt;

    @BeforeAll
    void admin() {
        assertEquals(200, api.put("/api/account", TestStack.ADMIN_KEY, "{\"new_password\":\"" + PASSWORD + "\"}").status());
        assertEquals(201, api.post("/api/users", TestStack.ADMIN_KEY, "{\"email\":\"user@example.com\"}").status());
        String boundary = "----seed003";
        String form = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\nadmin@localhost\r\n"
                + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\n" + PASSWORD + "\r\n"
                + "--" + boundary + "--\r\n";
        Api.Reply token = api.send(api.builder("/api/auth/token", null)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofString(form)).build());
        assertEquals(200, token.status(), token.body());
        assertEquals("bearer", token.json().get("token_type").asText());
        jwt = token.json().get("access_token").asText();
        assertTrue(jwt.startsWith("eyJ"));
    }

    @Test
    void meAndVirtualKeysThroughTheJwt() {
        JsonNode me = api.get("/api/auth/me", jwt).json();
        assertEquals("admin@localhost", me.get("email").asText());
        assertTrue(me.get("is_admin").asBoolean() && me.has("full_name") && me.has("id"));

        Api.Reply created = api.post("/api/admin/virtual-keys", jwt, "{\"name\":\"Production API Key\","
                + "\"user_email\":\"user@example.com\",\"cost_centre\":\"Engineering\",\"environment\":\"prod\","
                + "\"agent_name\":\"HR Bot\",\"monthly_budget_cap\":1000.00,\"max_tokens_per_request\":10000,"
                + "\"max_reasoning_tokens\":2000}");
        assertEquals(201, created.status(), created.body());
        JsonNode vk = created.json();
        for (String f : new String[] {"id", "key", "name", "user_email", "monthly_budget_cap", "is_active", "created_at"}) {
            assertTrue(vk.has(f), f + " in " + vk);
        }
        assertTrue(vk.get("key").asText().startsWith("vk_"));
        assertEquals("prod", vk.get("environment").asText(), "kept as the client named it");
        JsonNode listed = api.get("/api/admin/virtual-keys", jwt).json();
        assertTrue(listed.isArray() && listed.size() >= 1);
        assertEquals("HR Bot", api.get("/api/admin/virtual-keys/" + vk.get("id").asLong(), jwt).json().get("agent_name").asText());
    }

    @Test
    void theProxiesTakeTheVirtualKeyWithTheUsersJwtBesideItAndUsageEventsComeAsAnArray() {
        String vk = api.post("/api/admin/virtual-keys", jwt, "{\"name\":\"bot\",\"user_email\":\"user@example.com\","
                + "\"monthly_budget_cap\":5}").json().get("key").asText();
        Api.Reply openai = api.send(api.builder("/proxy/openai/v1/chat/completions", null).header("X-Virtual-Key", vk)
                .header("Authorization", "Bearer " + jwt).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello!\"}]}"))
                .build());
        assertEquals(200, openai.status(), openai.body());
        assertTrue(openai.json().has("usage"));
        Api.Reply anthropic = api.send(api.builder("/proxy/anthropic/v1/messages", null).header("X-Virtual-Key", vk)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"claude\",\"max_tokens\":1024,\"messages\":"
                        + "[{\"role\":\"user\",\"content\":\"Hello!\"}]}")).build());
        assertEquals(200, anthropic.status(), anthropic.body());
        assertTrue(anthropic.json().has("usage"));

        JsonNode events = api.get("/api/admin/usage-events?limit=100", jwt).json();
        assertTrue(events.isArray(), "an array, as the document shows: " + events);
        long vkId = api.get("/api/admin/virtual-keys", jwt).json().get(0).get("id").asLong();
        assertTrue(api.get("/api/admin/usage-events?virtual_key_id=" + vkId, jwt).json().isArray());
    }

    @Test
    void theOverviewHasTheDocumentsFields() {
        JsonNode o = api.get("/api/metrics/overview", jwt).json();
        for (String f : new String[] {"spend_today", "spend_mtd", "spend_ytd", "forecasted_month_end", "total_requests",
                "total_tokens"}) {
            assertTrue(o.get("cost").has(f), f + " in " + o);
        }
        assertTrue(o.has("top_users") && o.has("top_projects") && o.has("waste"));
        JsonNode waste = o.get("waste");
        assertTrue(waste.has("repeated_prompts_count") && waste.has("estimated_waste") && waste.has("top_repeated_hashes"));
        assertEquals("healthy", api.get("/healthz", null).json().get("status").asText());
        assertTrue(api.get("/metrics", null).body().contains("tollgate_"));
    }

    @Test
    void errorsAreDetail() {
        Api.Reply bad = api.post("/api/auth/token", null, "{\"username\":\"admin@localhost\",\"password\":\"wrong one\"}");
        assertEquals(401, bad.status());
        assertTrue(bad.json().get("detail").isTextual(), bad.body());
        Api.Reply notAdmin = api.get("/api/admin/virtual-keys", key);
        assertEquals(403, notAdmin.status());
        assertTrue(notAdmin.json().get("detail").isTextual());
        assertEquals(404, api.get("/api/admin/virtual-keys/999999", jwt).status());
    }
}
