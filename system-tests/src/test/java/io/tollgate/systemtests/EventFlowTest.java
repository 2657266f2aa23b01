package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import com.fasterxml.jackson.databind.JsonNode;

import io.tollgate.ledger.account.Balance;
import io.tollgate.ledger.account.Granularity;
import io.tollgate.ledger.projection.ReadModels;
import io.tollgate.ledger.projection.Rows;
import io.tollgate.projector.Replay;

/** Usage through the gateway reaches every read model through Kafka, with numbers equal to the events'. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EventFlowTest {
    private EventFlow flow;
    private long alice;
    private long bob;

    @BeforeAll
    void start() {
        flow = new EventFlow(TestStack.kafka().bootstrap());
        Api api = flow.api;
        Catalog.register(api);
        alice = api.post("/api/users", TestStack.ADMIN_KEY, "{\"email\":\"alice@corp.io\"}").json().get("id").asLong();
        bob = api.post("/api/users", TestStack.ADMIN_KEY, "{\"email\":\"bob@corp.io\"}").json().get("id").asLong();
        String aliceEng = key(alice, "Engineering", "chatbot");
        String aliceSales = key(alice, "Sales", "crm");
        String bobEng = key(bob, "Engineering", "chatbot");
        for (int i = 0; i < 3; i++) {
            assertEquals(200, api.post("/v1/chat/completions", aliceEng, Catalog.chatBody("chat", "repeat me please", i == 1)).status());
        }
        assertEquals(200, api.post("/v1/chat/completions", aliceSales, Catalog.chatBody("chat", "one two", false)).status());
        assertEquals(200, api.post("/v1/embeddings", bobEng, "{\"model\":\"embed\",\"input\":\"a b c d\"}").status());
        assertEquals(200, api.post("/v1/chat/completions", bobEng, Catalog.chatBody("chat", "repeat me please", false)).status());
        assertEquals(502, api.post("/v1/chat/completions", bobEng, Catalog.chatBody("chat-fail-500", "x", false)).status());
        assertEquals(201, api.post("/api/admin/credits", TestStack.ADMIN_KEY, "{\"user_id\":" + alice
                + ",\"amount\":\"5.00\",\"idempotency_key\":\"top-up-1\"}").status());
        long bobKeyId = api.get("/api/keys?user_id=" + bob, TestStack.ADMIN_KEY).json().get(0).get("id").asLong();
        assertEquals(200, api.put("/api/keys/" + bobKeyId, TestStack.ADMIN_KEY, "{\"action\":\"rotate\"}").status());
        assertEquals(200, api.post("/api/admin/limits", TestStack.ADMIN_KEY, "{\"key_id\":" + bobKeyId
                + ",\"requests_per_day\":1000}").status());
        assertEquals(200, api.post("/api/admin/assign-plan", TestStack.ADMIN_KEY, "{\"user_id\":" + bob
                + ",\"plan_id\":\"pro\"}").status());
        flow.awaitProjected(60);
    }

    private String key(long user, String costCentre, String project) {
        return flow.api.post("/api/keys", TestStack.ADMIN_KEY, "{\"user_id\":" + user + ",\"name\":\"k\",\"scopes\":"
                + "\"completion:invoke,model:any\",\"cost_centre\":\"" + costCentre + "\",\"project\":\"" + project
                + "\"}").json().get("key").asText();
    }

    @AfterAll
    void stop() {
        flow.close();
    }

    private List<JsonNode> usage(long user) {
        return TestStack.payloads(flow.gateway.dataSource(), "SELECT payload::text FROM ledger_event WHERE "
                + "type = 'UsageRecorded' AND account_id = ?", Long.toString(user));
    }

    @Test
    void balancesEqualCreditsMinusTheSumOfUsageCosts() throws Exception {
        ReadModels live = flow.live();
        long aliceSpent = usage(alice).stream().mapToLong(e -> e.get("cost_micros").asLong()).sum();
        long bobSpent = usage(bob).stream().mapToLong(e -> e.get("cost_micros").asLong()).sum();
        assertTrue(aliceSpent > 0 && bobSpent > 0);
        assertEquals(new Balance(5_000_000, aliceSpent, 4), live.balances.get(Long.toString(alice)));
        assertEquals(new Balance(0, bobSpent, 3), live.balances.get(Long.toString(bob)));
        assertEquals(5_000_000 - aliceSpent, live.balances.get(Long.toString(alice)).availableMicros());
    }

    @Test
    void spendRollsUpByCostCentreProjectAndModel() throws Exception {
        ReadModels live = flow.live();
        LocalDate today = Instant.now().atOffset(ZoneOffset.UTC).toLocalDate();
        long engineeringChat = live.spend.entrySet().stream()
                .filter(e -> e.getKey().costCentre().equals("Engineering") && e.getKey().model().equals("chat"))
                .mapToLong(e -> e.getValue().requests()).sum();
        assertEquals(4, engineeringChat); // alice 3 + bob 1; the failed call is under model chat-fail-500
        var bobEmbed = live.spend.entrySet().stream().filter(e -> e.getKey().userId() == bob
                && e.getKey().model().equals("embed")).findFirst().orElseThrow();
        assertEquals(today, bobEmbed.getKey().day());
        assertEquals("chatbot", bobEmbed.getKey().project());
        Rows.Spend embed = bobEmbed.getValue(); // 4 tokens at $0.10/M, rounded up to 1 micro; embeddings have no messages
        assertEquals(List.of(1L, 4L, 0L, 1L, 0L), List.of(embed.requests(), embed.promptTokens(), embed.completionTokens(),
                embed.costMicros(), embed.messages()));
        long total = live.spend.values().stream().mapToLong(Rows.Spend::costMicros).sum();
        long events = TestStack.count(flow.gateway.dataSource(), "SELECT sum((payload->>'cost_micros')::bigint) "
                + "FROM ledger_event WHERE type = 'UsageRecorded'");
        assertEquals(events, total);
    }

    @Test
    void rateWindowsCountRequestsAndTokensPerKeyAndUser() throws Exception {
        ReadModels live = flow.live();
        long aliceDayRequests = live.rateWindows.entrySet().stream().filter(e -> e.getKey().subject().equals("user")
                && e.getKey().subjectId() == alice && e.getKey().granularity() == Granularity.DAY)
                .mapToLong(e -> e.getValue().requests()).sum();
        assertEquals(4, aliceDayRequests);
        long aliceTokens = usage(alice).stream().mapToLong(e -> e.get("total_tokens").asLong()).sum();
        assertEquals(aliceTokens, live.rateWindows.entrySet().stream().filter(e -> e.getKey().subject().equals("user")
                && e.getKey().subjectId() == alice && e.getKey().granularity() == Granularity.HOUR)
                .mapToLong(e -> e.getValue().tokens()).sum());
    }

    @Test
    void repeatedPromptsOfAnAccountAreWasteWithTheirCost() throws Exception {
        ReadModels live = flow.live();
        List<JsonNode> repeats = usage(alice).stream().filter(e -> e.get("model").asText().equals("chat")
                && e.get("prompt_tokens").asLong() == 3).toList();
        assertEquals(3, repeats.size());
        var stats = live.prompts.get(new Rows.PromptKey(Long.toString(alice), repeats.getFirst().get("prompt_hash").asText(),
                "chat"));
        assertEquals(3, stats.occurrences());
        assertEquals(2, stats.repeats());
        assertEquals(repeats.get(1).get("cost_micros").asLong() + repeats.get(2).get("cost_micros").asLong(),
                stats.wastedMicros());
        // Bob's identical prompt is his own first occurrence, not Alice's waste.
        assertEquals(0, live.prompts.get(new Rows.PromptKey(Long.toString(bob), repeats.getFirst().get("prompt_hash")
                .asText(), "chat")).repeats());
    }

    @Test
    void everyAdminEventIsInTheAuditLog() throws Exception {
        ReadModels live = flow.live();
        long nonUsage = TestStack.count(flow.gateway.dataSource(),
                "SELECT count(*) FROM ledger_event WHERE type <> 'UsageRecorded'");
        assertEquals(nonUsage, live.audit.size());
        assertEquals(3, live.audit.values().stream().filter(a -> a.action().equals("user.created")).count());
        assertTrue(live.audit.values().stream().anyMatch(a -> a.action().equals("credits.added")
                && a.accountId().equals(Long.toString(alice)) && a.details().contains("5000000")));
        for (String action : List.of("key.rotated", "limits.set", "plan.assigned")) {
            assertEquals(1, live.audit.values().stream().filter(a -> a.action().equals(action)
                    && a.accountId().equals(Long.toString(bob))).count(), action);
        }
    }

    @Test
    void environmentUsageBreaksAUsersSpendDownByKeyEnvironment() {
        String aliceTest = flow.api.post("/api/keys", TestStack.ADMIN_KEY, "{\"user_id\":" + alice + ",\"name\":\"t\","
                + "\"scopes\":\"completion:invoke,model:any\",\"environment\":\"test\"}").json().get("key").asText();
        JsonNode envs = flow.api.get("/api/user/environment-usage", aliceTest).json().get("environments");
        assertEquals(1, envs.size(), envs.toString());
        assertEquals("live", envs.get(0).get("environment").asText());
        assertEquals(4, envs.get(0).get("requests").asLong());
        long aliceSpent = usage(alice).stream().mapToLong(e -> e.get("cost_micros").asLong()).sum();
        assertEquals(aliceSpent, MoneyControlsTest.micros(envs.get(0).get("cost")));
    }

    private int replay(Replay.Source source, Instant until, boolean verify, ByteArrayOutputStream out) throws Exception {
        return Replay.run(flow.projectorConfig, source, until, verify, new PrintStream(out, true, StandardCharsets.UTF_8));
    }

    @Test
    void replayFromPostgresAndFromKafkaVerifiesAgainstTheLiveModelsAndCatchesTampering() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(0, replay(Replay.Source.POSTGRES, null, true, out), out.toString());
        assertEquals(0, replay(Replay.Source.KAFKA, null, true, out), out.toString());
        assertTrue(out.toString().contains("verify: OK"));

        try (Connection c = flow.gateway.dataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute("UPDATE rm_balance SET spent_micros = spent_micros + 1 WHERE account_id = '" + bob + "'");
            ByteArrayOutputStream tampered = new ByteArrayOutputStream();
            assertEquals(1, replay(Replay.Source.POSTGRES, null, true, tampered));
            assertTrue(tampered.toString().contains("DIFFERENCE balance " + bob + " spentMicros"), tampered.toString());
            s.execute("UPDATE rm_balance SET spent_micros = spent_micros - 1 WHERE account_id = '" + bob + "'");
        }
    }

    @Test
    void verifyComparesUsageEventRowsWrittenOutDuringReplayAndNamesATamperedOne() throws Exception {
        try (Connection c = flow.gateway.dataSource().getConnection(); Statement s = c.createStatement()) {
            long seq;
            try (var rs = s.executeQuery("SELECT min(seq) FROM rm_usage_event")) {
                rs.next();
                seq = rs.getLong(1);
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            assertEquals(0, replay(Replay.Source.POSTGRES, null, true, out), out.toString());
            assertEquals(TestStack.count(flow.gateway.dataSource(), "SELECT count(*) FROM rm_usage_event"),
                    TestStack.count(TestStack.dataSource(flow.db), "SELECT count(*) FROM replay.rm_usage_event"),
                    "every usage row written to the replay schema");
            assertEquals(TestStack.count(flow.gateway.dataSource(), "SELECT count(*) FROM pg_indexes WHERE schemaname = "
                    + "'public' AND tablename LIKE 'rm\\_%'"), TestStack.count(flow.gateway.dataSource(),
                    "SELECT count(*) FROM pg_indexes WHERE schemaname = 'replay'"),
                    "indexes deferred during the load are built again");

            s.execute("UPDATE rm_usage_event SET cost_micros = cost_micros + 1 WHERE seq = " + seq);
            try {
                ByteArrayOutputStream tampered = new ByteArrayOutputStream();
                assertEquals(1, replay(Replay.Source.POSTGRES, null, true, tampered));
                assertTrue(tampered.toString().contains("DIFFERENCE usage_event " + seq + " row: live=("), tampered.toString());
            } finally {
                s.execute("UPDATE rm_usage_event SET cost_micros = cost_micros - 1 WHERE seq = " + seq);
            }
        }
    }
}
