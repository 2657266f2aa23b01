package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.tollgate.gateway.Gateway;
import io.tollgate.gateway.auth.LoginSettings;

/** Seed 001's account endpoints (registration with a key, profile, closing the account) and catalogue endpoints. */
class AccountAndCatalogTest extends GatewayTest {
    @Test
    void aRegisteredUserGetsAWorkingKeyEditsTheProfileAndClosesTheAccount() {
        try (Gateway open = Gateway.start(TestStack.config(TestStack.freshDatabase())
                .withLogin(LoginSettings.DEFAULT.withRegistration("open")))) {
            Api a = new Api(open.port());
            Catalog.register(a);
            Api.Reply reg = a.post("/api/auth/register", null, "{\"email\":\"self@example.com\",\"password\":\"long enough pw\"}");
            assertEquals(201, reg.status(), reg.body());
            String key = reg.json().get("api_key").asText();
            String session = reg.json().get("token").asText();
            assertEquals(200, a.post("/v1/chat/completions", key, Catalog.chatBody("chat", "my first call", false)).status());
            assertEquals(201, a.post("/v1/sessions", key, "{\"title\":\"mine\"}").status());

            assertEquals("self@example.com", a.get("/api/user/profile", session).json().get("email").asText());
            assertEquals("Self", a.put("/api/user/profile", session, "{\"name\":\"Self\"}").json().get("name").asText());
            assertEquals(400, a.put("/api/user/profile", session, "{\"name\":\"\"}").status());

            Api.Reply unconfirmed = a.send(a.builder("/api/user/account", key).header("Content-Type", "application/json")
                    .method("DELETE", java.net.http.HttpRequest.BodyPublishers.ofString("{}")).build());
            assertEquals(400, unconfirmed.status());
            assertEquals("confirmation_required", unconfirmed.errorCode());
            Api.Reply closed = a.send(a.builder("/api/user/account", key).header("Content-Type", "application/json")
                    .method("DELETE", java.net.http.HttpRequest.BodyPublishers.ofString("{\"confirm\":true}")).build());
            assertEquals(200, closed.status(), closed.body());
            assertEquals(401, a.post("/v1/chat/completions", key, Catalog.chatBody("chat", "after closing", false)).status());
            assertEquals(401, a.get("/api/auth/me", session).status());
            assertEquals(0, TestStack.count(open.dataSource(), "SELECT count(*) FROM conversations"));
            assertEquals(1, TestStack.count(open.dataSource(),
                    "SELECT count(*) FROM ledger_event WHERE type = 'UsageRecorded'"), "the ledger keeps the usage");
        }
    }

    @Test
    void providerStatisticsRefreshingAllProvidersAndTheCacheStatus() {
        JsonNode providers = api.get("/api/models/providers", key).json().get("data");
        JsonNode mock = null;
        for (JsonNode p : providers) {
            if (p.get("provider").asText().equals("mock")) {
                mock = p;
            }
        }
        assertTrue(mock != null && mock.get("models").asInt() > 5, providers.toString());
        assertEquals("embed", mock.get("suggested_model").get("id").asText(), "the cheapest by output price");

        long plain = api.post("/api/users", TestStack.ADMIN_KEY, "{\"email\":\"plain.catalog@example.com\"}").json().get("id").asLong();
        String plainKey = api.newKey(plain, "completion:invoke,model:any");
        assertEquals(403, api.post("/api/admin/refresh-models", plainKey, "").status());
        assertEquals(403, api.get("/api/admin/cache-status", plainKey).status());
        JsonNode refreshed = api.post("/api/admin/refresh-models", TestStack.ADMIN_KEY, "").json().get("data");
        assertEquals(2, refreshed.size());
        refreshed.forEach(r -> assertEquals("ok", r.get("status").asText(), r.toString()));
        JsonNode cache = api.get("/api/admin/cache-status", TestStack.ADMIN_KEY).json();
        assertEquals(2, cache.get("providers").asInt());
        assertTrue(cache.get("models").asInt() >= 12);
        assertTrue(cache.get("discovered").get(0).get("runtime_models").asInt() > 0);
    }

    @Test
    void seed004sRuntimeModelsUserKeysAndSessionChat() {
        api.post("/api/admin/refresh-models", TestStack.ADMIN_KEY, "");
        JsonNode models = api.get("/api/models", key).json();
        assertTrue(models.size() >= 4, models.toString());
        assertTrue(models.toString().contains("\"provider_name\":\"mock\""));

        long user = api.post("/api/users", TestStack.ADMIN_KEY, "{\"email\":\"keys.of@example.com\"}").json().get("id").asLong();
        String userKey = api.newKey(user, "completion:invoke,model:any");
        JsonNode keys = api.get("/api/admin/users/" + user + "/keys", TestStack.ADMIN_KEY).json();
        assertEquals(1, keys.size());
        assertTrue(!keys.toString().contains(userKey), "never the secret");
        assertEquals(403, api.get("/api/admin/users/" + user + "/keys", userKey).status());
        assertEquals(404, api.get("/api/admin/users/987654/keys", TestStack.ADMIN_KEY).status());

        Api.Reply chat = api.post("/api/chat", userKey, Catalog.chatBody("chat", "seed four", true));
        assertEquals(200, chat.status(), chat.body());
        assertEquals("chat.completion", chat.json().get("object").asText(), "never a stream");
    }
}
