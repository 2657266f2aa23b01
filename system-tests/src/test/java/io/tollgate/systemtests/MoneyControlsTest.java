package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Budgets and credits hold under concurrency: every request reserves its worst-case cost under the
 * account's lock before the upstream call, so 200 requests racing for a budget that covers a few of
 * them cannot spend more than the budget.
 */
class MoneyControlsTest extends GatewayTest {
    /** Prompt "hello budget" with max_tokens 10: reserved worst case 20 micro-USD, real cost 7 (see below). */
    private static final String BODY = "{\"model\":\"chat\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\","
            + "\"content\":\"hello budget\"}]}";
    private static final long WORST_CASE_MICROS = 20;
    private static final long REAL_COST_MICROS = 7;

    @Test
    void twoHundredConcurrentRequestsNeverSpendMoreThanAKeysMonthlyBudget() throws Exception {
        long userId = newUser("budget@race.io");
        long budget = 10 * WORST_CASE_MICROS;
        Api.Reply vk = api.post("/api/admin/virtual-keys", TestStack.ADMIN_KEY, "{\"name\":\"race\",\"user_id\":" + userId
                + ",\"cost_centre\":\"R&D\",\"monthly_budget_cap\":\"0.000200\"}");
        assertEquals(201, vk.status(), vk.body());
        assertTrue(vk.json().get("key").asText().startsWith("vk_live_"), vk.body());

        Map<Integer, Integer> statuses = race(vk.json().get("key").asText(), 200);
        long spent = spentBy(userId);
        long ok = statuses.getOrDefault(200, 0);
        System.out.printf("budget race: statuses %s, spent %d of %d micro-USD, overshoot %d%n", statuses, spent, budget,
                Math.max(0, spent - budget));
        assertTrue(spent <= budget, "overspent: " + spent + " > " + budget);
        assertEquals(ok * REAL_COST_MICROS, spent, "each reply is one ledgered call at its real cost");
        assertTrue(ok >= 10, "the budget covers at least 10 worst cases: " + statuses);
        assertEquals(200 - ok, (long) statuses.getOrDefault(429, 0), "the rest are refused with 429: " + statuses);

        // Reservations held by the racers are released now; what is left may still cover a request or two.
        Api.Reply refused;
        do {
            refused = api.post("/v1/chat/completions", vk.json().get("key").asText(), BODY);
        } while (refused.status() == 200);
        assertEquals("budget_exceeded", refused.json().path("error").path("code").asText(), refused.body());
        assertTrue(Long.parseLong(refused.header("Retry-After")) > 0);
        assertTrue(spentBy(userId) <= budget && spentBy(userId) > budget - WORST_CASE_MICROS,
                "stops only when the rest cannot cover a worst case: " + spentBy(userId));
    }

    @Test
    void twoHundredConcurrentRequestsNeverSpendMoreThanPrepaidCredit() throws Exception {
        long userId = newUser("credit@race.io");
        assertEquals(200, api.post("/api/admin/assign-plan", TestStack.ADMIN_KEY,
                "{\"user_id\":" + userId + ",\"plan_id\":\"starter\"}").status());
        // The starter plan allows 60 requests a minute; this user's own limit overrides it.
        assertEquals(200, api.post("/api/admin/limits", TestStack.ADMIN_KEY,
                "{\"user_id\":" + userId + ",\"requests_per_minute\":100000}").status());
        String key = api.newKey(userId, "completion:invoke,model:any");
        Api.Reply broke = api.post("/v1/chat/completions", key, BODY);
        assertEquals(402, broke.status(), broke.body());
        assertEquals("insufficient_credits", broke.json().path("error").path("code").asText());

        long credit = 10 * WORST_CASE_MICROS;
        Api.Reply added = api.post("/api/admin/credits", TestStack.ADMIN_KEY, "{\"user_id\":" + userId
                + ",\"amount\":0.0002,\"reason\":\"race\"}");
        assertEquals(201, added.status(), added.body());
        assertEquals(credit, micros(added.json().get("available")));

        Map<Integer, Integer> statuses = race(key, 200);
        long spent = spentBy(userId);
        long ok = statuses.getOrDefault(200, 0);
        System.out.printf("credit race: statuses %s, spent %d of %d micro-USD, overshoot %d%n", statuses, spent, credit,
                Math.max(0, spent - credit));
        assertTrue(spent <= credit, "overspent: " + spent + " > " + credit);
        assertEquals(ok * REAL_COST_MICROS, spent);
        assertEquals(200 - ok, (long) statuses.getOrDefault(402, 0), "the rest are refused with 402: " + statuses);

        JsonNode balance = api.get("/api/user/balance", key).json();
        assertEquals(credit - spent, micros(balance.get("available")), balance.toString());
        assertEquals(0, micros(balance.get("reserved")), "nothing stays reserved");
        JsonNode all = api.get("/api/admin/balances", TestStack.ADMIN_KEY).json();
        assertTrue(all.toString().contains("credit@race.io"), all.toString());
        assertEquals(403, api.get("/api/admin/balances", key).status());
    }

