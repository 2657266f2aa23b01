package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Seed 004's PUT/DELETE /api/users/:id: disabling ends a user's keys and sessions at once; an admin always remains. */
class UserAdministrationTest extends GatewayTest {
    private static final String PASSWORD = "a sturdy passphrase";

    private long updates() {
        return TestStack.count(gateway.dataSource(), "SELECT count(*) FROM ledger_event WHERE type = 'UserUpdated'");
    }

    @Test
    void aDisabledUsersKeysAndSessionsStopAtOnceAndWorkAgainWhenEnabled() {
        long id = api.post("/api/users", TestStack.ADMIN_KEY, "{\"email\":\"leaver@example.com\",\"password\":\"" + PASSWORD
                + "\"}").json().get("id").asLong();
        String userKey = api.newKey(id, "completion:invoke,model:any");
        String session = api.post("/api/auth/login", null, "{\"email\":\"leaver@example.com\",\"password\":\"" + PASSWORD
                + "\"}").json().get("token").asText();
        assertEquals(200, api.post("/v1/chat/completions", userKey, Catalog.chatBody("chat", "before", false)).status());
        long before = updates();

        assertEquals(403, api.put("/api/users/" + id, userKey, "{\"disabled\":true}").status(), "administrators only");
        Api.Reply off = api.put("/api/users/" + id, TestStack.ADMIN_KEY, "{\"disabled\":true}");
        assertEquals(200, off.status(), off.body());
        assertTrue(off.json().get("disabled").asBoolean());
        assertEquals(401, api.post("/v1/chat/completions", userKey, Catalog.chatBody("chat", "after", false)).status());
        assertEquals(401, api.get("/api/auth/me", session).status());
        assertEquals(401, api.post("/api/auth/login", null, "{\"email\":\"leaver@example.com\",\"password\":\"" + PASSWORD
                + "\"}").status());

        assertEquals(200, api.put("/api/users/" + id, TestStack.ADMIN_KEY, "{\"disabled\":false,\"name\":\"Back\"}").status());
        assertEquals(200, api.post("/v1/chat/completions", userKey, Catalog.chatBody("chat", "back again", false)).status());
        assertEquals(401, api.get("/api/auth/me", session).status(), "sessions ended by disabling stay ended");
        assertEquals(before + 2, updates());
        assertEquals(200, api.put("/api/users/" + id, TestStack.ADMIN_KEY, "{\"name\":\"Back\"}").status());
        assertEquals(before + 2, updates(), "no change, no event");

        assertEquals(204, api.delete("/api/users/" + id, TestStack.ADMIN_KEY).status());
        assertTrue(api.get("/api/users/" + id, TestStack.ADMIN_KEY).json().get("disabled").asBoolean(),
                "deleting disables: the user's usage stays in the ledger");
        assertEquals(401, api.post("/v1/chat/completions", userKey, Catalog.chatBody("chat", "gone", false)).status());
    }

    @Test
    void rolesChangeAndTheLastEnabledAdministratorCannotBeRemoved() {
        long id = api.post("/api/users", TestStack.ADMIN_KEY, "{\"email\":\"promoted@example.com\"}").json().get("id").asLong();
        String userKey = api.newKey(id, "completion:invoke");
        assertEquals(403, api.get("/api/users", userKey).status());
        assertEquals(400, api.post("/api/keys", TestStack.ADMIN_KEY, "{\"user_id\":" + id + ",\"name\":\"a\","
                + "\"scopes\":\"admin\"}").status(), "the admin scope is for administrators' keys");
        assertEquals(200, api.put("/api/users/" + id, TestStack.ADMIN_KEY, "{\"role\":\"admin\"}").status());
        assertEquals(403, api.get("/api/users", userKey).status(), "a key without the admin scope stays an ordinary key");
        String adminKey = api.newKey(id, "admin");
        assertEquals(200, api.get("/api/users", adminKey).status(), "the new role with a key that carries it");
        assertEquals(200, api.put("/api/users/" + id, TestStack.ADMIN_KEY, "{\"role\":\"user\"}").status());
        assertEquals(403, api.get("/api/users", adminKey).status(), "without the role the scope is nothing, at once");

        Api.Reply last = api.put("/api/users/1", TestStack.ADMIN_KEY, "{\"role\":\"user\"}");
        assertEquals(409, last.status());
        assertEquals("last_admin", last.errorCode());
        assertEquals(409, api.delete("/api/users/1", TestStack.ADMIN_KEY).status());
        assertEquals(200, api.get("/api/users", TestStack.ADMIN_KEY).status());
    }

    @Test
    void badUserUpdatesGetA4xx() {
        assertEquals(400, api.put("/api/users/1", TestStack.ADMIN_KEY, "{\"role\":\"root\"}").status());
        assertEquals(400, api.put("/api/users/1", TestStack.ADMIN_KEY, "{\"disabled\":\"yes\"}").status());
        assertEquals(400, api.put("/api/users/1", TestStack.ADMIN_KEY, "{\"email\":\"x@y.z\"}").status());
        assertEquals(400, api.put("/api/users/1", TestStack.ADMIN_KEY, "{\"name\":\"  \"}").status());
        assertEquals(404, api.put("/api/users/987654", TestStack.ADMIN_KEY, "{\"disabled\":true}").status());
    }
}
