package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.tollgate.gateway.auth.Access;
import io.tollgate.gateway.auth.Access.CallerKind;
import io.tollgate.gateway.api.AccessTable;
import io.tollgate.gateway.api.OpenApiDocument;

/**
 * Every operation of the OpenAPI document, called by every kind of caller docs/security.md's table names, gets what
 * the operation's {@code x-access} level and {@link Access} say: through, or refused with 401 (no
 * credential) or 403 (not enough power); and a user's own object named by another caller is a 404, as if
 * it did not exist. Each cell is asserted; docs/security.md's and docs/access.md's tables are rendered from the same source.
 */
class AuthorizationMatrixTest extends GatewayTest {
    private static final String PASSWORD = "correct horse battery";
    /** The refusals {@code Guard} gives: anything else means the call got past the access check. */
    private static final Set<String> ACCESS_CODES = Set.of("missing_api_key", "invalid_api_key", "invalid_session",
            "missing_scope", "api_key_required", "management_not_allowed", "finance_required", "admin_required",
            "read_only_token");

    private final Map<CallerKind, String> credentials = new EnumMap<>(CallerKind.class);
    private final Map<String, String> ids = new java.util.HashMap<>();

    private long user(String email, String role) {
        Api.Reply r = api.post("/api/users", TestStack.ADMIN_KEY, "{\"email\":\"" + email + "\",\"role\":\"" + role
                + "\",\"password\":\"" + PASSWORD + "\"}");
        assertEquals(201, r.status(), r.body());
        return r.json().get("id").asLong();
    }

    private String login(String email) {
        Api.Reply r = api.post("/api/auth/login", null, "{\"email\":\"" + email + "\",\"password\":\"" + PASSWORD + "\"}");
        assertEquals(200, r.status(), r.body());
        return r.json().get("token").asText();
    }

    private String created(String path, String credential, String body, String field) {
        Api.Reply r = api.post(path, credential, body);
        assertEquals(201, r.status(), path + " " + r.body());
        return r.json().get(field).asText();
    }

    @BeforeAll
    void callers() {
        assertEquals(200, api.put("/api/account", TestStack.ADMIN_KEY, "{\"new_password\":\"" + PASSWORD + "\"}").status());
        long alice = user("alice@acme.io", "user");
        long fiona = user("fiona@acme.io", "finance");
        long victim = user("victim@acme.io", "user");
        String aliceSession = login("alice@acme.io");
        credentials.put(CallerKind.USER_SESSION, aliceSession);
        credentials.put(CallerKind.API_KEY, api.newKey(alice, "completion:invoke,model:any"));
        credentials.put(CallerKind.USER_MANAGE_KEY, api.newKey(alice, "completion:invoke,model:any,manage"));
        credentials.put(CallerKind.MODEL_WRITER_KEY, api.newKey(alice, "completion:invoke,model:any,model:write"));
        credentials.put(CallerKind.READ_TOKEN, created("/v1/users/tokens", aliceSession,
                "{\"name\":\"r\",\"scopes\":[\"read\"]}", "token"));
        credentials.put(CallerKind.WRITE_TOKEN, created("/v1/users/tokens", aliceSession,
                "{\"name\":\"w\",\"scopes\":[\"read\",\"write\"]}", "token"));
        credentials.put(CallerKind.VIRTUAL_KEY, created("/api/admin/virtual-keys", TestStack.ADMIN_KEY,
                "{\"name\":\"bot\",\"user_id\":" + alice + ",\"monthly_budget_cap\":\"5.00\"}", "key"));
        ids.put("virtual_key", Long.toString(api.get("/api/admin/virtual-keys", TestStack.ADMIN_KEY).json().get(0).get("id").asLong()));
        credentials.put(CallerKind.FINANCE_SESSION, login("fiona@acme.io"));
        credentials.put(CallerKind.FINANCE_KEY, api.newKey(fiona, "finance"));
        credentials.put(CallerKind.ADMIN_SESSION, login("admin@localhost"));
        credentials.put(CallerKind.ADMIN_KEY, TestStack.ADMIN_KEY);
        credentials.put(CallerKind.ADMIN_PLAIN_KEY, api.newKey(null, "completion:invoke,model:any"));

        // Objects of another user, which the callers above (but administrators) must not find.
        String victimKey = api.newKey(victim, "completion:invoke,model:any");
        ids.put("user", Long.toString(victim));
        ids.put("key", api.get("/api/keys?user_id=" + victim, TestStack.ADMIN_KEY).json().get(0).get("id").asText());
        ids.put("session", created("/v1/sessions", victimKey, "{\"title\":\"private\"}", "session_id"));
        Api.Reply call = api.send(api.builder("/v1/chat/completions", victimKey).header("Content-Type", "application/json")
                .header("X-Request-Id", "victim-call-1")
                .POST(HttpRequest.BodyPublishers.ofString(Catalog.chatBody("chat", "mine", false))).build());
        assertEquals(200, call.status(), call.body());
        ids.put("request", "victim-call-1");
        ids.put("provider", api.get("/api/providers", TestStack.ADMIN_KEY).json().get(0).get("id").asText());
    }

