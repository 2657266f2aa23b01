package io.tollgate.devstack.bench;

import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.function.IntFunction;

import org.HdrHistogram.Histogram;

import com.zaxxer.hikari.HikariDataSource;

import io.tollgate.devstack.DevPostgres;
import io.tollgate.gateway.Gateway;
import io.tollgate.gateway.GatewayConfig;
import io.tollgate.gateway.providers.SecretBox;
import io.tollgate.ledger.store.PostgresSettings;
import io.tollgate.schema.Migrate;

/**
 * Reporting latency at scale: the read models of N usage events (90 days, 1,000 users, 3,000 keys,
 * 20 projects, 12 cost centres, 8 models; every 11th call a repeated prompt) are generated in Postgres as the projector's
 * tables hold them (its own throughput is the replay benchmark's subject), then the real gateway
 * answers {@code /api/metrics/overview}, the console's {@code /api/reports/spend} queries and pages of
 * {@code /api/admin/usage-events} over HTTP, one request at a time, and the latency percentiles are reported.
 */
public final class ReportBench {
    private static final String ADMIN = "tg_live_benchadmin0123456789abcdefABCDEF";

    private ReportBench() {
    }

    public static void run(Path dir, long events, PrintStream out) throws Exception {
        try (DevPostgres pg = DevPostgres.start(dir.resolve("postgres"))) {
            PostgresSettings db = pg.database("reports");
            try (HikariDataSource ds = db.pool("reportbench")) {
                Migrate.run(ds);
                long t0 = System.nanoTime();
                generate(ds, events, out);
                out.printf("generated read models of %,d usage events in %.1f s%n", events, (System.nanoTime() - t0) / 1e9);
            }
            GatewayConfig config = GatewayConfig.loopback(db, dir.resolve("spool"), SecretBox.newMasterKey(), ADMIN);
            try (Gateway gateway = Gateway.start(config)) {
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                String base = "http://127.0.0.1:" + gateway.port();
                String month = LocalDate.now(ZoneOffset.UTC).withDayOfMonth(1).toString();
                out.printf("%-52s %8s %8s %8s %8s%n", "request (sequential, after warm-up)", "p50 ms", "p90 ms", "p99 ms",
                        "max ms");
                measure(out, http, "overview, all time", i -> base + "/api/metrics/overview");
                measure(out, http, "overview, month to date", i -> base + "/api/metrics/overview?from=" + month);
                measure(out, http, "overview, one cost centre, last 45 days", i -> base + "/api/metrics/overview?from="
                        + LocalDate.now(ZoneOffset.UTC).minusDays(45) + "&cost_centre=cc-" + i % 12);
                // The console's overview adds these to the overview itself; its budgets page the per-key one.
                String days30 = "&from=" + LocalDate.now(ZoneOffset.UTC).minusDays(29);
                measure(out, http, "spend by day, last 30 days", i -> base + "/api/reports/spend?group_by=day" + days30);
                measure(out, http, "spend by agent, last 30 days, one cost centre", i -> base
                        + "/api/reports/spend?group_by=agent" + days30 + "&cost_centre=cc-" + i % 12);
                measure(out, http, "spend by key, month to date", i -> base + "/api/reports/spend?group_by=key_id&from=" + month);
                measure(out, http, "usage events, first page of 100", i -> base + "/api/admin/usage-events?limit=100");
                String[] cursor = {null};
                measure(out, http, "usage events, next page of 100 (cursor walk)", i -> {
                    String url = base + "/api/admin/usage-events?limit=100" + (cursor[0] == null ? "" : "&cursor=" + cursor[0]);
                    cursor[0] = nextCursor(http, url);
                    return url;
                });
                measure(out, http, "usage events, one user's first page", i -> base
                        + "/api/admin/usage-events?limit=100&user_id=" + (1 + i % 1000));
                measure(out, http, "usage events, one model and cost centre", i -> base
                        + "/api/admin/usage-events?limit=100&model=model-" + i % 8 + "&cost_centre=cc-" + i % 12);
            }
        }
    }

    private static void measure(PrintStream out, HttpClient http, String name, IntFunction<String> url) throws Exception {
        Histogram h = new Histogram(60_000_000_000L, 3);
        for (int i = 0; i < 330; i++) {
            HttpRequest req = HttpRequest.newBuilder(URI.create(url.apply(i))).header("Authorization", "Bearer " + ADMIN)
                    .GET().build();
            long t = System.nanoTime();
            HttpResponse<byte[]> r = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
            long elapsed = System.nanoTime() - t;
            if (r.statusCode() != 200) {
                throw new IllegalStateException(name + ": " + r.statusCode() + " " + new String(r.body()));
            }
            if (i >= 30) {
                h.recordValue(elapsed);
            }
        }
        out.printf("%-52s %8.2f %8.2f %8.2f %8.2f%n", name, h.getValueAtPercentile(50) / 1e6,
                h.getValueAtPercentile(90) / 1e6, h.getValueAtPercentile(99) / 1e6, h.getMaxValue() / 1e6);
    }

