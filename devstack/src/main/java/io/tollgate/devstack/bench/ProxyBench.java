package io.tollgate.devstack.bench;

import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.zaxxer.hikari.HikariDataSource;

import io.tollgate.devstack.DevPostgres;
import io.tollgate.devstack.GatewayProcess;
import io.tollgate.devstack.MockUpstream;
import io.tollgate.gateway.providers.SecretBox;
import io.tollgate.ledger.store.PostgresSettings;

/**
 * The mock upstream called directly and through Tollgate, side by side in one run: non-streaming and
 * streaming chat, at 64 connections (throughput) and at a fixed 1,000 requests/s (latency). The
 * gateway runs as its own process (production {@code Main}, real Postgres, every request ledgered),
 * so its peak RSS is its own.
 */
public final class ProxyBench {
    private static final String ADMIN = "tg_bench_admin_0123456789abcdef0123456789abcdef";
    private static final String DIRECT_BODY = "{\"model\":\"mock-chat\",\"messages\":[{\"role\":\"user\",\"content\":"
            + "\"Summarise the ledger invariants in one short sentence please\"}]}";

    private ProxyBench() {
    }

    /** @param profileTo where to write flame graphs of the gateway (null: not profiled) */
    public static void run(Path dir, Duration phase, Duration warmUp, boolean splitCores, Path profileTo,
                           PrintStream out) throws Exception {
        try (DevPostgres pg = DevPostgres.start(dir.resolve("postgres"));
             MockUpstream mock = MockUpstream.start(0, null);
             MockUpstream closing = MockUpstream.closingIdleConnections(null, IDLE_TIMEOUT, false)) {
            PostgresSettings db = pg.database("tollgate");
            int port = DevPostgres.freePort();
            Process gateway = GatewayProcess.start(dir, pg.port(), port, SecretBox.newMasterKey(), ADMIN,
                    GatewayProcess.Options.DEFAULT.withJvm(profileTo == null ? List.of() : Profiler.gatewayAgent(profileTo)));
            if (profileTo != null) {
                out.println("profiling the gateway: a CPU flame graph every 10 s in " + profileTo.toAbsolutePath());
            }
            try {
                String base = "http://127.0.0.1:" + port;
                GatewayProcess.awaitReady(base, gateway);
                long postmaster = Cores.postmaster(dir.resolve("postgres"));
                if (splitCores && Cores.canSplit()) {
                    Cores.pin(ProcessHandle.current().pid(), Cores.driverCpus());
                    Cores.pin(gateway.pid(), Cores.systemCpus());
                    Cores.pin(postmaster, Cores.systemCpus());
                    out.printf("CPUs: load generator and mock upstream on %s, gateway and Postgres on %s%n",
                            Cores.driverCpus(), Cores.systemCpus());
                } else {
                    out.println("CPUs: shared by load generator, mock upstream, gateway and Postgres");
                }
                String key = setUp(base, mock.baseUrl(), closing.baseUrl());
                String gatewayBody = DIRECT_BODY.replace("mock-chat", "bench-chat");
                String direct = mock.baseUrl() + "/chat/completions";
                String through = base + "/v1/chat/completions";
                LoadGenerator load = new LoadGenerator();
                List<LoadGenerator.Result[]> pairs = new ArrayList<>();
                List<String> cpuPerRequest = new ArrayList<>();
                List<String> commitWaits = new ArrayList<>();
                long sent = 0;
                for (boolean stream : new boolean[] {false, true}) {
                    String d = stream ? streaming(DIRECT_BODY) : DIRECT_BODY;
                    String g = stream ? streaming(gatewayBody) : gatewayBody;
                    String kind = stream ? "stream" : "plain";
                    // Both sides measured warm: the JIT needs ~20 s of this load before the gateway's CPU per
                    // call settles (it falls from ~400 µs to under 100 µs), and a production gateway runs warm.
                    sent += load.closedLoop("warm-up", through, key, g, 64, warmUp).requests();
                    load.closedLoop("warm-up", direct, null, d, 64, warmUp.dividedBy(3));
                    long bench = ProcessHandle.current().pid();
                    long driverCpu = Cores.ownCpuMillis(bench);
                    LoadGenerator.Result directClosed = load.closedLoop(kind + ", 64 connections, direct", direct, null, d,
                            64, phase);
                    double driverDirect = (Cores.ownCpuMillis(bench) - driverCpu) * 1000.0 / directClosed.requests();
                    driverCpu = Cores.ownCpuMillis(bench);
                    long gatewayCpu = Cores.cpuMillis(gateway.pid());
                    long postgresCpu = Cores.cpuMillis(postmaster);
                    Map<Double, Long> waits = CommitWait.scrape(base);
                    LoadGenerator.Result[] closed = {directClosed,
                        load.closedLoop(kind + ", 64 connections, through Tollgate", through, key, g, 64, phase)};
                    commitWaits.add(kind + ", 64 connections: " + CommitWait.between(waits, CommitWait.scrape(base)));
                    cpuPerRequest.add(String.format("%s, 64 connections: direct: load generator and mock %,.0f µs; through:"
                            + " load generator and mock %,.0f µs, gateway %,.0f µs, Postgres %,.0f µs of CPU per request",
                            kind, driverDirect, (Cores.ownCpuMillis(bench) - driverCpu) * 1000.0 / closed[1].requests(),
                            (Cores.cpuMillis(gateway.pid()) - gatewayCpu) * 1000.0 / closed[1].requests(),
                            (Cores.cpuMillis(postmaster) - postgresCpu) * 1000.0 / closed[1].requests()));
                    LoadGenerator.Result fixedDirect = load.fixedRate(kind + ", 1,000 req/s, direct", direct, null, d, 1000, phase);
                    waits = CommitWait.scrape(base);
                    LoadGenerator.Result[] fixed = {fixedDirect,
                        load.fixedRate(kind + ", 1,000 req/s, through Tollgate", through, key, g, 1000, phase)};
                    commitWaits.add(kind + ", 1,000 req/s: " + CommitWait.between(waits, CommitWait.scrape(base)));
                    sent += closed[1].requests() + closed[1].errors() + fixed[1].requests() + fixed[1].errors();
                    pairs.add(closed);
                    pairs.add(fixed);
                }
                // Upstreams close idle connections; after every gap the calls must still all succeed.
                LoadGenerator.Result gaps = afterIdleGaps(load, through, key, gatewayBody.replace("bench-chat", "bench-chat-idle"),
                        phase);
                sent += gaps.requests() + gaps.errors();
                long rssKb = peakRssKb(gateway.pid());
                long events = usageEvents(db);
                out.printf("%-44s %9s %8s %8s %8s %8s%n", "phase", "req/s", "p50 ms", "p90 ms", "p99 ms", "errors");
                for (LoadGenerator.Result[] pair : pairs) {
                    for (LoadGenerator.Result r : pair) {
                        out.printf("%-44s %,9.0f %8.2f %8.2f %8.2f %8d%n", r.name(), r.perSecond(), r.p(50), r.p(90),
                                r.p(99), r.errors());
                    }
                    out.printf("  -> throughput ratio through/direct %.2f; added latency p50 %+.2f ms, p99 %+.2f ms%n",
                            pair[1].perSecond() / pair[0].perSecond(), pair[1].p(50) - pair[0].p(50),
                            pair[1].p(99) - pair[0].p(99));
                }
                out.printf("%-44s %,9d calls in rounds after %d s gaps (upstream closes idle connections after %d s): "
                        + "%d non-2xx%n", "plain, idle gaps, through Tollgate", gaps.requests() + gaps.errors(),
                        GAP.toSeconds(), IDLE_TIMEOUT.toSeconds(), gaps.errors());
                cpuPerRequest.forEach(out::println);
                out.println("each reply's wait for its event's durable commit (tollgate_ledger_commit_wait):");
                commitWaits.forEach(w -> out.println("  " + w));
                Map<String, Long> answers = Answers.byStatus(base);
                long answered = answers.values().stream().mapToLong(Long::longValue).sum();
                out.printf("gateway peak RSS: %,d MB; UsageRecorded events written: %,d for %,d requests sent through"
                        + " Tollgate; the gateway answered %,d of them (by status %s), %,d never reached an answer%n",
                        rssKb / 1024, events, sent, answered, answers, sent - answered);
            } finally {
                gateway.destroy();
                gateway.waitFor();
            }
        }
    }

