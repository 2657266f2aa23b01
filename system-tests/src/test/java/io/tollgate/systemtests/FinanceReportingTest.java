package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringReader;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

import com.fasterxml.jackson.databind.JsonNode;

import io.tollgate.ledger.events.CreditsAdded;
import io.tollgate.ledger.events.EventCodec;
import io.tollgate.ledger.events.LedgerEvent;
import io.tollgate.ledger.events.NewEvent;
import io.tollgate.ledger.events.UsageRecorded;
import io.tollgate.ledger.store.EventStore;
import io.tollgate.projector.Replay;

/**
 * Finance reports read the projector's read models. After a known set of requests across users,
 * keys, projects, cost centres and models, every figure equals the sum the test computes from the
 * ledger's own events, and no user can read another's.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FinanceReportingTest {
    private static final long DAVE = 9_001;
    private EventFlow flow;
    private Api api;
    private long alice;
    private long bob;
    private String aliceKey;
    private String bobKey;
    /** Bob's key for managing his own account (his bobKey only calls models and reads its own numbers). */
    private String bobManager;

    @BeforeAll
    void start() throws Exception {
        flow = new EventFlow(TestStack.kafka().bootstrap());
        api = flow.api;
        Catalog.register(api);
        alice = user("alice@finance.io");
        bob = user("bob@finance.io");
        aliceKey = key(alice, "Engineering", "chatbot", "live");
        String aliceLab = key(alice, "R&D, Labs", "research", "test");
        bobKey = key(bob, "Sales", "crm", "live");
        // A cost centre a spreadsheet would run as a formula.
        chat(key(user("carol@finance.io"), "=HYPERLINK(A1)", "crm", "live"), "chat", "formula", false);
        bobManager = api.post("/api/keys", TestStack.ADMIN_KEY, "{\"user_id\":" + bob + ",\"name\":\"manager\","
                + "\"scopes\":\"manage\"}").json().get("key").asText();
        for (int i = 0; i < 3; i++) {
            chat(aliceKey, "chat", "what is our refund policy", i == 2);
        }
        chat(aliceLab, "chat", "summarise the paper in three words please", false);
        assertEquals(200, api.post("/v1/embeddings", aliceLab, "{\"model\":\"embed\",\"input\":[\"a b\",\"c d e\"]}").status());
        chat(bobKey, "chat", "draft a follow up email", false);
        assertEquals(200, api.post("/v1/messages", bobKey, "{\"model\":\"claude\",\"max_tokens\":50,\"messages\":"
                + "[{\"role\":\"user\",\"content\":\"hello claude\"},{\"role\":\"assistant\",\"content\":\"hi\"},"
                + "{\"role\":\"user\",\"content\":\"price list please\"}]}").status());
        assertEquals(201, api.post("/api/admin/credits", TestStack.ADMIN_KEY, "{\"user_id\":" + alice
                + ",\"amount\":\"5\"}").status());
        // An account with October history, appended as the gateway's event store appends.
        new EventStore(flow.gateway.dataSource(), new EventCodec()).append(List.of(
                at("2026-09-30T23:59:59Z", new CreditsAdded(DAVE, 3_000_000, "september", "d0", 1)),
                at("2026-10-01T00:00:00Z", new CreditsAdded(DAVE, 10_000_000, "october", "d1", 1)),
                at("2026-10-15T12:00:00Z", usage(DAVE, "chat", "Ops", 1_250_000)),
                at("2026-10-31T23:59:59Z", usage(DAVE, "embed", "Ops", 250_000)),
                at("2026-11-01T00:00:00Z", usage(DAVE, "chat", "Ops", 4_000_000))));
        flow.awaitProjected(60);
    }

    @AfterAll
    void stop() {
        flow.close();
    }

    @Test
    void theOverviewEqualsTheSumsOfTheLedgersUsageEvents() {
        LocalDate now = LocalDate.now(ZoneOffset.UTC);
        List<JsonNode> today = usage().stream().filter(e -> e.get("_day").asText().equals(now.toString())).toList();
        JsonNode o = api.get("/api/metrics/overview?from=" + now, TestStack.ADMIN_KEY).json();
        JsonNode cost = o.get("cost");
        assertEquals(sum(today, "cost_micros"), micros(cost.get("spend_today")));
        assertEquals(today.size(), cost.get("total_requests").asLong());
        assertEquals(sum(today, "total_tokens"), cost.get("total_tokens").asLong());
        long mtd = sum(usage().stream().filter(e -> e.get("_month").asText().equals(now.toString().substring(0, 7)))
                .toList(), "cost_micros");
        long ytd = sum(usage().stream().filter(e -> e.get("_month").asText().startsWith(now.toString().substring(0, 4)))
                .toList(), "cost_micros");
        assertEquals(mtd, micros(cost.get("spend_mtd")));
        assertEquals(ytd, micros(cost.get("spend_ytd")));
        assertEquals(BigDecimal.valueOf(mtd * now.lengthOfMonth()).divide(BigDecimal.valueOf(now.getDayOfMonth()), 0,
                RoundingMode.HALF_UP).longValueExact(), micros(cost.get("forecasted_month_end")), "month-to-date run rate");

        assertEquals(byKey(today, e -> e.get("user_id").asText()), rows(o.get("top_users"), "user_id"));
        String topSpender = today.stream().collect(Collectors.groupingBy(e -> e.get("user_id").asLong(),
                Collectors.summingLong(e -> e.get("cost_micros").asLong()))).entrySet().stream()
                .max(Map.Entry.comparingByValue()).orElseThrow().getKey() == bob ? "bob@finance.io" : "alice@finance.io";
        assertEquals(topSpender, o.get("top_users").get(0).get("user_email").asText(), "ordered by cost");
        assertEquals(byKey(today, e -> e.get("project").asText()), rows(o.get("top_projects"), "project_name"));
        assertEquals(byKey(today, e -> e.get("cost_centre").asText()), rows(o.get("by_cost_centre"), "cost_centre"));
        assertEquals(byKey(today, e -> e.get("model").asText()), rows(o.get("by_model"), "model"));

        JsonNode eng = api.get("/api/metrics/overview?from=" + now + "&cost_centre=Engineering", TestStack.ADMIN_KEY).json();
        assertEquals(3, eng.get("cost").get("total_requests").asLong());
        JsonNode mine = api.get("/api/metrics/overview?from=" + now, bobKey).json();
        assertEquals(byKey(today.stream().filter(e -> e.get("user_id").asLong() == bob).toList(),
                e -> e.get("user_id").asText()), rows(mine.get("top_users"), "user_id"), "a user sees only itself");
        assertEquals(400, api.get("/api/metrics/overview?from=yesterday", TestStack.ADMIN_KEY).status());
    }

    @Test
    void repeatedPromptsShowUpInWasteWithTheirCountAndCost() {
        List<JsonNode> repeats = usage().stream().filter(e -> e.get("user_id").asLong() == alice
                && e.get("prompt_tokens").asLong() == 5 && e.get("model").asText().equals("chat")).toList();
        assertEquals(3, repeats.size());
        JsonNode waste = api.get("/api/metrics/overview", TestStack.ADMIN_KEY).json().get("waste");
        assertEquals(2, waste.get("repeated_prompts_count").asLong());
        assertEquals(repeats.get(1).get("cost_micros").asLong() + repeats.get(2).get("cost_micros").asLong(),
                micros(waste.get("estimated_waste")));
        JsonNode top = waste.get("top_repeated_hashes").get(0);
        assertEquals(repeats.getFirst().get("prompt_hash").asText(), top.get("hash").asText());
        assertEquals(3, top.get("count").asLong());
        assertEquals(0, api.get("/api/metrics/overview", bobKey).json().get("waste").get("repeated_prompts_count").asLong());
    }

    @Test
    void usageEventsPageByCursorAndUsersSeeOnlyTheirOwn() {
        Set<Long> seen = new HashSet<>();
        String cursor = null;
        int pages = 0;
        do {
            Api.Reply reply = api.get("/api/admin/usage-events?limit=3" + (cursor == null ? "" : "&cursor=" + cursor),
                    TestStack.ADMIN_KEY);
            reply.json().forEach(e -> assertTrue(seen.add(e.get("seq").asLong()), "no event twice"));
            cursor = reply.header("X-Next-Cursor");
            if (cursor != null) {
                assertTrue(reply.header("Link").contains("cursor=" + cursor) && reply.header("Link").contains("limit=3"),
                        reply.header("Link"));
            }
            pages++;
        } while (cursor != null);
        assertEquals(usage().size(), seen.size());
        assertEquals(Math.ceilDiv(seen.size(), 3), pages);

        JsonNode claude = api.get("/api/admin/usage-events?model=claude&user_id=" + bob, TestStack.ADMIN_KEY).json();
        assertEquals(1, claude.size());
        assertEquals(3, claude.get(0).get("messages").asLong());
        assertEquals("claude", claude.get(0).get("deployment").asText(), "the deployment that served it");
        assertFalse(claude.get(0).get("unpriced").asBoolean());
        JsonNode engineering = api.get("/api/admin/usage-events?cost_centre=Engineering", TestStack.ADMIN_KEY).json();
        assertEquals(3, engineering.size());
        JsonNode october = api.get("/api/admin/usage-events?from=2026-10-01&to=2026-10-31", TestStack.ADMIN_KEY).json();
        assertEquals(2, october.size());

        JsonNode bobs = api.get("/api/usage-events", bobKey).json();
        assertEquals(2, bobs.size());
        bobs.forEach(e -> assertEquals(bob, e.get("user_id").asLong()));
        assertEquals(403, api.get("/api/usage-events?user_id=" + alice, bobKey).status());
        assertEquals(403, api.get("/api/admin/usage-events", bobKey).status());
        long aliceKeyId = api.get("/api/keys?user_id=" + alice, TestStack.ADMIN_KEY).json().get(0).get("id").asLong();
        assertEquals(404, api.get("/api/user/api-keys/" + aliceKeyId, bobManager).status(), "another user's key is not visible");
        assertEquals(403, api.get("/api/keys?user_id=" + alice, bobManager).status());
        assertEquals(404, api.put("/api/user/api-keys/" + aliceKeyId, bobManager, "{\"action\":\"rotate\"}").status());
        assertEquals(403, api.get("/api/user/api-keys/" + aliceKeyId, bobKey).status(), "a key that only calls models manages none");
        assertEquals(400, api.get("/api/admin/usage-events?cursor=abc", TestStack.ADMIN_KEY).status());
        assertEquals(400, api.get("/api/admin/usage-events?limit=0", TestStack.ADMIN_KEY).status());
    }

    @Test
    void statsAreSeed004sShapeAndEqualTheEvents() {
        List<JsonNode> bobs = usage().stream().filter(e -> e.get("user_id").asLong() == bob).toList();
        JsonNode me = api.get("/api/stats/me", bobKey).json();
        assertEquals(bobs.size(), me.get("requests").asLong());
        assertEquals(sum(bobs, "prompt_tokens"), me.get("tokens_in").asLong());
        assertEquals(sum(bobs, "completion_tokens"), me.get("tokens_out").asLong());
        assertEquals(4, me.get("messages").asLong(), "one chat message and three Claude messages");
        assertEquals(BigDecimal.valueOf(sum(bobs, "latency_ms")).divide(BigDecimal.valueOf(bobs.size()), 1,
                RoundingMode.HALF_UP), me.get("avg_ms").decimalValue().setScale(1, RoundingMode.UNNECESSARY));
        assertEquals(me, api.get("/api/admin/stats/user/" + bob, TestStack.ADMIN_KEY).json());
        assertEquals(403, api.get("/api/admin/stats/user/" + alice, bobKey).status());
        assertEquals(bobs.size(), api.get("/api/user/monitor", bobKey).json().get("stats").get("requests").asLong());
        JsonNode keys = api.get("/api/user/api-keys/usage", bobKey).json().get("keys");
        assertEquals(1, keys.size(), "bob's one key, nobody else's");
        assertEquals(bobs.size(), keys.get(0).get("requests").asLong());
        assertEquals(sum(bobs, "cost_micros"), micros(keys.get(0).get("cost")));
        assertEquals(403, api.get("/api/admin/monitor", bobKey).status());
        assertTrue(api.get("/api/admin/monitor", TestStack.ADMIN_KEY).json().get("users").asLong() >= 3);
    }

    @Test
    void auditLogsShowAdminsEverythingAndUsersTheirOwn() {
        JsonNode all = api.get("/api/audit-logs?action=key.created", TestStack.ADMIN_KEY).json();
        assertTrue(all.size() >= 3, all.toString());
        JsonNode bobs = api.get("/api/audit-logs", bobManager).json();
        assertTrue(bobs.size() >= 2);
        bobs.forEach(a -> assertEquals(Long.toString(bob), a.get("account_id").asText()));
        assertEquals(1, api.get("/api/user/api-keys/audit-logs?action=user.created", bobManager).json().size());
        assertEquals(403, api.get("/api/audit-logs", bobKey).status(), "a key that only calls models reads no audit log");
        assertEquals(0, api.get("/api/audit-logs?start_date=2030-01-01", TestStack.ADMIN_KEY).json().size());
    }

    @Test
    void aMonthlyStatementEqualsReplayUntilTheMonthsEnd() throws Exception {
        JsonNode october = api.get("/api/ledger/statements?account_id=" + DAVE + "&month=2026-10", TestStack.ADMIN_KEY).json();
        assertEquals(3_000_000, micros(october.get("opening_balance")));
        assertEquals(10_000_000, micros(october.get("credits")));
        assertEquals(1_500_000, micros(october.get("usage").get("total")));
        assertEquals(11_500_000, micros(october.get("closing_balance")));
        assertEquals(2, october.get("usage").get("by_model").size());
        assertEquals(1_500_000, micros(october.get("usage").get("by_cost_centre").get(0).get("cost")));
        long firstOct = TestStack.count(flow.gateway.dataSource(), "SELECT min(seq) FROM ledger_event WHERE account_id = '"
                + DAVE + "' AND occurred_at >= '2026-10-01' AND occurred_at < '2026-11-01'");
        assertEquals(firstOct, october.get("seq_range").get("first_seq").asLong());
        assertEquals(firstOct + 2, october.get("seq_range").get("last_seq").asLong());

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(0, Replay.run(flow.projectorConfig, Replay.Source.POSTGRES, Instant.parse("2026-10-31T23:59:59.999999Z"),
                false, new PrintStream(out, true, StandardCharsets.UTF_8)), out.toString());
        assertEquals(micros(october.get("closing_balance")), TestStack.count(TestStack.dataSource(flow.db),
                "SELECT credits_micros - spent_micros FROM replay.rm_balance WHERE account_id = '" + DAVE + "'"));

        JsonNode november = api.get("/api/ledger/statements?account_id=" + DAVE + "&month=2026-11", TestStack.ADMIN_KEY).json();
        assertEquals(october.get("closing_balance").decimalValue().compareTo(november.get("opening_balance").decimalValue()), 0);

        String aliceManager = api.post("/api/keys", TestStack.ADMIN_KEY, "{\"user_id\":" + alice + ",\"name\":\"m\","
                + "\"scopes\":\"manage\"}").json().get("key").asText();
        JsonNode alices = api.get("/api/ledger/statements?month=" + LocalDate.now(ZoneOffset.UTC).toString().substring(0, 7),
                aliceManager).json();
        assertEquals(403, api.get("/api/ledger/statements?month=2026-10", aliceKey).status(),
                "a key that only calls models reads no statement");
        long aliceSpent = sum(usage().stream().filter(e -> e.get("user_id").asLong() == alice).toList(), "cost_micros");
        assertEquals(5_000_000 - aliceSpent, micros(alices.get("closing_balance")));
        assertEquals(403, api.get("/api/ledger/statements?account_id=" + alice + "&month=2026-10", bobManager).status());
        assertEquals(400, api.get("/api/ledger/statements?month=October", bobManager).status());
        assertNull(api.get("/api/ledger/statements?month=2020-01", bobManager).json().get("seq_range").get("first_seq")
                .textValue());
    }

    @Test
    void replayVerifyAgreesWithTheLiveModelsAfterExpiredRateWindowsWerePruned() throws Exception {
        // October's minute windows are weeks older than today's: both the projector and replay drop them.
        assertEquals(0, TestStack.count(flow.gateway.dataSource(), "SELECT count(*) FROM rm_rate_window WHERE "
                + "granularity = 'MINUTE' AND window_start < now() - interval '3 days'"));
        assertEquals(0, TestStack.count(flow.gateway.dataSource(), "SELECT count(*) FROM rm_rate_window WHERE "
                + "granularity = 'HOUR' AND window_start < now() - interval '32 days'"));
        assertTrue(TestStack.count(flow.gateway.dataSource(), "SELECT count(*) FROM rm_rate_window WHERE "
                + "granularity = 'DAY' AND window_start < '2026-11-01'") > 0, "day windows are kept");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(0, Replay.run(flow.projectorConfig, Replay.Source.POSTGRES, null, true,
                new PrintStream(out, true, StandardCharsets.UTF_8)), out.toString());
    }

    @Test
    void theSpendCsvGroupsByTheAskedDimensions() throws IOException {
        Api.Reply csv = api.get("/api/reports/spend.csv?group_by=cost_centre,month&from=2026-10-01", TestStack.ADMIN_KEY);
        assertEquals(200, csv.status(), csv.body());
        assertTrue(csv.header("content-type").startsWith("text/csv"));
        List<String> lines = csv.body().lines().toList();
        assertEquals("cost_centre,month,requests,prompt_tokens,completion_tokens,cost_usd", lines.getFirst());
        Map<String, Long> expected = usage().stream().collect(Collectors.groupingBy(e -> spreadsheetSafe(e.get("cost_centre").asText(""))
                + "|" + e.get("_month").asText(), TreeMap::new, Collectors.summingLong(e -> e.get("cost_micros").asLong())));
        Map<String, Long> actual = new TreeMap<>();
        try (CSVParser rows = CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get()
                .parse(new StringReader(csv.body()))) {
            for (CSVRecord r : rows) {
                actual.put(r.get("cost_centre") + "|" + r.get("month"),
                        new BigDecimal(r.get("cost_usd")).movePointRight(6).longValueExact());
            }
        }
        assertEquals(expected, actual);
        assertTrue(csv.body().contains("\"R&D, Labs\""), "a comma inside a value is quoted");
        assertTrue(actual.keySet().stream().anyMatch(k -> k.startsWith("'=HYPERLINK(")), "a formula is shown as text: " + actual);
        assertTrue(csv.body().lines().noneMatch(l -> l.startsWith("=") || l.startsWith("\"=")), csv.body());
        assertEquals(400, api.get("/api/reports/spend.csv?group_by=cost_centre,colour", TestStack.ADMIN_KEY).status());
        String bobs = api.get("/api/reports/spend.csv?group_by=user_id", bobKey).body();
        assertEquals(2, bobs.lines().count(), "a user's CSV has its own row only: " + bobs);
    }

    /** OWASP's rule for CSV cells: a leading = + - @ (or tab, CR) gets an apostrophe. */
    private static String spreadsheetSafe(String cell) {
        return !cell.isEmpty() && "=+-@\t\r".indexOf(cell.charAt(0)) >= 0 ? "'" + cell : cell;
    }

    private List<JsonNode> usage() {
        return TestStack.payloads(flow.gateway.dataSource(), "SELECT (payload || jsonb_build_object('_month', "
                + "to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM'), '_day', to_char(occurred_at AT TIME ZONE 'UTC', "
                + "'YYYY-MM-DD')))::text FROM ledger_event "
                + "WHERE type = 'UsageRecorded' ORDER BY seq");
    }

    private static long sum(List<JsonNode> events, String field) {
        return events.stream().mapToLong(e -> e.get(field).asLong()).sum();
    }

    /** Cost and request count per key, as the test computes them; "" is shown as "(none)". */
    private static Map<String, List<Long>> byKey(List<JsonNode> events, Function<JsonNode, String> key) {
        Map<String, List<Long>> out = new TreeMap<>();
        for (JsonNode e : events) {
            String k = key.apply(e);
            List<Long> v = out.getOrDefault(k.isEmpty() || k.equals("null") ? "(none)" : k, List.of(0L, 0L));
            out.put(k.isEmpty() || k.equals("null") ? "(none)" : k, List.of(v.get(0) + e.get("cost_micros").asLong(),
                    v.get(1) + 1));
        }
        return out;
    }

    private static Map<String, List<Long>> rows(JsonNode rows, String field) {
        Map<String, List<Long>> out = new TreeMap<>();
        rows.forEach(r -> out.put(r.get(field).asText(), List.of(micros(r.get("total_cost")), r.get("request_count").asLong())));
        return out;
    }

    static long micros(JsonNode usd) {
        return usd.decimalValue().movePointRight(6).longValueExact();
    }

    private static NewEvent at(String instant, LedgerEvent e) {
        return new NewEvent(java.util.UUID.randomUUID(), Instant.parse(instant), e);
    }

    private static UsageRecorded usage(long user, String model, String costCentre, long cost) {
        return new UsageRecorded("r-" + cost, user, 77, model, "mock", "/chat/completions", false, 10, 10, 20, false, cost,
                100, 200, "h-" + cost, costCentre, "ops", "live", null, 1, false, null, null, null);
    }

    private void chat(String key, String model, String prompt, boolean stream) {
        assertEquals(200, api.post("/v1/chat/completions", key, Catalog.chatBody(model, prompt, stream)).status());
    }

    private long user(String email) {
        return api.post("/api/users", TestStack.ADMIN_KEY, "{\"email\":\"" + email + "\"}").json().get("id").asLong();
    }

    private String key(long user, String costCentre, String project, String env) {
        return api.post("/api/keys", TestStack.ADMIN_KEY, "{\"user_id\":" + user + ",\"name\":\"k\",\"scopes\":"
                + "\"completion:invoke,model:any\",\"cost_centre\":\"" + costCentre + "\",\"project\":\"" + project
                + "\",\"environment\":\"" + env + "\"}").json().get("key").asText();
    }
}
