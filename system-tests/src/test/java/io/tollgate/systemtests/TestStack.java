package io.tollgate.systemtests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.tollgate.devstack.DevKafka;
import io.tollgate.devstack.DevPostgres;
import io.tollgate.devstack.GatewayProcess;
import io.tollgate.devstack.MockUpstream;
import io.tollgate.devstack.ScratchDirs;
import io.tollgate.gateway.GatewayConfig;
import io.tollgate.ledger.store.PostgresSettings;
import io.tollgate.gateway.providers.SecretBox;
import io.tollgate.projector.ProjectorConfig;

/**
 * Real parts shared by the system tests: one embedded PostgreSQL server (each test class gets a
 * database of its own) and one mock upstream speaking the OpenAI and Anthropic wire formats.
 */
final class TestStack {
    static final String ADMIN_KEY = "tg_test_admin_0123456789abcdef0123456789abcdef";
    static final String UPSTREAM_KEY = "sk-upstream-secret-0123456789";
    static final String MASTER_KEY = SecretBox.newMasterKey();
    // Exact decimals, as a finance client would read money.
    static final ObjectMapper JSON = new ObjectMapper()
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static DevPostgres postgres;
    private static MockUpstream mock;
    private static DevKafka kafka;
    /** Servers to stop at exit, before the one directory all test data lives in is deleted. */
    private static final Deque<AutoCloseable> STOP_AT_EXIT = new ConcurrentLinkedDeque<>();
    private static final Path ROOT = root();

    private TestStack() {
    }

    /** One directory per test run, so a run leaves nothing behind (each holds Postgres and Kafka data). */
    private static Path root() {
        try {
            Path root = Files.createTempDirectory("tollgate-tests");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                for (AutoCloseable server; (server = STOP_AT_EXIT.pollFirst()) != null; ) {
                    try {
                        server.close();
                    } catch (Exception e) {
                        // stopping what is left; its files go next regardless
                    }
                }
                if (!ScratchDirs.deleteTree(root)) {
                    System.err.println("tests: could not delete all of " + root);
                }
            }));
            return root;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static synchronized DevPostgres postgres() {
        if (postgres == null) {
            postgres = DevPostgres.start(tempDir("tollgate-pg"));
            STOP_AT_EXIT.addFirst(postgres);
        }
        return postgres;
    }

    static synchronized MockUpstream mock() {
        if (mock == null) {
            mock = MockUpstream.start(0, UPSTREAM_KEY);
            STOP_AT_EXIT.addFirst(mock);
        }
        return mock;
    }

    /** One Kafka broker for the tests that do not stop it; each test class uses a topic of its own. */
    static synchronized DevKafka kafka() {
        if (kafka == null) {
            kafka = DevKafka.start(tempDir("tollgate-kafka"));
            STOP_AT_EXIT.addFirst(kafka);
        }
        return kafka;
    }

    static ProjectorConfig projectorConfig(PostgresSettings db, String bootstrap, String topic) {
        return new ProjectorConfig(db, bootstrap, topic, "projector-" + topic, "test-projector", Duration.ofHours(24), 0);
    }

    /** Polls until {@code condition} holds, failing after {@code seconds}. */
    static void await(String what, int seconds, java.util.function.BooleanSupplier condition) {
        await(() -> what, seconds, condition);
    }

    /** As above, with a description computed when it fails (to show the state at that moment). */
    static void await(java.util.function.Supplier<String> what, int seconds, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                Thread.getAllStackTraces().forEach((t, stack) -> {
                    if (t.getName().startsWith("ledger-")) {
                        System.out.println("thread " + t.getName() + " " + t.getState());
                        for (StackTraceElement e : stack) {
                            System.out.println("    at " + e);
                        }
                    }
                });
                throw new AssertionError("timed out after " + seconds + " s waiting for " + what.get());
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    static GatewayConfig config(PostgresSettings db) {
        return config(db, Duration.ofSeconds(30));
    }

    static GatewayConfig config(PostgresSettings db, Duration upstreamTimeout) {
        return GatewayConfig.loopback(db, tempDir("tollgate-spool"), MASTER_KEY, ADMIN_KEY).withUpstreamTimeout(upstreamTimeout);
    }

    static PostgresSettings freshDatabase() {
        return postgres().database("t" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet());
    }

    /** Connections as the role {@code db} names (the owner, for tests that look past the services' privileges). */
    static DataSource dataSource(PostgresSettings db) {
        org.postgresql.ds.PGSimpleDataSource ds = new org.postgresql.ds.PGSimpleDataSource();
        ds.setUrl(db.jdbcUrl());
        ds.setUser(db.user());
        ds.setPassword(db.password());
        return ds;
    }

    static Path tempDir(String prefix) {
        try {
            return Files.createTempDirectory(ROOT, prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The {@code UsageRecorded} payloads in seq order, read straight from the ledger table. */
    static List<JsonNode> usageEvents(DataSource ds) {
        return payloads(ds, "SELECT payload::text FROM ledger_event WHERE type = 'UsageRecorded' ORDER BY seq");
    }

    static List<JsonNode> payloads(DataSource ds, String sql, Object... args) {
        try (Connection c = ds.getConnection(); PreparedStatement q = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                q.setObject(i + 1, args[i]);
            }
            List<JsonNode> out = new ArrayList<>();
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    out.add(JSON.readTree(rs.getString(1)));
                }
            }
            return out;
        } catch (SQLException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static long count(DataSource ds, String sql) {
        try (Connection c = ds.getConnection(); PreparedStatement q = c.prepareStatement(sql);
             ResultSet rs = q.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
    /** The production gateway as a process of its own, on a fresh database of the shared Postgres. */
    record GatewayProc(Path dir, PostgresSettings db, int port, Process process) {
        String base() {
            return "http://127.0.0.1:" + port;
        }
    }

    /** Starts {@link GatewayProc} ({@code openFiles} 0: the usual limit) and waits until it is ready. */
    static GatewayProc gatewayProcess(String name, int openFiles, List<String> jvm) throws Exception {
        Path dir = tempDir("tollgate-" + name);
        String db = name + "_" + ProcessHandle.current().pid();
        PostgresSettings owner = postgres().database(db);
        int port = DevPostgres.freePort();
        Process process = GatewayProcess.start(dir, postgres().port(), port, MASTER_KEY, ADMIN_KEY,
                new GatewayProcess.Options(db, openFiles, jvm));
        GatewayProc started = new GatewayProc(dir, owner, port, process);
        try {
            GatewayProcess.awaitReady(started.base(), process);
        } catch (RuntimeException | InterruptedException e) {
            process.destroyForcibly();
            throw e;
        }
        return started;
    }
}
