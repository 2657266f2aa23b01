package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import org.junit.jupiter.api.Test;

/** Seed 002's user-scoped provider keys: used for that user's calls only, sealed at rest, never shown. */
class ProviderKeysTest extends GatewayTest {
    private static final String WRONG = "sk-not-the-upstreams-key-1234";

    private long lastCost() {
        return lastUsageEvent().get("cost_micros").asLong();
    }

    @Test
    void aUsersOwnKeyServesTheirCallsToThatProviderAtNoCostToTheOrganisation() throws Exception {
        long user = api.post("/api/users", TestStack.ADMIN_KEY, "{\"email\":\"byok@example.com\"}").json().get("id").asLong();
        String userKey = api.newKey(user, "completion:invoke,model:any,manage");
        assertEquals(200, api.post("/v1/chat/completions", userKey, Catalog.chatBody("claude", "org pays", false)).status());
        assertTrue(lastCost() > 0);

        Api.Reply set = api.post("/v1/users/provider-keys", userKey, "{\"provider\":\"mock-anthropic\",\"api_key\":\"" + WRONG + "\"}");
        assertEquals(201, set.status(), set.body());
        assertEquals("…1234", set.json().get("key_hint").asText());
        Api.Reply refused = api.post("/v1/chat/completions", userKey, Catalog.chatBody("claude", "my key now", false));
        assertEquals(502, refused.status(), "the upstream saw the user's (wrong) key, not the organisation's");
        Api.Reply listed = api.get("/v1/users/provider-keys", userKey);
        assertEquals(1, listed.json().get("data").size());
        assertFalse(listed.body().contains(WRONG));
        try (Connection c = gateway.dataSource().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT api_key_sealed FROM user_provider_keys")) {
            rs.next();
            assertFalse(new String(rs.getBytes(1), StandardCharsets.ISO_8859_1).contains(WRONG), "sealed at rest");
        }

        assertEquals(201, api.post("/v1/users/provider-keys", userKey, "{\"provider\":\"anthropic\",\"api_key\":\""
                + TestStack.UPSTREAM_KEY + "\"}").status(), "a provider type names the only provider of that type");
        assertEquals(200, api.post("/v1/chat/completions", userKey, Catalog.chatBody("claude", "my key works", false)).status());
        assertEquals(0, lastCost(), "billed to the user's own provider account");
        assertTrue(lastUsageEvent().get("completion_tokens").asLong() > 0, "tokens are still counted");

        assertEquals(200, api.post("/v1/chat/completions", userKey, Catalog.chatBody("chat", "other provider", false)).status());
        assertTrue(lastCost() > 0, "only that provider's calls use the user's key");
        assertEquals(200, api.post("/v1/chat/completions", key, Catalog.chatBody("claude", "someone else", false)).status());
        assertTrue(lastCost() > 0, "only that user's calls");

        assertEquals(204, api.delete("/v1/users/provider-keys/mock-anthropic", userKey).status());
        assertEquals(404, api.delete("/v1/users/provider-keys/mock-anthropic", userKey).status());
        assertEquals(200, api.post("/v1/chat/completions", userKey, Catalog.chatBody("claude", "org again", false)).status());
        assertTrue(lastCost() > 0);
        assertEquals(2, TestStack.count(gateway.dataSource(), "SELECT count(*) FROM ledger_event WHERE type = 'ProviderKeySet'"));
        assertEquals(1, TestStack.count(gateway.dataSource(), "SELECT count(*) FROM ledger_event WHERE type = 'ProviderKeyRemoved'"));
        assertEquals(0, TestStack.count(gateway.dataSource(), "SELECT count(*) FROM ledger_event WHERE payload::text LIKE '%"
                + WRONG + "%'"), "no key in the ledger");
    }

    @Test
    void badProviderKeyInputGetsA4xx() {
        String key = api.newKey(null, "completion:invoke,model:any,manage");
        assertEquals(403, api.post("/v1/users/provider-keys", this.key, "{\"provider\":\"mock\",\"api_key\":\"sk-12345678\"}")
                .status(), "a key that only calls models sets no provider key");
        assertEquals(404, api.post("/v1/users/provider-keys", key, "{\"provider\":\"nope\",\"api_key\":\"sk-12345678\"}").status());
        assertEquals(400, api.post("/v1/users/provider-keys", key, "{\"provider\":\"mock\",\"api_key\":\"short\"}").status());
        assertEquals(400, api.post("/v1/users/provider-keys", key, "{\"provider\":\"mock\",\"api_key\":\"has space inside\"}").status());
        assertEquals(400, api.post("/v1/users/provider-keys", key, "{\"provider\":\"mock\"}").status());
        assertEquals(400, api.post("/v1/users/provider-keys", key, "{\"provider\":\"mock\",\"api_key\":\"sk-12345678\",\"x\":1}").status());
        assertEquals(401, api.get("/v1/users/provider-keys", null).status());
    }

    @Test
    void seed002sProfileAndProviderListAnswerUnderV1() {
        assertEquals("admin@localhost", api.get("/v1/users/me", TestStack.ADMIN_KEY).json().get("email").asText());
        Api.Reply patched = api.send(api.builder("/v1/users/me", TestStack.ADMIN_KEY).header("Content-Type", "application/json")
                .method("PATCH", java.net.http.HttpRequest.BodyPublishers.ofString("{\"display_name\":\"Chief\"}")).build());
        assertEquals("Chief", patched.json().get("name").asText());
        assertTrue(api.get("/v1/providers", key).body().contains("mock-anthropic"));
    }
}
