package io.tollgate.devstack.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * A Java load generator over keep-alive HTTP/1.1 connections, recording latency in an HdrHistogram.
 * Closed loop (N connections, each sends its next request when the last reply ended) for throughput;
 * open loop (a fixed rate, latency measured from each request's scheduled time, so a stall is not
 * hidden by coordinated omission) for latency.
 */
final class LoadGenerator {
    record Result(String name, long requests, long errors, double seconds, Histogram latencyMicros) {
        double perSecond() {
            return requests / seconds;
        }

        double p(double percentile) {
            return latencyMicros.getValueAtPercentile(percentile) / 1000.0;
        }
    }

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .executor(Executors.newVirtualThreadPerTaskExecutor()).build();

    private HttpRequest request(String url, String key, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        return b.build();
    }

    /** One request, whole reply read (a stream to its last event). */
    private boolean call(HttpRequest request) {
        try {
            HttpResponse<byte[]> r = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
            return r.statusCode() == 200;
        } catch (Exception e) {
            return false;
        }
    }

    Result closedLoop(String name, String url, String key, String body, int connections, Duration duration)
            throws InterruptedException {
        HttpRequest request = request(url, key, body);
        Recorder recorder = new Recorder(3);
        AtomicLong done = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        long end = System.nanoTime() + duration.toNanos();
        long start = System.nanoTime();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < connections; i++) {
                pool.submit(() -> {
                    while (System.nanoTime() < end) {
                        long t = System.nanoTime();
                        boolean ok = call(request);
                        recorder.recordValue(Math.max(1, (System.nanoTime() - t) / 1000));
                        (ok ? done : errors).incrementAndGet();
                    }
                });
            }
        }
        return new Result(name, done.get(), errors.get(), (System.nanoTime() - start) / 1e9,
                recorder.getIntervalHistogram());
    }

    Result fixedRate(String name, String url, String key, String body, int perSecond, Duration duration)
            throws InterruptedException {
        HttpRequest request = request(url, key, body);
        Recorder recorder = new Recorder(3);
        AtomicLong done = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        long total = perSecond * duration.toSeconds();
        long intervalNanos = 1_000_000_000L / perSecond;
        long start = System.nanoTime();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (long i = 0; i < total; i++) {
                long scheduled = start + i * intervalNanos;
                long wait = scheduled - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                pool.submit(() -> {
                    boolean ok = call(request);
                    recorder.recordValue(Math.max(1, (System.nanoTime() - scheduled) / 1000));
                    (ok ? done : errors).incrementAndGet();
                });
            }
        }
        return new Result(name, done.get(), errors.get(), (System.nanoTime() - start) / 1e9,
                recorder.getIntervalHistogram());
    }
}
