package io.tollgate.devstack.drill;

import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;

/**
 * {@code fuzz}: 10,000 malformed or hostile bodies, query strings and headers against every public
 * endpoint. Passes when no reply is a 5xx (or a hang) and no rejected request changed the ledger.
 */
final class FuzzDrill {
    /** Endpoints that take a JSON body, with the method. */
    private static final List<String[]> WRITES = List.of(
            new String[] {"POST", "/v1/chat/completions"}, new String[] {"POST", "/v1/completions"},
            new String[] {"POST", "/v1/embeddings"}, new String[] {"POST", "/v1/messages"},
            new String[] {"POST", "/api/v1/chat/completions"}, new String[] {"POST", "/proxy/anthropic/v1/messages"},
            new String[] {"POST", "/api/users"}, new String[] {"POST", "/api/keys"}, new String[] {"POST", "/api/providers"},
            new String[] {"PUT", "/api/providers/1"}, new String[] {"POST", "/v1/models"},
            new String[] {"POST", "/api/admin/credits"}, new String[] {"POST", "/api/admin/limits"},
            new String[] {"POST", "/api/admin/virtual-keys"}, new String[] {"POST", "/api/admin/assign-plan"},
            new String[] {"POST", "/api/user/api-keys"}, new String[] {"PUT", "/api/user/api-keys/1"},
            new String[] {"PUT", "/api/keys/1"}, new String[] {"POST", "/api/auth/login"},
            new String[] {"POST", "/api/auth/token"}, new String[] {"POST", "/api/auth/register"},
            new String[] {"POST", "/v1/users/login"}, new String[] {"PUT", "/api/account"},
            new String[] {"POST", "/api/admin/invites"}, new String[] {"POST", "/api/users/2/password"},
            new String[] {"POST", "/v1/generate"}, new String[] {"POST", "/v1/users/tokens"},
            new String[] {"PUT", "/v1/sessions/00000000-0000-0000-0000-000000000001"});
    /** Endpoints that read query parameters. */
    private static final List<String> READS = List.of("/api/admin/usage-events?limit=%s&cursor=%s",
            "/api/usage-events?from=%s&to=%s", "/api/metrics/overview?from=%s&cost_centre=%s",
            "/api/ledger/statements?month=%s&account_id=%s", "/api/reports/spend.csv?group_by=%s&from=%s",
            "/api/audit-logs?key_id=%s&start_date=%s", "/api/ledger/events?after_seq=%s&limit=%s",
            "/api/keys?user_id=%s&x=%s", "/api/admin/stats/user/%s?x=%s", "/v1/models/%s?x=%s",
            "/api/plans/%s?x=%s", "/api/user/limit?x=%s&y=%s", "/v1/requests/%s/status?x=%s", "/v1/sessions/%s?x=%s", "/v1/schema?model=%s&x=%s");
    private static final String[] HOSTILE = {"", "-1", "0", "abc", "1e400", "99999999999999999999999", "2026-13-45",
            "'; DROP TABLE ledger_event; --", "%00", "%ff%fe", "../../etc/passwd", "%7B%22a%22%3A1%7D", "NaN",
            "2026-10", "cost_centre,colour", "\u00e9\u00e8", "%E2%80%AE", "9223372036854775808", "null", "[]"};

    private FuzzDrill() {
    }

