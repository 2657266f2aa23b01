package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;

import io.tollgate.gateway.Gateway;
import io.tollgate.gateway.auth.LoginSettings;
import io.tollgate.gateway.providers.SecretBox;

/** Password login, sessions (cookie and bearer), the OAuth2-style token form, password changes and registration. */
class LoginAndSessionsTest extends GatewayTest {
    private static final String PASSWORD = "correct horse battery";

    private String login(String email, String password) {
        Api.Reply r = api.post("/api/auth/login", null, "{\"email\":\"" + email + "\",\"password\":\"" + password + "\"}");
        assertEquals(200, r.status(), r.body());
        return r.json().get("token").asText();
    }

    private long newUser(String email) {
        Api.Reply u = api.post("/api/users", TestStack.ADMIN_KEY, "{\"email\":\"" + email + "\",\"password\":\"" + PASSWORD + "\"}");
        assertEquals(201, u.status(), u.body());
        assertFalse(u.body().contains("password"), "no password or hash in the reply: " + u.body());
        return u.json().get("id").asLong();
    }

    /** As a browser on our own pages sends it: the cookie, our Origin and a JSON body type (CSRF proof). */
    private Api.Reply withCookie(String method, String path, String token, String json) {
        HttpRequest.Builder b = api.builder(path, null).header("Cookie", "session=" + token)
                .header("Origin", api.base()).header("Content-Type", "application/json");
        b = json == null ? b.method(method, HttpRequest.BodyPublishers.noBody())
                : b.method(method, HttpRequest.BodyPublishers.ofString(json));
        return api.send(b.build());
    }

    private Api.Reply form(String path, String contentType, String body) {
        return api.send(api.builder(path, null).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build());
    }

    @Test
    void anAdminSetsAPasswordThenUsesTheManagementPlaneByCookieOrBearerUntilLoggingOut() {
        assertEquals(401, api.post("/api/auth/login", null, "{\"email\":\"admin@localhost\",\"password\":\"" + PASSWORD + "\"}")
                .status(), "no password set yet: keys only");
        assertEquals(200, api.put("/api/account", TestStack.ADMIN_KEY, "{\"new_password\":\"" + PASSWORD + "\"}").status());

        Api.Reply r = api.post("/api/auth/login", null, "{\"email\":\"Admin@localhost\",\"password\":\"" + PASSWORD + "\"}");
        assertEquals(200, r.status(), r.body());
        String cookie = r.header("set-cookie");
        assertTrue(cookie.startsWith("session=") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict")
                && cookie.contains("Path=/api"), cookie);
        String token = r.json().get("token").asText();
        assertTrue(r.json().get("user").get("is_admin").asBoolean());

        assertEquals(200, withCookie("GET", "/api/users", token, null).status());
        assertEquals(200, api.get("/api/users", token).status());
        Api.Reply me = withCookie("GET", "/api/auth/me", token, null);
        assertEquals("admin@localhost", me.json().get("email").asText());

        Api.Reply chat = api.post("/v1/chat/completions", token, Catalog.chatBody("chat", "hi", false));
        assertEquals(403, chat.status(), "the data plane takes keys only");
        assertEquals("api_key_required", chat.errorCode());
        Api.Reply console = withCookie("POST", "/api/v1/chat/completions", token, Catalog.chatBody("chat", "hi", false));
        assertEquals(200, console.status(), "seed 004's console calls models with its session: " + console.body());
        assertEquals(1, TestStack.count(gateway.dataSource(), "SELECT count(*) FROM ledger_event e JOIN api_keys k "
                + "ON k.id = (e.payload->>'key_id')::bigint WHERE e.type = 'UsageRecorded' AND k.name = 'console'"),
                "and the call is ledgered against the user's console key");

        Api.Reply out = withCookie("POST", "/api/auth/logout", token, null);
        assertEquals(200, out.status(), out.body());
        assertEquals(1, TestStack.count(gateway.dataSource(), "SELECT count(*) FROM ledger_event WHERE type = 'SessionClosed'"));
        assertTrue(TestStack.count(gateway.dataSource(), "SELECT count(*) FROM ledger_event WHERE type = 'SessionOpened' "
                + "AND payload->>'method' = 'password'") >= 1, "logins are in the audit trail");
        assertTrue(out.header("set-cookie").startsWith("session=;"), out.header("set-cookie"));
        Api.Reply after = api.get("/api/users", token);
        assertEquals(401, after.status());
        assertEquals("invalid_session", after.errorCode());
    }

