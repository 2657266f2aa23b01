package io.tollgate.gateway;

import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.sql.DataSource;

import com.sun.management.UnixOperatingSystemMXBean;
import com.zaxxer.hikari.HikariDataSource;

import io.helidon.common.socket.SocketOptions;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.HttpService;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tollgate.gateway.admin.AuthService;
import io.tollgate.gateway.admin.CatalogService;
import io.tollgate.gateway.admin.CreditsService;
import io.tollgate.gateway.admin.KeysService;
import io.tollgate.gateway.admin.LimitsService;
import io.tollgate.gateway.admin.PlansService;
import io.tollgate.gateway.admin.ProviderKeysService;
import io.tollgate.gateway.admin.VirtualKeysService;
import io.tollgate.gateway.admin.LedgerService;
import io.tollgate.gateway.admin.ModelsService;
import io.tollgate.gateway.admin.ProvidersService;
import io.tollgate.gateway.admin.RoutingService;
import io.tollgate.gateway.admin.UsersService;
import io.tollgate.gateway.auth.Authenticator;
import io.tollgate.gateway.auth.Cidr;
import io.tollgate.gateway.auth.ClientAddress;
import io.tollgate.gateway.auth.Guard;
import io.tollgate.gateway.auth.OpenBootstrap;
import io.tollgate.gateway.auth.Passwords;
import io.tollgate.gateway.auth.Sessions;
import io.tollgate.gateway.controls.Admission;
import io.tollgate.gateway.controls.Credits;
import io.tollgate.gateway.http.InFlight;
import io.tollgate.gateway.controls.LedgerFollower;
import io.tollgate.gateway.controls.LimitBook;
import io.tollgate.gateway.health.HealthService;
import io.tollgate.gateway.health.LedgerLag;
import io.tollgate.gateway.health.SystemStatusService;
import io.tollgate.gateway.console.Console;
import io.tollgate.gateway.http.AccessLog;
import io.tollgate.gateway.http.Aliases;
import io.tollgate.gateway.http.ApiError;
import io.tollgate.gateway.http.ErrorResponses;
import io.tollgate.gateway.http.InputGuard;
import io.tollgate.gateway.http.Json;
import io.tollgate.gateway.api.OpenApiDocument;
import io.tollgate.gateway.http.RequestMetrics;
import io.tollgate.gateway.conversations.Conversations;
import io.tollgate.gateway.conversations.ConversationsService;
import io.tollgate.gateway.identity.ConsoleKeys;
import io.tollgate.gateway.identity.Logins;
import io.tollgate.gateway.identity.UserDirectory;
import io.tollgate.gateway.plans.PlanCatalog;
import io.tollgate.gateway.providers.ModelListRefresher;
import io.tollgate.gateway.providers.ProviderRegistry;
import io.tollgate.gateway.reports.AuditLogService;
import io.tollgate.gateway.reports.KeyUsageService;
import io.tollgate.gateway.reports.OverviewService;
import io.tollgate.gateway.reports.SpendReportService;
import io.tollgate.gateway.reports.StatementService;
import io.tollgate.gateway.reports.StatsService;
import io.tollgate.gateway.reports.UsageEventsService;
import io.tollgate.gateway.providers.SecretBox;
import io.tollgate.gateway.providers.UserProviderKeys;
import io.tollgate.gateway.proxy.PeerSignals;
import io.tollgate.gateway.proxy.ModelCall;
import io.tollgate.gateway.proxy.Preflight;
import io.tollgate.gateway.proxy.ProxyService;
import io.tollgate.gateway.proxy.RequestBoard;
import io.tollgate.gateway.proxy.RequestsService;
import io.tollgate.gateway.proxy.TokenCounter;
import io.tollgate.gateway.proxy.UpstreamClient;
import io.tollgate.gateway.proxy.UsageLedger;
import io.tollgate.gateway.routing.DeploymentHealth;
import io.tollgate.gateway.routing.ModelCatalog;
import io.tollgate.gateway.telemetry.Tracing;
import io.tollgate.gateway.proxy.ModelLifecycle;
import io.tollgate.gateway.routing.PriceCatalog;
import io.tollgate.gateway.routing.Router;
import io.tollgate.ledger.config.Logs;
import io.tollgate.ledger.events.EventCodec;
import io.tollgate.ledger.store.EventStore;
import io.tollgate.ledger.store.GroupCommitWriter;
import io.tollgate.ledger.store.LedgerSpool;
import io.tollgate.ledger.relay.LedgerRelay;
import io.tollgate.ledger.store.PostgresSettings;
import io.tollgate.schema.Migrate;

