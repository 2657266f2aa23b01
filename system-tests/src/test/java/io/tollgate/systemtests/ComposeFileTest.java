package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import io.tollgate.gateway.GatewayConfig;
import io.tollgate.projector.ProjectorConfig;

/**
 * No Docker engine runs here, so the compose file is checked by what can be checked: its services,
 * and that every environment variable it gives the gateway and the projector reaches their config.
 */
class ComposeFileTest {
    private static final Path ROOT = Path.of("..");
    private static final Pattern DEFAULTED = Pattern.compile("\\$\\{(\\w+)(?::[-?])([^}]*)}");

    @SuppressWarnings("unchecked")
    private static Map<String, Object> compose() throws Exception {
        try (Reader r = Files.newBufferedReader(ROOT.resolve("docker-compose.yml"))) {
            return (Map<String, Object>) new Yaml().load(r);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> env(Map<String, Object> compose, String service) {
        Map<String, Object> svc = (Map<String, Object>) ((Map<String, Object>) compose.get("services")).get(service);
        Map<String, String> env = new HashMap<>();
        ((Map<String, Object>) svc.get("environment")).forEach((k, v) -> {
            Matcher m = DEFAULTED.matcher(String.valueOf(v));
            env.put(k, m.matches() ? (m.group(2).isEmpty() || m.group(2).startsWith("set ") ? "from-env-" + m.group(1)
                    : m.group(2)) : String.valueOf(v));
        });
        return env;
    }

    @Test
    void theStackHasEveryService() throws Exception {
        Map<?, ?> services = (Map<?, ?>) compose().get("services");
        assertTrue(services.keySet().containsAll(List.of("postgres", "kafka", "migrate", "gateway", "projector")));
    }

    @Test
    void theGatewayReadsEverySettingComposeGivesIt() throws Exception {
        Map<String, String> env = env(compose(), "gateway");
        GatewayConfig c = GatewayConfig.load(ROOT.resolve("config/tollgate.yaml"), env);
        assertEquals("jdbc:postgresql://postgres:5432/tollgate?sslmode=disable&reWriteBatchedInserts=true&options=-c%20synchronous_commit%3Don",
                c.database().jdbcUrl());
        assertEquals("tollgate_app", c.database().user(), "the services run as the application role");
        assertEquals("from-env-TOLLGATE_APP_DB_PASSWORD", c.database().password());
        assertFalse(c.autoMigrate());
        assertEquals("kafka:9092", c.kafkaBootstrap());
        assertEquals("tollgate.ledger", c.kafkaTopic());
        assertEquals(Path.of("/var/lib/tollgate/ledger-spool"), c.ledgerSpool());
        assertEquals("from-env-TOLLGATE_MASTER_KEY", c.masterKey());
    }

    @Test
    @SuppressWarnings("unchecked")
    void onlyTheMigrateJobConnectsAsTheOwnerAndItSetsTheApplicationRolesPassword() throws Exception {
        Map<String, Object> compose = compose();
        List<String> command = (List<String>) ((Map<String, Object>) ((Map<String, Object>) compose.get("services"))
                .get("migrate")).get("command");
        assertEquals("tollgate", command.get(2), "the owner");
        Map<String, String> env = env(compose, "migrate");
        assertEquals(io.tollgate.schema.Migrate.APP_ROLE, env.get("TOLLGATE_APP_DB_USER"));
        assertEquals("from-env-TOLLGATE_APP_DB_PASSWORD", env.get("TOLLGATE_APP_DB_PASSWORD"));
        assertEquals(env(compose, "gateway").get("POSTGRES_PASSWORD"), env.get("TOLLGATE_APP_DB_PASSWORD"));
    }

    @Test
    void theProjectorReadsEverySettingComposeGivesIt() throws Exception {
        ProjectorConfig c = ProjectorConfig.load(ROOT.resolve("config/tollgate.yaml"), env(compose(), "projector"));
        assertEquals("postgres", c.database().host());
        assertEquals("tollgate_app", c.database().user(), "the services run as the application role");
        assertEquals("kafka:9092", c.kafkaBootstrap());
        assertEquals("tollgate-projector", c.groupId());
        assertEquals("projector-1", c.instanceId());
        assertEquals(8081, c.port());
    }
    @Test
    @SuppressWarnings("unchecked")
    void theGatewayAndProjectorAreCheckedOnReadyAndRestarted() throws Exception {
        Map<String, Object> services = (Map<String, Object>) compose().get("services");
        for (Map.Entry<String, String> e : Map.of("gateway", "8080", "projector", "8081").entrySet()) {
            Map<String, Object> svc = (Map<String, Object>) services.get(e.getKey());
            String probe = String.join(" ", (List<String>) ((Map<String, Object>) svc.get("healthcheck")).get("test"));
            assertTrue(probe.contains("/dev/tcp/127.0.0.1/" + e.getValue()) && probe.contains("GET /ready ")
                    && probe.contains("' 200 '"), e.getKey() + ": " + probe);
            assertEquals("unless-stopped", svc.get("restart"), e.getKey());
        }
        assertEquals("45s", ((Map<String, Object>) services.get("gateway")).get("stop_grace_period"),
                "longer than the gateway's drain (30 s)");
    }

    @Test
    void theImageRunsUnprivilegedAndItsBuildContextCarriesNoLocalData() throws Exception {
        List<String> dockerfile = Files.readAllLines(ROOT.resolve("Dockerfile"));
        String user = dockerfile.stream().filter(l -> l.startsWith("USER ")).reduce((a, b) -> b).orElse("USER root");
        assertFalse(user.matches("USER (root|0)(:.*)?"), user);
        assertTrue(dockerfile.stream().anyMatch(l -> l.contains("MaxRAMPercentage")), "the heap follows the container");
        List<String> ignored = Files.readAllLines(ROOT.resolve(".dockerignore"));
        assertTrue(ignored.containsAll(List.of("data/", "**/target/", ".git/")), ignored.toString());
    }
}
