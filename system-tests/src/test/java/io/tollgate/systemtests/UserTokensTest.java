package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/** Seed 002's /v1/users/tokens: a user's own keys, read-only or read-write. */
class UserTokensTest extends GatewayTest {
    /** A user's key that may manage the user's own things, as seed 002's clients hold (registration gives one). */
    private String manager;

    @org.junit.jupiter.api.BeforeAll
    void manager() {
        manager = api.newKey(null, "completion:invoke,model:any,manage");
    }

    private JsonNode token(String creatorKey, String body) {
        Api.Reply r = api.post("/v1/users/tokens", creatorKey, body);
        assertEquals(201, r.status(), r.body());
        return r.json();
    }

    private static List<String> scopes(JsonNode token) {
        List<String> out = new ArrayList<>();
        JsonNode s = token.get("scopes");
        if (s.isArray()) {
            s.forEach(v -> out.add(v.asText()));
        } else {
            out.addAll(List.of(s.asText().split(",")));
        }
        return out;
    }

    @Test
    void aWriteTokenCallsModelsAndAReadTokenOnlyReads() {
        JsonNode writer = token(manager, "{\"name\":\"ci\",\"scopes\":[\"read\",\"write\"],\"expires_days\":30}");
        String write = writer.get("token").asText();
        assertTrue(scopes(writer).containsAll(List.of("write", "completion:invoke", "model:any")), writer.toString());
        Instant expires = Instant.parse(writer.get("expires_at").asText());
        assertTrue(Duration.between(Instant.now().plus(Duration.ofDays(30)), expires).abs().toMinutes() < 5);
        assertEquals(200, api.post("/v1/chat/completions", write, Catalog.chatBody("chat", "by token", false)).status());
        assertEquals(201, api.post("/v1/sessions", write, "{\"title\":\"t\"}").status());

        String read = token(manager, "{\"name\":\"dashboard\",\"scopes\":[\"read\"]}").get("token").asText();
        long before = usageCount();
        assertEquals(200, api.get("/v1/models", read).status());
        assertEquals(200, api.get("/v1/users/tokens", read).status());
        Api.Reply chat = api.post("/v1/chat/completions", read, Catalog.chatBody("chat", "read only", false));
        assertEquals(403, chat.status(), chat.body());
        for (String[] write2 : new String[][] {{"/v1/sessions", "{\"title\":\"t\"}"},
                {"/v1/users/tokens", "{\"name\":\"more\",\"scopes\":[\"write\"]}"}}) {
            Api.Reply r = api.post(write2[0], read, write2[1]);
            assertEquals(403, r.status(), write2[0] + " " + r.body());
            assertEquals("read_only_token", r.errorCode());
        }
        assertEquals(before, usageCount(), "a read token made no upstream call");

        JsonNode listed = api.get("/v1/users/tokens", manager).json();
        List<String> names = new ArrayList<>();
        listed.forEach(k -> {
            names.add(k.get("name").asText());
            assertFalse(k.has("key") || k.has("token"), "a listing never shows a secret");
        });
        assertTrue(names.containsAll(List.of("ci", "dashboard")), names.toString());

        assertEquals(204, api.delete("/v1/users/tokens/" + writer.get("id").asLong(), manager).status());
        assertEquals(401, api.post("/v1/chat/completions", write, Catalog.chatBody("chat", "revoked", false)).status());
    }

    @Test
    void aTokenHasNoMoreThanTheKeyThatCreatedIt() {
        long user = api.post("/api/users", TestStack.ADMIN_KEY, "{\"email\":\"narrow.tokens@example.com\"}").json()
                .get("id").asLong();
        String narrow = api.newKey(user, "completion:invoke,model:chat,manage");
        JsonNode t = token(narrow, "{\"name\":\"narrow\",\"scopes\":[\"write\"]}");
        assertTrue(scopes(t).contains("model:chat"));
        assertFalse(scopes(t).contains("model:any"), t.toString());
        Api.Reply wider = api.post("/v1/users/tokens", narrow, "{\"name\":\"wide\",\"scopes\":[\"write\",\"model:any\"]}");
        assertEquals(403, wider.status());
        assertEquals("scope_escalation", wider.errorCode());
    }

    @Test
    void badTokenRequestsAreClear400s() {
        Api.Reply admin = api.post("/v1/users/tokens", manager, "{\"name\":\"x\",\"scopes\":[\"admin\"]}");
        assertEquals(403, admin.status(), admin.body());
        assertEquals("scope_escalation", admin.errorCode());
        assertEquals(403, api.post("/v1/users/tokens", key, "{\"name\":\"x\",\"scopes\":[\"read\"]}").status(),
                "a key that only calls models makes no tokens");
        for (String body : new String[] {"{\"name\":\"x\",\"scopes\":[\"superuser\"]}", "{\"name\":\"x\",\"scopes\":[\"read\"],\"expires_days\":0}",
                "{\"name\":\"x\",\"scopes\":[\"read\"],\"expires_days\":99999}", "{\"scopes\":[\"read\"]}",
                "{\"name\":\"x\",\"scopes\":[\"read\"],\"colour\":\"red\"}", "{\"name\":\"x\"}", "[]"}) {
            Api.Reply r = api.post("/v1/users/tokens", manager, body);
            assertEquals(400, r.status(), body + " -> " + r.body());
        }
        assertEquals(404, api.delete("/v1/users/tokens/999999", manager).status());
    }
}
