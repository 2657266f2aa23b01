package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;


/** Every refusal is a clear OpenAI-style JSON error with the seeds' status, and rejected input leaves the ledger alone. */
class ErrorStatusTest extends GatewayTest {

    /**
     * The error, in either plane's shape: OpenAI's {@code {"error":{...}}} on the data plane, the flat object
     * ({@code error} a string, {@code detail}, {@code message}, {@code type}, {@code code}) on the management plane.
     */
    private static JsonNode error(Api.Reply r, int status, String code) {
        assertEquals(status, r.status(), r.body());
        JsonNode error = r.json().get("error").isObject() ? r.json().get("error") : r.json();
        assertEquals(code, error.get("code").asText(), r.body());
        assertFalse(error.get("message").asText().isBlank());
        assertTrue(error.has("type"));
        if (error == r.json()) {
            assertEquals(error.get("message").asText(), r.json().get("error").asText(), "seed 004 reads error as a string");
            assertEquals(error.get("message").asText(), r.json().get("detail").asText(), "seed 003 reads detail");
        }
        assertFalse(r.body().contains("Exception"), "no stack traces in error bodies: " + r.body());
        return error;
    }

    @Test
    void missingInvalidAndRevokedKeysGet401() {
        long before = usageCount();
        String body = Catalog.chatBody("chat", "hi", false);
        error(api.post("/v1/chat/completions", null, body), 401, "missing_api_key");
        error(api.post("/v1/chat/completions", "tg_live_wrong", body), 401, "invalid_api_key");
        error(api.send(api.builder("/v1/chat/completions", null).header("Authorization", "Basic abc")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build()), 401, "missing_api_key");

        Api.Reply created = api.post("/api/keys", TestStack.ADMIN_KEY, "{\"name\":\"doomed\",\"scopes\":\"completion:invoke,model:any\"}");
        String doomed = created.json().get("key").asText();
        assertEquals(200, api.post("/v1/chat/completions", doomed, body).status());
        assertEquals(204, api.delete("/api/keys/" + created.json().get("id").asLong(), TestStack.ADMIN_KEY).status());
        error(api.post("/v1/chat/completions", doomed, body), 401, "invalid_api_key");
        assertEquals(before + 1, usageCount());
        assertEquals(1, TestStack.count(gateway.dataSource(), "SELECT count(*) FROM ledger_event WHERE type = 'KeyRevoked'"));
    }

    @Test
    void everyKeyHeaderFormIsAccepted() {
        String body = Catalog.chatBody("chat", "hi", false);
        for (String header : new String[] {"X-API-Key", "X-Virtual-Key"}) {
            Api.Reply r = api.send(api.builder("/v1/chat/completions", null).header(header, key)
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build());
            assertEquals(200, r.status(), header + ": " + r.body());
        }
    }

    @Test
    void missingScopeOrDisallowedModelGets403() {
        String modelsOnly = api.newKey(null, "model:any");
        error(api.post("/v1/chat/completions", modelsOnly, Catalog.chatBody("chat", "hi", false)), 403, "missing_scope");
        String embedOnly = api.newKey(null, "completion:invoke,model:embed");
        error(api.post("/v1/chat/completions", embedOnly, Catalog.chatBody("chat", "hi", false)), 403, "model_not_allowed");
        assertEquals(200, api.post("/v1/embeddings", embedOnly, "{\"model\":\"embed\",\"input\":\"x\"}").status());
        error(api.post("/v1/models", key, "{\"model_name\":\"x\",\"provider_id\":1,\"free\":true}"), 403, "missing_scope");
        long user = api.post("/api/users", TestStack.ADMIN_KEY, "{\"email\":\"plain@user.io\"}").json().get("id").asLong();
        String usersKey = api.newKey(user, "completion:invoke,model:any,model:write");
        error(api.post("/api/users", usersKey, "{\"email\":\"x@y.z\"}"), 403, "admin_required");
    }

    @Test
    void badBodiesGet400AndNeverReachTheLedger() {
        long before = usageCount();
        error(api.post("/v1/chat/completions", key, "{\"model\":"), 400, "invalid_json");
        error(api.post("/v1/chat/completions", key, "not json at all"), 400, "invalid_json");
        error(api.post("/v1/chat/completions", key, "[]"), 400, "invalid_json");
        error(api.post("/v1/chat/completions", key, ""), 400, "invalid_json");
        error(api.post("/v1/chat/completions", key, "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"), 400,
                "model_required");
        error(api.post("/v1/chat/completions", key, Catalog.chatBody("no-such-model", "hi", false)), 400, "model_not_found");
        error(api.post("/v1/chat/completions", key, "{\"model\":[1],\"messages\":[]}"), 400, "invalid_model");
        error(api.post("/v1/chat/completions", key, "{\"model\":\"chat\",\"messages\":\"hi\"}"), 400, "invalid_messages");
        error(api.post("/v1/chat/completions", key, "{\"model\":\"chat\",\"stream\":1,\"messages\":[{\"role\":\"user\"}]}"),
                400, "invalid_stream");
        byte[] badUtf8 = "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"\u00ff\"}]}"
                .getBytes(StandardCharsets.ISO_8859_1);
        error(api.post("/v1/chat/completions", key, badUtf8), 400, "invalid_utf8");
        error(api.post("/v1/messages", key, "{\"model\":\"claude\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"),
                400, "invalid_max_tokens");
        error(api.post("/v1/embeddings", key, "{\"model\":\"claude\",\"input\":\"x\"}"), 400, "wrong_endpoint");
        error(api.post("/v1/completions", key, "{\"model\":\"claude\",\"prompt\":\"x\"}"), 400, "wrong_endpoint");
        error(api.post("/v1/chat/completions", key, "{\"model\":\"claude\",\"n\":2,\"messages\":[{\"role\":\"user\","
                + "\"content\":\"x\"}]}"), 400, "unsupported_parameter");
        assertEquals(before, usageCount());
    }

