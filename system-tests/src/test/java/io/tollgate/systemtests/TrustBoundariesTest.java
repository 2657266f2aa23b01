package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * No credential makes or changes a credential with more power or fewer limits than its own: the three
 * reproductions of the trust-boundaries issue, child keys that inherit and narrow, a family of keys that
 * stays inside its parent's budget, and model:write without the admin role.
 */
class TrustBoundariesTest extends GatewayTest {
    private long alice;

    @BeforeAll
    void users() {
        Api.Reply r = api.post("/api/users", TestStack.ADMIN_KEY, "{\"email\":\"alice@acme.io\"}");
        assertEquals(201, r.status(), r.body());
        alice = r.json().get("id").asLong();
    }

    private JsonNode virtualKey(String body) {
        Api.Reply r = api.post("/api/admin/virtual-keys", TestStack.ADMIN_KEY, body);
        assertEquals(201, r.status(), r.body());
        return r.json();
    }

    private void assertCode(Api.Reply r, int status, String code) {
        assertEquals(status, r.status(), r.body());
        assertEquals(code, r.errorCode(), r.body());
    }

    private Api.Reply withVirtualKey(String method, String path, String vk, String json) {
        var b = api.builder(path, null).header("X-Virtual-Key", vk).header("Content-Type", "application/json");
        return api.send(b.method(method, java.net.http.HttpRequest.BodyPublishers.ofString(json)).build());
    }

    @Test
    void aVirtualKeyCannotLiftItsOwnBudgetOrTokenCap() {
        JsonNode vk = virtualKey("{\"name\":\"capped\",\"user_id\":" + alice + ",\"monthly_budget_cap\":\"0.0001\","
                + "\"max_tokens_per_request\":16}");
        long id = vk.get("id").asLong();
        assertCode(withVirtualKey("PUT", "/api/keys/" + id, vk.get("key").asText(),
                "{\"monthly_budget_cap\":null,\"max_tokens_per_request\":null}"), 403, "management_not_allowed");
        JsonNode after = api.get("/api/admin/virtual-keys/" + id, TestStack.ADMIN_KEY).json();
        assertEquals("0.0001", after.get("monthly_budget_cap").decimalValue().stripTrailingZeros().toPlainString());
        assertEquals(16, after.get("max_tokens_per_request").asLong());
    }

    @Test
    void aVirtualKeyCannotIssueAKeyEscapingItsCapOrBookedElsewhere() {
        JsonNode vk = virtualKey("{\"name\":\"hr\",\"user_id\":" + alice + ",\"cost_centre\":\"HR\","
                + "\"monthly_budget_cap\":\"1.00\"}");
        long before = api.get("/api/keys?user_id=" + alice, TestStack.ADMIN_KEY).json().size();
        assertCode(withVirtualKey("POST", "/api/keys", vk.get("key").asText(),
                "{\"name\":\"escape\",\"scopes\":\"completion:invoke,model:any\",\"cost_centre\":\"Finance\"}"), 403,
                "management_not_allowed");
        assertEquals(before, api.get("/api/keys?user_id=" + alice, TestStack.ADMIN_KEY).json().size());
    }

    @Test
    void anAdministratorsKeyWithoutTheAdminScopeHasNoAdminPower() {
        String plain = api.newKey(null, "completion:invoke,model:chat");
        assertCode(api.post("/api/users", plain, "{\"email\":\"mallory@acme.io\",\"role\":\"admin\"}"), 403,
                "admin_required");
        assertTrue(api.get("/api/users", TestStack.ADMIN_KEY).body().indexOf("mallory") < 0);
        assertEquals(200, api.post("/v1/chat/completions", plain, Catalog.chatBody("chat", "hi", false)).status(),
                "it still calls its model");
    }

