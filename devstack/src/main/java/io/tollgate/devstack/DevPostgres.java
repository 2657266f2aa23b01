package io.tollgate.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import io.tollgate.ledger.store.PostgresSettings;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A real PostgreSQL server started by the project itself (zonky's embedded binaries), its data kept
 * in a directory so a restart keeps everything. For local runs and tests only; production points at
 * its own server by configuration.
 */
public final class DevPostgres implements AutoCloseable {
    private final EmbeddedPostgres postgres;

    private DevPostgres(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    public static DevPostgres start(Path dataDir) {
        return start(dataDir, freePort());
    }

    /** On a given port: a restarted server is found again by clients configured with its address. */
    public static DevPostgres start(Path dataDir, int port) {
        try {
            Files.createDirectories(dataDir);
            Leftovers.stopIfRunning(dataDir.resolve("postmaster.pid"));
            return new DevPostgres(EmbeddedPostgres.builder()
                    .setDataDirectory(dataDir)
                    .setCleanDataDirectory(false)
                    .setPort(port)
                    .setServerConfig("max_connections", "300")
                    .setServerConfig("fsync", "on")
                    // zonky's default is off; a production server's is on, and the ledger relies on it.
                    .setServerConfig("synchronous_commit", "on")
                    .start());
        } catch (IOException e) {
            throw new UncheckedIOException("embedded Postgres did not start in " + dataDir, e);
        }
    }

    public int port() {
        return postgres.getPort();
    }

    /** Creates the database if it does not exist and returns settings that reach it. */
    public PostgresSettings database(String name) {
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            boolean exists;
            try (ResultSet rs = s.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + name.replace("'", "") + "'")) {
                exists = rs.next();
            }
            if (!exists) {
                s.execute("CREATE DATABASE \"" + name.replace("\"", "") + "\"");
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + name, e);
        }
        return new PostgresSettings("127.0.0.1", port(), "postgres", "", name, "disable", 32);
    }

    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
