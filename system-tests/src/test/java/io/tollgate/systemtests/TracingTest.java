package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.tollgate.gateway.Gateway;

/**
 * Traces as a collector receives them (OTLP over HTTP, decoded with OpenTelemetry's own protobuf schema):
 * a SERVER span continuing the client's {@code traceparent}, a GenAI span for the model call with its usage,
 * and under it the admission, the upstream attempt (whose {@code traceparent} the provider receives) and the
 * ledger commit; the call's ledger event names the trace.
 */
class TracingTest {
    private static final String TRACE = "0af7651916cd43dd8448eb211c80319c";
    private static final String CLIENT_SPAN = "b7ad6b7169203331";
    private static final String REPLY = "{\"id\":\"x\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"up-model\","
            + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},\"finish_reason\":\"stop\"}],"
            + "\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":3,\"total_tokens\":10}}";

    @Test
    void aModelCallIsTracedFromTheClientThroughTheUpstreamToTheLedger() throws Exception {
        List<Span> spans = new CopyOnWriteArrayList<>();
        HttpServer collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        collector.createContext("/v1/traces", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                ExportTraceServiceRequest.parseFrom(in.readAllBytes()).getResourceSpansList().forEach(rs ->
                        rs.getScopeSpansList().forEach(ss -> spans.addAll(ss.getSpansList())));
            }
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        AtomicReference<String> upstreamSaw = new AtomicReference<>();
        HttpServer upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        upstream.createContext("/v1/chat/completions", exchange -> {
            upstreamSaw.set(exchange.getRequestHeaders().getFirst("traceparent"));
            exchange.getRequestBody().readAllBytes();
            byte[] body = REPLY.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        collector.start();
        upstream.start();
        try (Gateway gateway = Gateway.start(TestStack.config(TestStack.freshDatabase()).toBuilder().otel(Map.of(
                "otel.exporter.otlp.endpoint", "http://127.0.0.1:" + collector.getAddress().getPort(),
                "otel.exporter.otlp.protocol", "http/protobuf", "otel.bsp.schedule.delay", "100")).build())) {
            Api api = new Api(gateway.port());
            Api.Reply p = api.post("/api/providers", TestStack.ADMIN_KEY, "{\"name\":\"traced-upstream\",\"type\":\"openai\","
                    + "\"base_url\":\"http://127.0.0.1:" + upstream.getAddress().getPort() + "/v1\"}");
            Catalog.model(api, "traced", "up-model", p.json().get("id").asLong(), "1", "1");
            Api.Reply chat = api.send(api.builder("/v1/chat/completions", TestStack.ADMIN_KEY)
                    .header("Content-Type", "application/json").header("traceparent", "00-" + TRACE + "-" + CLIENT_SPAN + "-01")
                    .POST(HttpRequest.BodyPublishers.ofString(Catalog.chatBody("traced", "hello", false))).build());
            assertEquals(200, chat.status(), chat.body());
            TestStack.await("the spans to reach the collector", 15, () -> find(spans, "tollgate.ledger.commit") != null);

            Span server = spans.stream().filter(s -> s.getKind() == Span.SpanKind.SPAN_KIND_SERVER
                    && s.getName().equals("POST /v1/chat/completions")).findFirst().orElseThrow(() -> new AssertionError(names(spans)));
            assertEquals(TRACE, hex(server.getTraceId().toByteArray()), "the client's trace goes on");
            assertEquals(CLIENT_SPAN, hex(server.getParentSpanId().toByteArray()));
            Span call = find(spans, "chat traced");
            assertEquals(server.getSpanId(), call.getParentSpanId());
            assertEquals("chat", attribute(call, "gen_ai.operation.name"));
            assertEquals("traced", attribute(call, "gen_ai.request.model"));
            assertEquals("up-model", attribute(call, "gen_ai.response.model"));
            assertEquals("7", attribute(call, "gen_ai.usage.input_tokens"));
            assertEquals("3", attribute(call, "gen_ai.usage.output_tokens"));
            for (String child : new String[] {"tollgate.admission", "POST", "tollgate.ledger.commit"}) {
                assertEquals(call.getSpanId(), find(spans, child).getParentSpanId(), child + " is under the model call");
            }
            Span attempt = find(spans, "POST");
            assertEquals("00-" + TRACE + "-" + hex(attempt.getSpanId().toByteArray()) + "-01", upstreamSaw.get(),
                    "the provider is told the trace and the attempt's span");
            assertEquals("200", attribute(attempt, "http.response.status_code"));
            assertEquals(TRACE, TestStack.usageEvents(gateway.dataSource()).getLast().get("trace_id").asText(),
                    "finance can go from the charge to its trace");
        } finally {
            collector.stop(0);
            upstream.stop(0);
        }
    }

    private static Span find(List<Span> spans, String name) {
        return spans.stream().filter(s -> s.getName().equals(name)).findFirst().orElse(null);
    }

    private static String names(List<Span> spans) {
        return spans.stream().map(s -> s.getName() + "/" + s.getKind()).toList().toString();
    }

    private static String attribute(Span span, String key) {
        for (KeyValue kv : span.getAttributesList()) {
            if (kv.getKey().equals(key)) {
                return kv.getValue().hasIntValue() ? Long.toString(kv.getValue().getIntValue()) : kv.getValue().getStringValue();
            }
        }
        return null;
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
