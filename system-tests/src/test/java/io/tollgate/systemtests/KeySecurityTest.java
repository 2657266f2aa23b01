package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.net.http.HttpRequest;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/** Seed 001's key security: expiry, revocation, rotation with grace, IP allowlists, allowed domains, usage limits. */
class KeySecurityTest extends GatewayTest {
    private static final String CHAT = Catalog.chatBody("chat", "secure hello", false);

    @Test
    void anExpiredKeyIsRefusedWith401() throws InterruptedException {
        Api.Reply created = create("{\"name\":\"short\",\"scopes\":\"completion:invoke,model:any\",\"expires_at\":\""
                + Instant.now().plusSeconds(2) + "\"}");
        String secret = created.json().get("key").asText();
        assertEquals(200, chat(secret).status());
        Thread.sleep(2500);
        assertCode(chat(secret), 401, "expired_api_key");
    }

    @Test
    void deletingAKeyNeedsConfirmationAndThenRefusesItOnTheNextRequest() {
        Api.Reply created = create("{\"name\":\"doomed\",\"scopes\":\"completion:invoke,model:any\"}");
        String secret = created.json().get("key").asText();
        long id = created.json().get("id").asLong();
        assertEquals(200, chat(secret).status());
        assertCode(api.delete("/api/user/api-keys/" + id, TestStack.ADMIN_KEY), 400, "confirmation_required");
        assertEquals(200, chat(secret).status(), "still works until confirmed");
        Api.Reply deleted = api.send(api.builder("/user/api-keys/" + id, TestStack.ADMIN_KEY)
                .header("Content-Type", "application/json")
                .method("DELETE", HttpRequest.BodyPublishers.ofString("{\"confirmation\":\"DELETE\"}")).build());
        assertEquals(200, deleted.status(), "seed 001's path and body confirmation: " + deleted.body());
        assertEquals(id, deleted.json().get("deleted_key_id").asLong());
        assertCode(chat(secret), 401, "invalid_api_key");
        assertEquals(1, events("KeyRevoked", id));
        long other = create("{\"name\":\"doomed too\",\"scopes\":\"completion:invoke\"}").json().get("id").asLong();
        assertEquals(200, api.delete("/api/user/api-keys/" + other + "?confirm=true", TestStack.ADMIN_KEY).status());
    }

    @Test
    void aRotatedOutSecretStopsAtOnceOrAfterItsGracePeriod() {
        Api.Reply created = create("{\"name\":\"rotating\",\"scopes\":\"completion:invoke,model:any\"}");
        long id = created.json().get("id").asLong();
        String first = created.json().get("key").asText();

        Api.Reply graceful = api.put("/api/user/api-keys/" + id, TestStack.ADMIN_KEY,
                "{\"action\":\"rotate\",\"grace_period_seconds\":600}");
        assertEquals(200, graceful.status(), graceful.body());
        String second = graceful.json().get("key").asText();
        assertNotEquals(first, second);
        assertEquals(id, graceful.json().get("id").asLong(), "the key keeps its id, budget and history");
        assertEquals(200, chat(first).status(), "within the grace period");
        assertEquals(200, chat(second).status());

        Api.Reply hard = api.put("/api/user/api-keys/" + id, TestStack.ADMIN_KEY, "{\"action\":\"rotate\"}");
        String third = hard.json().get("key").asText();
        assertCode(chat(second), 401, "rotated_api_key");
        assertCode(chat(first), 401, "invalid_api_key");
        assertEquals(200, chat(third).status());

        Api.Reply other = create("{\"name\":\"other\",\"scopes\":\"completion:invoke,model:any\"}");
        Api.Reply bulk = api.put("/api/user/api-keys/" + id, TestStack.ADMIN_KEY, "{\"action\":\"bulk_rotate\","
                + "\"key_ids\":[" + other.json().get("id").asLong() + "]}");
        assertEquals(2, bulk.json().get("rotated").size(), bulk.body());
        assertCode(chat(third), 401, "rotated_api_key");
        assertCode(chat(other.json().get("key").asText()), 401, "rotated_api_key");
        for (JsonNode k : bulk.json().get("rotated")) {
            assertEquals(200, chat(k.get("key").asText()).status());
        }
        assertEquals(3, events("KeyRotated", id));
    }