/** The whole object graph, wired by hand: config → data source → stores → services → web server. */
public final class Gateway implements AutoCloseable {
    private final HikariDataSource dataSource;
    private final GroupCommitWriter writer;
    private final WebServer server;
    private final Optional<String> generatedAdminKey;
    private final UserDirectory directory;
    private final ProviderRegistry registry;
    private final ModelCatalog models;
    private final LedgerRelay relay;
    private final LedgerFollower follower;
    private final UpstreamClient upstream;
    private final PeerSignals signals;
    private final ModelListRefresher refresher;
    private final InFlight inFlight;
    private final Tracing tracing;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Gateway(HikariDataSource dataSource, GroupCommitWriter writer, WebServer server,
                    Optional<String> generatedAdminKey, UserDirectory directory, ProviderRegistry registry,
                    ModelCatalog models, LedgerRelay relay, LedgerFollower follower, UpstreamClient upstream, PeerSignals signals,
                    ModelListRefresher refresher, InFlight inFlight, Tracing tracing) {
        this.inFlight = inFlight;
        this.tracing = tracing;
        this.signals = signals;
        this.refresher = refresher;
        this.upstream = upstream;
        this.follower = follower;
        this.relay = relay;
        this.dataSource = dataSource;
        this.writer = writer;
        this.server = server;
        this.generatedAdminKey = generatedAdminKey;
        this.directory = directory;
        this.registry = registry;
        this.models = models;
    }

    /**
     * Call first thing in a process that serves: socket readiness then wakes the blocked virtual thread
     * straight from a platform poller thread. JDK 22+ on Linux defaults to pollers that are virtual
     * threads themselves, one more hand-off per wake-up; at 1,000 proxied calls/s that cost the gateway
     * ~45 % more CPU per call and ~0.25 ms of latency (measured with {@code tollgate bench}). Read by the
     * JDK once, when a virtual thread first blocks on a socket; an explicit {@code -Djdk.pollerMode} wins.
     */
    public static void preferPlatformPollers() {
        if (System.getProperty("jdk.pollerMode") == null) {
            System.setProperty("jdk.pollerMode", "1");
        }
    }

