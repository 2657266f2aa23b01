package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
 * Seed 001 (a Gatewayz-based gateway): its document's paths at the root, public catalogue, registration
 * that hands out the primary key, the user's balance, limits, profile, keys (create, list, rotate, update,
 * delete with a confirmation in the body), plans, the administrators' endpoints and the chat proxy, walked
 * as its client would with the document's own requests; errors readable as FastAPI's {@code detail}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class Seed001ConformanceTest {
    private Gateway gateway;
    private Api api;
    private String primary;

    @BeforeAll
    void start() {
        gateway = Gateway.start(TestStack.config(TestStack.freshDatabase()).withLogin(LoginSettings.DEFAULT.withRegistration("open")));
        api = new Api(gateway.port());
        Catalog.register(api);
        // The operator offers the model the document's example calls.
        Catalog.model(api, "deepseek/deepseek-r1-0528", "mock-chat", Catalog.providerId(api, "mock"), "0.55", "2.19");
        Api.Reply r = api.post("/auth/register", null, "{\"username\":\"ada\",\"email\":\"ada@example.com\","
                + "\"auth_method\":\"email\",\"environment_tag\":\"live\",\"key_name\":\"Primary Key\"}");
        assertEquals(201, r.status(), r.body());
        for (String f : new String[] {"user_id", "username", "email", "api_key", "credits", "environment_tag",
                "scope_permissions", "auth_method", "subscription_status", "message", "timestamp"}) {
            assertTrue(r.json().has(f), "UserRegistrationResponse." + f + ": " + r.body());
        }
        primary = r.json().get("api_key").asText();
    }

    @AfterAll
    void stop() {
        gateway.close();
    }

    private static void has(JsonNode body, String... fields) {
        for (String f : fields) {
            assertTrue(body.has(f), f + " in " + body);
        }
    }

    @Test
    void publicEndpointsAnswerWithoutAKey() {
        has(api.get("/health", null).json(), "status", "database", "user_count", "timestamp");
        JsonNode models = api.get("/models", null).json();
        JsonNode deepseek = null;
        for (JsonNode m : models.get("data")) {
            if (m.get("id").asText().equals("deepseek/deepseek-r1-0528")) {
                deepseek = m;
            }
        }
        assertTrue(deepseek != null, models.toString());
        has(deepseek, "pricing", "capabilities", "provider");
        assertEquals("0.00000055", deepseek.get("pricing").get("prompt").asText(), "USD per token");
        JsonNode providers = api.get("/models/providers", null).json().get("data");
        assertTrue(providers.size() >= 1);
        has(providers.get(0), "models", "suggested_model", "priced_models");
    }

    @Test
    void theUsersAccountBalanceLimitsAndPlanReadWithThePrimaryKey() {
        JsonNode balance = api.get("/user/balance", primary).json();
        has(balance, "api_key", "credits", "user_id", "status");
        assertTrue(balance.get("api_key").asText().endsWith("…"), "masked: " + balance);
        has(api.get("/user/monitor", primary).json(), "credits", "usage", "stats");
        has(api.get("/user/limit", primary).json(), "user_limits", "key_limits", "windows");
        assertEquals("ada", api.get("/user/profile", primary).json().get("name").asText());
        assertEquals("Ada L.", api.put("/user/profile", primary, "{\"name\":\"Ada L.\"}").json().get("name").asText());
        JsonNode plans = api.get("/plans", primary).json();
        assertTrue(plans.isArray() && plans.size() > 0);
        assertEquals(plans.get(0).get("id").asText(), api.get("/plans/" + plans.get(0).get("id").asText(), primary)
                .json().get("id").asText());
        has(api.get("/user/plan", primary).json(), "plan");
        has(api.get("/user/plan/usage", primary).json(), "tokens_used", "spend");
        has(api.get("/user/plan/entitlements?feature=streaming", primary).json(), "feature", "entitled");
        assertEquals(200, api.get("/user/environment-usage", primary).status());
    }

    @Test
    void keysAreCreatedListedRotatedUpdatedAndDeletedWithAConfirmation() {
        Api.Reply created = api.post("/user/api-keys", primary, "{\"key_name\":\"ci\",\"environment_tag\":\"test\","
                + "\"expiration_days\":30,\"max_requests\":100,\"ip_allowlist\":[\"127.0.0.1\"],"
                + "\"domain_referrers\":[\"acme.io\"],\"action\":\"create\"}");
        assertEquals(201, created.status(), created.body());
        JsonNode key = created.json();
        has(key, "id", "api_key", "key_name", "environment_tag", "is_active", "ip_allowlist", "domain_referrers",
                "expiration_date", "max_requests");
        assertTrue(key.get("api_key").asText().startsWith("tg_test_"));
        long id = key.get("id").asLong();

        JsonNode list = api.get("/user/api-keys", primary).json();
        assertEquals(2, list.get("total_keys").asInt());
        assertFalse(list.toString().contains(key.get("api_key").asText()), "a listing never shows a secret");

        Api.Reply rotated = api.put("/user/api-keys/" + id, primary, "{\"action\":\"rotate\"}");
        assertEquals(200, rotated.status(), rotated.body());
        assertTrue(rotated.json().has("api_key"));
        assertEquals("ci-2", api.put("/user/api-keys/" + id, primary, "{\"key_name\":\"ci-2\",\"max_requests\":50}")
                .json().get("key_name").asText());
        has(api.get("/user/api-keys/usage", primary).json(), "keys");
        // The audit log is a projection (the projector is not running here): the route answers, an array.
        assertTrue(api.get("/user/api-keys/audit-logs?action=key.created", primary).json().isArray());

        Api.Reply unconfirmed = api.send(api.builder("/user/api-keys/" + id, primary).header("Content-Type",
                "application/json").method("DELETE", HttpRequest.BodyPublishers.ofString("{}")).build());
        assertEquals(400, unconfirmed.status());
        assertEquals("confirmation_required", unconfirmed.json().get("code").asText());
        assertTrue(unconfirmed.json().get("detail").asText().contains("confirmation"), "FastAPI's detail: " + unconfirmed.body());
        Api.Reply deleted = api.send(api.builder("/user/api-keys/" + id, primary).header("Content-Type",
                "application/json").method("DELETE", HttpRequest.BodyPublishers.ofString("{\"confirmation\":\"DELETE\"}")).build());
        assertEquals(200, deleted.status(), deleted.body());
        has(deleted.json(), "status", "message", "deleted_key_id", "timestamp");
    }

    @Test
    void theChatProxyTakesTheDocumentsExampleAndCreditsAndLimitsComeFromAdministrators() {
        Api.Reply chat = api.post("/v1/chat/completions", primary, "{\"model\": \"deepseek/deepseek-r1-0528\","
                + "\"messages\": [{\"role\": \"user\", \"content\": \"Hello\"}],\"max_tokens\": 100,\"temperature\": 0.7}");
        assertEquals(200, chat.status(), chat.body());
        has(chat.json(), "choices", "usage");

        long user = api.get("/user/balance", primary).json().get("user_id").asLong();
        Api.Reply credits = api.post("/admin/add_credits", TestStack.ADMIN_KEY, "{\"api_key\":\"" + primary
                + "\",\"credits\":25}");
        assertEquals(201, credits.status(), credits.body());
        assertEquals(0, new java.math.BigDecimal("25").compareTo(api.get("/user/balance", primary).json().get("credits")
                .decimalValue()));
        assertEquals(403, api.post("/admin/add_credits", primary, "{\"api_key\":\"" + primary + "\",\"credits\":25}")
                .status(), "users do not credit themselves");
        Api.Reply limit = api.post("/admin/limit", TestStack.ADMIN_KEY, "{\"api_key\":\"" + primary + "\","
                + "\"rate_limits\":{\"requests_per_minute\":60,\"tokens_per_day\":1000000}}");
        assertEquals(200, limit.status(), limit.body());
        assertEquals(200, api.post("/admin/assign-plan", TestStack.ADMIN_KEY, "{\"user_id\":" + user
                + ",\"plan_id\":\"starter\"}").status());
        assertTrue(api.get("/admin/balance", TestStack.ADMIN_KEY).json().size() >= 2);
        has(api.get("/admin/monitor", TestStack.ADMIN_KEY).json(), "users", "usage");
        assertEquals(200, api.post("/admin/refresh-models", TestStack.ADMIN_KEY, "{}").status());
        has(api.get("/admin/cache-status", TestStack.ADMIN_KEY).json(), "models", "providers");
    }

    @Test
    void errorsCarryTheDocumentsStatusesAndReadAsDetail() {
        Api.Reply wrong = api.get("/user/balance", "gw_live_not_a_key");
        assertEquals(401, wrong.status());
        assertTrue(wrong.json().has("detail"));
        Api.Reply forbidden = api.get("/admin/monitor", primary);
        assertEquals(403, forbidden.status());
        assertTrue(forbidden.json().has("detail"));
        assertEquals(404, api.get("/plans/no-such-plan", primary).status());
        assertEquals(400, api.post("/user/api-keys", primary, "{\"key_name\":").status());
    }

    @Test
    void aUserClosesTheirAccountWithAConfirmation() {
        Api.Reply r = api.post("/auth/register", null, "{\"username\":\"temp\",\"email\":\"temp@example.com\"}");
        String key = r.json().get("api_key").asText();
        Api.Reply closed = api.send(api.builder("/user/account", key).header("Content-Type", "application/json")
                .method("DELETE", HttpRequest.BodyPublishers.ofString("{\"confirmation\":\"DELETE_ACCOUNT\"}")).build());
        assertEquals(200, closed.status(), closed.body());
        has(closed.json(), "status", "message", "user_id", "timestamp");
        assertEquals(401, api.get("/user/balance", key).status());
    }
}
