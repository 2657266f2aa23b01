package io.tollgate.schema;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

import javax.sql.DataSource;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * Applies the Flyway migrations in {@code db/migration} as the tables' owner, and makes the
 * application role the services connect as ({@link #APP_ROLE} unless named otherwise): it may append
 * to the ledger and read it, never change it. Used by {@code tollgate migrate}, the compose migrate
 * job and, for local runs, by the gateway at start-up.
 */
public final class Migrate {
    /** The services' database role (TOLLGATE_APP_DB_USER). */
    public static final String APP_ROLE = "tollgate_app";

    private Migrate() {
    }

    /** Migrates with the default application role, leaving its password as it is. */
    public static MigrateResult run(DataSource owner) {
        return run(owner, APP_ROLE, null);
    }

    /**
     * @param appPassword when not null, the application role may log in with it (set after the
     *                    migrations, so no migration ever holds a secret)
     */
    public static MigrateResult run(DataSource owner, String appRole, String appPassword) {
        if (!appRole.matches("[a-z_][a-z0-9_]{0,62}")) {
            throw new IllegalArgumentException("the application role must be a lower-case identifier: " + appRole);
        }
        MigrateResult result = Flyway.configure()
                .dataSource(owner)
                .locations("classpath:db/migration")
                .placeholders(Map.of("app_role", appRole))
                .load()
                .migrate();
        if (appPassword != null) {
            try (Connection c = owner.getConnection(); Statement s = c.createStatement()) {
                s.execute("ALTER ROLE " + appRole + " LOGIN PASSWORD '" + appPassword.replace("'", "''") + "'");
            } catch (SQLException e) {
                throw new IllegalStateException("could not set the password of role " + appRole, e);
            }
        }
        return result;
    }

    /**
     * Entry point for a migrate job: {@code Migrate <jdbc-url> <owner-user> <owner-password>}; the
     * application role is {@code TOLLGATE_APP_DB_USER} (default {@value #APP_ROLE}) with the password
     * {@code TOLLGATE_APP_DB_PASSWORD}.
     */
    public static void main(String[] args) {
        if (args.length < 1) {
            System.err.println("usage: Migrate <jdbc-url> [owner-user] [owner-password]");
            System.exit(2);
        }
        org.postgresql.ds.PGSimpleDataSource ds = new org.postgresql.ds.PGSimpleDataSource();
        ds.setUrl(args[0]);
        if (args.length > 1) {
            ds.setUser(args[1]);
        }
        if (args.length > 2) {
            ds.setPassword(args[2]);
        }
        String role = System.getenv().getOrDefault("TOLLGATE_APP_DB_USER", APP_ROLE);
        String password = System.getenv("TOLLGATE_APP_DB_PASSWORD");
        MigrateResult result = run(ds, role, password == null || password.isEmpty() ? null : password);
        System.out.println("migrated: " + result.migrationsExecuted + " migration(s) applied; schema at version "
                + result.targetSchemaVersion + "; services connect as " + role
                + (password == null || password.isEmpty() ? " (its password left unchanged)" : ""));
    }
}
