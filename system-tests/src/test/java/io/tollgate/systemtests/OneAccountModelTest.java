package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.YearMonth;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.tollgate.gateway.Gateway;
import io.tollgate.ledger.account.Balance;
import io.tollgate.ledger.account.Months;
import io.tollgate.ledger.events.CreditsAdded;
import io.tollgate.ledger.events.EventCodec;
import io.tollgate.ledger.events.NewEvent;
import io.tollgate.ledger.events.UsageRecorded;
import io.tollgate.ledger.money.Micros;
import io.tollgate.ledger.store.EventStore;
import io.tollgate.projector.Replay;

/**
 * Issue 17's agreement: after mixed traffic, top-ups, a revoked key and a month roll-over, an account's
 * money reads the same to the micro-unit everywhere: the balance the gateway reports (its admission
 * state), a second gateway that folded the ledger at start-up, both months' statements and their
 * verification, the live read models, and {@code replay --verify}. The oracle is the ledger itself.
 */
class OneAccountModelTest {
    private static final long LAST_MONTH_CREDITS = 5_000_000;
    private static final long LAST_MONTH_USAGE = 1_234_567;

    @Test
    void everyReadingOfAnAccountsMoneyAgreesAcrossAMonthRollOver() throws Exception {
        try (EventFlow flow = new EventFlow(TestStack.kafka().bootstrap())) {
            Api api = flow.api;
            Catalog.register(api);
            long user = api.post("/api/users", TestStack.ADMIN_KEY, "{\"email\":\"ada@one-model.io\"}").json().get("id").asLong();
            topUp(api, user, "20.00", "one-1");
            JsonNode virtual = api.post("/api/admin/virtual-keys", TestStack.ADMIN_KEY, "{\"name\":\"ops\",\"user_id\":" + user
                    + ",\"cost_centre\":\"Ops\"}").json();
            String ops = virtual.get("key").asText();
            long opsId = virtual.get("id").asLong();
            JsonNode other = api.post("/api/keys", TestStack.ADMIN_KEY, "{\"user_id\":" + user
                    + ",\"name\":\"laptop\",\"scopes\":\"completion:invoke,model:any\"}").json();
            String laptop = other.get("key").asText();
            for (int i = 0; i < 3; i++) {
                assertEquals(200, api.post("/v1/chat/completions", ops, Catalog.chatBody("chat", "ops " + i, i == 1)).status());
            }
            assertEquals(200, api.post("/v1/chat/completions", laptop, Catalog.chatBody("chat", "laptop", false)).status());
            assertEquals(200, api.post("/v1/chat/completions", laptop, Catalog.chatBody("chat", "laptop", true)).status());

            // Last month's top-up and usage, recorded then by another instance and reaching this gateway after it
            // loaded the account: they count for the balance and last month, not for this month's spend.
            YearMonth thisMonth = Months.of(Instant.now());
            Instant lastMonth = Months.start(thisMonth).minusSeconds(120);
            new EventStore(flow.gateway.dataSource(), new EventCodec()).append(List.of(
                    new NewEvent(UUID.randomUUID(), lastMonth, new CreditsAdded(user, LAST_MONTH_CREDITS, "invoice",
                            "one-0", 1)),
                    new NewEvent(UUID.randomUUID(), lastMonth.plusSeconds(30), new UsageRecorded("last-month", user, opsId,
                            "chat", "mock", "/chat/completions", false, 900, 100, 1_000, false, LAST_MONTH_USAGE, 40,
                            200, null, "Ops", null, null, null, 1, false, null, null, null))));

            topUp(api, user, "2.50", "one-2");
            assertEquals(204, api.delete("/api/keys/" + other.get("id").asLong(), TestStack.ADMIN_KEY).status());
            assertEquals(401, api.post("/v1/chat/completions", laptop, Catalog.chatBody("chat", "revoked", false)).status());
            for (int i = 0; i < 2; i++) {
                assertEquals(200, api.post("/v1/chat/completions", ops, Catalog.chatBody("chat", "after " + i, false)).status());
            }
            flow.awaitProjected(60);

            Balance ledger = ledgerBalance(flow, user);
            long spentThisMonth = Math.subtractExact(ledger.spentMicros(), LAST_MONTH_USAGE);
            assertEquals(22_500_000 + LAST_MONTH_CREDITS, ledger.creditsMicros());
            assertEquals(8, ledger.requests());

            TestStack.await("the gateway to follow last month's events", 10,
                    () -> micros(balance(api, user).get("spent")) == ledger.spentMicros());
            assertReports(balance(api, user), ledger, spentThisMonth);
            try (Gateway restarted = Gateway.start(TestStack.config(flow.db))) {
                assertReports(balance(new Api(restarted.port()), user), ledger, spentThisMonth);
            }

            JsonNode previous = statement(api, user, thisMonth.minusMonths(1));
            assertEquals(0, micros(previous.get("opening_balance")));
            assertEquals(LAST_MONTH_CREDITS, micros(previous.get("credits")));
            assertEquals(LAST_MONTH_USAGE, micros(previous.at("/usage/total")));
            JsonNode current = statement(api, user, thisMonth);
            assertEquals(micros(previous.get("closing_balance")), micros(current.get("opening_balance")));
            assertEquals(22_500_000, micros(current.get("credits")));
            assertEquals(spentThisMonth, micros(current.at("/usage/total")));
            assertEquals(ledger.availableMicros(), micros(current.get("closing_balance")));
            for (YearMonth m : List.of(thisMonth.minusMonths(1), thisMonth)) {
                JsonNode verified = api.get("/api/ledger/statements/verify?account_id=" + user + "&month=" + m,
                        TestStack.ADMIN_KEY).json();
                assertTrue(verified.get("verified").asBoolean(), verified.toString());
            }

            assertEquals(ledger, flow.live().balances.get(Long.toString(user)));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            assertEquals(0, Replay.run(flow.projectorConfig, Replay.Source.POSTGRES, null, true,
                    new PrintStream(out, true, StandardCharsets.UTF_8)), out.toString());
            assertTrue(out.toString().contains("verify: OK"), out.toString());
        }
    }