    static Drill.Result run(Path dir, PrintStream out) throws Exception {
        try (DrillStack stack = DrillStack.start(dir)) {
            String userKey = stack.userKey("fuzz@drill.io");
            long eventsBefore = stack.count("SELECT count(*) FROM ledger_event");
            Random random = new Random(42);
            TreeMap<Integer, Integer> statuses = new TreeMap<>();
            int fiveHundreds = 0;
            int acceptedWrites = 0;
            int hangs = 0;
            for (int i = 0; i < 10_000; i++) {
                String key = switch (random.nextInt(4)) {
                    case 0 -> DrillStack.ADMIN;
                    case 1 -> userKey;
                    case 2 -> "tg_live_" + "x".repeat(random.nextInt(5000));
                    default -> null;
                };
                HttpRequest.Builder b;
                boolean write = random.nextInt(3) > 0;
                if (write) {
                    String[] endpoint = WRITES.get(random.nextInt(WRITES.size()));
                    b = HttpRequest.newBuilder(URI.create(stack.base() + endpoint[1]))
                            .method(endpoint[0], HttpRequest.BodyPublishers.ofByteArray(body(random)));
                } else {
                    String path = READS.get(random.nextInt(READS.size())).formatted(hostile(random), hostile(random));
                    b = HttpRequest.newBuilder(URI.create(stack.base() + path)).GET();
                }
                b.timeout(Duration.ofSeconds(10));
                if (key != null) {
                    if (random.nextInt(4) > 0) {
                        b.header("Authorization", "Bearer " + key);
                    } else {
                        b.header("X-API-Key", key);
                    }
                }
                if (random.nextInt(4) == 0) {
                    b.header("Content-Type", random.nextBoolean() ? "text/plain" : "application/json; charset=latin1");
                }
                if (random.nextInt(8) == 0) {
                    b.header("Origin", "https://" + "a.".repeat(random.nextInt(200)) + "example");
                }
                int status;
                try {
                    status = stack.send(b.build()).statusCode();
                } catch (RuntimeException e) {
                    hangs++;
                    continue;
                }
                statuses.merge(status, 1, Integer::sum);
                fiveHundreds += status >= 500 ? 1 : 0;
                acceptedWrites += write && status < 300 ? 1 : 0;
            }
            long eventsAfter = stack.count("SELECT count(*) FROM ledger_event");
            boolean unchanged = eventsAfter - eventsBefore == acceptedWrites;
            boolean passed = fiveHundreds == 0 && hangs == 0 && unchanged && acceptedWrites == 0;
            return new Drill.Result("fuzz", passed, "requests=10000 5xx=" + fiveHundreds + " hangs/resets=" + hangs
                    + " accepted_writes=" + acceptedWrites + " ledger_events_added=" + (eventsAfter - eventsBefore)
                    + " statuses=" + statuses);
        }
    }

    /** A hostile query value; percent-escapes ({@code %00}) are sent as they are, other text URL-encoded. */
    private static String hostile(Random random) {
        String v = random.nextInt(5) == 0 ? Integer.toString(random.nextInt(100)) : HOSTILE[random.nextInt(HOSTILE.length)];
        return v.matches("[A-Za-z0-9%._,/-]*") ? v : java.net.URLEncoder.encode(v, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** A body no endpoint may accept: not JSON, not an object, wrongly typed, too deep, too big or not UTF-8. */
    private static byte[] body(Random random) {
        return switch (random.nextInt(11)) {
            case 0 -> {
                byte[] b = new byte[1 + random.nextInt(2000)];
                random.nextBytes(b);
                b[0] = '#';
                yield b;
            }
            case 1 -> "[".repeat(100_000).getBytes();
            case 2 -> ("{\"model\":" + "{\"a\":".repeat(70) + "1" + "}".repeat(71)).getBytes();
            case 3 -> "{\"model\":\"demo-chat\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]".getBytes();
            case 4 -> new byte[] {'{', '"', 'm', 'o', 'd', 'e', 'l', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
            case 5 -> ("{\"model\":\"demo-chat\",\"max_tokens\":" + (random.nextBoolean() ? "-5" : "1e400")
                    + ",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"email\":7,\"amount\":\"abc\",\"name\":[]}")
                    .getBytes();
            case 6 -> ("{\"model\":123,\"messages\":\"nope\",\"input\":{},\"email\":null,\"user_id\":\"1\",\"scopes\":5,"
                    + "\"requests_per_minute\":-1,\"plan_id\":[],\"action\":\"explode\"}").getBytes();
            case 7 -> ("{\"model\":\"demo-chat\",\"messages\":[],\"x\":\"" + "A".repeat(300_000) + "\"}").getBytes();
            case 8 -> (random.nextBoolean() ? "null" : random.nextBoolean() ? "42" : "\"string\"").getBytes();
            case 9 -> "{\"email\":\"nul\\u0000@x.io\",\"name\":\"a\\u0000b\",\"model\":\"demo-chat\\u0000\"}".getBytes();
            default -> ("{\"model\":\"demo-chat\",\"stream\":\"yes\",\"messages\":[{\"content\":\"no role\"}],"
                    + "\"max_tokens\":99999999999999999999}").getBytes();
        };
    }
}
