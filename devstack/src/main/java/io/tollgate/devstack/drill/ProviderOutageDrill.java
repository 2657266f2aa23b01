package io.tollgate.devstack.drill;

import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import io.tollgate.devstack.DemoCatalog;
import io.tollgate.devstack.MockUpstream;
import io.tollgate.ledger.money.Micros;

/**
 * {@code provider-outage}: {@code demo-chat} served by two deployments on two upstreams, each at its own
 * price, under steady load from {@value #CLIENTS} clients; one upstream is killed for
 * {@code tollgate.drill.outage.seconds} (30) and started again. Passes when no client saw an error, the
 * ledger holds exactly one event per success, each charged at the price of the deployment that served
 * it, and the restored deployment serves again.
 */
final class ProviderOutageDrill {
    private static final int CLIENTS = 8;
    private static final long STEADY_MS = 5_000;
    private static final long RECOVERY_LIMIT_MS = 60_000;
    private static final String BODY = "{\"model\":\"demo-chat\",\"messages\":[{\"role\":\"user\",\"content\":"
            + "\"are you still there\"}]}";
    /** The second deployment's own price, so that a charge says which deployment served. */
    private static final long B_INPUT = 600_000;
    private static final long B_OUTPUT = 1_800_000;

    private ProviderOutageDrill() {
    }

    static Drill.Result run(Path dir, PrintStream out) throws Exception {
        long outageMs = Long.getLong("tollgate.drill.outage.seconds", 30) * 1000;
        try (DrillStack stack = DrillStack.start(dir)) {
            AtomicReference<MockUpstream> b = new AtomicReference<>(MockUpstream.start(0, DemoCatalog.UPSTREAM_KEY));
            int port = b.get().port();
            try {
                HttpResponse<String> p = stack.send("POST", "/api/providers", DrillStack.ADMIN, "{\"name\":\"second\","
                        + "\"type\":\"openai\",\"base_url\":\"" + b.get().baseUrl() + "\",\"api_key\":\""
                        + DemoCatalog.UPSTREAM_KEY + "\"}");
                String providerId = p.body().replaceAll(".*?\"id\":(\\d+).*", "$1");
                HttpResponse<String> d = stack.send("POST", "/api/models/demo-chat/deployments", DrillStack.ADMIN,
                        "{\"name\":\"demo-chat@second\",\"provider_id\":" + providerId + ",\"upstream_model\":\"mock-chat\","
                        + "\"input_price_per_million\":\"0.60\",\"output_price_per_million\":\"1.80\"}");
                if (d.statusCode() != 201) {
                    return new Drill.Result("provider-outage", false, "could not add the deployment: " + d.body());
                }
                String key = stack.userKey("outage@drill.io");
                Map<String, Long> servedBy = new ConcurrentHashMap<>();
                Map<Integer, Long> statuses = new ConcurrentHashMap<>();
                AtomicBoolean running = new AtomicBoolean(true);
                AtomicReference<String> phase = new AtomicReference<>("before");
                try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
                    for (int i = 0; i < CLIENTS; i++) {
                        clients.submit(() -> {
                            while (running.get()) {
                                HttpResponse<String> r = stack.send("POST", "/v1/chat/completions", key, BODY);
                                statuses.merge(r.statusCode(), 1L, Long::sum);
                                r.headers().firstValue("x-tollgate-deployment").ifPresent(dep ->
                                        servedBy.merge(phase.get() + " " + dep, 1L, Long::sum));
                            }
                            return null;
                        });
                    }
                    Thread.sleep(STEADY_MS);
                    out.println("killing the second upstream for " + outageMs / 1000 + " s");
                    phase.set("during");
                    b.get().close();
                    Thread.sleep(outageMs);
                    b.set(MockUpstream.start(port, DemoCatalog.UPSTREAM_KEY));
                    phase.set("after");
                    long restored = System.nanoTime();
                    out.println("second upstream restored");
                    while (servedBy.getOrDefault("after demo-chat@second", 0L) == 0
                            && System.nanoTime() - restored < RECOVERY_LIMIT_MS * 1_000_000) {
                        Thread.sleep(100);
                    }
                    long recoveredMs = (System.nanoTime() - restored) / 1_000_000;
                    Thread.sleep(STEADY_MS);
                    running.set(false);
                    clients.shutdown();
                    clients.awaitTermination(1, java.util.concurrent.TimeUnit.MINUTES);
                    return verdict(stack, new TreeMap<>(statuses), new TreeMap<>(servedBy), recoveredMs);
                }
            } finally {
                b.get().close();
            }
        }
    }

    private static Drill.Result verdict(DrillStack stack, Map<Integer, Long> statuses, Map<String, Long> servedBy,
                                        long recoveredMs) throws java.sql.SQLException {
        long ok = statuses.getOrDefault(200, 0L);
        long errors = statuses.entrySet().stream().filter(e -> e.getKey() != 200).mapToLong(Map.Entry::getValue).sum();
        long events = stack.count("SELECT count(*) FROM ledger_event WHERE type = 'UsageRecorded' AND payload->>'model' "
                + "= 'demo-chat'");
        long retried = stack.count("SELECT count(*) FROM ledger_event WHERE type = 'UsageRecorded' AND "
                + "jsonb_array_length(payload->'attempts') > 0");
        long wrongCost = wronglyCharged(stack);
        boolean back = servedBy.getOrDefault("after demo-chat@second", 0L) > 0;
        boolean passed = errors == 0 && ok > 0 && events == ok && wrongCost == 0 && back;
        return new Drill.Result("provider-outage", passed, "calls=" + ok + " client_errors=" + errors + " events=" + events
                + " retried=" + retried + " wrong_cost=" + wrongCost + " served_by=" + servedBy
                + " second_serving_again_after_ms=" + (back ? recoveredMs : -1) + " statuses=" + statuses);
    }

    /** Events not charged at the price of the deployment they name: the demo's own (0.50/1.50) or the second's. */
    private static long wronglyCharged(DrillStack stack) throws java.sql.SQLException {
        long wrong = 0;
        try (java.sql.Connection c = stack.gateway.dataSource().getConnection();
             java.sql.Statement q = c.createStatement();
             java.sql.ResultSet rs = q.executeQuery("SELECT payload->>'deployment', (payload->>'prompt_tokens')::bigint, "
                     + "(payload->>'completion_tokens')::bigint, (payload->>'cost_micros')::bigint FROM ledger_event "
                     + "WHERE type = 'UsageRecorded'")) {
            while (rs.next()) {
                boolean second = "demo-chat@second".equals(rs.getString(1));
                long expected = Micros.cost(rs.getLong(2), rs.getLong(3), second ? B_INPUT : 500_000,
                        second ? B_OUTPUT : 1_500_000);
                wrong += expected == rs.getLong(4) ? 0 : 1;
            }
        }
        return wrong;
    }
}
