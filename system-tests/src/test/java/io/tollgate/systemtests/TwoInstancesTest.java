package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import io.tollgate.gateway.Gateway;
import io.tollgate.ledger.store.PostgresSettings;

/**
 * Two gateway instances on one database learn from the ledger what the other did: its spend, the
 * credits and key revocations made through it.
 */
class TwoInstancesTest {
    private static final String CHAT = "{\"model\":\"chat\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\","
            + "\"content\":\"hello budget\"}]}";

    @Test
    void spendCreditsAndRevocationsOnOneInstanceReachTheOther() {
        PostgresSettings db = TestStack.freshDatabase();
        try (Gateway a = Gateway.start(TestStack.config(db)); Gateway b = Gateway.start(TestStack.config(db))) {
            Api apiA = new Api(a.port());
            Api apiB = new Api(b.port());
            Catalog.register(apiA);
            long user = apiA.post("/api/users", TestStack.ADMIN_KEY, "{\"email\":\"two@instances.io\"}").json()
                    .get("id").asLong();
            // A budget of 3 worst cases (20 micro-USD each; each call really costs 7).
            Api.Reply vk = apiA.post("/api/admin/virtual-keys", TestStack.ADMIN_KEY, "{\"name\":\"shared\",\"user_id\":"
                    + user + ",\"monthly_budget_cap\":\"0.000060\"}");
            String key = vk.json().get("key").asText();
            // B learns the account before A spends, so only the follower can tell it about A's spend.
            assertEquals(200, apiB.post("/v1/chat/completions", key, CHAT).status());
            assertEquals(200, apiA.post("/v1/chat/completions", key, CHAT).status());
            assertEquals(200, apiA.post("/v1/chat/completions", key, CHAT).status());
            assertEquals(200, apiA.post("/v1/chat/completions", key, CHAT).status());
            assertEquals(200, apiA.post("/v1/chat/completions", key, CHAT).status());
            assertEquals(200, apiA.post("/v1/chat/completions", key, CHAT).status());
            // 6 × 7 = 42 spent; 42 + 20 > 60, so neither instance may admit another once it has read A's events.
            TestStack.await("B to see A's spend", 5, () -> MoneyControlsTest.micros(
                    apiB.get("/api/user/balance", key).json().get("spent")) == 42);
            assertEquals(429, apiB.post("/v1/chat/completions", key, CHAT).status());
            assertEquals(42, spent(a, user));

            assertEquals(201, apiA.post("/api/admin/credits", TestStack.ADMIN_KEY, "{\"user_id\":" + user
                    + ",\"amount\":\"1.25\"}").status());
            TestStack.await("B to see the top-up", 5, () -> MoneyControlsTest.micros(
                    apiB.get("/api/user/balance", key).json().get("credits")) == 1_250_000);

            long keyId = vk.json().get("id").asLong();
            String plain = apiA.newKey(user, "completion:invoke,model:any");
            long plainId = apiA.get("/api/keys?user_id=" + user, TestStack.ADMIN_KEY).json().get(1).get("id").asLong();
            assertEquals(200, apiB.post("/v1/chat/completions", plain, CHAT).status(), "cached on B");
            assertEquals(204, apiA.delete("/api/keys/" + plainId, TestStack.ADMIN_KEY).status());
            TestStack.await("B to refuse the key revoked on A", 5,
                    () -> apiB.post("/v1/chat/completions", plain, CHAT).status() == 401);
            assertEquals(true, keyId != plainId);
        }
    }

    private static long spent(Gateway g, long user) {
        return TestStack.count(g.dataSource(), "SELECT coalesce(sum((payload->>'cost_micros')::bigint), 0) "
                + "FROM ledger_event WHERE type = 'UsageRecorded' AND account_id = '" + user + "'");
    }
}
