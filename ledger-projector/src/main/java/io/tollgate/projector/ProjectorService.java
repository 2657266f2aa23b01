package io.tollgate.projector;

import java.util.Map;

import com.zaxxer.hikari.HikariDataSource;

import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tollgate.ledger.config.Logs;
import io.tollgate.ledger.events.EnvelopeCodec;
import io.tollgate.ledger.events.EventCodec;
import io.tollgate.ledger.projection.Projection;

/**
 * The ledger-projector service: the consumer loop on its own thread, and {@code /ready} and
 * Prometheus {@code /metrics} (lag, events applied) on {@code projector.port}.
 */
public final class ProjectorService implements AutoCloseable {
    /** Ready while the projector is within this many events of the topic's end. */
    private static final long READY_LAG = 10_000;

    private final HikariDataSource dataSource;
    private final LedgerProjector projector;
    private final Thread thread;
    private final WebServer server;

    private ProjectorService(HikariDataSource dataSource, LedgerProjector projector, WebServer server) {
        this.dataSource = dataSource;
        this.projector = projector;
        this.server = server;
        this.thread = Thread.ofPlatform().name("ledger-projector").start(projector);
    }

    public static ProjectorService start(ProjectorConfig config) {
        Logs.install();
        HikariDataSource ds = config.database().pool("tollgate-projector");
        LedgerProjector projector = new LedgerProjector(ds, new EnvelopeCodec(new EventCodec()),
                new Projection(config.wasteWindow()), config);
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Gauge.builder("tollgate_projector_lag_events", projector, LedgerProjector::lag)
                .description("Events in Kafka not yet applied to the read models").register(meters);
        Gauge.builder("tollgate_projector_applied_events", projector, LedgerProjector::appliedEvents)
                .description("Events applied since start").register(meters);
        HttpRouting.Builder routing = HttpRouting.builder()
                .get("/ready", (req, res) -> {
                    boolean ready = projector.lag() <= READY_LAG;
                    res.status(ready ? 200 : 503).header("Content-Type", "application/json")
                            .send("{\"ready\":" + ready + ",\"lag_events\":" + projector.lag() + "}");
                })
                .get("/metrics", (req, res) -> res.header("Content-Type", "text/plain; version=0.0.4")
                        .send(meters.scrape()));
        WebServer server = WebServer.builder().host("0.0.0.0").port(config.port()).routing(routing).build().start();
        return new ProjectorService(ds, projector, server);
    }

    public int port() {
        return server.port();
    }

    public LedgerProjector projector() {
        return projector;
    }

    public static void main(String[] args) {
        ProjectorConfig config = ProjectorConfig.load(java.nio.file.Path.of(System.getProperty("tollgate.config",
                "config/tollgate.yaml")), System.getenv());
        if (config.kafkaBootstrap().isBlank()) {
            System.err.println("KAFKA_BOOTSTRAP is not set: the projector needs a Kafka broker");
            System.exit(2);
        }
        ProjectorService service = start(config);
        Runtime.getRuntime().addShutdownHook(new Thread(service::close));
        System.out.println("ledger-projector consuming " + config.topic() + " from " + config.kafkaBootstrap()
                + "; /ready and /metrics on port " + service.port() + " " + Map.of("group", config.groupId()));
    }

    @Override
    public void close() {
        projector.close();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        server.stop();
        dataSource.close();
    }
}
