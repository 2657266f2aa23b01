package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;

/**
 * The OpenAI-compatible surface matches OpenAI's own published schema, not only what the SDKs tolerate:
 * every reply (Tollgate's own, translated from Anthropic, and the mock upstream's, which must speak the real
 * wire format), every stream chunk and every error status validates against OpenAI's OpenAPI 3.1 document
 * (the schemas vendored in {@code openai/openai-openapi-replies.json}) with a JSON Schema 2020-12 validator.
 */
class OpenAiSchemaConformanceTest extends GatewayTest {
    private static final String RESOURCE = "/openai/openai-openapi-replies.json";
    private final Map<String, Schema> schemas = new HashMap<>();
    private JsonNode components;

    @BeforeAll
    void schemas() throws IOException {
        try (InputStream in = getClass().getResourceAsStream(RESOURCE)) {
            components = TestStack.JSON.readTree(in).get("components");
        }
        // The document still says "nullable: true" in places (OpenAPI 3.0): read as allowing null.
        allowNulls(components);
    }

    /** {@code nullable: true} beside a {@code type} becomes that type or null (and null joins its enum). */
    private static void allowNulls(JsonNode node) {
        if (node instanceof ObjectNode o) {
            if (o.path("nullable").asBoolean(false) && o.has("type") && o.get("type").isTextual()) {
                ArrayNode types = o.arrayNode().add(o.get("type").asText()).add("null");
                o.set("type", types);
                if (o.get("enum") instanceof ArrayNode values) {
                    values.addNull();
                }
            }
            o.properties().forEach(e -> allowNulls(e.getValue()));
        } else if (node instanceof ArrayNode a) {
            a.forEach(OpenAiSchemaConformanceTest::allowNulls);
        }
    }

    private Schema schema(String name) {
        return schemas.computeIfAbsent(name, n -> {
            ObjectNode root = TestStack.JSON.createObjectNode();
            root.put("$schema", "https://json-schema.org/draft/2020-12/schema");
            root.put("$ref", "#/components/schemas/" + n);
            root.set("components", components);
            return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(root.toString(),
                    InputFormat.JSON);
        });
    }

    private void assertValid(String schema, String json, String what) {
        var errors = schema(schema).validate(json, InputFormat.JSON);
        assertEquals(List.of(), errors.stream().map(Object::toString).toList(), what + " against " + schema + ": " + json);
    }

    /** Each {@code data:} event of a stream but {@code [DONE]}, which must end it. */
    private static List<String> events(String stream) {
        List<String> out = new ArrayList<>();
        for (String line : stream.split("\n")) {
            if (line.startsWith("data: ") && !line.equals("data: [DONE]")) {
                out.add(line.substring(6));
            }
        }
        assertTrue(stream.strip().endsWith("data: [DONE]"), stream);
        return out;
    }

    private Api.Reply post(String path, String body) {
        return api.post(path, key, body);
    }

    @Test
    void chatCompletionsDirectAndTranslatedMatchOpenAisSchema() {
        for (String model : new String[] {"chat", "claude"}) {
            Api.Reply r = post("/v1/chat/completions", Catalog.chatBody(model, "schema check", false));
            assertEquals(200, r.status(), r.body());
            assertValid("CreateChatCompletionResponse", r.body(), model);
        }
    }

    @Test
    void streamChunksDirectAndTranslatedIncludingTheUsageChunkMatchOpenAisSchema() {
        for (String model : new String[] {"chat", "claude"}) {
            Api.Reply r = post("/v1/chat/completions", "{\"model\":\"" + model + "\",\"stream\":true,\"stream_options\":"
                    + "{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"stream schema check\"}]}");
            assertEquals(200, r.status(), r.body());
            List<String> chunks = events(r.body());
            assertTrue(chunks.size() > 2, r.body());
            chunks.forEach(c -> assertValid("CreateChatCompletionStreamResponse", c, model + " chunk"));
            assertTrue(chunks.getLast().contains("\"usage\""), "the usage chunk comes last: " + chunks.getLast());
        }
    }

    @Test
    void legacyCompletionsEmbeddingsAndModelsMatchOpenAisSchema() {
        Api.Reply completion = post("/v1/completions", "{\"model\":\"chat\",\"prompt\":\"say something\",\"max_tokens\":5}");
        assertEquals(200, completion.status(), completion.body());
        assertValid("CreateCompletionResponse", completion.body(), "completion");
        Api.Reply embeddings = post("/v1/embeddings", "{\"model\":\"embed\",\"input\":[\"one\",\"two words\"]}");
        assertEquals(200, embeddings.status(), embeddings.body());
        assertValid("CreateEmbeddingResponse", embeddings.body(), "embeddings");
        assertValid("ListModelsResponse", api.get("/v1/models", key).body(), "model list");
        assertValid("Model", api.get("/v1/models/chat", key).body(), "one model");
    }