    @Test
    void wrongPasswordsUnknownEmailsAndForgedOrExpiredTokensGet401() {
        long id = newUser("eve@example.com");
        for (String body : new String[] {"{\"email\":\"eve@example.com\",\"password\":\"wrong password\"}",
                "{\"email\":\"nobody@example.com\",\"password\":\"" + PASSWORD + "\"}"}) {
            Api.Reply r = api.post("/api/auth/login", null, body);
            assertEquals(401, r.status());
            assertEquals("invalid_credentials", r.errorCode());
        }
        String token = login("eve@example.com", PASSWORD);
        String tampered = token.substring(0, token.length() - 3) + (token.endsWith("AAA") ? "BBB" : "AAA");
        assertEquals("invalid_session", api.get("/api/auth/me", tampered).errorCode());

        Algorithm ours = Algorithm.HMAC256(new SecretBox(TestStack.MASTER_KEY).derive("tollgate-session-jwt-v1"));
        String otherKey = JWT.create().withIssuer("tollgate").withSubject(Long.toString(id))
                .withJWTId(UUID.randomUUID().toString()).withExpiresAt(Instant.now().plusSeconds(600))
                .sign(Algorithm.HMAC256("not the gateway's key, not at all".getBytes(StandardCharsets.UTF_8)));
        assertEquals(401, api.get("/api/auth/me", otherKey).status());
        String expired = JWT.create().withIssuer("tollgate").withSubject(Long.toString(id))
                .withJWTId(UUID.randomUUID().toString()).withExpiresAt(Instant.now().minusSeconds(5)).sign(ours);
        assertEquals(401, api.get("/api/auth/me", expired).status());
        String noSuchSession = JWT.create().withIssuer("tollgate").withSubject(Long.toString(id))
                .withJWTId(UUID.randomUUID().toString()).withExpiresAt(Instant.now().plusSeconds(600)).sign(ours);
        assertEquals(401, api.get("/api/auth/me", noSuchSession).status(), "a genuine signature is not enough");
        assertEquals(200, api.get("/api/auth/me", token).status());
    }

    @Test
    void theTokenEndpointTakesTheOAuth2FormUrlEncodedOrMultipart() {
        newUser("form.user@example.com");
        Api.Reply encoded = form("/api/auth/token", "application/x-www-form-urlencoded",
                "username=form.user%40example.com&password=correct+horse+battery");
        assertEquals(200, encoded.status(), encoded.body());
        assertEquals("bearer", encoded.json().get("token_type").asText());
        assertTrue(encoded.json().get("expires_in").asLong() > 0);
        String boundary = "----tollgate" + UUID.randomUUID();
        String multipart = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\n"
                + "form.user@example.com\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\n"
                + PASSWORD + "\r\n--" + boundary + "--\r\n";
        Api.Reply multi = form("/api/auth/token", "multipart/form-data; boundary=" + boundary, multipart);
        assertEquals(200, multi.status(), multi.body());
        Api.Reply me = api.get("/api/auth/me", multi.json().get("access_token").asText());
        assertEquals("form.user@example.com", me.json().get("email").asText());
        assertFalse(me.json().get("is_admin").asBoolean());

        assertEquals(401, form("/api/auth/token", "application/x-www-form-urlencoded",
                "username=form.user%40example.com&password=nope").status());
        assertEquals(400, form("/api/auth/token", "application/x-www-form-urlencoded", "username=a%00b&password=x").status());
        assertEquals(400, form("/api/auth/token", "multipart/form-data; boundary=" + boundary, "--" + boundary
                + "\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\n\r\nx\r\n--" + boundary + "--\r\n")
                .status(), "no file uploads");
        assertEquals(400, form("/api/auth/token", "application/x-www-form-urlencoded", "password=only").status());
    }

