package io.tollgate.gateway;

import java.nio.file.Path;
import java.util.logging.Logger;

import sun.misc.Signal;

/** Production entry point: connects to the configured Postgres and serves until SIGTERM or SIGINT. */
public final class Main {
    private static final Logger LOG = Logger.getLogger(Main.class.getName());

    private Main() {
    }

    public static void main(String[] args) {
        Gateway.preferPlatformPollers();
        GatewayConfig config = GatewayConfig.load(Path.of(System.getProperty("tollgate.config", "config/tollgate.yaml")));
        Gateway gateway = Gateway.start(config);
        // A stop signal drains: no new calls, those in flight finish and are ledgered, then exit 0 (Kubernetes
        // and compose send SIGTERM, then wait out the grace period). Other exits still close on the way out.
        for (String name : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(name), signal -> {
                LOG.info("SIG" + name + ": draining (at most " + config.drainLimit().toSeconds() + " s)");
                int cut = gateway.drain(config.drainLimit());
                LOG.info(cut == 0 ? "drained: every call finished and was ledgered" : cut + " calls were still in "
                        + "flight when the drain limit ran out");
                System.exit(cut == 0 ? 0 : 1);
            });
        }
        Runtime.getRuntime().addShutdownHook(new Thread(gateway::close));
        gateway.generatedAdminKey().ifPresent(Main::printAdminKey);
        System.out.println("Tollgate ready on http://127.0.0.1:" + gateway.port());
    }

    public static void printAdminKey(String key) {
        System.out.println("First start: an admin user was created. Its API key is shown once, now:");
        System.out.println("  " + key);
    }
}