    private static String nextCursor(HttpClient http, String url) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url))
                    .header("Authorization", "Bearer " + ADMIN).GET().build(), HttpResponse.BodyHandlers.ofString());
            return r.headers().firstValue("X-Next-Cursor").orElse(null);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The read models the projector would hold for {@code events} usage events, built by Postgres itself. */
    private static void generate(HikariDataSource ds, long events, PrintStream out) throws Exception {
        Instant end = Instant.now();
        Instant start = end.minus(Duration.ofDays(90));
        long stepMicros = Duration.ofDays(90).toNanos() / 1000 / events;
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO users (email, name, role) SELECT 'user' || g || '@bench.io', 'User ' || g, 'user' "
                    + "FROM generate_series(1, 1000) g");
            try (PreparedStatement insert = c.prepareStatement("""
                    INSERT INTO rm_usage_event (seq, occurred_at, request_id, user_id, key_id, model, provider, endpoint,
                        streamed, prompt_tokens, completion_tokens, cost_micros, latency_ms, upstream_status,
                        tokens_estimated, cost_centre, project, environment, agent, messages)
                    SELECT g, ?::timestamptz + g * ? * interval '1 microsecond', 'req_' || g, (g % 3000) / 3 + 1,
                        g % 3000 + 1, 'model-' || g / 7 % 8, 'provider-' || g % 2, '/chat/completions', g % 5 = 0,
                        50 + g * 7 % 900, 20 + g * 13 % 400, (5 * (50 + g * 7 % 900) + 15 * (20 + g * 13 % 400) + 9) / 10,
                        100 + g % 900, 200, false, 'cc-' || ((g % 3000) / 3 + 1) % 12,
                        'project-' || ((g % 3000) / 3 + 1) % 20, (ARRAY['live','test','staging','dev'])[g % 3000 % 4 + 1],
                        'agent-' || g % 3000 % 10, 1 + g % 6
                    FROM generate_series(?, ?) g
                    """)) {
                for (long from = 1; from <= events; from += 1_000_000) {
                    insert.setTimestamp(1, Timestamp.from(start));
                    insert.setLong(2, stepMicros);
                    insert.setLong(3, from);
                    insert.setLong(4, Math.min(events, from + 999_999));
                    insert.executeUpdate();
                    out.printf("  usage events: %,d%n", Math.min(events, from + 999_999));
                }
            }
            for (String sql : List.of("""
                    INSERT INTO rm_spend SELECT (occurred_at AT TIME ZONE 'UTC')::date, user_id, key_id, project,
                        cost_centre, environment, agent, model, count(*), sum(prompt_tokens), sum(completion_tokens),
                        sum(cost_micros), sum(latency_ms), sum(messages), count(*) FILTER (WHERE seq % 11 = 0),
                        coalesce(sum(cost_micros) FILTER (WHERE seq % 11 = 0), 0)
                    FROM rm_usage_event GROUP BY 1, 2, 3, 4, 5, 6, 7, 8""", """
                    INSERT INTO rm_spend_month SELECT date_trunc('month', day)::date, user_id, project, cost_centre,
                        environment, model, sum(requests), sum(prompt_tokens), sum(completion_tokens), sum(cost_micros),
                        sum(latency_ms), sum(messages), sum(repeats), sum(wasted_micros)
                    FROM rm_spend GROUP BY 1, 2, 3, 4, 5, 6""", """
                    INSERT INTO rm_spend_dimension SELECT month, cost_centre, environment, d.dimension, d.value,
                        sum(requests), sum(prompt_tokens), sum(completion_tokens), sum(cost_micros), sum(latency_ms),
                        sum(messages), sum(repeats), sum(wasted_micros)
                    FROM rm_spend_month, LATERAL (VALUES ('user', user_id::text), ('project', project), ('model', model))
                        AS d(dimension, value)
                    GROUP BY 1, 2, 3, 4, 5""", """
                    INSERT INTO rm_account_month SELECT user_id::text, date_trunc('month', occurred_at AT TIME ZONE 'UTC')::date,
                        0, sum(cost_micros), count(*), min(seq), max(seq) FROM rm_usage_event GROUP BY 1, 2""", """
                    INSERT INTO rm_prompt SELECT (g % 1000 + 1)::text, md5(g::text), 'model-' || g % 8,
                        now() - interval '90 days', now() - (g % 1000) * interval '1 hour', 1 + g % 7, g % 7, (g % 7) * 40
                    FROM generate_series(1, 200000) g""", "VACUUM ANALYZE")) {
                s.execute(sql);
            }
            out.printf("  rows: rm_spend %,d, rm_spend_month %,d, rm_spend_dimension %,d%n", count(s, "rm_spend"),
                    count(s, "rm_spend_month"), count(s, "rm_spend_dimension"));
        }
    }

    private static long count(Statement s, String table) throws Exception {
        try (var rs = s.executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