    /** The upstream of the gap phase closes connections idle this long, without saying so. */
    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration GAP = Duration.ofSeconds(3);

    /** Rounds of 64 connections for a second each, {@link #GAP} apart (longer than the upstream keeps idle ones). */
    private static LoadGenerator.Result afterIdleGaps(LoadGenerator load, String url, String key, String body,
                                                      Duration phase) throws Exception {
        long requests = 0;
        long errors = 0;
        LoadGenerator.Result last = null;
        for (int round = 0; round < Math.max(3, phase.toSeconds() / 2); round++) {
            Thread.sleep(GAP.toMillis());
            last = load.closedLoop("idle gaps", url, key, body, 64, Duration.ofSeconds(1));
            requests += last.requests();
            errors += last.errors();
        }
        return new LoadGenerator.Result("plain, idle gaps, through Tollgate", requests, errors, last.seconds(),
                last.latencyMicros());
    }

    private static String streaming(String body) {
        return body.replace("{\"model\"", "{\"stream\":true,\"model\"");
    }

    private static String setUp(String base, String mockBase, String closingBase) throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        model(client, base, "mock", mockBase, "bench-chat");
        model(client, base, "closing", closingBase, "bench-chat-idle");
        Matcher key = Pattern.compile("\"key\":\"([^\"]+)\"").matcher(post(client, base + "/api/keys",
                "{\"name\":\"bench\",\"scopes\":\"completion:invoke,model:any\"}"));
        if (!key.find()) {
            throw new IllegalStateException("no key");
        }
        return key.group(1);
    }

    private static void model(HttpClient client, String base, String provider, String upstream, String model)
            throws Exception {
        String created = post(client, base + "/api/providers", "{\"name\":\"" + provider + "\",\"type\":\"openai\","
                + "\"base_url\":\"" + upstream + "\"}");
        Matcher id = Pattern.compile("\"id\":(\\d+)").matcher(created);
        if (!id.find()) {
            throw new IllegalStateException("provider not created: " + created);
        }
        post(client, base + "/v1/models", "{\"model_name\":\"" + model + "\",\"upstream_model\":\"mock-chat\","
                + "\"provider_id\":" + id.group(1) + ",\"input_price_per_million\":0.5,\"output_price_per_million\":1.5}");
    }

    private static String post(HttpClient client, String url, String json) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + ADMIN)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    /** VmHWM: the most resident memory the process ever had. */
    private static long peakRssKb(long pid) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    private static long usageEvents(PostgresSettings db) throws Exception {
        try (HikariDataSource ds = db.pool("bench-count"); Connection c = ds.getConnection();
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM ledger_event WHERE type = 'UsageRecorded'")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
