package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.tollgate.gateway.Gateway;
import io.tollgate.ledger.store.PostgresSettings;

/** Rate limits with OpenAI's headers, windows that survive a restart, and plans whose limits and entitlements apply. */
class RateLimitsAndPlansTest extends GatewayTest {
    private static final String CHAT = Catalog.chatBody("chat", "limited hello", false);

    @Test
    void rateLimitHeadersCountDownAndTheRequestPastTheLimitGets429WithRetryAfter() throws InterruptedException {
        long userId = newUser("limits@headers.io");
        String key = api.newKey(userId, "completion:invoke,model:any");
        long keyId = keyId(userId);
        Api.Reply set = api.post("/api/admin/limits", TestStack.ADMIN_KEY, "{\"key_id\":" + keyId
                + ",\"requests_per_hour\":3,\"tokens_per_hour\":100000}");
        assertEquals(200, set.status(), set.body());
        awayFromTheHourBoundary();
        for (int i = 1; i <= 3; i++) {
            Api.Reply ok = api.post("/v1/chat/completions", key, CHAT);
            assertEquals(200, ok.status(), ok.body());
            assertEquals("3", ok.header("x-ratelimit-limit-requests"));
            assertEquals(Integer.toString(3 - i), ok.header("x-ratelimit-remaining-requests"));
            assertTrue(ok.header("x-ratelimit-reset-requests").matches("\\d+m\\d+s|\\d+s"), ok.header("x-ratelimit-reset-requests"));
            assertEquals("100000", ok.header("x-ratelimit-limit-tokens"));
        }
        Api.Reply refused = api.post("/v1/chat/completions", key, CHAT);
        assertEquals(429, refused.status(), refused.body());
        assertEquals("rate_limit_exceeded", refused.json().path("error").path("code").asText());
        long retry = Long.parseLong(refused.header("Retry-After"));
        assertTrue(retry > 0 && retry <= 3600, "Retry-After " + retry);
        assertEquals("0", refused.header("x-ratelimit-remaining-requests"));

        JsonNode limit = api.get("/api/user/limit", key).json();
        JsonNode hour = window(limit, "key", "hour");
        assertEquals(3, hour.get("requests").asLong(), limit.toString());
        assertEquals(3, hour.get("requests_limit").asLong());
        assertEquals(0, hour.get("requests_remaining").asLong());
        assertTrue(Instant.parse(hour.get("resets_at").asText()).isAfter(Instant.now()));
        assertEquals(403, api.post("/api/admin/limits", key, "{\"user_id\":" + userId + "}").status());
        assertEquals(400, api.post("/api/admin/limits", TestStack.ADMIN_KEY, "{\"user_id\":" + userId
                + ",\"requests_per_fortnight\":1}").status());
    }

    @Test
    void rateWindowsSurviveARestart() throws InterruptedException {
        PostgresSettings db = TestStack.freshDatabase();
        String key;
        awayFromTheHourBoundary();
        try (Gateway first = Gateway.start(TestStack.config(db))) {
            Api a = new Api(first.port());
            Catalog.register(a);
            long userId = a.post("/api/users", TestStack.ADMIN_KEY, "{\"email\":\"restart@limits.io\"}").json().get("id").asLong();
            key = a.newKey(userId, "completion:invoke,model:any");
            assertEquals(200, a.post("/api/admin/limits", TestStack.ADMIN_KEY, "{\"user_id\":" + userId
                    + ",\"requests_per_hour\":3}").status());
            assertEquals(200, a.post("/v1/chat/completions", key, CHAT).status());
            assertEquals(200, a.post("/v1/chat/completions", key, CHAT).status());
        }
        try (Gateway second = Gateway.start(TestStack.config(db))) {
            Api a = new Api(second.port());
            Api.Reply third = a.post("/v1/chat/completions", key, CHAT);
            assertEquals(200, third.status());
            assertEquals("0", third.header("x-ratelimit-remaining-requests"), "the two before the restart still count");
            assertEquals(429, a.post("/v1/chat/completions", key, CHAT).status());
        }
    }

