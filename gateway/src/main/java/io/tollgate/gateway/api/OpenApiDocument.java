package io.tollgate.gateway.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.yaml.snakeyaml.Yaml;

import io.helidon.http.HeaderNames;
import io.helidon.http.HttpMediaTypes;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.tollgate.gateway.auth.Access;
import io.tollgate.gateway.http.Json;

/**
 * {@code GET /openapi}: the OpenAPI document of the whole API ({@code META-INF/openapi.yaml}), as YAML,
 * or as JSON for {@code Accept: application/json} or {@code ?format=json}. Parsed at start-up, so a
 * broken document stops the gateway instead of reaching clients.
 */
public final class OpenApiDocument implements HttpService {
    private static final String RESOURCE = "META-INF/openapi.yaml";
    private final byte[] yaml;
    private final byte[] json;
    private final Map<String, Object> doc;

    private OpenApiDocument(byte[] yaml, byte[] json, Map<String, Object> doc) {
        this.yaml = yaml;
        this.json = json;
        this.doc = doc;
        operations();  // every operation names its access level, or the gateway does not start
    }

    /**
     * One operation as documented: an alias ({@code $ref} to another path) has its target's access.
     *
     * @param owned what {@code {id}} names when it is one user's own object (others get 404), or null
     */
    public record Operation(String path, String method, Access access, String owned, String aliasOf) {
    }

    private static final List<String> METHODS = List.of("get", "post", "put", "patch", "delete");

    /** Every operation, aliases included, in document order. */
    @SuppressWarnings("unchecked")
    public List<Operation> operations() {
        Map<String, Object> paths = (Map<String, Object>) doc.get("paths");
        List<Operation> out = new java.util.ArrayList<>();
        paths.forEach((path, value) -> {
            Map<String, Object> item = (Map<String, Object>) value;
            String target = path;
            // An alias may give all its operations another access level than its target's (x-access beside $ref).
            Object aliasAccess = item.get("x-access");
            if (item.get("$ref") instanceof String ref) {
                target = ref.substring("#/paths/".length()).replace("~1", "/").replace("~0", "~");
                item = (Map<String, Object>) paths.get(target);
            }
            for (String method : METHODS) {
                if (item.get(method) instanceof Map<?, ?> op) {
                    Object access = aliasAccess != null ? aliasAccess : op.get("x-access");
                    if (access == null) {
                        throw new IllegalStateException(RESOURCE + ": " + method + " " + path + " has no x-access");
                    }
                    out.add(new Operation(path, method, Access.valueOf(access.toString()),
                            op.get("x-owned") == null ? null : op.get("x-owned").toString(), path.equals(target) ? null : target));
                }
            }
        });
        return out;
    }

    /** A schema of {@code components.schemas}, with the other schemas it names put in place of their {@code $ref}. */
    @SuppressWarnings("unchecked")
    public Map<String, Object> schema(String name) {
        Map<String, Object> schemas = (Map<String, Object>) ((Map<String, Object>) doc.get("components")).get("schemas");
        Object found = schemas.get(name);
        if (found == null) {
            throw new IllegalArgumentException("no schema " + name + " in " + RESOURCE);
        }
        return (Map<String, Object>) inline(found, schemas);
    }

    @SuppressWarnings("unchecked")
    private static Object inline(Object node, Map<String, Object> schemas) {
        if (node instanceof Map<?, ?> map) {
            Object ref = map.get("$ref");
            if (ref instanceof String r && r.startsWith("#/components/schemas/")) {
                return inline(schemas.get(r.substring("#/components/schemas/".length())), schemas);
            }
            Map<String, Object> out = new LinkedHashMap<>();
            ((Map<String, Object>) map).forEach((k, v) -> out.put(k, inline(v, schemas)));
            return out;
        }
        if (node instanceof List<?> list) {
            return list.stream().map(v -> inline(v, schemas)).toList();
        }
        return node;
    }

    public static OpenApiDocument load() {
        try (InputStream in = OpenApiDocument.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the gateway jar");
            }
            byte[] yaml = in.readAllBytes();
            Map<String, Object> doc = new Yaml().load(new String(yaml, StandardCharsets.UTF_8));
            return new OpenApiDocument(yaml, Json.MAPPER.writeValueAsBytes(doc), doc);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::send);
    }

    private void send(ServerRequest req, ServerResponse res) {
        boolean asJson = req.query().first("format").map("json"::equals).orElse(false)
                || req.headers().first(HeaderNames.ACCEPT).map(a -> a.contains("application/json")).orElse(false);
        if (asJson) {
            res.headers().contentType(HttpMediaTypes.JSON_UTF_8);
            res.send(json);
        } else {
            res.header(HeaderNames.CONTENT_TYPE, "application/vnd.oai.openapi;charset=utf-8");
            res.send(yaml);
        }
    }
}
