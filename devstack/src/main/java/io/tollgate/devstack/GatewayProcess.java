package io.tollgate.devstack;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The production gateway ({@code io.tollgate.gateway.Main}) as a process of its own, configured by
 * environment variables as in production: for benchmarks (its own heap and RSS) and for drills
 * that kill it with SIGKILL.
 */
public final class GatewayProcess {
    /**
     * The gateway's JVM in the bench and drills. Its live set is ~50 MB under the bench's load, 35 MB of
     * it the tokenizer's vocabulary: a heap of 128 MB keeps the process near 275 MB resident (160 MB
     * reached 307 MB). That is the bench's budget, not a production size: an upstream reply is held
     * whole (up to 64 MB) and nothing bounds the bytes of calls in flight, so production leaves the heap
     * to the container's memory (the image only adds exit-on-out-of-memory). The collector is the JVM's
     * default, G1: with SerialGC each young pause promoted ~1.3 MB of in-flight requests, so a ~200 ms
     * full collection came every ~20 s and set the p99; G1 promotes nothing here and pauses 1-3 ms.
     * G1's marking stack would commit 32 MB up front; it grows on demand from 512k.
     */
    private static final List<String> JVM = List.of("-Xmx128m", "-XX:MarkStackSize=512k", "-XX:+ExitOnOutOfMemoryError");

    private GatewayProcess() {
    }

    /**
     * How to start it beyond the defaults: the database's name, a file-descriptor limit ({@code 0}:
     * inherited) and JVM options added to {@link #JVM}.
     */
    public record Options(String db, int openFiles, List<String> jvm) {
        public static final Options DEFAULT = new Options("tollgate", 0, List.of());

        public Options withJvm(List<String> options) {
            return new Options(db, openFiles, options);
        }
    }

    /** Starts the gateway on {@code port} against database {@code tollgate} of the Postgres on {@code pgPort}. */
    public static Process start(Path dir, int pgPort, int port, String masterKey, String adminKey) throws IOException {
        return start(dir, pgPort, port, masterKey, adminKey, Options.DEFAULT);
    }

    public static Process start(Path dir, int pgPort, int port, String masterKey, String adminKey, Options options)
            throws IOException {
        List<String> cmd = new ArrayList<>();
        if (options.openFiles() > 0) {
            cmd.addAll(List.of("bash", "-c", "ulimit -n " + options.openFiles() + " && exec \"$0\" \"$@\""));
        }
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dtollgate.config=/nonexistent"));
        cmd.addAll(JVM);
        cmd.addAll(options.jvm());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.tollgate.gateway.Main"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("gateway.log").toFile()));
        // As in production: the gateway runs as the application role; DB_AUTOMIGRATE migrates as the owner.
        pb.environment().putAll(Map.of("POSTGRES_OWNER_USER", "postgres", "POSTGRES_OWNER_PASSWORD", ""));
        pb.environment().putAll(Map.of("POSTGRES_HOST", "127.0.0.1", "POSTGRES_PORT", Integer.toString(pgPort),
                "POSTGRES_USER", io.tollgate.schema.Migrate.APP_ROLE, "POSTGRES_PASSWORD",
                io.tollgate.gateway.GatewayConfig.LOCAL_APP_PASSWORD, "POSTGRES_DB", options.db(),
                "SERVER_PORT", Integer.toString(port), "DB_AUTOMIGRATE", "true",
                "TOLLGATE_MASTER_KEY", masterKey, "TOLLGATE_BOOTSTRAP_ADMIN_KEY", adminKey,
                "TOLLGATE_LEDGER_SPOOL", dir.resolve("spool").toString()));
        return pb.start();
    }

    /** Waits until {@code /ready} answers 200 (at most a minute). */
    public static void awaitReady(String base, Process gateway) throws InterruptedException {
        HttpClient client = HttpClient.newHttpClient();
        for (int i = 0; i < 600; i++) {
            if (!gateway.isAlive()) {
                throw new IllegalStateException("the gateway exited; see its log");
            }
            try {
                if (client.send(HttpRequest.newBuilder(URI.create(base + "/ready")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the gateway did not become ready");
    }
}
