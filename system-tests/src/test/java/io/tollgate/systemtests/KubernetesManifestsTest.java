package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import io.helidon.config.Config;
import io.tollgate.gateway.GatewayConfig;
import io.tollgate.ledger.config.Settings;
import io.tollgate.projector.ProjectorConfig;

/**
 * No cluster runs here, so the manifests under {@code deploy/kubernetes} are parsed and checked against the
 * code: every file is in the kustomization, each process gets the image and class that exist, every
 * variable it is given is one the code reads and lands where it should, secrets and config keys referenced
 * exist, probes hit the real ports and paths, pods run as the image's user, and the gateway's grace period
 * covers its drain.
 */
@SuppressWarnings("unchecked")
class KubernetesManifestsTest {
    private static final Path DIR = Path.of("..", "deploy", "kubernetes");
    private static final Path YAML = Path.of("..", "config", "tollgate.yaml");
    /** Variables read outside the configuration tree: by logback, and by the migrate job itself. */
    private static final Set<String> READ_ELSEWHERE = Set.of("TOLLGATE_LOG_FORMAT", "TOLLGATE_LOG_LEVEL",
            "TOLLGATE_APP_DB_USER", "TOLLGATE_APP_DB_PASSWORD", "POSTGRES_OWNER_USER", "POSTGRES_OWNER_PASSWORD");

    private final List<Map<String, Object>> docs = new ArrayList<>();

    private List<Map<String, Object>> docs() throws Exception {
        if (docs.isEmpty()) {
            Map<String, Object> kustomization = load(DIR.resolve("kustomization.yaml")).getFirst();
            List<String> resources = (List<String>) kustomization.get("resources");
            try (var files = Files.list(DIR)) {
                files.map(f -> f.getFileName().toString()).filter(f -> f.endsWith(".yaml") && !f.equals("kustomization.yaml"))
                        .forEach(f -> assertTrue(resources.contains(f), f + " is not in the kustomization"));
            }
            for (String r : resources) {
                docs.addAll(load(DIR.resolve(r)));
            }
        }
        return docs;
    }

    private static List<Map<String, Object>> load(Path file) throws Exception {
        List<Map<String, Object>> out = new ArrayList<>();
        try (Reader r = Files.newBufferedReader(file)) {
            new Yaml().loadAll(r).forEach(d -> out.add((Map<String, Object>) d));
        }
        return out;
    }

