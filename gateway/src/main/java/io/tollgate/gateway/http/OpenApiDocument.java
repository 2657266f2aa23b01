package io.tollgate.gateway.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.yaml.snakeyaml.Yaml;

import io.helidon.http.HeaderNames;
import io.helidon.http.HttpMediaTypes;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code GET /openapi}: the OpenAPI document of the whole API ({@code META-INF/openapi.yaml}), as YAML,
 * or as JSON for {@code Accept: application/json} or {@code ?format=json}. Parsed at start-up, so a
 * broken document stops the gateway instead of reaching clients.
 */
public final class OpenApiDocument implements HttpService {
    private static final String RESOURCE = "META-INF/openapi.yaml";
    private final byte[] yaml;
    private final byte[] json;

    private OpenApiDocument(byte[] yaml, byte[] json) {
        this.yaml = yaml;
        this.json = json;
    }

    public static OpenApiDocument load() {
        try (InputStream in = OpenApiDocument.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the gateway jar");
            }
            byte[] yaml = in.readAllBytes();
            Map<String, Object> doc = new Yaml().load(new String(yaml, StandardCharsets.UTF_8));
            return new OpenApiDocument(yaml, Json.MAPPER.writeValueAsBytes(doc));
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
