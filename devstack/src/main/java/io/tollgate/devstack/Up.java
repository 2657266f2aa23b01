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
import io.tollgate.projector.LocalStack;
import io.tollgate.projector.ProjectorConfig;
import io.tollgate.projector.ProjectorService;

/**
 * {@code tollgate up [--demo] [--port N] [--data DIR]}: the whole event flow on one machine: an
 * embedded Postgres and a local Kafka broker whose data live in DIR (default {@code ./data}, so a
 * restart keeps everything), the gateway with its relay, and the ledger-projector. {@code --demo}
 * also starts the mock upstream and registers priced demo models.
 */
public final class Up {
    private Up() {
    }

    public static void main(String[] args) {
        Gateway.preferPlatformPollers();
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
        GatewayConfig config = GatewayConfig.load(configFile());
        if (port != null) {
            config = config.withPort(port);
        }
        if (demo) {
            config = config.withOpenBootstrap(true);  // seed 000's bootstrap from this machine, for trying it out
        }
        DevPostgres postgres = DevPostgres.start(data.resolve("postgres"));
        DevKafka kafka = DevKafka.start(data.resolve("kafka"));
        String masterKey = config.masterKey().isBlank() ? localMasterKey(data) : config.masterKey();
        config = config.withLocalDatabase(postgres.database("tollgate"))
                .withSecrets(masterKey, config.bootstrapAdminKey())
                .withLedgerSpool(data.resolve("ledger-spool"))
                .withKafka(kafka.bootstrap(), config.kafkaTopic());

        MockUpstream mock = demo ? MockUpstream.start(0, DemoCatalog.UPSTREAM_KEY) : null;
        Gateway gateway = Gateway.start(config);
        LocalStack stack = new LocalStack(postgres.port(), kafka.bootstrap());
        stack.write(data);
        ProjectorService projector = ProjectorService.start(stack.apply(ProjectorConfig.load(configFile(),
                System.getenv())).with(config.database(), kafka.bootstrap(), 0));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            gateway.close();
            projector.close();
            if (mock != null) {
                mock.close();
            }
            kafka.close();
            postgres.close();
        }));
        if (mock != null) {
            DemoCatalog.ensure(gateway, mock.baseUrl());
            System.out.println("Demo: mock upstream on " + mock.baseUrl() + "; models " + Map.of(
                    "chat", "demo-chat", "embeddings", "demo-embed", "anthropic", "demo-claude"));
            if (DemoOrganisation.ensure(gateway)) {
                System.out.println("Demo: filled a small organisation (6 people, 5 budgeted agents, 290 calls through the mock)");
            }
        }
        gateway.generatedAdminKey().ifPresent(Main::printAdminKey);
        System.out.println("Data directory: " + data.toAbsolutePath() + "; Kafka " + kafka.bootstrap()
                + "; ledger-projector /ready and /metrics on port " + projector.port());
        System.out.println("Tollgate ready on http://127.0.0.1:" + gateway.port());
        if (mock != null) {
            System.out.println("Console: http://127.0.0.1:" + gateway.port() + "/console/ (sign in as "
                    + DemoOrganisation.FINANCE_LOGIN + " or " + DemoOrganisation.ADMIN_LOGIN + ", password "
                    + DemoOrganisation.PASSWORD + ")");
        }
    }

    private static Path configFile() {
        return Path.of(System.getProperty("tollgate.config", "config/tollgate.yaml"));
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
