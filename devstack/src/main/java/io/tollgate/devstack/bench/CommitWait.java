package io.tollgate.devstack.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The gateway's {@code tollgate_ledger_commit_wait} histogram read from {@code /metrics} around a phase:
 * how long its replies waited for their events' durable commits, the part of the added latency that
 * is the ledger's durability point.
 */
final class CommitWait {
    private static final Pattern BUCKET = Pattern.compile(
            "^tollgate_ledger_commit_wait_seconds_bucket\\{le=\"([0-9.]+)\"} ([0-9.E+]+)$", Pattern.MULTILINE);
    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    /** Cumulative counts by upper bound (seconds), as scraped now. */
    static Map<Double, Long> scrape(String base) throws Exception {
        String metrics = metrics(base);
        Map<Double, Long> buckets = new TreeMap<>();
        for (Matcher m = BUCKET.matcher(metrics); m.find(); ) {
            buckets.put(Double.parseDouble(m.group(1)), (long) Double.parseDouble(m.group(2)));
        }
        return buckets;
    }

    /** The gateway's {@code /metrics} text. */
    static String metrics(String base) throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    /** "p50 ≤ x ms, p99 ≤ y ms" of the waits between two scrapes (bucket upper bounds). */
    static String between(Map<Double, Long> before, Map<Double, Long> after) {
        long total = 0;
        for (Map.Entry<Double, Long> e : after.entrySet()) {
            total = Math.max(total, e.getValue() - before.getOrDefault(e.getKey(), 0L));
        }
        return String.format("p50 ≤ %.2f ms, p99 ≤ %.2f ms", bound(before, after, 0.50 * total),
                bound(before, after, 0.99 * total));
    }

    private static double bound(Map<Double, Long> before, Map<Double, Long> after, double count) {
        for (Map.Entry<Double, Long> e : after.entrySet()) {
            if (e.getValue() - before.getOrDefault(e.getKey(), 0L) >= count) {
                return e.getKey() * 1000;
            }
        }
        return Double.POSITIVE_INFINITY;
    }
}
