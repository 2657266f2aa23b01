package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;
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

/**
 * GET /openapi describes the API, and truly: every documented operation is routed (none falls to
 * the "no route" 404 or answers 5xx to an empty body), and every path the API reference (docs/api.md) names is in it.
 */
class OpenApiDocumentTest extends GatewayTest {
    private static final Set<String> METHODS = Set.of("get", "post", "put", "delete", "patch");

    @SuppressWarnings("unchecked")
    private Map<String, Object> paths() {
        Api.Reply r = api.get("/openapi", null);
        assertEquals(200, r.status(), r.body());
        Map<String, Object> doc = new Yaml().load(r.body());
        assertTrue(String.valueOf(doc.get("openapi")).startsWith("3."));
        Api.Reply json = api.get("/openapi?format=json", null);
        assertTrue(json.header("content-type").startsWith("application/json"));
        assertEquals(doc.get("openapi"), json.json().get("openapi").asText());
        return (Map<String, Object>) doc.get("paths");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> item(Map<String, Object> paths, String path) {
        Map<String, Object> item = (Map<String, Object>) paths.get(path);
        Object ref = item.get("$ref");
        if (ref != null) {
            String target = ref.toString().substring("#/paths/".length()).replace("~1", "/").replace("~0", "~");
            return item(paths, target);
        }
        return item;
    }

    @Test
    void everyDocumentedOperationIsRoutedAndAnswersAnEmptyBodyWithoutA5xx() {
        Map<String, Object> paths = paths();
        assertTrue(paths.size() > 70, "paths: " + paths.size());
        List<String> problems = new ArrayList<>();
        for (String path : paths.keySet()) {
            for (String method : item(paths, path).keySet()) {
                if (!METHODS.contains(method)) {
                    continue;
                }
                String concrete = path.replace("{id}", "999999").replace("{provider}", "nope");
                HttpRequest.Builder b = api.builder(concrete, TestStack.ADMIN_KEY).header("Content-Type", "application/json");
                b = method.equals("get") || method.equals("delete") ? b.method(method.toUpperCase(), HttpRequest.BodyPublishers.noBody())
                        : b.method(method.toUpperCase(), HttpRequest.BodyPublishers.ofString("{}"));
                Api.Reply r = api.send(b.build());
                if (r.status() >= 500 || r.status() == 404 && r.body().contains("no route for")
                        || r.status() == 405) {
                    problems.add(method.toUpperCase() + " " + path + " -> " + r.status() + " " + r.body());
                }
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void everyPathInTheApiReferenceIsDocumented() throws Exception {
        Map<String, Object> paths = paths();
        String api = Files.readString(Path.of("..", "docs", "api.md"));
        Matcher m = Pattern.compile("`(?:GET|POST|PUT|DELETE|PATCH)(?:/(?:GET|POST|PUT|DELETE|PATCH))* (/[^` ?]+)").matcher(api);
        Set<String> missing = new TreeSet<>();
        while (m.find()) {
            String path = m.group(1);
            if (!path.contains("...") && !paths.containsKey(path)) {
                missing.add(path);
            }
        }
        assertEquals(Set.of(), missing);
    }
}