    public static Gateway start(GatewayConfig config) {
        Logs.install();
        if (config.masterKey().isBlank()) {
            throw new IllegalStateException("TOLLGATE_MASTER_KEY is not set: provider keys cannot be encrypted at rest. "
                    + "Set it to 32 random bytes in base64 (e.g. `openssl rand -base64 32`).");
        }
        SecretBox secrets = new SecretBox(config.masterKey());
        if (config.autoMigrate()) {
            migrate(config);
        }
        HikariDataSource dataSource = config.database().pool("tollgate");
        try {
            Db db = new Db(dataSource);
            EventStore events = new EventStore(dataSource, new EventCodec());
            GroupCommitWriter writer = new GroupCommitWriter(events, new LedgerSpool(config.ledgerSpool(), events.codec()),
                    config.ledgerBatch(), config.ledgerRetry(), config.ledgerRetry().plusSeconds(2));
            PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

            ClientAddress clientAddress = new ClientAddress(Arrays.stream(config.trustedProxies().split(","))
                    .map(String::trim).filter(t -> !t.isEmpty()).map(Cidr::parse).toList());
            Authenticator authenticator = new Authenticator(db, Clock.systemUTC(), clientAddress);
            Sessions sessions = new Sessions(db, Clock.systemUTC(), config.login(), secrets.derive("tollgate-session-jwt-v1"));
            UserDirectory directory = new UserDirectory(db, events, authenticator);
            Guard guard = new Guard(authenticator, sessions, clientAddress,
                    new ConsoleKeys(db, directory, authenticator, config.login().userKeyScopes())::forSession);
            Passwords passwords = new Passwords();
            Tracing tracing = Tracing.configured(config.otel(), System.getenv());
            Json json = new Json(config.maxBodyBytes());
            Logins logins = new Logins(db, events, directory, passwords, sessions, Clock.systemUTC());
            AuthService auth = new AuthService(guard, json, directory, logins, sessions);
            ProviderRegistry registry = new ProviderRegistry(db, events, secrets);
            UpstreamClient upstream = new UpstreamClient(config.upstreamTimeout(), meters);
            UsageLedger usage = new UsageLedger(writer, meters);

            Optional<String> generated = directory.bootstrapAdmin(config.bootstrapAdminKey());
            LedgerFollower follower = new LedgerFollower(events, lastSeq(events));
            PlanCatalog plans = new PlanCatalog(db);
            LimitBook limits = new LimitBook(db, events, follower);
            Admission admission = new Admission(events, follower, Clock.systemUTC());
            Credits credits = new Credits(db, events, follower);
            follower.listen(authenticator::follow);
            UserProviderKeys userKeys = new UserProviderKeys(db, events, secrets);
            follower.listen(userKeys::follow);
            follower.start();
            LedgerRelay relay = config.kafkaBootstrap().isBlank() ? null
                    : new LedgerRelay(dataSource, events, config.kafkaBootstrap(), config.kafkaTopic(), 2000);

            ModelCatalog modelCatalog = new ModelCatalog(db, events, registry, PriceCatalog.bundled());
            DeploymentHealth deploymentHealth = new DeploymentHealth(config.deploymentCooldown(), meters);
            Router router = new Router(deploymentHealth, new SplittableRandom());
            RequestBoard board = new RequestBoard();
            ModelsService models = new ModelsService(guard, json, registry, modelCatalog,
                    new ModelLifecycle(modelCatalog, deploymentHealth, upstream, board, config.upstreamTimeout()));
            OpenApiDocument openApi = OpenApiDocument.load();
            HttpService modelSchema = models.seed002Schema(openApi);
            KeysService keys = new KeysService(guard, json, directory, false, config.login().userKeyScopes());
            Conversations conversations = new Conversations(db);
            PeerSignals signals = new PeerSignals(dataSource, board);
            // One instance per service; the seeds' paths register the same one again.
            ProvidersService providers = new ProvidersService(guard, json, registry, modelCatalog, upstream);
            ProviderKeysService providerKeys = new ProviderKeysService(guard, json, registry, userKeys);
            ConversationsService sessionsService = new ConversationsService(guard, json, conversations);
            RequestsService requests = new RequestsService(guard, db, board, signals);
            InFlight inFlight = new InFlight(config.upstreamConcurrency(), config.memoryBudget());
            Gauge.builder("tollgate_inflight_calls", inFlight, InFlight::calls)
                    .description("Proxied calls in flight (bounded by tollgate.upstream.concurrency)").register(meters);
            Gauge.builder("tollgate_inflight_body_bytes", inFlight, InFlight::heldBytes)
                    .description("Bytes of request and reply bodies held by proxied calls in flight (bounded by the memory budget)")
                    .register(meters);
            Gauge.builder("tollgate_ledger_backlog_seconds", writer, w -> w.backlog().toNanos() / 1e9)
                    .description("How long the oldest event not yet committed has waited (new calls get 503 past 1 s)")
                    .register(meters);
            TokenCounter tokens = new TokenCounter();
            ProxyService proxy = new ProxyService(guard, json, inFlight, conversations, modelCatalog,
                    new Preflight(modelCatalog, router, plans, limits, admission, userKeys, usage, tokens, meters, tracing),
                    new ModelCall.Context(router, upstream, usage, tokens, meters, board, tracing));
            CatalogService catalog = new CatalogService(guard, registry, modelCatalog, upstream);
            LedgerLag ledgerLag = new LedgerLag(db, relay != null);
            HealthService health = new HealthService(directory, usage, ledgerLag, meters, config.metrics(),
                    inFlight::draining);
            HttpRouting.Builder routing = HttpRouting.builder()
                    .addFilter(new AccessLog())
                    .addFilter(tracing.filter())
                    .addFilter(new RequestMetrics(meters))
                    .addFilter(new InputGuard())
                    .register("/api/auth", auth)
                    .register("/api/users", new UsersService(guard, json, directory, passwords, logins))
                    .register("/api/keys", keys)
                    .register("/api/admin/users", keys.byUser())
                    // Before /api/user/api-keys, whose /{id} would otherwise take these names for key ids.
                    .register("/api/user/api-keys/audit-logs", new AuditLogService(guard, db))
                    .register("/api/user/api-keys/usage", new KeyUsageService(guard, db))
                    .register("/api/user/api-keys", new KeysService(guard, json, directory, true, config.login().userKeyScopes()))
                    .register("/api/admin/virtual-keys", new VirtualKeysService(guard, json, directory))
                    .register("/api", auth.account(), catalog, new CreditsService(guard, json, directory, credits, admission, plans),
                            new LimitsService(guard, json, directory, limits, plans, admission),
                            new PlansService(guard, json, db, directory, plans, admission),
                            new StatsService(guard, db, directory, admission))
                    .register("/api", new RoutingService(guard, json, registry, modelCatalog, deploymentHealth))
                    .register("/api/providers", providers)
                    .register("/v1/providers", providers)
                    .register("/api/ledger/statements", new StatementService(guard, db, events))
                    .register("/api/ledger", new LedgerService(guard, events))
                    .register("/api/metrics", new OverviewService(guard, db))
                    .register("/api/admin/usage-events", new UsageEventsService(guard, db, true))
                    .register("/api/usage-events", new UsageEventsService(guard, db, false))
                    .register("/api/audit-logs", new AuditLogService(guard, db))
                    .register("/api/reports", new SpendReportService(guard, db))
                    .register("/api/admin/health", new SystemStatusService(guard, writer, ledgerLag, inFlight::calls))
                    .register("/console", new Console())
                    .register(Console.root())
                    .register("/v1/models", models)
                    .register("/v1/schema", modelSchema)
                    .register("/api/v1/schema", modelSchema)
                    .register("/api/v1/models", models)
                    .register("/v1/users/provider-keys", providerKeys)
                    .register("/api/user/provider-keys", providerKeys)
                    .register("/v1/users/tokens", keys.seed002Tokens())
                    .register("/v1/users", auth.seed002())
                    .register("/v1/sessions", sessionsService)
                    .register("/v1/requests", requests)
                    .register("/api/v1/requests", requests)
                    .register("/api/v1/sessions", sessionsService)
                    .register("/v1", proxy)
                    .register("/api/v1", proxy)
                    .register("/api", proxy.seed004Chat())
                    .register("/proxy/openai/v1", proxy)
                    .register("/proxy/anthropic/v1", proxy)
                    .register(health)
                    // Seed 001 (Gatewayz) documents its paths at the root; seed 000 bootstraps at /admin.
                    .register(new OpenBootstrap(db, config.openBootstrap()).seed000())
                    .register(Aliases.of(
                            "/auth/register", "/api/auth/register",
                            "/user/api-keys/usage", "/api/user/api-keys/usage",
                            "/user/api-keys/audit-logs", "/api/user/api-keys/audit-logs",
                            "/user/api-keys/{id}", "/api/user/api-keys/{id}",
                            "/user/api-keys", "/api/user/api-keys",
                            "/user/balance", "/api/user/balance",
                            "/user/monitor", "/api/user/monitor",
                            "/user/limit", "/api/user/limit",
                            "/user/profile", "/api/user/profile",
                            "/user/account", "/api/user/account",
                            "/user/plan/usage", "/api/user/plan/usage",
                            "/user/plan/entitlements", "/api/user/plan/entitlements",
                            "/user/plan", "/api/user/plan",
                            "/user/environment-usage", "/api/user/environment-usage",
                            "/plans/{id}", "/api/plans/{id}",
                            "/plans", "/api/plans",
                            "/admin/add_credits", "/api/admin/add_credits",
                            "/admin/balance", "/api/admin/balance",
                            "/admin/monitor", "/api/admin/monitor",
                            "/admin/limit", "/api/admin/limit",
                            "/admin/assign-plan", "/api/admin/assign-plan",
                            "/admin/refresh-models", "/api/admin/refresh-models",
                            "/admin/cache-status", "/api/admin/cache-status",
                            "/models/providers", "/api/models/providers"))
                    .register("/models", catalog.seed001Models())
                    .register("/openapi", openApi)
                    .any((req, res) -> {
                        throw ApiError.notFound("no route for " + req.prologue().method().text() + " " + req.path().path());
                    });
            ErrorResponses.register(routing);

            io.helidon.webserver.WebServerConfig.Builder serverBuilder = WebServer.builder()
                    .host(config.host())
                    .port(config.port())
                    // Without TCP_NODELAY a reply written as headers then body waits for the client's
                    // delayed ACK: ~40 ms added to small JSON replies.
                    .connectionOptions(SocketOptions.builder().tcpNoDelay(true).build())
                    .maxTcpConnections(connectionLimit())
                    .routing(routing);
            if (config.metrics().ownPort()) {
                serverBuilder.putSocket(METRICS_SOCKET, socket -> socket.host(config.host()).port(config.metrics().port())
                        .routing(r -> r.register(health.metricsOnly())));
            }
            WebServer server = serverBuilder.build().start();
            return new Gateway(dataSource, writer, server, generated, directory, registry, modelCatalog, relay, follower,
                    upstream, signals, new ModelListRefresher(registry, upstream::listModels, config.modelRefresh()),
                    inFlight, tracing);
        } catch (RuntimeException e) {
            dataSource.close();
            throw e;
        }
    }

