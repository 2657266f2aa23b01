package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The Grafana dashboard and the Prometheus alert rules under {@code deploy/} are well formed and ask only
 * for metrics the running gateway and projector export (a renamed metric would leave a panel blank and an
 * alert silent).
 */
class MonitoringFilesTest {
    private static final Path DEPLOY = Path.of("..", "deploy");
    private static final Pattern METRIC = Pattern.compile("\\b((?:tollgate|http_server)_[a-z0-9_]+)");

    @Test
    @SuppressWarnings("unchecked")
    void theDashboardAndAlertsUseOnlyMetricsTheStackExports() throws Exception {
        JsonNode dashboard = TestStack.JSON.readTree(DEPLOY.resolve("grafana/tollgate.json").toFile());
        List<String> expressions = new ArrayList<>();
        for (JsonNode panel : dashboard.get("panels")) {
            assertFalse(panel.path("title").asText().isBlank(), panel.toString());
            assertTrue(panel.path("targets").size() > 0, panel.path("title").asText());
            panel.get("targets").forEach(t -> expressions.add(t.get("expr").asText()));
        }
        Map<String, Object> rules;
        try (Reader r = Files.newBufferedReader(DEPLOY.resolve("prometheus/tollgate-alerts.yml"))) {
            rules = new Yaml().load(r);
        }
        int alerts = 0;
        for (Map<String, Object> group : (List<Map<String, Object>>) rules.get("groups")) {
            for (Map<String, Object> rule : (List<Map<String, Object>>) group.get("rules")) {
                assertTrue(rule.get("alert") instanceof String, rule.toString());
                assertTrue(((Map<String, Object>) rule.get("labels")).containsKey("severity"), rule.toString());
                assertTrue(((Map<String, Object>) rule.get("annotations")).containsKey("summary"), rule.toString());
                expressions.add((String) rule.get("expr"));
                alerts++;
            }
        }
        assertTrue(alerts >= 5, "ledger backlog, relay and projector lag, upstream errors, budgets");

        Set<String> exported = new TreeSet<>();
        try (EventFlow flow = new EventFlow(TestStack.kafka().bootstrap())) {
            Api api = flow.api;
            Catalog.register(api);
            String key = api.newKey(null, "completion:invoke,model:any");
            assertEquals(200, api.post("/v1/chat/completions", key, Catalog.chatBody("chat", "hello", false)).status());
            long mock = Catalog.providerId(api, "mock");
            Catalog.model(api, "broken", "mock-fail-500", mock, "1", "1");
            assertEquals(502, api.post("/v1/chat/completions", key, Catalog.chatBody("broken", "hello", false)).status());
            Api.Reply poor = api.post("/api/admin/virtual-keys", TestStack.ADMIN_KEY, "{\"name\":\"poor\",\"user_id\":1,"
                    + "\"monthly_budget_cap\":\"0.000001\"}");
            assertEquals(429, api.post("/v1/chat/completions", poor.json().get("key").asText(),
                    Catalog.chatBody("chat", "a prompt long enough to cost more than a micro-dollar", false)).status());
            flow.awaitProjected(60);
            exported.addAll(names(api.get("/metrics", null).body()));
            exported.addAll(names(new Api(flow.projector.port()).get("/metrics", null).body()));
        }
        Set<String> asked = new TreeSet<>();
        expressions.forEach(e -> {
            Matcher m = METRIC.matcher(e);
            while (m.find()) {
                asked.add(m.group(1));
            }
        });
        asked.removeAll(exported);
        assertEquals(Set.of(), asked, "asked for but not exported; exported: " + exported);
    }

    /** Sample names in a Prometheus text exposition. */
    private static Set<String> names(String scrape) {
        Set<String> out = new TreeSet<>();
        for (String line : scrape.split("\n")) {
            if (!line.startsWith("#") && !line.isBlank()) {
                out.add(line.split("[{ ]", 2)[0]);
            }
        }
        return out;
    }
}