    @Test
    void aChildKeyInheritsItsParentsLimitsAndAttributionAndMayOnlyNarrowThem() {
        Api.Reply parent = api.post("/api/keys", TestStack.ADMIN_KEY, "{\"user_id\":" + alice + ",\"name\":\"team\","
                + "\"scopes\":\"completion:invoke,model:any,manage\",\"cost_centre\":\"R&D\",\"project\":\"bot\","
                + "\"monthly_budget_cap\":\"2.00\",\"max_tokens_per_request\":512,\"ip_allowlist\":[\"127.0.0.0/8\"]}");
        assertEquals(201, parent.status(), parent.body());
        String team = parent.json().get("key").asText();

        Api.Reply child = api.post("/api/keys", team, "{\"name\":\"child\",\"scopes\":\"completion:invoke,model:chat\"}");
        assertEquals(201, child.status(), child.body());
        JsonNode c = child.json();
        assertEquals("R&D", c.get("cost_centre").asText());
        assertEquals("bot", c.get("project").asText());
        assertEquals(0, new java.math.BigDecimal("2.00").compareTo(c.get("monthly_budget_cap").decimalValue()));
        assertEquals(512, c.get("max_tokens_per_request").asLong());
        assertEquals("127.0.0.0/8", c.get("ip_allowlist").get(0).asText());

        assertCode(api.post("/api/keys", team, "{\"name\":\"x\",\"scopes\":\"completion:invoke,model:write\"}"), 403,
                "scope_escalation");
        assertCode(api.post("/api/keys", team, "{\"name\":\"x\",\"scopes\":\"completion:invoke\",\"monthly_budget_cap\":\"3\"}"),
                403, "key_exceeds_bounds");
        assertCode(api.post("/api/keys", team, "{\"name\":\"x\",\"scopes\":\"completion:invoke\",\"cost_centre\":\"Finance\"}"),
                403, "key_exceeds_bounds");
        assertCode(api.post("/api/keys", team, "{\"name\":\"x\",\"scopes\":\"completion:invoke\",\"ip_allowlist\":[\"0.0.0.0/0\"]}"),
                403, "key_exceeds_bounds");
        assertCode(api.post("/api/keys", team, "{\"name\":\"x\",\"scopes\":\"completion:invoke\",\"max_tokens_per_request\":4096}"),
                403, "key_exceeds_bounds");
        Api.Reply narrower = api.post("/api/keys", team, "{\"name\":\"n\",\"scopes\":\"completion:invoke,model:chat\","
                + "\"monthly_budget_cap\":\"0.50\",\"ip_allowlist\":[\"127.0.0.1\"]}");
        assertEquals(201, narrower.status(), narrower.body());

        // The parent cannot widen the child afterwards, nor itself.
        long childId = c.get("id").asLong();
        assertCode(api.put("/api/keys/" + childId, team, "{\"monthly_budget_cap\":null}"), 403, "key_exceeds_bounds");
        assertCode(api.put("/api/keys/" + parent.json().get("id").asLong(), team, "{\"monthly_budget_cap\":\"100\"}"), 403,
                "key_exceeds_bounds");
        assertEquals(200, api.put("/api/keys/" + childId, team, "{\"monthly_budget_cap\":\"1.00\"}").status());

        // Revoking the parent ends its children.
        String childSecret = c.get("key").asText();
        assertEquals(200, api.post("/v1/chat/completions", childSecret, Catalog.chatBody("chat", "hi", false)).status());
        assertEquals(204, api.delete("/api/keys/" + parent.json().get("id").asLong(), TestStack.ADMIN_KEY).status());
        assertCode(api.post("/v1/chat/completions", childSecret, Catalog.chatBody("chat", "hi", false)), 401,
                "parent_key_revoked");
    }