    /**
     * The most client connections served at once. Past it Helidon waits before accepting, so new ones
     * queue in the kernel's backlog; without a bound a flood runs the process out of file descriptors
     * and Helidon's listener stops for good ("Too many open files ... this server socket is terminating
     * now"). Half of what start-up left, less a reserve for the database pool, Kafka and files: a
     * proxied call holds an upstream connection as well as its client's. And no more than the heap can
     * hold: even idle, a connection keeps its thread's stack and buffers (~20 KB measured); an overload
     * that piled up 1,800 keep-alive connections ran a 128 MB gateway out of heap.
     */
    static int connectionLimit() {
        long byMemory = Runtime.getRuntime().maxMemory() / BYTES_PER_CONNECTION;
        if (ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean os) {
            long free = os.getMaxFileDescriptorCount() - os.getOpenFileDescriptorCount() - 128;
            return (int) Math.clamp(Math.min(free / 2, byMemory), 16, 1_000_000);
        }
        return (int) Math.clamp(byMemory, 16, 10_000);
    }

    /** Heap reserved per client connection (several times what one holds idle, for the calls it carries). */
    private static final long BYTES_PER_CONNECTION = 128 << 10;

    /**
     * DB_AUTOMIGRATE: as the owner when one is configured, which also lets the application role the
     * gateway runs as log in with its configured password; else as the gateway's own role.
     */
    private static void migrate(GatewayConfig config) {
        PostgresSettings owner = config.migrator() == null ? config.database() : config.migrator();
        try (HikariDataSource ds = owner.withPool(2).pool("tollgate-migrate")) {
            if (config.migrator() == null) {
                Migrate.run(ds);
            } else {
                Migrate.run(ds, config.database().user(), config.database().password());
            }
        }
    }

