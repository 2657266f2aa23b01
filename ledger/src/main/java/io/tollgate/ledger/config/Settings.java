package io.tollgate.ledger.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.config.EnvironmentVariables;
import io.tollgate.ledger.store.PostgresSettings;

/**
 * How every Tollgate process reads its settings: environment variables win over system properties,
 * which win over the YAML file. A variable maps to a key by Helidon's rule: POSTGRES_HOST is
 * postgres.host, DB_AUTOMIGRATE is db.automigrate.
 */
public final class Settings {
    private Settings() {
    }

    public static Config load(Path yaml, Map<String, String> env) {
        Config.Builder builder = Config.builder()
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .addSource(ConfigSources.create(EnvironmentVariables.expand(env)))
                .addSource(ConfigSources.systemProperties());
        if (Files.exists(yaml)) {
            builder.addSource(ConfigSources.file(yaml));
        }
        return builder.build();
    }

    /** Seed 000's POSTGRES_* settings, from the {@code postgres} node. */
    public static PostgresSettings postgres(Config c, int defaultPool) {
        Config pg = c.get("postgres");
        return new PostgresSettings(pg.get("host").asString().orElse("localhost"),
                pg.get("port").asInt().orElse(5432),
                pg.get("user").asString().orElse("tollgate"),
                pg.get("password").asString().orElse(""),
                pg.get("db").asString().orElse("tollgate"),
                pg.get("sslmode").asString().orElse("disable"),
                pg.get("pool").asInt().orElse(defaultPool));
    }
}
