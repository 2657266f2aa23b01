package io.tollgate.gateway.health;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tollgate.gateway.http.DatabaseException;
import io.tollgate.gateway.http.Json;
import io.tollgate.gateway.identity.UserDirectory;
import io.tollgate.gateway.proxy.UsageLedger;

/**
 * {@code /health} (seed 001's shape), {@code /healthz} (seed 003), {@code /ready} and Prometheus
 * {@code /metrics} (see {@link MetricsAccess} for who may scrape it).
 */
public final class HealthService implements HttpService {
    private final UserDirectory directory;
    private final UsageLedger ledger;
    private final LedgerLag lag;
    private final PrometheusMeterRegistry prometheus;
    private final MetricsAccess metricsAccess;
    private final BooleanSupplier draining;

    /** @param draining true once the instance is shutting down: {@code /ready} then says 503, for load balancers */
    public HealthService(UserDirectory directory, UsageLedger ledger, LedgerLag lag, PrometheusMeterRegistry prometheus,
                         MetricsAccess metricsAccess, BooleanSupplier draining) {
        this.metricsAccess = metricsAccess;
        this.draining = draining;
        this.directory = directory;
        this.ledger = ledger;
        this.lag = lag;
        this.prometheus = prometheus;
        if (lag.relaying()) {
            Gauge.builder("tollgate_relay_lag_events", lag, LedgerLag::relayLagEvents)
                    .description("Ledger events not yet published to Kafka").register(prometheus);
        }
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/health", this::health)
                .get("/healthz", (req, res) -> Json.send(res, 200, Map.of("status", "healthy")))
                .get("/ready", this::ready);
        if (!metricsAccess.ownPort()) {
            rules.get("/metrics", this::metrics);
        }
    }

    /** {@code /metrics} alone, for the port of its own when one is configured. */
    public HttpService metricsOnly() {
        return rules -> rules.get("/metrics", this::metrics);
    }

    private void health(ServerRequest req, ServerResponse res) {
        Map<String, Object> body = new LinkedHashMap<>();
        boolean up;
        try {
            long users = directory.userCount();
            body.put("database", "connected");
            body.put("user_count", users);
            up = true;
        } catch (DatabaseException e) {
            body.put("database", "unavailable");
            up = false;
        }
        body.put("ledger", ledger.accepting() ? "accepting" : "unavailable");
        body.put("status", up ? "healthy" : "unhealthy");
        body.put("timestamp", Instant.now());
        Json.send(res, up ? 200 : 503, body);
    }

    /**
     * Ready while the database answers, the ledger accepts events and the instance is not draining; relay lag
     * is reported, not gated on.
     */
    private void ready(ServerRequest req, ServerResponse res) {
        Map<String, Object> body = new LinkedHashMap<>();
        boolean ready;
        try {
            directory.userCount();
            ready = ledger.accepting();
            body.put("relay_lag_events", lag.relayLagEvents());
        } catch (DatabaseException e) {
            ready = false;
        }
        if (draining.getAsBoolean()) {
            ready = false;
            body.put("draining", true);
        }
        body.put("ready", ready);
        Json.send(res, ready ? 200 : 503, body);
    }

    private void metrics(ServerRequest req, ServerResponse res) {
        metricsAccess.check(req);
        res.header("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
        res.send(prometheus.scrape());
    }
}