    private static long lastSeq(EventStore events) {
        try {
            return events.lastSeq();
        } catch (java.sql.SQLException e) {
            throw new io.tollgate.gateway.http.DatabaseException(e);
        }
    }

    public int port() {
        return server.port();
    }

    /** The port of {@code /metrics} when it has one of its own ({@code tollgate.metrics.port}), else -1. */
    public int metricsPort() {
        return server.port(METRICS_SOCKET);
    }

    private static final String METRICS_SOCKET = "metrics";

    public DataSource dataSource() {
        return dataSource;
    }

    /** The admin key generated on first start when none was configured; print it once. */
    public Optional<String> generatedAdminKey() {
        return generatedAdminKey;
    }

    public UserDirectory directory() {
        return directory;
    }

    public ProviderRegistry registry() {
        return registry;
    }

    /** The public models and their deployments. */
    public ModelCatalog models() {
        return models;
    }

    /**
     * Shuts down without dropping a call (SIGTERM): new calls get 503 {@code draining} and {@code /ready} 503 at
     * once, calls in flight finish (for at most {@code limit}) with their events committed, then everything
     * closes. Returns how many calls the limit cut short (0 when all finished).
     */
    public int drain(Duration limit) {
        inFlight.drain();
        long deadline = System.nanoTime() + limit.toNanos();
        while (inFlight.calls() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        int cut = inFlight.calls();
        close();
        return cut;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        server.stop();
        tracing.close();
        signals.close();
        refresher.close();
        upstream.close();
        follower.close();
        if (relay != null) {
            relay.close();
        }
        writer.close();
        dataSource.close();
    }
}
