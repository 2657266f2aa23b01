package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;


class IdentityAndLedgerExportTest extends GatewayTest {

    private long eventsOfType(String type) {
        return TestStack.count(gateway.dataSource(), "SELECT count(*) FROM ledger_event WHERE type = '" + type + "'");
    }

    @Test
    void creatingUsersAndKeysAppendsEvents() {
        long users = eventsOfType("UserCreated");
        long keys = eventsOfType("ApiKeyCreated");
        Api.Reply u = api.post("/api/users", TestStack.ADMIN_KEY, "{\"email\":\"Ada@Example.com\",\"name\":\"Ada\"}");
        assertEquals(201, u.status(), u.body());
        assertEquals("ada@example.com", u.json().get("email").asText());
        assertEquals("user", u.json().get("role").asText());
        assertEquals(409, api.post("/api/users", TestStack.ADMIN_KEY, "{\"email\":\"ada@example.com\"}").status());
        Api.Reply k = api.post("/api/keys", TestStack.ADMIN_KEY, "{\"user_id\":" + u.json().get("id").asLong()
                + ",\"name\":\"cli\",\"scopes\":[\"completion:invoke\",\"model:chat\"]}");
        assertEquals(201, k.status(), k.body());
        assertTrue(k.json().get("key").asText().startsWith(k.json().get("prefix").asText()));
        assertEquals(users + 1, eventsOfType("UserCreated"));
        assertEquals(keys + 1, eventsOfType("ApiKeyCreated"));
    }

    @Test
    void aUserIssuesKeysForItselfOnlyAndNeverWithMoreScopes() {
        Api.Reply u = api.post("/api/users", TestStack.ADMIN_KEY, "{\"email\":\"bob@example.com\",\"name\":\"Bob\"}");
        long bob = u.json().get("id").asLong();
        String bobKey = api.newKey(bob, "completion:invoke,model:chat,manage");
        Api.Reply own = api.post("/api/keys", bobKey, "{\"name\":\"second\",\"scopes\":\"model:chat\"}");
        assertEquals(201, own.status(), own.body());
        assertEquals(bob, own.json().get("user_id").asLong());
        assertEquals(403, api.post("/api/keys", bobKey, "{\"name\":\"x\",\"scopes\":\"model:any\"}").status());
        assertEquals(403, api.post("/api/keys", bobKey, "{\"user_id\":1,\"name\":\"x\",\"scopes\":\"model:chat\"}").status());
        assertEquals(403, api.get("/api/keys?user_id=1", bobKey).status());
        assertEquals(404, api.get("/api/keys/1", bobKey).status(), "another user's key is not visible");
        assertEquals(403, api.get("/api/ledger/events", bobKey).status());
        assertEquals(2, api.get("/api/keys", bobKey).json().size());
    }

    @Test
    void anExpiredKeyIsRefused() throws InterruptedException {
        String expiresSoon = java.time.Instant.now().plusSeconds(1).toString();
        Api.Reply k = api.post("/api/keys", TestStack.ADMIN_KEY, "{\"name\":\"short\",\"scopes\":\"completion:invoke,model:any\","
                + "\"expires_at\":\"" + expiresSoon + "\"}");
        assertEquals(201, k.status(), k.body());
        String key = k.json().get("key").asText();
        assertEquals(200, api.post("/v1/chat/completions", key, Catalog.chatBody("chat", "hi", false)).status());
        Thread.sleep(1200);
        Api.Reply r = api.post("/v1/chat/completions", key, Catalog.chatBody("chat", "hi", false));
        assertEquals(401, r.status());
        assertEquals("expired_api_key", r.errorCode());
    }

    @Test
    void theLedgerExportPagesThroughEveryEventInSeqOrder() {
        String key = api.newKey(null, "completion:invoke,model:any");
        for (int i = 0; i < 5; i++) {
            api.post("/v1/chat/completions", key, Catalog.chatBody("chat", "page " + i, false));
        }
        long total = TestStack.count(gateway.dataSource(), "SELECT count(*) FROM ledger_event");
        List<Long> seqs = new ArrayList<>();
        long after = 0;
        while (true) {
            JsonNode page = api.get("/api/ledger/events?after_seq=" + after + "&limit=3", TestStack.ADMIN_KEY).json();
            if (page.get("events").isEmpty()) {
                assertEquals(after, page.get("next_after_seq").asLong());
                break;
            }
            for (JsonNode e : page.get("events")) {
                seqs.add(e.get("seq").asLong());
                for (String f : List.of("event_id", "type", "version", "occurred_at", "account_id", "payload")) {
                    assertTrue(e.has(f), f);
                }
                if (e.get("type").asText().equals("UsageRecorded")) {
                    for (String f : List.of("request_id", "user_id", "key_id", "model", "provider", "prompt_tokens",
                            "completion_tokens", "total_tokens", "cost_micros", "latency_ms", "upstream_status",
                            "prompt_hash")) {
                        assertTrue(e.get("payload").has(f), f);
                    }
                }
            }
            after = page.get("next_after_seq").asLong();
        }
        assertEquals(total, seqs.size());
        assertEquals(seqs.stream().sorted().toList(), seqs);
    }
}
