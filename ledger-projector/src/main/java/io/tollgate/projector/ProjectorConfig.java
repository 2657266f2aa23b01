package io.tollgate.projector;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import io.helidon.config.Config;
import io.tollgate.ledger.config.Settings;
import io.tollgate.ledger.store.PostgresSettings;

/** The projector's and replay's settings: the same YAML and environment variables as the gateway's. */
public record ProjectorConfig(PostgresSettings database, String kafkaBootstrap, String topic, String groupId,
                              String instanceId, Duration wasteWindow, int port) {

    public static ProjectorConfig load(Path yaml, Map<String, String> env) {
        Config c = Settings.load(yaml, env);
        return new ProjectorConfig(Settings.postgres(c, 4),
                c.get("kafka.bootstrap").asString().orElse(""),
                c.get("kafka.topic").asString().orElse("tollgate.ledger"),
                c.get("projector.group").asString().orElse("tollgate-projector"),
                c.get("projector.instance").asString().filter(i -> !i.isBlank()).orElse(hostName()),
                Duration.ofMinutes(c.get("tollgate.waste.window").asInt().orElse(1440)),
                c.get("projector.port").asInt().orElse(8081));
    }

    public ProjectorConfig with(PostgresSettings db, String bootstrap, int newPort) {
        return new ProjectorConfig(db, bootstrap, topic, groupId, instanceId, wasteWindow, newPort);
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "projector";
        }
    }
}