    @Test
    void aRetriedTopUpWithTheSameIdempotencyKeyIsCountedOnce() throws Exception {
        long userId = newUser("topup@retry.io");
        String body = "{\"user_id\":" + userId + ",\"amount\":\"12.50\",\"idempotency_key\":\"invoice-42\"}";
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<Api.Reply>> replies = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            replies.add(pool.submit(() -> api.post("/api/admin/credits", TestStack.ADMIN_KEY, body)));
        }
        int created = 0;
        for (Future<Api.Reply> r : replies) {
            Api.Reply reply = r.get();
            assertTrue(reply.status() == 201 || reply.status() == 200, reply.body());
            created += reply.status() == 201 ? 1 : 0;
        }
        pool.shutdown();
        assertEquals(1, created, "one retry wins, the others find it");
        Api.Reply again = api.post("/api/admin/credits", TestStack.ADMIN_KEY, body);
        assertEquals(200, again.status());
        assertTrue(again.json().get("duplicate").asBoolean());
        assertEquals(12_500_000, micros(again.json().get("credits")));
        assertEquals(1, TestStack.count(gateway.dataSource(), "SELECT count(*) FROM ledger_event WHERE type = "
                + "'CreditsAdded' AND account_id = '" + userId + "'"));
        Api.Reply conflict = api.post("/api/admin/credits", TestStack.ADMIN_KEY, "{\"user_id\":" + userId
                + ",\"amount\":\"13\",\"idempotency_key\":\"invoice-42\"}");
        assertEquals(409, conflict.status(), conflict.body());
        assertEquals("idempotency_key_reused", conflict.errorCode());
        Api.Reply nothing = api.post("/api/admin/credits", TestStack.ADMIN_KEY, "{\"user_id\":" + userId + ",\"amount\":\"0\"}");
        assertEquals(400, nothing.status(), nothing.body());
        assertEquals("invalid_amount", nothing.errorCode());
        assertEquals(400, api.post("/api/admin/credits", TestStack.ADMIN_KEY, "{\"user_id\":" + userId
                + ",\"amount\":\"0.0000001\"}").status(), "more than 6 decimals");
        assertEquals(400, api.post("/api/admin/credits", TestStack.ADMIN_KEY, "{\"user_id\":" + userId
                + ",\"amount\":-5}").status());
        String usersKey = api.newKey(userId, "completion:invoke,model:any");
        assertEquals(403, api.post("/api/admin/credits", usersKey, body).status(), "users cannot top themselves up");
    }

    @Test
    void maxTokensPerRequestRefusesBiggerAsksAndCapsRequestsThatAskForNothing() {
        long userId = newUser("tokens@cap.io");
        Api.Reply vk = api.post("/api/admin/virtual-keys", TestStack.ADMIN_KEY, "{\"name\":\"capped\",\"user_email\":"
                + "\"tokens@cap.io\",\"environment\":\"prod\",\"agent_name\":\"HR Bot\",\"max_tokens_per_request\":5,"
                + "\"max_reasoning_tokens\":100,\"allowed_models\":[\"chat\",\"claude\"]}");
        assertEquals(201, vk.status(), vk.body());
        String key = vk.json().get("key").asText();
        Api.Reply tooMany = api.post("/v1/chat/completions", key, "{\"model\":\"chat\",\"max_tokens\":6,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        assertEquals(400, tooMany.status());
        assertEquals("max_tokens_exceeded", tooMany.json().path("error").path("code").asText());
        assertTrue(tooMany.json().path("error").path("message").asText().contains("max_tokens_per_request"));
        Api.Reply thinking = api.post("/v1/messages", key, "{\"model\":\"claude\",\"max_tokens\":5,\"thinking\":"
                + "{\"type\":\"enabled\",\"budget_tokens\":1000},\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        assertEquals(400, thinking.status(), thinking.body());
        assertEquals("max_reasoning_tokens_exceeded", thinking.json().path("error").path("code").asText());
        assertEquals(403, api.post("/v1/embeddings", key, "{\"model\":\"embed\",\"input\":\"x\"}").status(),
                "embed is not among the key's allowed models");

        Api.Reply capped = api.post("/v1/chat/completions", key, Catalog.chatBody("chat", "one two three four five six", false));
        assertEquals(200, capped.status(), capped.body());
        assertEquals(5, capped.json().path("usage").path("completion_tokens").asLong(), "the key's cap went upstream");
        JsonNode listed = api.get("/api/admin/virtual-keys/" + vk.json().get("id").asLong(), TestStack.ADMIN_KEY).json();
        assertEquals("tokens@cap.io", listed.get("user_email").asText());
        assertEquals("prod", listed.get("environment").asText());  // kept as the client named it
        assertEquals("HR Bot", listed.get("agent_name").asText());
        assertTrue(listed.get("key") == null, "the secret is never shown again");
        assertTrue(api.get("/api/admin/virtual-keys", TestStack.ADMIN_KEY).body().contains("capped"));
        assertEquals(userId, listed.get("user_id").asLong());
    }

    @Test
    void reservationsAreReleasedOnUpstreamErrorsBrokenStreamsAndClientDisconnects() throws Exception {
        long userId = newUser("release@errors.io");
        Api.Reply vk = api.post("/api/admin/virtual-keys", TestStack.ADMIN_KEY, "{\"name\":\"errors\",\"user_id\":"
                + userId + ",\"monthly_budget_cap\":\"5\"}");
        String key = vk.json().get("key").asText();
        assertEquals(502, api.post("/v1/chat/completions", key, Catalog.chatBody("chat-fail-500", "x", false)).status());
        assertEquals(400, api.post("/v1/chat/completions", key, Catalog.chatBody("chat-fail-400", "x", false)).status());
        assertEquals(200, api.post("/v1/chat/completions", key, Catalog.chatBody("chat-cut", "a b c d e f", true)).status());
        // A client that hangs up after the first chunk of a slow stream.
        String longPrompt = "word ".repeat(200).trim();
        java.net.http.HttpResponse<java.io.InputStream> slow = java.net.http.HttpClient.newHttpClient().send(
                api.builder("/v1/chat/completions", key).header("Content-Type", "application/json")
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(Catalog.chatBody("chat-slow", longPrompt, true)))
                        .build(), java.net.http.HttpResponse.BodyHandlers.ofInputStream());
        try (java.io.InputStream in = slow.body()) {
            in.read(new byte[64]);
        }
        TestStack.await("every reservation released and every call ledgered", 30, () -> {
            JsonNode b = api.get("/api/user/balance", key).json();
            return micros(b.get("reserved")) == 0 && micros(b.get("spent")) == spentBy(userId)
                    && TestStack.count(gateway.dataSource(), "SELECT count(*) FROM ledger_event WHERE type = "
                    + "'UsageRecorded' AND account_id = '" + userId + "'") == 4;
        });
    }

    private Map<Integer, Integer> race(String key, int requests) throws Exception {
        Map<Integer, Integer> statuses = new TreeMap<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Api.Reply>> replies = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                replies.add(pool.submit(() -> api.post("/v1/chat/completions", key, BODY)));
            }
            for (Future<Api.Reply> r : replies) {
                statuses.merge(r.get().status(), 1, Integer::sum);
            }
        }
        return statuses;
    }

    private long spentBy(long userId) {
        return TestStack.count(gateway.dataSource(), "SELECT coalesce(sum((payload->>'cost_micros')::bigint), 0) "
                + "FROM ledger_event WHERE type = 'UsageRecorded' AND account_id = '" + userId + "'");
    }

    static long micros(JsonNode usd) {
        return usd.decimalValue().movePointRight(6).longValueExact();
    }

    private long newUser(String email) {
        Api.Reply r = api.post("/api/users", TestStack.ADMIN_KEY, "{\"email\":\"" + email + "\"}");
        assertEquals(201, r.status(), r.body());
        return r.json().get("id").asLong();
    }
}
