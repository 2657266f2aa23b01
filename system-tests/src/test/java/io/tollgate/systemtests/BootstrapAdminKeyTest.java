package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import io.tollgate.gateway.Gateway;
import io.tollgate.gateway.GatewayConfig;
import io.tollgate.ledger.store.PostgresSettings;

/** TOLLGATE_BOOTSTRAP_ADMIN_KEY is installed once: rotated or revoked, it never comes back; a weak one is refused. */
class BootstrapAdminKeyTest {
    private static final String PRESET = "tg_live_Bootstrap9kQ2xV7mN4pL8rT3wY6zA1cE5";

    private static long bootstrapKeyId(Api api, String admin) {
        return api.get("/api/keys", admin).json().get(0).get("id").asLong();
    }

    @Test
    void aRotatedBootstrapKeyDoesNotComeBackOnRestart() {
        PostgresSettings db = TestStack.freshDatabase();
        GatewayConfig config = TestStack.config(db).withSecrets(TestStack.MASTER_KEY, PRESET);
        String rotated;
        try (Gateway g = Gateway.start(config)) {
            Api api = new Api(g.port());
            Api.Reply r = api.put("/api/keys/" + bootstrapKeyId(api, PRESET), PRESET, "{\"action\":\"rotate\"}");
            assertEquals(200, r.status(), r.body());
            rotated = r.json().get("key").asText();
            assertEquals(401, api.get("/api/users", PRESET).status());
        }
        try (Gateway g = Gateway.start(config)) {
            Api api = new Api(g.port());
            assertEquals(401, api.get("/api/users", PRESET).status(), "the preset still in the environment stays dead");
            assertEquals(200, api.get("/api/users", rotated).status());
            assertEquals(1, api.get("/api/keys", rotated).json().size());
        }
    }

    @Test
    void aRevokedBootstrapKeyStaysRevokedOnRestart() {
        PostgresSettings db = TestStack.freshDatabase();
        GatewayConfig config = TestStack.config(db).withSecrets(TestStack.MASTER_KEY, PRESET);
        try (Gateway g = Gateway.start(config)) {
            Api api = new Api(g.port());
            String other = api.newKeyWith(PRESET, "completion:invoke,admin");
            assertEquals(204, api.delete("/api/keys/" + bootstrapKeyId(api, PRESET), other).status());
        }
        try (Gateway g = Gateway.start(config)) {
            assertEquals(401, new Api(g.port()).get("/api/users", PRESET).status());
        }
    }

    @Test
    void aWeakPresetIsRefusedAtStart() {
        for (String weak : new String[] {"admin", "changeme-changeme-changeme-changeme", "tg_live_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Gateway.start(
                    TestStack.config(TestStack.freshDatabase()).withSecrets(TestStack.MASTER_KEY, weak)).close());
            assertTrue(e.getMessage().contains("TOLLGATE_BOOTSTRAP_ADMIN_KEY is refused"), e.getMessage());
        }
    }
}