    @Test
    void unknownFieldsInManagementBodiesGet400NamingThem() {
        JsonNode e = error(api.post("/api/users", TestStack.ADMIN_KEY, "{\"email\":\"u@x.y\",\"nmae\":\"typo\"}"),
                400, "invalid_request");
        assertTrue(e.get("message").asText().contains("nmae"), e.toString());
        error(api.post("/api/users", TestStack.ADMIN_KEY, "{\"email\":42}"), 400, "invalid_request");
        error(api.post("/api/providers", TestStack.ADMIN_KEY, "{\"name\":\"p\",\"enabled\":\"yes\"}"), 400,
                "invalid_request");
        error(api.post("/api/keys", TestStack.ADMIN_KEY, "{\"user_id\":\"1\",\"name\":\"k\",\"scopes\":\"model:any\"}"),
                400, "invalid_field");
        error(api.post("/api/keys", TestStack.ADMIN_KEY, "{\"name\":\"k\",\"scopes\":\"model:any\",\"nmae\":1}"),
                400, "unknown_field");
        error(api.post("/api/keys", TestStack.ADMIN_KEY, "{\"name\":\"k\",\"scopes\":\"root\"}"), 400, "invalid_scopes");
        error(api.get("/api/ledger/events?after_seq=abc", TestStack.ADMIN_KEY), 400, "invalid_after_seq");
        error(api.get("/api/keys/abc", TestStack.ADMIN_KEY), 404, "not_found");
        error(api.get("/api/nothing-here", TestStack.ADMIN_KEY), 404, "not_found");
        // Postgres text cannot hold U+0000: refused at the door, not with a database error.
        error(api.get("/api/admin/usage-events?model=a%00b", TestStack.ADMIN_KEY), 400, "invalid_request");
        error(api.post("/api/users", TestStack.ADMIN_KEY, "{\"email\":\"nul\\u0000@x.io\"}"), 400, "invalid_json");
    }

    @Test
    void oversizedBodiesGet413() {
        long before = usageCount();
        String huge = Catalog.chatBody("chat", "x".repeat(300 * 1024), false);
        error(api.post("/v1/chat/completions", key, huge), 413, "request_too_large");
        assertEquals(before, usageCount());
    }

    @Test
    void upstreamFailuresGet502AndAreStillLedgered() {
        long before = usageCount();
        error(api.post("/v1/chat/completions", key, Catalog.chatBody("chat-fail-500", "hi", false)), 502, "upstream_error");
        JsonNode failed = TestStack.usageEvents(gateway.dataSource()).getLast();
        assertEquals(500, failed.get("upstream_status").asInt());
        assertEquals(0, failed.get("cost_micros").asLong());
        error(api.post("/v1/chat/completions", key, Catalog.chatBody("chat-fail-400", "hi", false)), 400, "upstream_400");
        assertEquals(before + 2, usageCount());
    }

    @Test
    void anUnreachableUpstreamGets502AndIsLedgeredWithStatusZero() {
        Api.Reply p = api.post("/api/providers", TestStack.ADMIN_KEY,
                "{\"name\":\"dead\",\"type\":\"openai\",\"base_url\":\"http://127.0.0.1:9/v1\",\"enabled\":true}");
        Catalog.model(api, "dead-model", "x", p.json().get("id").asLong(), "1", "1");
        long before = usageCount();
        error(api.post("/v1/chat/completions", key, Catalog.chatBody("dead-model", "hi", false)), 502, "upstream_unreachable");
        assertEquals(before + 1, usageCount());
        assertEquals(0, TestStack.usageEvents(gateway.dataSource()).getLast().get("upstream_status").asInt());
    }

    @Test
    void wrongProviderCredentialsAreTheGatewaysProblemNotTheCallers() {
        Api.Reply p = api.post("/api/providers", TestStack.ADMIN_KEY, "{\"name\":\"badcreds\",\"type\":\"openai\","
                + "\"base_url\":\"" + TestStack.mock().baseUrl() + "\",\"api_key\":\"sk-wrong-key-value\"}");
        Catalog.model(api, "badcreds-model", "mock-chat", p.json().get("id").asLong(), "1", "1");
        Api.Reply r = api.post("/v1/chat/completions", key, Catalog.chatBody("badcreds-model", "hi", false));
        error(r, 502, "upstream_error");
        assertFalse(r.body().contains("sk-wrong"), "upstream text that may echo a provider key is not passed on");
    }
}
