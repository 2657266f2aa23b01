package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.sql.Connection;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What the console's statement, chart and health pages read: a statement's verification against a
 * fold of the ledger itself (and its failure when a read model was altered), the spend report as JSON
 * equal to its CSV twin, and the event flow's health.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StatementVerificationTest {
    private EventFlow flow;
    private Api api;
    private long user;
    private final String month = LocalDate.now(ZoneOffset.UTC).toString().substring(0, 7);

    @BeforeAll
    void start() {
        flow = new EventFlow(TestStack.kafka().bootstrap());
        api = flow.api;
        Catalog.register(api);
        user = api.post("/api/users", TestStack.ADMIN_KEY, "{\"email\":\"vera@verify.io\"}").json().get("id").asLong();
        assertEquals(201, api.post("/api/admin/credits", TestStack.ADMIN_KEY, "{\"user_id\":" + user
                + ",\"amount\":\"12.50\",\"idempotency_key\":\"v-1\"}").status());
        for (String centre : new String[] {"Ops", "Ops", "Legal"}) {
            String key = api.post("/api/admin/virtual-keys", TestStack.ADMIN_KEY, "{\"name\":\"k\",\"user_id\":" + user
                    + ",\"cost_centre\":\"" + centre + "\",\"environment\":\"prod\"}").json().get("key").asText();
            assertEquals(200, api.post("/v1/chat/completions", key, Catalog.chatBody("chat", "hello " + centre, false)).status());
        }
        flow.awaitProjected(30);
    }

    @AfterAll
    void stop() {
        flow.close();
    }

    @Test
    void aStatementVerifiesAgainstTheLedgerUntilAReadModelIsAltered() throws Exception {
        JsonNode ok = api.get("/api/ledger/statements/verify?account_id=" + user + "&month=" + month, TestStack.ADMIN_KEY).json();
        assertTrue(ok.get("verified").asBoolean(), ok.toString());
        assertEquals(0, ok.get("differences").size());
        assertEquals(0, new java.math.BigDecimal("12.50").compareTo(ok.at("/replay/credits").decimalValue()));
        assertEquals(3, ok.at("/replay/requests").asLong());

        // Someone with the owner's rights changes a read model behind the projector's back.
        try (Connection c = TestStack.dataSource(flow.db).getConnection(); Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE rm_account_month SET spent_micros = spent_micros - 1 WHERE account_id = '" + user + "'");
        }
        JsonNode altered = api.get("/api/ledger/statements/verify?account_id=" + user + "&month=" + month,
                TestStack.ADMIN_KEY).json();
        assertFalse(altered.get("verified").asBoolean(), altered.toString());
        Map<String, JsonNode> fields = new HashMap<>();
        altered.get("differences").forEach(d -> fields.put(d.get("field").asText(), d));
        assertEquals(java.util.Set.of("usage_total", "closing_balance"), fields.keySet());
        assertEquals(ok.at("/replay/usage_total").decimalValue(), fields.get("usage_total").get("replay").decimalValue());
    }

    @Test
    void aUserVerifiesOnlyTheirOwnStatements() {
        String own = api.newKey(user, "manage");
        assertEquals(200, api.get("/api/ledger/statements/verify?month=" + month, own).status());
        Api.Reply other = api.get("/api/ledger/statements/verify?account_id=1&month=" + month, own);
        assertEquals(403, other.status(), other.body());
    }

    @Test
    void theSpendReportAsJsonEqualsItsCsvTwinAndFiltersByCostCentre() throws Exception {
        JsonNode json = api.get("/api/reports/spend?group_by=cost_centre,day", TestStack.ADMIN_KEY).json();
        String csv = api.get("/api/reports/spend.csv?group_by=cost_centre,day", TestStack.ADMIN_KEY).body();
        var records = CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get().parse(new StringReader(csv)).getRecords();
        assertEquals(records.size(), json.get("rows").size());
        for (int i = 0; i < records.size(); i++) {
            CSVRecord r = records.get(i);
            JsonNode row = json.get("rows").get(i);
            assertEquals(r.get("cost_centre"), row.get("cost_centre").asText());
            assertEquals(r.get("day"), row.get("day").asText());
            assertEquals(Long.parseLong(r.get("requests")), row.get("requests").asLong());
            assertEquals(0, new java.math.BigDecimal(r.get("cost_usd")).compareTo(row.get("cost").decimalValue()));
            assertEquals(row.get("cost").decimalValue().movePointRight(6).longValueExact(), row.get("cost_micros").asLong());
        }
        JsonNode ops = api.get("/api/reports/spend?group_by=cost_centre&cost_centre=Ops", TestStack.ADMIN_KEY).json();
        assertEquals(1, ops.get("rows").size());
        assertEquals(2, ops.get("rows").get(0).get("requests").asLong());
        assertEquals(400, api.get("/api/reports/spend?group_by=colour", TestStack.ADMIN_KEY).status());
    }

    @Test
    void theHealthPageSeesEveryStageOfTheEventFlowCaughtUp() {
        JsonNode h = api.get("/api/admin/health", TestStack.ADMIN_KEY).json();
        assertEquals("up", h.at("/postgres/status").asText());
        assertTrue(h.at("/ledger/accepting").asBoolean());
        long last = h.at("/ledger/last_seq").asLong();
        assertTrue(last > 0);
        assertTrue(h.at("/kafka_relay/enabled").asBoolean());
        TestStack.await("relay and projector to catch up", 30, () -> {
            JsonNode now = api.get("/api/admin/health", TestStack.ADMIN_KEY).json();
            return now.at("/kafka_relay/lag_events").asLong() == 0 && now.at("/projector/lag_events").asLong() == 0;
        });
    }
}
