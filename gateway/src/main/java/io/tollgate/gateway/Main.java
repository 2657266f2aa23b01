package io.tollgate.gateway;

import java.nio.file.Path;

/** Production entry point: connects to the configured Postgres and serves. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        Gateway.preferPlatformPollers();
        GatewayConfig config = GatewayConfig.load(Path.of(System.getProperty("tollgate.config", "config/tollgate.yaml")));
        Gateway gateway = Gateway.start(config);
        Runtime.getRuntime().addShutdownHook(new Thread(gateway::close));
        gateway.generatedAdminKey().ifPresent(Main::printAdminKey);
        System.out.println("Tollgate ready on http://127.0.0.1:" + gateway.port());
    }

    public static void printAdminKey(String key) {
        System.out.println("First start: an admin user was created. Its API key is shown once, now:");
        System.out.println("  " + key);
    }
}
