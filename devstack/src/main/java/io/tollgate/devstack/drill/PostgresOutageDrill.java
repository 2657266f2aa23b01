package io.tollgate.devstack.drill;

import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;

import org.HdrHistogram.Histogram;

import io.tollgate.devstack.DevPostgres;

/**
 * {@code postgres-outage}: Postgres stops under load. The gateway must answer 503 quickly (no hang),
 * make no upstream call it cannot ledger, and recover by itself when Postgres returns.
 */
final class PostgresOutageDrill {
    private static final String BODY = "{\"model\":\"demo-chat\",\"messages\":[{\"role\":\"user\",\"content\":\"outage\"}]}";

    private PostgresOutageDrill() {
    }

    static Drill.Result run(Path dir, PrintStream out) throws Exception {
        try (DrillStack stack = DrillStack.start(dir)) {
            String key = stack.userKey("outage@drill.io");
            TreeMap<Integer, Integer> during = new TreeMap<>();
            Histogram refusals = new Histogram(60_000_000_000L, 3);
            AtomicBoolean down = new AtomicBoolean();
            AtomicBoolean stop = new AtomicBoolean();
            Thread load = Thread.ofPlatform().start(() -> {
                while (!stop.get()) {
                    long t = System.nanoTime();
                    int status;
                    try {
                        status = stack.send("POST", "/v1/chat/completions", key, BODY).statusCode();
                    } catch (RuntimeException e) {
                        status = -1;
                    }
                    if (down.get()) {
                        synchronized (during) {
                            during.merge(status, 1, Integer::sum);
                            if (status == 503) {
                                refusals.recordValue(System.nanoTime() - t);
                            }
                        }
                    }
                }
            });
            Thread.sleep(2000);
            int port = stack.postgres.port();
            down.set(true);
            stack.postgres.close();
            out.println("postgres stopped");
            Thread.sleep(10_000);
            stack.postgres = DevPostgres.start(dir.resolve("postgres"), port);
            out.println("postgres restarted");
            long back = System.nanoTime();
            boolean recovered = false;
            while (System.nanoTime() - back < 60_000_000_000L) {
                HttpResponse<String> r = stack.send("POST", "/v1/chat/completions", key, BODY);
                if (r.statusCode() == 200) {
                    recovered = true;
                    break;
                }
                Thread.sleep(200);
            }
            double recoverySeconds = (System.nanoTime() - back) / 1e9;
            down.set(false);
            stop.set(true);
            load.join();
            // Every upstream call, before, during and after, has its UsageRecorded event.
            Thread.sleep(1000);
            long upstreamCalls = stack.mock.calls();
            long events = stack.count("SELECT count(*) FROM ledger_event WHERE type = 'UsageRecorded'");
            double p99 = refusals.getValueAtPercentile(99) / 1e6;
            boolean passed = recovered && during.getOrDefault(503, 0) > 0 && p99 < 2000 && upstreamCalls == events
                    && during.keySet().stream().allMatch(s -> s == 503 || s == 200);
            return new Drill.Result("postgres-outage", passed, "while_down=" + during + " 503_p99_ms="
                    + String.format("%.1f", p99) + " recovered_in_s=" + String.format("%.1f", recoverySeconds)
                    + " upstream_calls=" + upstreamCalls + " usage_events=" + events);
        }
    }
}
