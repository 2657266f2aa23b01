package io.tollgate.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import io.tollgate.gateway.Gateway;
import io.tollgate.gateway.GatewayConfig;
import io.tollgate.gateway.Main;
import io.tollgate.gateway.providers.SecretBox;

/**
 * {@code tollgate up [--demo] [--port N] [--data DIR]}: the gateway on an embedded Postgres whose data
 * lives in DIR (default {@code ./data}), so a restart keeps everything. {@code --demo} also starts the
 * mock upstream and registers priced demo models.
 */
public final class Up {
    private Up() {
    }

    public static void main(String[] args) {
        boolean demo = false;
        Integer port = null;
        Path data = Path.of("data");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--demo" -> demo = true;
                case "--port" -> port = Integer.parseInt(value(args, ++i, "--port"));
                case "--data" -> data = Path.of(value(args, ++i, "--data"));
                default -> usage("unknown option " + args[i]);
            }
        }
        GatewayConfig config = GatewayConfig.load(Path.of(System.getProperty("tollgate.config", "config/tollgate.yaml")));
        if (port != null) {
            config = config.withPort(port);
        }
        DevPostgres postgres = DevPostgres.start(data.resolve("postgres"));
        String masterKey = config.masterKey().isBlank() ? localMasterKey(data) : config.masterKey();
        config = config.withDatabase(postgres.database("tollgate"))
                .withSecrets(masterKey, config.bootstrapAdminKey())
                .withLedgerSpool(data.resolve("ledger-spool"))
                .withAutoMigrate();

        MockUpstream mock = demo ? MockUpstream.start(0, DemoCatalog.UPSTREAM_KEY) : null;
        Gateway gateway = Gateway.start(config);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            gateway.close();
            if (mock != null) {
                mock.close();
            }
            postgres.close();
        }));
        if (mock != null) {
            DemoCatalog.ensure(gateway, mock.baseUrl());
            System.out.println("Demo: mock upstream on " + mock.baseUrl() + "; models " + Map.of(
                    "chat", "demo-chat", "embeddings", "demo-embed", "anthropic", "demo-claude"));
        }
        gateway.generatedAdminKey().ifPresent(Main::printAdminKey);
        System.out.println("Data directory: " + data.toAbsolutePath());
        System.out.println("Tollgate ready on http://127.0.0.1:" + gateway.port());
    }

    /** The master key for local runs, generated once into the data directory (owner-only permissions). */
    private static String localMasterKey(Path data) {
        Path file = data.resolve("master.key");
        try {
            if (Files.exists(file)) {
                return Files.readString(file).trim();
            }
            String key = SecretBox.newMasterKey();
            Files.writeString(file, key);
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            return key;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            usage(option + " needs a value");
        }
        return args[i];
    }

    private static void usage(String problem) {
        System.err.println(problem);
        System.err.println("usage: tollgate up [--demo] [--port N] [--data DIR]");
        System.exit(2);
    }
}
