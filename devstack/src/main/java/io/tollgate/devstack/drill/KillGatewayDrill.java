package io.tollgate.devstack.drill;

import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;

import io.tollgate.devstack.DemoCatalog;
import io.tollgate.devstack.DevPostgres;
import io.tollgate.devstack.GatewayProcess;
import io.tollgate.devstack.MockUpstream;
import io.tollgate.gateway.providers.SecretBox;

/**
 * {@code kill-gateway}: the production gateway process is killed with SIGKILL 5 times under load
 * and restarted. Every reply the clients received with status 200 must have its
 * {@code UsageRecorded} event, and no event may exist twice.
 */
final class KillGatewayDrill {
    private static final int CLIENTS = 8;

    private KillGatewayDrill() {
    }

    static Drill.Result run(Path dir, PrintStream out) throws Exception {
        try (DevPostgres pg = DevPostgres.start(dir.resolve("postgres"));
             MockUpstream mock = MockUpstream.start(0, DemoCatalog.UPSTREAM_KEY);
             HikariDataSource ds = pg.database("tollgate").pool("drill")) {
            String master = SecretBox.newMasterKey();
            int port = DevPostgres.freePort();
            String base = "http://127.0.0.1:" + port;
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(2)).build();
            Process gateway = GatewayProcess.start(dir, pg.port(), port, master, DrillStack.ADMIN);
            GatewayProcess.awaitReady(base, gateway);
            String key = setUp(http, base, mock.baseUrl());

            Set<String> okIds = ConcurrentHashMap.newKeySet();
            AtomicLong failures = new AtomicLong();
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> clients = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                int n = c;
                clients.add(Thread.ofPlatform().start(() -> {
                    long i = 0;
                    while (!stop.get()) {
                        String body = "{\"model\":\"demo-chat\",\"stream\":" + (i % 2 == 0) + ",\"messages\":[{\"role\":"
                                + "\"user\",\"content\":\"client " + n + " call " + i++ + "\"}]}";
                        try {
                            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/chat/completions"))
                                    .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + key)
                                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body))
                                    .build(), HttpResponse.BodyHandlers.ofString());
                            // A stream counts as received only when it ended with its final event.
                            if (r.statusCode() == 200 && (!body.contains("\"stream\":true") || r.body().contains("[DONE]"))) {
                                okIds.add(r.headers().firstValue("x-request-id").orElseThrow());
                            } else {
                                failures.incrementAndGet();
                            }
                        } catch (java.io.IOException e) {
                            failures.incrementAndGet();
                            sleepQuietly(); // the gateway is down: retry soon, not in a hot loop
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }));
            }
            for (int kill = 1; kill <= 5; kill++) {
                Thread.sleep(2000);
                gateway.destroyForcibly();
                gateway.waitFor();
                out.printf("kill %d: gateway killed with %,d replies received so far%n", kill, okIds.size());
                gateway = GatewayProcess.start(dir, pg.port(), port, master, DrillStack.ADMIN);
                GatewayProcess.awaitReady(base, gateway);
            }
            Thread.sleep(2000);
            stop.set(true);
            for (Thread t : clients) {
                t.join();
            }
            gateway.destroy();
            gateway.waitFor();
            long missing = okIds.stream().filter(id -> count(ds, "SELECT count(*) FROM ledger_event WHERE type = "
                    + "'UsageRecorded' AND payload->>'request_id' = '" + id + "'") != 1).count();
            long duplicates = count(ds, "SELECT count(*) FROM (SELECT payload->>'request_id' FROM ledger_event "
                    + "WHERE type = 'UsageRecorded' GROUP BY 1 HAVING count(*) > 1) d");
            long events = count(ds, "SELECT count(*) FROM ledger_event WHERE type = 'UsageRecorded'");
            boolean passed = missing == 0 && duplicates == 0 && okIds.size() > 0;
            return new Drill.Result("kill-gateway", passed, "kills=5 replies_200=" + okIds.size() + " failed_or_cut="
                    + failures.get() + " usage_events=" + events + " replies_without_event=" + missing
                    + " duplicated_events=" + duplicates);
        }
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static long count(DataSource ds, String sql) {
        return DrillStack.count(ds, sql);
    }

    /** The demo models on the mock, and a user key, through the public API. */
    private static String setUp(HttpClient http, String base, String mockBase) throws Exception {
        String provider = post(http, base + "/api/providers", "{\"name\":\"mock\",\"type\":\"openai\",\"base_url\":\""
                + mockBase + "\",\"api_key\":\"" + DemoCatalog.UPSTREAM_KEY + "\"}");
        String providerId = provider.replaceAll(".*\"id\":(\\d+).*", "$1");
        post(http, base + "/v1/models", "{\"name\":\"demo-chat\",\"model_name\":\"demo-chat\",\"upstream_model\":"
                + "\"mock-chat\",\"provider_id\":" + providerId + ",\"input_price_per_million\":\"0.5\","
                + "\"output_price_per_million\":\"1.5\"}");
        return post(http, base + "/api/keys", "{\"name\":\"drill\",\"scopes\":\"completion:invoke,model:any\"}")
                .replaceAll(".*\"key\":\"([^\"]+)\".*", "$1");
    }

    private static String post(HttpClient http, String url, String body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", "Bearer " + DrillStack.ADMIN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 201) {
            throw new IllegalStateException(url + ": " + r.statusCode() + " " + r.body());
        }
        return r.body();
    }
}
