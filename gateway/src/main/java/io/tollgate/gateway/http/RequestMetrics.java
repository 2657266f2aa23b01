package io.tollgate.gateway.http;

import java.util.concurrent.TimeUnit;

import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/** Request count and latency by route pattern, method and status ({@code http_server_requests_seconds}). */
public final class RequestMetrics implements Filter {
    private final MeterRegistry meters;

    public RequestMetrics(MeterRegistry meters) {
        this.meters = meters;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        long start = System.nanoTime();
        try {
            chain.proceed();
        } finally {
            // The pattern, not the raw path, keeps label cardinality bounded (ids do not become labels).
            String route = req.matchingPattern().orElse("unmatched");
            Timer.builder("http_server_requests")
                    .publishPercentileHistogram()
                    .minimumExpectedValue(java.time.Duration.ofMillis(1))
                    .maximumExpectedValue(java.time.Duration.ofSeconds(120))
                    .tags("route", route, "method", req.prologue().method().text(),
                            "status", Integer.toString(res.status().code()))
                    .register(meters)
                    .record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        }
    }
}