    @Test
    void theMockUpstreamSpeaksOpenAisWireFormatToo() {
        String base = TestStack.mock().baseUrl();
        Api.Reply chat = api.send(HttpRequest.newBuilder(java.net.URI.create(base + "/chat/completions"))
                .header("Authorization", "Bearer " + TestStack.UPSTREAM_KEY).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Catalog.chatBody("mock-chat", "direct", false))).build());
        assertValid("CreateChatCompletionResponse", chat.body(), "mock chat");
        Api.Reply stream = api.send(HttpRequest.newBuilder(java.net.URI.create(base + "/chat/completions"))
                .header("Authorization", "Bearer " + TestStack.UPSTREAM_KEY).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Catalog.chatBody("mock-chat", "direct stream", true))).build());
        events(stream.body()).forEach(c -> assertValid("CreateChatCompletionStreamResponse", c, "mock chunk"));
        Api.Reply embeddings = api.send(HttpRequest.newBuilder(java.net.URI.create(base + "/embeddings"))
                .header("Authorization", "Bearer " + TestStack.UPSTREAM_KEY).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"mock-embed\",\"input\":\"x\"}")).build());
        assertValid("CreateEmbeddingResponse", embeddings.body(), "mock embeddings");
        Api.Reply models = api.send(HttpRequest.newBuilder(java.net.URI.create(base + "/models"))
                .header("Authorization", "Bearer " + TestStack.UPSTREAM_KEY).GET().build());
        assertValid("ListModelsResponse", models.body(), "mock models");
    }

    @Test
    void everyErrorStatusOfTheDataPlaneIsOpenAisErrorObject() {
        long user = api.post("/api/users", TestStack.ADMIN_KEY, "{\"email\":\"broke@schema.io\"}").json().get("id").asLong();
        assertEquals(200, api.post("/api/admin/assign-plan", TestStack.ADMIN_KEY, "{\"user_id\":" + user
                + ",\"plan_id\":\"starter\"}").status());
        String broke = api.newKey(user, "completion:invoke,model:any");
        String narrow = api.newKey(null, "completion:invoke,model:embed");
        long limited = api.post("/api/users", TestStack.ADMIN_KEY, "{\"email\":\"limited@schema.io\"}").json().get("id").asLong();
        assertEquals(200, api.post("/api/admin/limits", TestStack.ADMIN_KEY, "{\"user_id\":" + limited
                + ",\"requests_per_minute\":1}").status());
        String once = api.newKey(limited, "completion:invoke,model:any");
        String chat = Catalog.chatBody("chat", "hi", false);
        api.post("/v1/chat/completions", once, chat);
        Map<Integer, Api.Reply> errors = new java.util.TreeMap<>(Map.of(
                400, post("/v1/chat/completions", "{\"model\":"),
                401, api.post("/v1/chat/completions", "tg_live_wrong", chat),
                402, api.post("/v1/chat/completions", broke, chat),
                403, api.post("/v1/chat/completions", narrow, chat),
                404, api.get("/v1/models/nope", key),
                413, post("/v1/chat/completions", "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\""
                        + "x".repeat(300_000) + "\"}]}"),
                429, api.post("/v1/chat/completions", once, chat),
                502, post("/v1/chat/completions", Catalog.chatBody("chat-fail-500", "hi", false))));
        errors.forEach((status, r) -> {
            assertEquals(status, r.status(), r.body());
            assertValid("ErrorResponse", r.body(), "error " + status);
        });
    }

    @Test
    void theVendoredSchemasAreOpenAisOwnWhereTheWholeDocumentIsAtHand() throws IOException {
        Path whole = Path.of("..", "..", "shared", "openai-openapi.json");
        if (!Files.exists(whole)) {
            return;  // a clean clone elsewhere: the vendored subset stands on its own (see its NOTICE)
        }
        JsonNode source = TestStack.JSON.readTree(whole.toFile()).get("components").get("schemas");
        JsonNode vendored;
        try (InputStream in = getClass().getResourceAsStream(RESOURCE)) {
            vendored = TestStack.JSON.readTree(in).get("components").get("schemas");
        }
        vendored.properties().forEach(e -> assertEquals(source.get(e.getKey()), e.getValue(), e.getKey()));
    }
}