    /** What fills a path's {@code {id}}: the victim's object where the operation is about one user's objects. */
    private String concrete(OpenApiDocument.Operation op) {
        String path = op.path();
        String id = op.owned() != null ? ids.get(op.owned())
                : path.startsWith("/v1/models/") || path.startsWith("/api/v1/models/") ? "chat"
                : path.startsWith("/api/plans/") ? "starter"
                : path.startsWith("/api/providers/") ? ids.get("provider")
                : path.startsWith("/api/admin/virtual-keys/") ? ids.get("virtual_key")
                : path.contains("/requests/") ? ids.get("request")
                : ids.get("user");
        return path.replace("{id}", id).replace("{provider}", "nope");
    }

    /** Who finds another user's object of this kind (everyone else gets 404). */
    private static Predicate<CallerKind> seesOthers(String owned) {
        return switch (owned) {
            case "key", "user", "request" -> k -> k == CallerKind.ADMIN_SESSION || k == CallerKind.ADMIN_KEY;
            default -> k -> false;  // conversations are their user's alone
        };
    }

    private Api.Reply call(OpenApiDocument.Operation op, CallerKind kind) {
        HttpRequest.Builder b = api.builder(concrete(op), credentials.get(kind));
        String method = op.method().toUpperCase();
        b = method.equals("GET") ? b.GET()
                : b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString("{}"));
        return api.send(b.build());
    }

    private static boolean refusedByAccess(Api.Reply r) {
        if (r.status() != 401 && r.status() != 403) {
            return false;
        }
        try {
            return ACCESS_CODES.contains(r.errorCode());
        } catch (RuntimeException | AssertionError e) {
            return true;
        }
    }

    @Test
    void everyOperationGivesEveryKindOfCallerWhatItsAccessLevelSays() {
        List<OpenApiDocument.Operation> operations = OpenApiDocument.load().operations();
        assertTrue(operations.size() >= 120, "operations: " + operations.size());
        List<String> wrong = new ArrayList<>();
        int cells = 0;
        // Logging out ends the session that calls it: those cells go last.
        List<OpenApiDocument.Operation> ordered = new ArrayList<>(operations);
        ordered.sort(java.util.Comparator.comparing(op -> op.path().equals("/api/auth/logout")));
        for (OpenApiDocument.Operation op : ordered) {
            boolean write = !op.method().equals("get");
            for (CallerKind kind : CallerKind.values()) {
                Api.Reply r = call(op, kind);
                cells++;
                String cell = op.method().toUpperCase() + " " + op.path() + " as " + kind.label() + " -> " + r.status()
                        + " " + r.body().substring(0, Math.min(160, r.body().length()));
                if (!kind.may(op.access(), write)) {
                    int expected = kind == CallerKind.ANONYMOUS ? 401 : 403;
                    if (r.status() != expected || !refusedByAccess(r)) {
                        wrong.add("expected " + expected + ": " + cell);
                    }
                } else if (refusedByAccess(r) || r.status() >= 500) {
                    wrong.add("expected through: " + cell);
                } else if (op.owned() != null && !seesOthers(op.owned()).test(kind) && r.status() != 404) {
                    wrong.add("expected 404 for another user's " + op.owned() + ": " + cell);
                }
            }
        }
        assertEquals(List.of(), wrong, wrong.size() + " of " + cells + " cells wrong");
    }

    @Test
    void theAccessPagesAreRenderedFromTheAccessRulesAndTheDocument() throws Exception {
        String security = Files.readString(Path.of("..", "docs", "security.md"));
        String byLevel = AccessTable.byLevel();
        String matrix = "# Who may call which operation\n\nRendered from `Access` and the OpenAPI document's "
                + "`x-access` by `AuthorizationMatrixTest`, which also calls every cell: ✓ gets through, · is refused "
                + "(401 without a credential, 403 otherwise; a user's own objects are 404 to others).\n\n"
                + AccessTable.byOperation(OpenApiDocument.load().operations());
        Path docs = Path.of("..", "docs", "access.md");
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target", "access-by-level.md"), byLevel);
        Files.writeString(Path.of("target", "access.md"), matrix);
        assertTrue(security.contains(byLevel), "docs/security.md's access table differs from the rules: see "
                + "system-tests/target/access-by-level.md");
        assertEquals(matrix, Files.exists(docs) ? Files.readString(docs) : "", "docs/access.md differs: "
                + "copy system-tests/target/access.md");
    }
}
