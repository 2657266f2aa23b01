package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The production process with {@code TOLLGATE_LOG_FORMAT=json}: one JSON object per line with an ISO-8601
 * UTC timestamp, level and logger, and one access line per request carrying its request id, the caller's
 * key, and for a model call the model, tokens and cost; never the key's secret or the prompt.
 */
class StructuredLogsTest {
    @Test
    void everyLineIsJsonAndEachRequestHasAnAccessLineWithoutSecretsOrPrompts() throws Exception {
        TestStack.GatewayProc proc = TestStack.gatewayProcess("logs", 0, List.of("-DTOLLGATE_LOG_FORMAT=json"));
        Process gateway = proc.process();
        String prompt = "the quarterly numbers are confidential";
        String key;
        Api.Reply chat;
        try {
            Api api = new Api(proc.port());
            Api.Reply p = api.post("/api/providers", TestStack.ADMIN_KEY, "{\"name\":\"mock\",\"type\":\"openai\","
                    + "\"base_url\":\"" + TestStack.mock().baseUrl() + "\",\"api_key\":\"" + TestStack.UPSTREAM_KEY + "\"}");
            Catalog.model(api, "logged", "mock-chat", p.json().get("id").asLong(), "1", "2");
            key = api.newKey(null, "completion:invoke,model:any");
            chat = api.post("/v1/chat/completions", key, Catalog.chatBody("logged", prompt, false));
            assertEquals(200, chat.status(), chat.body());
            assertEquals(401, api.get("/api/keys", "tg_live_wrong").status());
        } finally {
            gateway.destroy();
            gateway.waitFor();
        }
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(proc.dir().resolve("gateway.log"))) {
            if (line.startsWith("WARNING:") || line.startsWith("Tollgate ready")) {
                continue;  // the JVM's own warnings and the start-up banner are not log records
            }
            JsonNode record;
            try {
                record = TestStack.JSON.readTree(line);
            } catch (java.io.IOException e) {
                throw new AssertionError("not a JSON log record: " + line, e);
            }
            assertTrue(record.path("@timestamp").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"), line);
            assertTrue(record.hasNonNull("level") && record.hasNonNull("logger_name") && record.has("message"), line);
            lines.add(record);
            assertFalse(line.contains(key) || line.contains(TestStack.ADMIN_KEY) || line.contains(TestStack.UPSTREAM_KEY),
                    "no secret in the log: " + line);
            assertFalse(line.contains(prompt), "no prompt in the log: " + line);
        }
        JsonNode access = lines.stream().filter(l -> l.path("logger_name").asText().equals("tollgate.access")
                && l.path("request_id").asText().equals(chat.header("x-request-id"))).findFirst().orElseThrow();
        assertEquals("POST", access.get("method").asText());
        assertEquals("/v1/chat/completions", access.get("path").asText());
        assertEquals(200, access.get("status").asInt());
        assertEquals("logged", access.get("model").asText());
        assertTrue(access.get("tokens").asLong() > 0 && access.get("cost_micros").asLong() > 0, access.toString());
        assertTrue(access.hasNonNull("key_id") && access.has("latency_ms"), access.toString());
        assertTrue(lines.stream().anyMatch(l -> l.path("logger_name").asText().equals("tollgate.access")
                && l.path("status").asInt() == 401), "refused requests are logged too");
    }
}