    private static void assertReports(JsonNode b, Balance ledger, long spentThisMonth) {
        assertEquals(ledger.creditsMicros(), micros(b.get("credits")), b.toString());
        assertEquals(ledger.spentMicros(), micros(b.get("spent")), b.toString());
        assertEquals(ledger.availableMicros(), micros(b.get("available")), b.toString());
        assertEquals(spentThisMonth, micros(b.get("spent_this_month")), b.toString());
        assertEquals(0, micros(b.get("reserved")), b.toString());
    }

    /** The account's credits, spend and calls summed straight from the ledger's events. */
    private static Balance ledgerBalance(EventFlow flow, long user) {
        String account = "account_id = '" + user + "'";
        return new Balance(
                TestStack.count(flow.gateway.dataSource(), "SELECT coalesce(sum((payload->>'amount_micros')::bigint), 0) "
                        + "FROM ledger_event WHERE type = 'CreditsAdded' AND " + account),
                TestStack.count(flow.gateway.dataSource(), "SELECT coalesce(sum((payload->>'cost_micros')::bigint), 0) "
                        + "FROM ledger_event WHERE type = 'UsageRecorded' AND " + account),
                TestStack.count(flow.gateway.dataSource(), "SELECT count(*) FROM ledger_event WHERE type = 'UsageRecorded' AND "
                        + account));
    }

    private static void topUp(Api api, long user, String amount, String idempotencyKey) {
        assertEquals(201, api.post("/api/admin/credits", TestStack.ADMIN_KEY, "{\"user_id\":" + user + ",\"amount\":\""
                + amount + "\",\"idempotency_key\":\"" + idempotencyKey + "\"}").status());
    }

    private static JsonNode balance(Api api, long user) {
        for (JsonNode b : api.get("/api/admin/balances", TestStack.ADMIN_KEY).json()) {
            if (b.get("user_id").asLong() == user) {
                return b;
            }
        }
        throw new AssertionError("no balance for user " + user);
    }

    private static JsonNode statement(Api api, long user, YearMonth month) {
        Api.Reply r = api.get("/api/ledger/statements?account_id=" + user + "&month=" + month, TestStack.ADMIN_KEY);
        assertEquals(200, r.status(), r.body());
        return r.json();
    }

    private static long micros(JsonNode usd) {
        return Micros.fromDecimal(new BigDecimal(usd.asText()));
    }
}
