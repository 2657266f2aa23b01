package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * {@code tollgate up} killed with SIGKILL leaves its Postgres and Kafka running on the data directory;
 * the next {@code up} on that directory stops them and starts with everything kept.
 */
class CrashedLauncherTest {
    private static final Pattern READY = Pattern.compile("Tollgate ready on http://127.0.0.1:(\\d+)");

    private static Process up(Path data, Path log) throws Exception {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx384m",
                "-XX:+UseSerialGC", "-Dtollgate.config=/nonexistent",
                "-Dtollgate.kafka.lib=" + System.getProperty("tollgate.kafka.lib"), "-cp", classpath,
                "io.tollgate.devstack.Up", "--port", "0", "--data", data.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static int awaitReady(Process p, Path log) throws Exception {
        int[] port = new int[1];
        TestStack.await("up to print its ready line", 120, () -> {
            try {
                Matcher m = READY.matcher(Files.readString(log));
                if (m.find()) {
                    port[0] = Integer.parseInt(m.group(1));
                    return true;
                }
                if (!p.isAlive()) {
                    throw new AssertionError("up exited: " + Files.readString(log));
                }
                return false;
            } catch (java.io.IOException e) {
                return false;
            }
        });
        return port[0];
    }

    @Test
    void upAfterASigkillStopsTheLeftoverServersAndKeepsTheData() throws Exception {
        Path data = TestStack.tempDir("tollgate-crashed-up");
        Process first = up(data, data.resolve("first.log"));
        try {
            awaitReady(first, data.resolve("first.log"));
        } finally {
            first.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        Process second = up(data, data.resolve("second.log"));
        try {
            int port = awaitReady(second, data.resolve("second.log"));
            Api.Reply health = new Api(port).get("/health", null);
            assertEquals(200, health.status(), health.body());
            assertEquals(1, health.json().get("user_count").asLong(), "the first run's admin is still there");
        } finally {
            second.destroy();
            second.waitFor(30, TimeUnit.SECONDS);
            for (Path pid : List.of(data.resolve("postgres/postmaster.pid"), data.resolve("kafka/broker.pid"))) {
                if (Files.exists(pid)) {
                    ProcessHandle.of(Long.parseLong(Files.readAllLines(pid).getFirst().trim()))
                            .ifPresent(ProcessHandle::destroyForcibly);
                }
            }
        }
    }
}