    @Test
    void aFamilyOfKeysSpendsNoMoreThanTheParentsBudget() {
        // A short call of "chat" costs about 10 micro-dollars; 100 allow a handful, for the family together.
        Api.Reply parent = api.post("/api/keys", TestStack.ADMIN_KEY, "{\"user_id\":" + alice + ",\"name\":\"family\","
                + "\"scopes\":\"completion:invoke,model:any,manage\",\"max_spend\":\"0.0001\"}");
        assertEquals(201, parent.status(), parent.body());
        String p = parent.json().get("key").asText();
        String kid = api.post("/api/keys", p, "{\"name\":\"kid\",\"scopes\":\"completion:invoke,model:any\"}").json()
                .get("key").asText();
        int ok = 0;
        int refused = 0;
        for (int i = 0; i < 20; i++) {
            Api.Reply r = api.post("/v1/chat/completions", i % 2 == 0 ? kid : p,
                    "{\"model\":\"chat\",\"max_tokens\":3,\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}");
            if (r.status() == 200) {
                ok++;
            } else {
                assertCode(r, 403, "key_usage_limit_reached");
                refused++;
            }
        }
        assertTrue(ok > 0 && refused > 0, ok + " ok, " + refused + " refused");
        long familySpent = TestStack.count(gateway.dataSource(), "SELECT coalesce(sum((payload->>'cost_micros')::bigint), 0) "
                + "FROM ledger_event WHERE type = 'UsageRecorded' AND (payload->>'key_id')::bigint IN (SELECT id FROM api_keys "
                + "WHERE id = " + parent.json().get("id").asLong() + " OR parent_key_id = " + parent.json().get("id").asLong() + ")");
        assertTrue(familySpent <= 100, "the family spent " + familySpent + " micros against a limit of 100");
    }

    @Test
    void modelWriteWithoutTheAdminRoleRegistersOnlyPricedModelsOnExistingProviders() {
        String writer = api.newKey(alice, "completion:invoke,model:any,model:write");
        long provider = Catalog.providerId(api, "mock");
        assertCode(api.post("/v1/models", writer, "{\"model_name\":\"free-lunch\",\"provider_id\":" + provider
                + ",\"free\":true}"), 403, "admin_required");
        assertCode(api.post("/v1/models", writer, "{\"model_name\":\"elsewhere\",\"endpoint\":\"https://example.com/v1\","
                + "\"input_price_per_million\":\"1\",\"output_price_per_million\":\"1\"}"), 403, "admin_required");
        assertEquals(201, api.post("/v1/models", writer, "{\"model_name\":\"priced\",\"upstream_model\":\"mock-chat\","
                + "\"provider_id\":" + provider + ",\"input_price_per_million\":\"1\",\"output_price_per_million\":\"2\"}").status());
    }

    @Test
    void upstreamUrlsNeverReachLinkLocalOrMetadataAddressesEvenForAdministrators() {
        for (String url : new String[] {"http://169.254.169.254/latest", "http://[fe80::1]/v1", "http://metadata.google.internal/v1",
                "http://100.100.100.200/", "http://0.0.0.0:8080/v1"}) {
            assertCode(api.post("/api/providers", TestStack.ADMIN_KEY, "{\"name\":\"evil-" + Math.abs(url.hashCode())
                    + "\",\"type\":\"openai\",\"base_url\":\"" + url + "\"}"), 403, "upstream_address_not_allowed");
        }
        assertCode(api.post("/api/providers", TestStack.ADMIN_KEY, "{\"name\":\"creds\",\"type\":\"openai\","
                + "\"base_url\":\"http://user:pw@example.com/v1\"}"), 400, "invalid_base_url");
        Api.Reply local = api.post("/api/providers", TestStack.ADMIN_KEY, "{\"name\":\"self-hosted\",\"type\":\"openai\","
                + "\"base_url\":\"http://127.0.0.1:11434/v1\"}");
        assertEquals(201, local.status(), "an administrator may point at a model on a private address: " + local.body());
    }

    @Test
    void aReadOnlyTokenNeverCallsAModel() {
        String manager = api.newKey(alice, "completion:invoke,model:any,manage");
        String read = api.post("/v1/users/tokens", manager, "{\"name\":\"r\",\"scopes\":[\"read\"]}").json().get("token").asText();
        assertCode(api.post("/v1/chat/completions", read, Catalog.chatBody("chat", "hi", false)), 403, "read_only_token");
        assertEquals(200, api.get("/api/user/balance", read).status());
    }
}