    @Test
    void aKeyUsedFromAnAddressOutsideItsAllowlistIsRefusedWith403() {
        assertCode(create("{\"name\":\"bad\",\"scopes\":\"model:any\",\"ip_allowlist\":[\"10.0.0.0/33\"]}"), 400,
                "invalid_ip_allowlist");
        assertCode(create("{\"name\":\"bad\",\"scopes\":\"model:any\",\"ip_allowlist\":[\"example.com\"]}"), 400,
                "invalid_ip_allowlist");
        Api.Reply created = create("{\"name\":\"office\",\"scopes\":\"completion:invoke,model:any\","
                + "\"ip_allowlist\":[\"10.0.0.0/8\",\"2001:db8::/32\"]}");
        String secret = created.json().get("key").asText();
        assertCode(chat(secret), 403, "ip_not_allowed");
        Api.Reply updated = api.put("/api/user/api-keys/" + created.json().get("id").asLong(), TestStack.ADMIN_KEY,
                "{\"ip_allowlist\":[\"10.0.0.0/8\",\"127.0.0.0/8\"]}");
        assertEquals(200, updated.status(), updated.body());
        assertEquals(200, chat(secret).status(), "the update applies to the next request");
        assertEquals(1, events("KeyUpdated", created.json().get("id").asLong()));
    }

    @Test
    void aKeyLimitedToDomainsChecksOriginAndReferer() {
        Api.Reply created = create("{\"name\":\"web\",\"scopes\":\"completion:invoke,model:any\","
                + "\"allowed_domains\":[\"app.example.com\",\"*.corp.example\"]}");
        String secret = created.json().get("key").asText();
        assertCode(chat(secret), 403, "origin_required");
        assertCode(chatWith(secret, "Origin", "https://evil.example.net"), 403, "domain_not_allowed");
        assertCode(chatWith(secret, "Origin", "https://app.example.com.evil.net"), 403, "domain_not_allowed");
        assertEquals(200, chatWith(secret, "Origin", "https://app.example.com").status());
        assertEquals(200, chatWith(secret, "Referer", "https://team.corp.example/page?x=1").status());
    }

    @Test
    void aKeyPastItsUsageLimitIsRefusedWith403() {
        String secret = create("{\"name\":\"twice\",\"scopes\":\"completion:invoke,model:any\",\"max_requests\":2}")
                .json().get("key").asText();
        assertEquals(200, chat(secret).status());
        assertEquals(200, chat(secret).status());
        assertCode(chat(secret), 403, "key_usage_limit_reached");
    }

    @Test
    void keysHaveVisibleEnvironmentPrefixes() {
        for (String env : new String[] {"live", "test", "staging", "dev"}) {
            Api.Reply r = create("{\"name\":\"" + env + "\",\"scopes\":\"model:any\",\"environment\":\"" + env + "\"}");
            assertEquals("tg_" + env + "_", r.json().get("key").asText().substring(0, 4 + env.length()));
        }
        JsonNode mine = api.get("/api/user/api-keys", TestStack.ADMIN_KEY).json();
        assertEquals(mine.get("keys").size(), mine.get("total_keys").asInt(), "seed 001's ListApiKeysResponse");
        for (JsonNode k : mine.get("keys")) {
            assertEquals(null, k.get("key"), "listings never show a secret");
            assertEquals(null, k.get("api_key"), "listings never show a secret");
        }
    }

    private Api.Reply create(String body) {
        return api.post("/api/user/api-keys", TestStack.ADMIN_KEY, body);
    }

    private Api.Reply chat(String secret) {
        return api.post("/v1/chat/completions", secret, CHAT);
    }

    private Api.Reply chatWith(String secret, String header, String value) {
        return api.send(api.builder("/v1/chat/completions", secret).header(header, value)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(CHAT)).build());
    }

    private long events(String type, long keyId) {
        return TestStack.count(gateway.dataSource(), "SELECT count(*) FROM ledger_event WHERE type = '" + type
                + "' AND (payload->>'key_id')::bigint = " + keyId);
    }

    private static void assertCode(Api.Reply reply, int status, String code) {
        assertEquals(status, reply.status(), reply.body());
        assertEquals(code, reply.errorCode(), reply.body());
    }
}
