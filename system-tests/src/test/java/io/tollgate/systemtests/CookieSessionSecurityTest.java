package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import io.tollgate.gateway.Gateway;

/**
 * Cookie-signed writes need proof they come from our own pages (CSRF); the cookie is Secure behind TLS;
 * and password guessing is throttled before any hash is computed, per email and address, so a burst
 * cannot outrun it and a stranger elsewhere cannot lock a user out.
 */
class CookieSessionSecurityTest {
    private static final String PASSWORD = "correct horse battery";

    private static Api.Reply login(Api api, String email, String password, String forwardedFor) {
        HttpRequest.Builder b = api.builder("/api/auth/login", null).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"email\":\"" + email + "\",\"password\":\"" + password + "\"}"));
        if (forwardedFor != null) {
            b.header("X-Forwarded-For", forwardedFor);
        }
        return api.send(b.build());
    }

    private static Api.Reply cookieWrite(Api api, String cookie, String contentType, Map<String, String> headers) {
        HttpRequest.Builder b = api.builder("/api/keys", null).header("Cookie", "session=" + cookie)
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"k\",\"scopes\":\"completion:invoke\"}"));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        headers.forEach(b::header);
        return api.send(b.build());
    }

    @Test
    void aWriteSignedInByCookieNeedsOurOriginOrTheCsrfTokenAndAJsonBody() {
        try (Gateway g = Gateway.start(TestStack.config(TestStack.freshDatabase()))) {
            Api api = new Api(g.port());
            assertEquals(200, api.put("/api/account", TestStack.ADMIN_KEY, "{\"new_password\":\"" + PASSWORD + "\"}").status());
            Api.Reply in = login(api, "admin@localhost", PASSWORD, null);
            String cookie = in.json().get("token").asText();
            String csrf = in.json().get("csrf_token").asText();
            String self = "http://127.0.0.1:" + g.port();

            Api.Reply noProof = cookieWrite(api, cookie, "application/json", Map.of());
            assertEquals(403, noProof.status(), noProof.body());
            assertEquals("csrf_check_failed", noProof.errorCode());
            assertEquals(403, cookieWrite(api, cookie, "application/json", Map.of("Origin", "https://evil.example")).status());
            assertEquals(403, cookieWrite(api, cookie, "application/json", Map.of("Origin", "http://127.0.0.1:1")).status());
            assertEquals(403, cookieWrite(api, cookie, "text/plain", Map.of("Origin", self)).status(), "a form's body type");
            assertEquals(403, cookieWrite(api, cookie, "application/json", Map.of("X-CSRF-Token", "forged")).status());
            assertEquals(201, cookieWrite(api, cookie, "application/json", Map.of("Origin", self)).status());
            assertEquals(201, cookieWrite(api, cookie, "application/json", Map.of("X-CSRF-Token", csrf)).status());
            assertEquals(200, api.send(api.builder("/api/keys", null).header("Cookie", "session=" + cookie).GET().build())
                    .status(), "reads need no proof");
            assertEquals(201, api.post("/api/keys", cookie, "{\"name\":\"k\",\"scopes\":\"completion:invoke\"}").status(),
                    "the same token as a bearer header cannot be sent by another site");
        }
    }

    @Test
    void theSessionCookieIsSecureWhenATrustedProxySaysTheRequestCameOverTls() {
        try (Gateway g = Gateway.start(TestStack.config(TestStack.freshDatabase()).withTrustedProxies("127.0.0.1/32"))) {
            Api api = new Api(g.port());
            assertEquals(200, api.put("/api/account", TestStack.ADMIN_KEY, "{\"new_password\":\"" + PASSWORD + "\"}").status());
            Api.Reply plain = login(api, "admin@localhost", PASSWORD, null);
            assertFalse(plain.header("set-cookie").contains("Secure"), plain.header("set-cookie"));
            Api.Reply tls = api.send(api.builder("/api/auth/login", null).header("Content-Type", "application/json")
                    .header("X-Forwarded-Proto", "https").POST(HttpRequest.BodyPublishers.ofString(
                            "{\"email\":\"admin@localhost\",\"password\":\"" + PASSWORD + "\"}")).build());
            assertTrue(tls.header("set-cookie").contains("Secure"), tls.header("set-cookie"));
        }
        try (Gateway g = Gateway.start(TestStack.config(TestStack.freshDatabase()))) {
            Api api = new Api(g.port());
            assertEquals(200, api.put("/api/account", TestStack.ADMIN_KEY, "{\"new_password\":\"" + PASSWORD + "\"}").status());
            Api.Reply claimed = api.send(api.builder("/api/auth/login", null).header("Content-Type", "application/json")
                    .header("X-Forwarded-Proto", "https").POST(HttpRequest.BodyPublishers.ofString(
                            "{\"email\":\"admin@localhost\",\"password\":\"" + PASSWORD + "\"}")).build());
            assertFalse(claimed.header("set-cookie").contains("Secure"), "a header from anyone is not a proxy's word");
        }
    }

    @Test
    void aBurstOfGuessesCannotOutrunTheLimitAndDoesNotLockTheUserOutElsewhere() throws Exception {
        try (Gateway g = Gateway.start(TestStack.config(TestStack.freshDatabase()).withTrustedProxies("127.0.0.1/32"));
             ExecutorService pool = Executors.newFixedThreadPool(30)) {
            Api api = new Api(g.port());
            assertEquals(200, api.put("/api/account", TestStack.ADMIN_KEY, "{\"new_password\":\"" + PASSWORD + "\"}").status());
            List<Future<Integer>> guesses = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                int n = i;
                guesses.add(pool.submit(() -> login(api, "admin@localhost", "wrong guess " + n, "198.51.100.66").status()));
            }
            Map<Integer, Integer> statuses = new TreeMap<>();
            for (Future<Integer> f : guesses) {
                statuses.merge(f.get(), 1, Integer::sum);
            }
            // Ten guesses reach the hash (401; or 503 where a slow machine sheds a check queued over 5 s);
            // the other twenty are refused without one.
            assertEquals(20, statuses.getOrDefault(429, 0), "the rest wait for no hash: " + statuses);
            assertEquals(10, statuses.getOrDefault(401, 0) + statuses.getOrDefault(503, 0), statuses.toString());
            assertTrue(Set.of(401, 429, 503).containsAll(statuses.keySet()), statuses.toString());
            assertEquals(429, login(api, "admin@localhost", PASSWORD, "198.51.100.66").status(),
                    "even the right password, from the guessing address");
            assertEquals(200, login(api, "admin@localhost", PASSWORD, "203.0.113.5").status(),
                    "the administrator elsewhere is not locked out");
            assertEquals(1, TestStack.count(g.dataSource(), "SELECT count(*) FROM ledger_event WHERE type = 'LoginLockedOut'"));
        }
    }
}