    @Test
    void aPlansLimitsAndEntitlementsApplyAndChangingPlanChangesThem() {
        long userId = newUser("plans@switch.io");
        String key = api.newKey(userId, "completion:invoke,model:any");
        assertEquals(200, api.post("/api/admin/assign-plan", TestStack.ADMIN_KEY, "{\"user_id\":" + userId
                + ",\"plan_id\":\"free\"}").status());
        assertEquals("free", api.get("/api/user/plan", key).json().path("plan").path("id").asText());

        Api.Reply onFree = api.post("/v1/chat/completions", key, CHAT);
        assertEquals(200, onFree.status());
        assertEquals("20", onFree.header("x-ratelimit-limit-requests"), "the free plan's 20 requests a minute");
        Api.Reply stream = api.post("/v1/chat/completions", key, Catalog.chatBody("chat", "stream me", true));
        assertEquals(403, stream.status());
        assertEquals("feature_not_in_plan", stream.json().path("error").path("code").asText());
        assertFalse(api.get("/api/user/plan/entitlements?feature=streaming", key).json().get("entitled").asBoolean());
        JsonNode usage = api.get("/api/user/plan/usage", key).json();
        assertEquals(1_000_000, usage.get("token_quota").asLong());
        assertTrue(usage.get("tokens_used").asLong() > 0, usage.toString());

        assertEquals(403, api.post("/api/admin/assign-plan", key, "{\"user_id\":" + userId
                + ",\"plan_id\":\"enterprise\"}").status(), "users cannot change their own plan");
        assertEquals(400, api.post("/api/admin/assign-plan", TestStack.ADMIN_KEY, "{\"user_id\":" + userId
                + ",\"plan_id\":\"platinum\"}").status());
        assertEquals(200, api.post("/api/admin/assign-plan", TestStack.ADMIN_KEY, "{\"user_id\":" + userId
                + ",\"plan_id\":\"pro\"}").status());
        Api.Reply onPro = api.post("/v1/chat/completions", key, Catalog.chatBody("chat", "stream me", true));
        assertEquals(200, onPro.status(), onPro.body());
        assertEquals("600", onPro.header("x-ratelimit-limit-requests"));
        assertTrue(api.get("/api/user/plan/entitlements?feature=streaming", key).json().get("entitled").asBoolean());

        assertEquals(4, api.get("/api/plans", key).json().size());
        assertTrue(api.get("/api/plans/starter", key).json().get("prepaid").asBoolean());
        assertEquals(404, api.get("/api/plans/platinum", key).status());
        assertEquals(2, TestStack.count(gateway.dataSource(), "SELECT count(*) FROM ledger_event WHERE type = "
                + "'PlanAssigned' AND account_id = '" + userId + "'"));
    }

    /** Keeps a test's requests inside one hour window. */
    private static void awayFromTheHourBoundary() throws InterruptedException {
        Instant now = Instant.now();
        Instant next = now.truncatedTo(ChronoUnit.HOURS).plus(1, ChronoUnit.HOURS);
        if (now.plusSeconds(20).isAfter(next)) {
            Thread.sleep(next.toEpochMilli() - now.toEpochMilli() + 200);
        }
    }

    private static JsonNode window(JsonNode limit, String subject, String window) {
        for (JsonNode w : limit.get("windows")) {
            if (w.get("subject").asText().equals(subject) && w.get("window").asText().equals(window)) {
                return w;
            }
        }
        throw new AssertionError("no " + subject + " " + window + " window in " + limit);
    }

    private long keyId(long userId) {
        return api.get("/api/keys?user_id=" + userId, TestStack.ADMIN_KEY).json().get(0).get("id").asLong();
    }

    private long newUser(String email) {
        Api.Reply r = api.post("/api/users", TestStack.ADMIN_KEY, "{\"email\":\"" + email + "\"}");
        assertEquals(201, r.status(), r.body());
        return r.json().get("id").asLong();
    }
}
