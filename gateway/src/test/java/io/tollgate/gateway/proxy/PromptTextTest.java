package io.tollgate.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import io.tollgate.gateway.http.Json;

class PromptTextTest {
    private static String hash(String json) {
        return PromptText.hash(ProxyRequest.of(Endpoint.CHAT, Json.parseObject(json.getBytes(StandardCharsets.UTF_8))));
    }

    @Test
    void promptsDifferingOnlyInSpacingAndCaseHashTheSame() {
        assertEquals(hash("{\"model\":\"a\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello   World\"}]}"),
                hash("{\"model\":\"a\",\"messages\":[{\"role\":\"user\",\"content\":\" hello world \\n\"}]}"));
    }

    @Test
    void differentTextOrRoleHashesDifferently() {
        String base = hash("{\"model\":\"a\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}");
        assertNotEquals(base, hash("{\"model\":\"a\",\"messages\":[{\"role\":\"user\",\"content\":\"hello!\"}]}"));
        assertNotEquals(base, hash("{\"model\":\"a\",\"messages\":[{\"role\":\"system\",\"content\":\"hello\"}]}"));
    }

    @Test
    void contentPartsCountAsTheirText() {
        assertEquals(hash("{\"model\":\"a\",\"messages\":[{\"role\":\"user\",\"content\":\"hi there\"}]}"),
                hash("{\"model\":\"a\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"hi there\"}]}]}"));
    }
}