    @Test
    void aSignedInUserIssuesOwnKeysWithinTheConfiguredScopesAndSeesOnlyOwnData() {
        long id = newUser("kim@example.com");
        String session = login("kim@example.com", PASSWORD);
        Api.Reply k = api.post("/api/keys", session, "{\"name\":\"laptop\",\"scopes\":\"completion:invoke,model:any\"}");
        assertEquals(201, k.status(), k.body());
        assertEquals(id, k.json().get("user_id").asLong());
        Api.Reply escalate = api.post("/api/keys", session, "{\"name\":\"x\",\"scopes\":\"model:write\"}");
        assertEquals(403, escalate.status());
        assertEquals("scope_escalation", escalate.errorCode());
        assertEquals(200, api.post("/v1/chat/completions", k.json().get("key").asText(),
                Catalog.chatBody("chat", "hi from kim", false)).status());
        assertEquals(403, api.get("/api/users", session).status());
        for (String path : new String[] {"/api/user/balance", "/api/user/limit", "/api/stats/me", "/api/usage-events",
                "/api/user/plan", "/api/keys"}) {
            assertEquals(200, api.get(path, session).status(), path);
        }
    }

    @Test
    void changingThePasswordNeedsTheCurrentOneAndEndsEveryOtherSession() {
        long id = newUser("lee@example.com");
        long changes = TestStack.count(gateway.dataSource(), "SELECT count(*) FROM ledger_event WHERE type = 'PasswordChanged'");
        String mine = login("lee@example.com", PASSWORD);
        String other = login("lee@example.com", PASSWORD);
        Api.Reply wrong = api.put("/api/account", mine, "{\"current_password\":\"not it at all\",\"new_password\":\"brand new secret\"}");
        assertEquals(400, wrong.status());
        assertEquals("current_password_incorrect", wrong.errorCode());
        assertEquals("new_password_too_short", api.put("/api/account", mine,
                "{\"current_password\":\"" + PASSWORD + "\",\"new_password\":\"short\"}").errorCode());
        assertEquals("password_too_long", api.put("/api/account", mine,
                "{\"current_password\":\"" + PASSWORD + "\",\"new_password\":\"" + "x".repeat(73) + "\"}").errorCode());
        assertEquals(200, api.put("/api/account", mine, "{\"current_password\":\"" + PASSWORD
                + "\",\"new_password\":\"brand new secret\"}").status());
        assertEquals(200, api.get("/api/auth/me", mine).status(), "the session that changed it stays");
        assertEquals(401, api.get("/api/auth/me", other).status(), "every other session ended");
        assertEquals(401, api.post("/api/auth/login", null, "{\"email\":\"lee@example.com\",\"password\":\"" + PASSWORD + "\"}").status());
        login("lee@example.com", "brand new secret");

        assertEquals(403, api.post("/api/users/" + id + "/password", mine, "{\"password\":\"reset by admin\"}").status());
        assertEquals(200, api.post("/api/users/" + id + "/password", TestStack.ADMIN_KEY, "{\"password\":\"reset by admin\"}").status());
        assertEquals(401, api.get("/api/auth/me", mine).status(), "an administrator's reset ends all of the user's sessions");
        login("lee@example.com", "reset by admin");
        assertEquals(changes + 2, TestStack.count(gateway.dataSource(),
                "SELECT count(*) FROM ledger_event WHERE type = 'PasswordChanged'"), "both changes are in the ledger");
        assertEquals(0, TestStack.count(gateway.dataSource(),
                "SELECT count(*) FROM ledger_event WHERE payload::text ILIKE '%brand new%' OR payload::text ILIKE '%$2a$%'"),
                "neither passwords nor hashes reach the ledger");
    }

    @Test
    void badLoginInputGetsA400() {
        assertEquals(400, api.post("/api/auth/login", null, "not json").status());
        assertEquals(400, api.post("/api/auth/login", null, "{\"email\":\"a@b.c\",\"password\":12345678}").status());
        assertEquals(400, api.post("/api/auth/login", null, "{\"email\":\"a@b.c\"}").status());
        assertEquals(400, api.post("/api/auth/login", null, "{\"email\":\"a@b.c\",\"password\":\"x\",\"extra\":1}").status());
        assertEquals(400, api.post("/api/auth/logout", TestStack.ADMIN_KEY, "").status(), "a key is not a session");
        assertEquals(400, api.put("/api/account", TestStack.ADMIN_KEY, "{\"email\":\"new@example.com\"}").status());
    }

    @Test
    void registrationIsClosedByDefault() {
        for (String path : new String[] {"/api/auth/register", "/v1/users/register"}) {
            Api.Reply r = api.post(path, null, "{\"email\":\"self@example.com\",\"password\":\"" + PASSWORD + "\"}");
            assertEquals(403, r.status(), path);
            assertEquals("registration_closed", r.errorCode());
        }
    }

