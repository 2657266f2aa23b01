package io.tollgate.devstack.drill;

import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code budget-race}: 200 concurrent requests on a virtual key whose monthly budget covers 10 of
 * them at their worst case; prints the statuses, what was spent and the overshoot (target 0).
 */
final class BudgetRaceDrill {
    /** demo-chat: this prompt with max_tokens 10 reserves 20 micro-USD at worst. */
    private static final String BODY = "{\"model\":\"demo-chat\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\","
            + "\"content\":\"hello budget\"}]}";
    private static final long BUDGET_MICROS = 10 * 20;

    private BudgetRaceDrill() {
    }

    static Drill.Result run(Path dir, PrintStream out) throws Exception {
        try (DrillStack stack = DrillStack.start(dir)) {
            stack.userKey("race@drill.io");
            HttpResponse<String> vk = stack.send("POST", "/api/admin/virtual-keys", DrillStack.ADMIN,
                    "{\"name\":\"race\",\"user_email\":\"race@drill.io\",\"monthly_budget_cap\":\"0.000200\"}");
            String key = vk.body().replaceAll(".*\"key\":\"([^\"]+)\".*", "$1");
            String userId = vk.body().replaceAll(".*\"user_id\":(\\d+).*", "$1");
            Map<Integer, Integer> statuses = new TreeMap<>();
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<HttpResponse<String>>> replies = new ArrayList<>();
                for (int i = 0; i < 200; i++) {
                    replies.add(pool.submit(() -> stack.send("POST", "/v1/chat/completions", key, BODY)));
                }
                for (Future<HttpResponse<String>> r : replies) {
                    statuses.merge(r.get().statusCode(), 1, Integer::sum);
                }
            }
            long spent = stack.count("SELECT coalesce(sum((payload->>'cost_micros')::bigint), 0) FROM ledger_event "
                    + "WHERE type = 'UsageRecorded' AND account_id = '" + userId + "'");
            long overshoot = Math.max(0, spent - BUDGET_MICROS);
            int ok = statuses.getOrDefault(200, 0);
            boolean passed = overshoot == 0 && ok + statuses.getOrDefault(429, 0) == 200 && ok >= 10;
            return new Drill.Result("budget-race", passed, "statuses=" + statuses + " spent=" + spent
                    + " budget=" + BUDGET_MICROS + " micro-USD overshoot=" + overshoot);
        }
    }
}