    private Map<String, Object> doc(String kind, String name) throws Exception {
        return docs().stream().filter(d -> kind.equals(d.get("kind"))
                && name.equals(((Map<String, Object>) d.get("metadata")).get("name"))).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " " + name));
    }

    private static Map<String, Object> at(Map<String, Object> m, String... path) {
        Map<String, Object> cur = m;
        for (String p : path) {
            cur = (Map<String, Object>) cur.get(p);
        }
        return cur;
    }

    private static Map<String, Object> container(Map<String, Object> workload) {
        return ((List<Map<String, Object>>) at(workload, "spec", "template", "spec").get("containers")).getFirst();
    }

    /** The container's environment as the kubelet would give it: secrets stand in as {@code secret:KEY}. */
    private Map<String, String> env(Map<String, Object> container) throws Exception {
        Map<String, String> config = (Map<String, String>) doc("ConfigMap", "tollgate-config").get("data");
        Map<String, String> secrets = (Map<String, String>) doc("Secret", "tollgate-secrets").get("stringData");
        Map<String, String> env = new HashMap<>();
        for (Map<String, Object> from : (List<Map<String, Object>>) container.getOrDefault("envFrom", List.of())) {
            assertEquals("tollgate-config", ((Map<String, Object>) from.get("configMapRef")).get("name"));
            env.putAll(config);
        }
        for (Map<String, Object> e : (List<Map<String, Object>>) container.getOrDefault("env", List.of())) {
            String name = (String) e.get("name");
            if (e.containsKey("value")) {
                env.put(name, String.valueOf(e.get("value")));
                continue;
            }
            Map<String, Object> from = (Map<String, Object>) e.get("valueFrom");
            if (from.containsKey("secretKeyRef")) {
                String key = (String) ((Map<String, Object>) from.get("secretKeyRef")).get("key");
                assertTrue(secrets.containsKey(key), "no secret key " + key);
                env.put(name, "secret:" + key);
            } else if (from.containsKey("configMapKeyRef")) {
                String key = (String) ((Map<String, Object>) from.get("configMapKeyRef")).get("key");
                assertTrue(config.containsKey(key), "no config key " + key);
                env.put(name, config.get(key));
            } else {
                env.put(name, "field:" + from);
            }
        }
        return env;
    }

    /** Every variable is one the code reads: a key of tollgate.yaml by Helidon's rule, or one read elsewhere. */
    private static void allRead(Map<String, String> env, String who) {
        Config declared = Settings.load(YAML, Map.of());
        for (String name : env.keySet()) {
            String key = name.toLowerCase().replace('_', '.');
            assertTrue(declared.get(key).exists() || READ_ELSEWHERE.contains(name) || name.startsWith("OTEL_"),
                    who + " is given " + name + ", which nothing reads (no " + key + " in config/tollgate.yaml)");
        }
    }

    /** The workload's container: our image, running {@code mainClass}, every variable it sets one the code reads. */
    private Map<String, Object> serviceContainer(Map<String, Object> workload, String mainClass, String who)
            throws Exception {
        Map<String, Object> c = container(workload);
        assertEquals("tollgate", c.get("image"));
        assertEquals(List.of(mainClass), c.get("args"));
        Class.forName(mainClass).getMethod("main", String[].class);
        allRead(env(c), who);
        return c;
    }

    private static void runsAsTheImagesUser(Map<String, Object> workload) throws Exception {
        String user = Files.readAllLines(Path.of("..", "Dockerfile")).stream().filter(l -> l.startsWith("USER "))
                .reduce((a, b) -> b).orElseThrow().substring(5).split(":")[0];
        Map<String, Object> security = at(workload, "spec", "template", "spec", "securityContext");
        assertEquals(Boolean.TRUE, security.get("runAsNonRoot"));
        assertEquals(user, String.valueOf(security.get("runAsUser")));
    }

    @Test
    void theGatewayIsConfiguredProbedAndDrainedAsTheCodeExpects() throws Exception {
        Map<String, Object> gateway = doc("StatefulSet", "tollgate-gateway");
        Map<String, Object> c = serviceContainer(gateway, "io.tollgate.gateway.Main", "the gateway");
        Map<String, String> env = env(c);
        GatewayConfig config = GatewayConfig.load(YAML, env);
        assertEquals("postgres.example.internal", config.database().host());
        assertEquals("tollgate_app", config.database().user(), "the services run as the application role");
        assertEquals("secret:TOLLGATE_APP_DB_PASSWORD", config.database().password());
        assertEquals("secret:TOLLGATE_MASTER_KEY", config.masterKey());
        assertEquals("secret:TOLLGATE_BOOTSTRAP_ADMIN_KEY", config.bootstrapAdminKey());
        assertEquals("kafka.example.internal:9092", config.kafkaBootstrap());
        assertFalse(config.autoMigrate(), "the migrate job migrates");

        Map<String, Object> port = ((List<Map<String, Object>>) c.get("ports")).getFirst();
        assertEquals(config.port(), port.get("containerPort"));
        Map<String, Object> ready = at(c, "readinessProbe", "httpGet");
        assertEquals("/ready", ready.get("path"));
        assertEquals(port.get("name"), ready.get("port"));
        String mount = (String) ((List<Map<String, Object>>) c.get("volumeMounts")).stream()
                .filter(m -> "spool".equals(m.get("name"))).findFirst().orElseThrow().get("mountPath");
        assertTrue(config.ledgerSpool().startsWith(Path.of(mount)), "the spool lives on the pod's own volume");
        assertEquals("spool", ((Map<String, Object>) ((List<Map<String, Object>>) at(gateway, "spec")
                .get("volumeClaimTemplates")).getFirst().get("metadata")).get("name"));

        int grace = (Integer) at(gateway, "spec", "template", "spec").get("terminationGracePeriodSeconds");
        assertTrue(grace > config.drainLimit().toSeconds() + 5, "the grace period covers the pre-stop wait and the drain");
        runsAsTheImagesUser(gateway);

        Map<String, Object> labels = at(gateway, "spec", "template", "metadata", "labels");
        assertEquals(labels, at(doc("PodDisruptionBudget", "tollgate-gateway"), "spec", "selector", "matchLabels"));
        assertEquals(labels, at(doc("Service", "tollgate-gateway"), "spec", "selector"));
    }

    @Test
    void theProjectorIsConfiguredAndProbedAsTheCodeExpects() throws Exception {
        Map<String, Object> projector = doc("Deployment", "tollgate-projector");
        Map<String, Object> c = serviceContainer(projector, "io.tollgate.projector.ProjectorService", "the projector");
        Map<String, String> env = env(c);
        ProjectorConfig config = ProjectorConfig.load(YAML, env);
        assertEquals("kafka.example.internal:9092", config.kafkaBootstrap());
        assertEquals("tollgate_app", config.database().user());
        assertEquals(((List<Map<String, Object>>) c.get("ports")).getFirst().get("containerPort"), config.port());
        assertEquals("/ready", at(c, "readinessProbe", "httpGet").get("path"));
        runsAsTheImagesUser(projector);
    }

    @Test
    void theMigrateJobRunsAsTheOwnerWithEveryVariableItNamesDefined() throws Exception {
        Map<String, Object> job = doc("Job", "tollgate-migrate");
        Map<String, Object> c = container(job);
        List<String> args = (List<String>) c.get("args");
        assertEquals("io.tollgate.schema.Migrate", args.getFirst());
        Class.forName(args.getFirst()).getMethod("main", String[].class);
        Map<String, String> env = env(c);
        allRead(env, "the migrate job");
        Matcher m = Pattern.compile("\\$\\((\\w+)\\)").matcher(String.join(" ", args));
        while (m.find()) {
            assertNotNull(env.get(m.group(1)), "the job's arguments name $(" + m.group(1) + ") but it is not set");
        }
        assertEquals("tollgate", env.get("POSTGRES_OWNER_USER"));
        assertEquals(env(container(doc("StatefulSet", "tollgate-gateway"))).get("POSTGRES_PASSWORD"),
                env.get("TOLLGATE_APP_DB_PASSWORD"), "it sets the password the services log in with");
        runsAsTheImagesUser(job);
    }
}
