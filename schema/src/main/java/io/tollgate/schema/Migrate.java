package io.tollgate.schema;

import javax.sql.DataSource;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

/** Applies the Flyway migrations in {@code db/migration}. Used by {@code tollgate migrate} and by DB_AUTOMIGRATE. */
public final class Migrate {
    private Migrate() {
    }

    public static MigrateResult run(DataSource dataSource) {
        return Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:db/migration")
                .load()
                .migrate();
    }

    /** Entry point for a migrate job: {@code Migrate <jdbc-url> <user> <password>}. */
    public static void main(String[] args) {
        if (args.length < 1) {
            System.err.println("usage: Migrate <jdbc-url> [user] [password]");
            System.exit(2);
        }
        Flyway flyway = Flyway.configure()
                .dataSource(args[0], args.length > 1 ? args[1] : null, args.length > 2 ? args[2] : null)
                .locations("classpath:db/migration")
                .load();
        MigrateResult result = flyway.migrate();
        System.out.println("migrated: " + result.migrationsExecuted + " migration(s) applied; schema at version "
                + flyway.info().current().getVersion());
    }
}