    @Test
    void registrationByInviteUsesEachTokenOnceAndForItsEmailOnly() {
        try (Gateway invited = Gateway.start(TestStack.config(TestStack.freshDatabase())
                .withLogin(LoginSettings.DEFAULT.withRegistration("invite")))) {
            Api a = new Api(invited.port());
            Api.Reply inv = a.post("/api/admin/invites", TestStack.ADMIN_KEY, "{\"email\":\"new@example.com\"}");
            assertEquals(201, inv.status(), inv.body());
            String token = inv.json().get("invite_token").asText();
            long plain = a.post("/api/users", TestStack.ADMIN_KEY, "{\"email\":\"plain@example.com\"}").json().get("id").asLong();
            assertEquals(403, a.post("/api/admin/invites", a.newKey(plain, "completion:invoke"), "{}").status(),
                    "only administrators invite");

            String body = "{\"email\":\"new@example.com\",\"password\":\"" + PASSWORD + "\"";
            assertEquals("invite_required", a.post("/api/auth/register", null, body + "}").errorCode());
            assertEquals("invalid_invite", a.post("/api/auth/register", null,
                    "{\"email\":\"other@example.com\",\"password\":\"" + PASSWORD + "\",\"invite_token\":\"" + token + "\"}").errorCode());
            Api.Reply reg = a.post("/v1/users/register", null, body + ",\"invite_token\":\"" + token + "\"}");
            assertEquals(201, reg.status(), reg.body());
            assertEquals("user", reg.json().get("user").get("role").asText());
            assertNotNull(reg.header("set-cookie"));
            assertEquals(200, a.get("/api/auth/me", reg.json().get("token").asText()).status());
            assertEquals("invalid_invite", a.post("/api/auth/register", null,
                    "{\"email\":\"new@example.com\",\"password\":\"" + PASSWORD + "\",\"invite_token\":\"" + token + "\"}").errorCode());

            Api.Reply seed002 = a.post("/v1/users/login", null, "{\"email\":\"new@example.com\",\"password\":\"" + PASSWORD + "\"}");
            assertEquals(200, seed002.status(), seed002.body());
            assertEquals(1, TestStack.count(invited.dataSource(),
                    "SELECT count(*) FROM ledger_event WHERE type = 'UserCreated' AND payload->>'email' = 'new@example.com'"));
        }
    }

    @Test
    void tenFailedLoginsLockAnEmailForAWhileKnownOrNot() {
        newUser("locked@example.com");
        for (String email : new String[] {"locked@example.com", "ghost@example.com"}) {
            for (int i = 0; i < 10; i++) {
                assertEquals(401, api.post("/api/auth/login", null, "{\"email\":\"" + email
                        + "\",\"password\":\"wrong guess " + i + "\"}").status());
            }
            Api.Reply locked = api.post("/api/auth/login", null, "{\"email\":\"" + email + "\",\"password\":\""
                    + PASSWORD + "\"}");
            assertEquals(429, locked.status(), email + " is locked even with the right password");
            assertEquals("too_many_attempts", locked.errorCode());
            assertTrue(Long.parseLong(locked.header("retry-after")) > 0);
        }
        newUser("neighbour@example.com");
        login("neighbour@example.com", PASSWORD);
    }

    @Test
    void lockingAUsersEmailIsAuditedOnceAndAStrangersIsNotKept() {
        long user = newUser("audited.lock@example.com");
        long before = TestStack.count(gateway.dataSource(), "SELECT count(*) FROM ledger_event WHERE type = 'LoginLockedOut'");
        for (String email : new String[] {"audited.lock@example.com", "stranger.lock@example.com"}) {
            for (int i = 0; i < 12; i++) {
                api.post("/api/auth/login", null, "{\"email\":\"" + email + "\",\"password\":\"wrong " + i + "\"}");
            }
        }
        assertEquals(1, TestStack.count(gateway.dataSource(), "SELECT count(*) FROM ledger_event WHERE type = "
                + "'LoginLockedOut' AND payload->>'user_id' = '" + user + "' AND (payload->>'failures')::int = 10"),
                "one event for the user's lock, none for the refused attempts after it");
        assertEquals(before + 1, TestStack.count(gateway.dataSource(), "SELECT count(*) FROM ledger_event WHERE type = 'LoginLockedOut'"),
                "nothing for an email that names no user");
        assertEquals(0, TestStack.count(gateway.dataSource(), "SELECT count(*) FROM ledger_event WHERE payload::text LIKE '%stranger.lock%'"));
    }
}
