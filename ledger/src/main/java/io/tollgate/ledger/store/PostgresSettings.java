package io.tollgate.ledger.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/** Where Postgres is (seed 000's POSTGRES_* settings) and how every Tollgate process pools connections to it. */
public record PostgresSettings(String host, int port, String user, String password, String name, String sslMode,
                               int pool) {
    public String jdbcUrl() {
        // Batched inserts are rewritten into multi-row statements: group commit and projection write in batches.
        // A commit must be on disk before it is acknowledged, whatever the server's or database's default
        // (embedded Postgres ships with synchronous_commit off): a reply waits for its event's commit, and
        // an asynchronous one could still be lost with Postgres. Set at connection start, so no round trip.
        return "jdbc:postgresql://" + host + ":" + port + "/" + name + "?sslmode=" + sslMode
                + "&reWriteBatchedInserts=true&options=-c%20synchronous_commit%3Don";
    }

    /** The same database as another role (the services' application role, or the owner that migrates). */
    public PostgresSettings withCredentials(String newUser, String newPassword) {
        return new PostgresSettings(host, port, newUser, newPassword, name, sslMode, pool);
    }

    public PostgresSettings withPool(int size) {
        return new PostgresSettings(host, port, user, password, name, sslMode, size);
    }

    public HikariDataSource pool(String poolName) {
        HikariConfig hikari = new HikariConfig();
        hikari.setJdbcUrl(jdbcUrl());
        hikari.setUsername(user);
        hikari.setPassword(password);
        hikari.setMaximumPoolSize(pool);
        hikari.setPoolName(poolName);
        // Fail fast when Postgres is down so callers get a quick 503 (or retry) rather than hanging.
        hikari.setConnectionTimeout(2000);
        hikari.setValidationTimeout(1000);
        hikari.setInitializationFailTimeout(30_000);
        return new HikariDataSource(hikari);
    }
}
