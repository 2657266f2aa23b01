package io.tollgate.devstack;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;

/**
 * A real single-node Kafka broker in KRaft mode, from the Maven Central jars in
 * {@code kafka-broker/target/lib}, run as a child process with its log in a data directory (so it
 * keeps its topics across restarts, and a test can stop or kill it like a real outage).
 * For local runs and tests only; production points at its own cluster by configuration.
 */
public final class DevKafka implements AutoCloseable {
    private final Path dir;
    private final int port;
    private final int controllerPort;
    private Process process;

    private DevKafka(Path dir, int port, int controllerPort) {
        this.dir = dir;
        this.port = port;
        this.controllerPort = controllerPort;
    }

    public static DevKafka start(Path dir) {
        DevKafka kafka = new DevKafka(dir, DevPostgres.freePort(), DevPostgres.freePort());
        kafka.start();
        return kafka;
    }

    public String bootstrap() {
        return "127.0.0.1:" + port;
    }

    /** Starts (or restarts, on the same ports and data) the broker and waits until it answers. */
    public synchronized void start() {
        try {
            Files.createDirectories(dir.resolve("log"));
            Leftovers.stopIfRunning(dir.resolve("broker.pid"));
            Path props = writeConfig();
            if (!Files.exists(dir.resolve("log/meta.properties"))) {
                run(List.of("kafka.tools.StorageTool", "format", "-t", Uuid.randomUuid().toString(), "-c",
                        props.toString()), true);
            }
            process = launch(List.of("kafka.Kafka", props.toString()));
            Files.writeString(dir.resolve("broker.pid"), Long.toString(process.pid()));
            awaitReady(Duration.ofSeconds(60));
        } catch (IOException e) {
            throw new UncheckedIOException("Kafka did not start in " + dir, e);
        }
    }

    /** Stops the broker the way an outage would: the process is gone, its data stays. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    private Path writeConfig() throws IOException {
        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", "1");
        p.setProperty("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.setProperty("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.setProperty("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        p.setProperty("inter.broker.listener.name", "PLAINTEXT");
        p.setProperty("controller.listener.names", "CONTROLLER");
        p.setProperty("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT");
        p.setProperty("log.dirs", dir.resolve("log").toString());
        p.setProperty("num.partitions", "4");
        p.setProperty("auto.create.topics.enable", "true");
        for (String topic : List.of("offsets.topic", "transaction.state.log", "share.coordinator.state.topic")) {
            p.setProperty(topic + ".replication.factor", "1");
        }
        p.setProperty("transaction.state.log.min.isr", "1");
        p.setProperty("share.coordinator.state.topic.min.isr", "1");
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        Path file = dir.resolve("server.properties");
        try (var w = Files.newBufferedWriter(file)) {
            p.store(w, "written by tollgate devstack");
        }
        Files.writeString(dir.resolve("log4j2.properties"), """
                rootLogger.level = WARN
                rootLogger.appenderRef.file.ref = file
                appender.file.type = File
                appender.file.name = file
                appender.file.fileName = %s
                appender.file.layout.type = PatternLayout
                appender.file.layout.pattern = %%d %%p %%c{1} %%m%%n
                """.formatted(dir.resolve("kafka.log")));
        return file;
    }

    private Process launch(List<String> mainAndArgs) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(javaBinary(), "-Xms128m", "-Xmx512m", "-XX:+UseSerialGC",
                "-Dlog4j2.configurationFile=" + dir.resolve("log4j2.properties"), "-cp", brokerClasspath()));
        cmd.addAll(mainAndArgs);
        return new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("kafka.out").toFile())).start();
    }

    private void run(List<String> mainAndArgs, boolean mustSucceed) throws IOException {
        Process p = launch(mainAndArgs);
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || (mustSucceed && p.exitValue() != 0)) {
                throw new IOException(mainAndArgs.getFirst() + " failed; see " + dir.resolve("kafka.out"));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private void awaitReady(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("Kafka exited with " + process.exitValue() + "; see " + dir.resolve("kafka.out"));
            }
            try (Admin admin = Admin.create(p)) {
                admin.describeCluster().nodes().get(3, TimeUnit.SECONDS);
                return;
            } catch (Exception e) {
                sleep(200);
            }
        }
        throw new IOException("Kafka not ready after " + timeout + "; see " + dir.resolve("kafka.out"));
    }

    /** The broker's jars: {@code -Dtollgate.kafka.lib}, else {@code kafka-broker/target/lib} found upward from here. */
    static String brokerClasspath() {
        String configured = System.getProperty("tollgate.kafka.lib");
        Path lib = configured != null ? Path.of(configured) : null;
        for (Path d = Path.of("").toAbsolutePath(); lib == null && d != null; d = d.getParent()) {
            Path candidate = d.resolve("kafka-broker/target/lib");
            if (Files.isDirectory(candidate)) {
                lib = candidate;
            }
        }
        if (lib == null || !Files.isDirectory(lib)) {
            throw new IllegalStateException("Kafka broker jars not found (build with ./tollgate build)");
        }
        return lib + File.separator + "*";
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop();
    }
}
