package io.tollgate.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import io.tollgate.gateway.http.ApiError;
import io.tollgate.gateway.http.Json;

class ProxyRequestTest {
    private static ProxyRequest parse(Endpoint endpoint, String json) {
        return ProxyRequest.of(endpoint, Json.parseObject(json.getBytes(StandardCharsets.UTF_8)));
    }

    private static ApiError refused(Endpoint endpoint, String json) {
        return assertThrows(ApiError.class, () -> parse(endpoint, json));
    }

    @Test
    void aCompletionsBodyWithMessagesIsAChatCompletion() {
        ProxyRequest r = parse(Endpoint.COMPLETIONS, "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertEquals(Endpoint.CHAT, r.endpoint());
    }

    @Test
    void streamAndUsageRequestsAreRead() {
        ProxyRequest r = parse(Endpoint.CHAT, "{\"model\":\"m\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertTrue(r.stream());
        assertTrue(r.clientWantsUsage());
        assertFalse(parse(Endpoint.CHAT, "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}").stream());
    }

    @Test
    void wrongTypesAreRefusedWithTheFieldNamed() {
        assertEquals("model_required", refused(Endpoint.CHAT, "{\"messages\":[]}").code());
        assertEquals("invalid_model", refused(Endpoint.CHAT, "{\"model\":42,\"messages\":[]}").code());
        assertEquals("invalid_stream", refused(Endpoint.CHAT,
                "{\"model\":\"m\",\"stream\":\"yes\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}").code());
        assertEquals("invalid_messages", refused(Endpoint.CHAT, "{\"model\":\"m\",\"messages\":\"hi\"}").code());
        assertEquals("invalid_messages", refused(Endpoint.CHAT, "{\"model\":\"m\",\"messages\":[]}").code());
        assertEquals("invalid_messages", refused(Endpoint.CHAT, "{\"model\":\"m\",\"messages\":[{\"content\":\"x\"}]}").code());
        assertEquals("invalid_max_tokens", refused(Endpoint.CHAT,
                "{\"model\":\"m\",\"max_tokens\":-5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}").code());
        assertEquals("invalid_input", refused(Endpoint.EMBEDDINGS, "{\"model\":\"m\",\"input\":{}}").code());
        assertEquals("invalid_stream", refused(Endpoint.EMBEDDINGS, "{\"model\":\"m\",\"input\":\"x\",\"stream\":true}").code());
    }

    @Test
    void anthropicMessagesNeedMaxTokens() {
        assertEquals("invalid_max_tokens", refused(Endpoint.MESSAGES,
                "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}").code());
    }

    @Test
    void malformedBodiesAreRefusedAs400() {
        for (String bad : new String[] {"", "{", "[1,2]", "\"text\"", "{\"a\":1}}"}) {
            ApiError e = assertThrows(ApiError.class, () -> Json.parseObject(bad.getBytes(StandardCharsets.UTF_8)), bad);
            assertEquals(400, e.status(), bad);
        }
        ApiError utf8 = assertThrows(ApiError.class,
                () -> Json.parseObject(new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'}));
        assertEquals("invalid_utf8", utf8.code());
        ApiError deep = assertThrows(ApiError.class,
                () -> Json.parseObject(("{\"a\":" + "[".repeat(5000) + "]".repeat(5000) + "}").getBytes(StandardCharsets.UTF_8)));
        assertEquals(400, deep.status());
    }
}
