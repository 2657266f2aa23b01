package io.tollgate.gateway;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import io.helidon.config.Config;
import io.tollgate.gateway.auth.LoginSettings;
import io.tollgate.gateway.health.MetricsAccess;
import io.tollgate.gateway.telemetry.Tracing;
import io.tollgate.ledger.config.Settings;
import io.tollgate.ledger.store.PostgresSettings;

/** All settings, read once at start-up from {@code config/tollgate.yaml} and environment variables. */
public record GatewayConfig(
        String host,
        int port,
        PostgresSettings database,
        PostgresSettings migrator,
        boolean autoMigrate,
        int maxBodyBytes,
        Duration upstreamTimeout,
        int upstreamConcurrency,
        long memoryBudget,
        int ledgerBatch,
        Duration ledgerRetry,
        Path ledgerSpool,
        String kafkaBootstrap,
        String kafkaTopic,
        String masterKey,
        String bootstrapAdminKey,
        LoginSettings login,
        String trustedProxies,
        MetricsAccess metrics,
        boolean openBootstrap,
        Duration deploymentCooldown,
        Duration modelRefresh,
        Duration drainLimit,
        Map<String, String> otel) {

    public static GatewayConfig load(Path yaml) {
        return load(yaml, System.getenv());
    }

    /** From the YAML file and {@code env} (see {@link Settings} for precedence and names). */
    public static GatewayConfig load(Path yaml, Map<String, String> env) {
        return from(Settings.load(yaml, env));
    }

    public static GatewayConfig from(Config c) {
        return new GatewayConfig(
                c.get("server.host").asString().orElse("0.0.0.0"),
                c.get("server.port").asInt().orElse(8080),
                Settings.postgres(c, 16),
                owner(c, Settings.postgres(c, 2)),
                c.get("db.automigrate").asBoolean().orElse(false),
                c.get("tollgate.max.body").asInt().orElse(1 << 20),
                Duration.ofSeconds(c.get("tollgate.upstream.timeout").asInt().orElse(120)),
                c.get("tollgate.upstream.concurrency").asInt().orElse(4096),
                c.get("tollgate.memory.budget").asLong().orElse(defaultMemoryBudget()),
                c.get("tollgate.ledger.batch").asInt().orElse(512),
                Duration.ofSeconds(c.get("tollgate.ledger.retry").asInt().orElse(5)),
                Path.of(c.get("tollgate.ledger.spool").asString().orElse("ledger-spool")),
                c.get("kafka.bootstrap").asString().orElse(""),
                c.get("kafka.topic").asString().orElse("tollgate.ledger"),
                c.get("tollgate.master.key").asString().orElse(""),
                c.get("tollgate.bootstrap.admin.key").asString().orElse(""),
                LoginSettings.from(c),
                c.get("tollgate.trusted.proxies").asString().orElse(""),
                MetricsAccess.from(c),
                c.get("tollgate.bootstrap.open").asBoolean().orElse(false),
                Duration.ofSeconds(c.get("tollgate.routing.cooldown").asInt().orElse(30)),
                Duration.ofSeconds(c.get("tollgate.providers.refresh").asInt().orElse(300)),
                Duration.ofSeconds(c.get("tollgate.shutdown.drain").asInt().orElse(30)),
                Tracing.settings(c.get("otel")));
    }

    /** The password of the application role on the embedded Postgres of local runs and tests (loopback only). */
    public static final String LOCAL_APP_PASSWORD = "tollgate-local";

    /**
     * The owner that migrates, when {@code postgres.owner.user} is set (POSTGRES_OWNER_USER and
     * POSTGRES_OWNER_PASSWORD): DB_AUTOMIGRATE then migrates as it and the gateway runs as {@code postgres.user}.
     */
    private static PostgresSettings owner(Config c, PostgresSettings db) {
        return c.get("postgres.owner.user").asString().map(u -> db.withCredentials(u,
                c.get("postgres.owner.password").asString().orElse(""))).orElse(null);
    }

    /**
     * A gateway for tests, drills and benches on this machine: loopback, any free port, migrating its own
     * database, no Kafka, small bodies, a 30 s upstream limit.
     */
    public static GatewayConfig loopback(PostgresSettings db, Path spool, String masterKey, String bootstrapAdminKey) {
        return new GatewayConfig("127.0.0.1", 0, db, null, true, 256 * 1024, Duration.ofSeconds(30), 4096,
                defaultMemoryBudget(), 512, Duration.ofSeconds(2), spool, "", "tollgate.ledger", masterKey,
                bootstrapAdminKey, LoginSettings.DEFAULT, "", MetricsAccess.LOOPBACK_ONLY, false,
                Duration.ofSeconds(30), Duration.ofMinutes(5), Duration.ofSeconds(30),
                Map.of()).withLocalDatabase(db);
    }

    /** Half the heap for bodies in flight leaves the rest for everything else (the tokenizer alone is ~35 MB). */
    public static long defaultMemoryBudget() {
        return Runtime.getRuntime().maxMemory() / 2;
    }

    public GatewayConfig withPort(int newPort) {
        return toBuilder().port(newPort).build();
    }

    /**
     * A database this process owns (local runs, tests): migrated at start-up as {@code owner}, then used
     * as the application role, as in production.
     */
    public GatewayConfig withLocalDatabase(PostgresSettings owner) {
        return toBuilder().database(owner.withCredentials(io.tollgate.schema.Migrate.APP_ROLE, LOCAL_APP_PASSWORD))
                .migrator(owner).autoMigrate(true).build();
    }

    public GatewayConfig withLedgerSpool(Path dir) {
        return toBuilder().ledgerSpool(dir).build();
    }

    /** Where the relay publishes the ledger; an empty bootstrap runs the gateway without Kafka. */
    public GatewayConfig withKafka(String bootstrap, String topic) {
        return toBuilder().kafkaBootstrap(bootstrap).kafkaTopic(topic).build();
    }

    public GatewayConfig withUpstreamTimeout(Duration timeout) {
        return toBuilder().upstreamTimeout(timeout).build();
    }

    public GatewayConfig withUpstreamConcurrency(int limit) {
        return toBuilder().upstreamConcurrency(limit).build();
    }

    /** Bytes of request and reply bodies the calls in flight may hold at once (503 beyond). */
    public GatewayConfig withMemoryBudget(long bytes) {
        return toBuilder().memoryBudget(bytes).build();
    }

    /** Comma-separated CIDRs of the load balancers whose {@code X-Forwarded-For} is believed. */
    public GatewayConfig withTrustedProxies(String cidrs) {
        return toBuilder().trustedProxies(cidrs).build();
    }

    /** Seed 000's credential-less bootstrap from this machine even after the first keys exist (local development). */
    public GatewayConfig withOpenBootstrap(boolean open) {
        return toBuilder().openBootstrap(open).build();
    }

    public GatewayConfig withMetrics(MetricsAccess access) {
        return toBuilder().metrics(access).build();
    }

    public GatewayConfig withLogin(LoginSettings settings) {
        return toBuilder().login(settings).build();
    }

    public GatewayConfig withSecrets(String newMasterKey, String newBootstrapAdminKey) {
        return toBuilder().masterKey(newMasterKey).bootstrapAdminKey(newBootstrapAdminKey).build();
    }

    /** A copy to change a few settings of (one place to add a setting, not one per with-method). */
    public Builder toBuilder() {
        return new Builder(this);
    }

    public static final class Builder {
        private String host;
        private int port;
        private PostgresSettings database;
        private PostgresSettings migrator;
        private boolean autoMigrate;
        private int maxBodyBytes;
        private Duration upstreamTimeout;
        private int upstreamConcurrency;
        private long memoryBudget;
        private int ledgerBatch;
        private Duration ledgerRetry;
        private Path ledgerSpool;
        private String kafkaBootstrap;
        private String kafkaTopic;
        private String masterKey;
        private String bootstrapAdminKey;
        private LoginSettings login;
        private String trustedProxies;
        private MetricsAccess metrics;
        private boolean openBootstrap;
        private Duration deploymentCooldown;
        private Duration modelRefresh;
        private Duration drainLimit;
        private Map<String, String> otel;

        private Builder(GatewayConfig c) {
            host = c.host;
            port = c.port;
            database = c.database;
            migrator = c.migrator;
            autoMigrate = c.autoMigrate;
            maxBodyBytes = c.maxBodyBytes;
            upstreamTimeout = c.upstreamTimeout;
            upstreamConcurrency = c.upstreamConcurrency;
            memoryBudget = c.memoryBudget;
            ledgerBatch = c.ledgerBatch;
            ledgerRetry = c.ledgerRetry;
            ledgerSpool = c.ledgerSpool;
            kafkaBootstrap = c.kafkaBootstrap;
            kafkaTopic = c.kafkaTopic;
            masterKey = c.masterKey;
            bootstrapAdminKey = c.bootstrapAdminKey;
            login = c.login;
            trustedProxies = c.trustedProxies;
            metrics = c.metrics;
            openBootstrap = c.openBootstrap;
            deploymentCooldown = c.deploymentCooldown;
            modelRefresh = c.modelRefresh;
            drainLimit = c.drainLimit;
            otel = c.otel;
        }

        public Builder port(int value) {
            port = value;
            return this;
        }

        public Builder database(PostgresSettings value) {
            database = value;
            return this;
        }

        public Builder migrator(PostgresSettings value) {
            migrator = value;
            return this;
        }

        public Builder autoMigrate(boolean value) {
            autoMigrate = value;
            return this;
        }

        public Builder upstreamTimeout(Duration value) {
            upstreamTimeout = value;
            return this;
        }

        /** How long a failing deployment is left alone before one probe call may try it again. */
        public Builder deploymentCooldown(Duration value) {
            deploymentCooldown = value;
            return this;
        }

        /** How often every enabled provider's model list is read again (seed 001's model cache); zero: never. */
        public Builder modelRefresh(Duration value) {
            modelRefresh = value;
            return this;
        }

        /** OpenTelemetry settings by their {@code otel.*} names (as {@code OTEL_*} variables give them). */
        public Builder otel(Map<String, String> value) {
            otel = value;
            return this;
        }

        public Builder upstreamConcurrency(int value) {
            upstreamConcurrency = value;
            return this;
        }

        public Builder memoryBudget(long value) {
            memoryBudget = value;
            return this;
        }

        public Builder ledgerSpool(Path value) {
            ledgerSpool = value;
            return this;
        }

        public Builder kafkaBootstrap(String value) {
            kafkaBootstrap = value;
            return this;
        }

        public Builder kafkaTopic(String value) {
            kafkaTopic = value;
            return this;
        }

        public Builder masterKey(String value) {
            masterKey = value;
            return this;
        }

        public Builder bootstrapAdminKey(String value) {
            bootstrapAdminKey = value;
            return this;
        }

        public Builder login(LoginSettings value) {
            login = value;
            return this;
        }

        public Builder openBootstrap(boolean value) {
            openBootstrap = value;
            return this;
        }

        public Builder metrics(MetricsAccess value) {
            metrics = value;
            return this;
        }

        public Builder trustedProxies(String value) {
            trustedProxies = value;
            return this;
        }

        public GatewayConfig build() {
            return new GatewayConfig(host, port, database, migrator, autoMigrate, maxBodyBytes, upstreamTimeout, upstreamConcurrency,
                    memoryBudget, ledgerBatch, ledgerRetry, ledgerSpool, kafkaBootstrap, kafkaTopic, masterKey,
                    bootstrapAdminKey, login, trustedProxies, metrics, openBootstrap, deploymentCooldown,
                    modelRefresh, drainLimit, otel);
        }
    }
}
