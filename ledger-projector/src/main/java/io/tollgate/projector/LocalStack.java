package io.tollgate.projector;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

import io.tollgate.ledger.store.PostgresSettings;

/**
 * Where the servers of a running {@code tollgate up --data DIR} listen, as it wrote them to
 * {@code DIR/stack.properties}, so replay can run beside it.
 */
public record LocalStack(int postgresPort, String kafkaBootstrap) {
    public static final String FILE = "stack.properties";

    public static LocalStack read(Path dataDir) {
        Path file = dataDir.resolve(FILE);
        if (!Files.exists(file)) {
            throw new IllegalStateException("no " + file + ": is `tollgate up --data " + dataDir + "` running?");
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new LocalStack(Integer.parseInt(p.getProperty("postgres.port")), p.getProperty("kafka.bootstrap", ""));
    }

    public void write(Path dataDir) {
        Properties p = new Properties();
        p.setProperty("postgres.port", Integer.toString(postgresPort));
        p.setProperty("kafka.bootstrap", kafkaBootstrap);
        try (var w = Files.newBufferedWriter(dataDir.resolve(FILE))) {
            p.store(w, "written by tollgate up; read by tollgate replay --data");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public ProjectorConfig apply(ProjectorConfig config) {
        return config.with(new PostgresSettings("127.0.0.1", postgresPort, "postgres", "", "tollgate", "disable", 4),
                kafkaBootstrap, config.port());
    }
}
