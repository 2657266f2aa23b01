package io.tollgate.devstack;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import io.tollgate.ledger.store.PostgresSettings;

/** The production ledger-projector ({@code ProjectorService}) as a process of its own, for drills and tests that kill it. */
public final class ProjectorProcess {
    private ProjectorProcess() {
    }

    public static Process start(Path log, String classpath, PostgresSettings db, String bootstrap, String topic)
            throws IOException {
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Dtollgate.config=/nonexistent", "-cp",
                classpath, "io.tollgate.projector.ProjectorService");
        pb.environment().putAll(Map.of("POSTGRES_HOST", db.host(), "POSTGRES_PORT", Integer.toString(db.port()),
                "POSTGRES_USER", db.user(), "POSTGRES_PASSWORD", db.password(), "POSTGRES_DB", db.name(),
                "KAFKA_BOOTSTRAP", bootstrap, "KAFKA_TOPIC", topic, "PROJECTOR_GROUP", "projector-" + topic,
                "PROJECTOR_PORT", "0", "PROJECTOR_INSTANCE", "projector-" + topic));
        return pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }
}
