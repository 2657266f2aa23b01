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
    private GatewayProcess() {
    }

    /** Starts the gateway on {@code port} against database {@code tollgate} of the Postgres on {@code pgPort}. */
    public static Process start(Path dir, int pgPort, int port, String masterKey, String adminKey) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-Xmx256m", "-Dtollgate.config=/nonexistent"));
        String logging = System.getProperty("java.util.logging.config.file");
        if (logging != null) {
            cmd.add("-Djava.util.logging.config.file=" + logging);
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.tollgate.gateway.Main"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("gateway.log").toFile()));
        pb.environment().putAll(Map.of("POSTGRES_HOST", "127.0.0.1", "POSTGRES_PORT", Integer.toString(pgPort),
                "POSTGRES_USER", "postgres", "POSTGRES_PASSWORD", "", "POSTGRES_DB", "tollgate",
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
