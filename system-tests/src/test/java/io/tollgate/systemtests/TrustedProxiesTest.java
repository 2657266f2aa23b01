package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.http.HttpRequest;

import org.junit.jupiter.api.Test;

import io.tollgate.gateway.Gateway;

/** IP allowlists behind a load balancer: X-Forwarded-For counts only when a configured trusted proxy sent it. */
class TrustedProxiesTest {
    private static int chat(Api api, String key, String forwardedFor) {
        HttpRequest.Builder b = api.builder("/v1/chat/completions", key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Catalog.chatBody("chat", "from afar", false)));
        if (forwardedFor != null) {
            b.header("X-Forwarded-For", forwardedFor);
        }
        return api.send(b.build()).status();
    }

    private static String allowlistedKey(Api api) {
        Api.Reply k = api.post("/api/user/api-keys", TestStack.ADMIN_KEY, "{\"name\":\"office\",\"scopes\":\"completion:invoke,"
                + "model:any\",\"ip_allowlist\":[\"203.0.113.0/24\"]}");
        assertEquals(201, k.status(), k.body());
        return k.json().get("key").asText();
    }

    @Test
    void withoutTrustedProxiesTheHeaderIsIgnored() {
        try (Gateway g = Gateway.start(TestStack.config(TestStack.freshDatabase()))) {
            Api api = new Api(g.port());
            Catalog.register(api);
            assertEquals(403, chat(api, allowlistedKey(api), "203.0.113.7"), "anyone can write a header");
        }
    }

    @Test
    void behindATrustedProxyTheNearestUntrustedForwardedAddressIsTheClient() {
        try (Gateway g = Gateway.start(TestStack.config(TestStack.freshDatabase()).withTrustedProxies("127.0.0.1/32, 10.1.0.0/16"))) {
            Api api = new Api(g.port());
            Catalog.register(api);
            String key = allowlistedKey(api);
            assertEquals(200, chat(api, key, "203.0.113.7"));
            assertEquals(200, chat(api, key, "203.0.113.7, 10.1.2.3"), "a second trusted hop is skipped");
            assertEquals(403, chat(api, key, "203.0.113.7, 198.51.100.9"), "the nearest untrusted hop is the client");
            assertEquals(403, chat(api, key, "198.51.100.9"));
            assertEquals(403, chat(api, key, null), "no header: the proxy itself is the client");
            assertEquals(403, chat(api, key, "203.0.113.7, not-an-address"), "an unreadable hop ends the walk at the proxy");
        }
    }
}
