package io.tollgate.gateway.telemetry;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import org.slf4j.MDC;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;

/**
 * OpenTelemetry traces, configured the standard way ({@code OTEL_*} variables, or {@code otel.*} in
 * {@code tollgate.yaml}) and off unless an exporter is named: a SERVER span per request (its parent from
 * the client's W3C {@code traceparent}), and under a model call a span with the GenAI semantic conventions
 * and children for admission, each upstream attempt ({@code traceparent} sent on to the provider) and the
 * ledger commit. Log lines carry the trace id; so does the call's ledger event.
 */
public final class Tracing implements AutoCloseable {
    public static final AttributeKey<String> GEN_AI_OPERATION = AttributeKey.stringKey("gen_ai.operation.name");
    public static final AttributeKey<String> GEN_AI_REQUEST_MODEL = AttributeKey.stringKey("gen_ai.request.model");
    public static final AttributeKey<String> GEN_AI_RESPONSE_MODEL = AttributeKey.stringKey("gen_ai.response.model");
    public static final AttributeKey<String> GEN_AI_PROVIDER = AttributeKey.stringKey("gen_ai.provider.name");
    public static final AttributeKey<Long> GEN_AI_INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
    public static final AttributeKey<Long> GEN_AI_OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");
    private static final TextMapGetter<RoutingRequest> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(RoutingRequest req) {
            return req.headers().stream().map(h -> h.name()).toList();
        }

        @Override
        public String get(RoutingRequest req, String key) {
            return req == null ? null : req.headers().first(HeaderNames.create(key)).orElse(null);
        }
    };
    private static final String SETTING_PREFIX = "otel.";

    private final OpenTelemetry otel;
    private final OpenTelemetrySdk sdk;
    private final Tracer tracer;

    private Tracing(OpenTelemetry otel, OpenTelemetrySdk sdk) {
        this.otel = otel;
        this.sdk = sdk;
        this.tracer = otel.getTracer("io.tollgate.gateway");
    }

    /** Traces nowhere: every span is a no-op. */
    public static Tracing off() {
        return new Tracing(OpenTelemetry.noop(), null);
    }

    /**
     * From {@code settings} ({@code otel.*} keys, e.g. {@code otel.exporter.otlp.endpoint}) and the process's own
     * {@code OTEL_*} variables; off unless one of them names an exporter or an OTLP endpoint.
     */
    public static Tracing configured(Map<String, String> settings, Map<String, String> env) {
        boolean wanted = settings.keySet().stream().anyMatch(k -> k.startsWith("otel.exporter.otlp")
                || k.equals("otel.traces.exporter")) || env.keySet().stream().anyMatch(k -> k.startsWith("OTEL_EXPORTER_OTLP")
                || k.equals("OTEL_TRACES_EXPORTER"));
        if (!wanted || "true".equals(settings.get("otel.sdk.disabled")) || "true".equals(env.get("OTEL_SDK_DISABLED"))) {
            return off();
        }
        Map<String, String> defaults = new HashMap<>(Map.of("otel.service.name", "tollgate-gateway",
                "otel.metrics.exporter", "none", "otel.logs.exporter", "none"));
        defaults.putAll(settings);
        OpenTelemetrySdk sdk = AutoConfiguredOpenTelemetrySdk.builder().addPropertiesSupplier(() -> defaults)
                .disableShutdownHook().build().getOpenTelemetrySdk();
        return new Tracing(sdk, sdk);
    }

    /** The {@code otel.*} settings of a configuration tree flattened to their full keys. */
    public static Map<String, String> settings(io.helidon.config.Config otel) {
        Map<String, String> out = new LinkedHashMap<>();
        otel.detach().asMap().orElse(Map.of()).forEach((k, v) -> out.put(SETTING_PREFIX + k, v));
        return out;
    }

    public Tracer tracer() {
        return tracer;
    }

    /** The current trace's id, or null when there is none (tracing off, or outside a traced request). */
    public static String currentTraceId() {
        SpanContext c = Span.current().getSpanContext();
        return c.isValid() ? c.getTraceId() : null;
    }

    /**
     * A model call's span, a child of the current one, named and described by the GenAI semantic conventions
     * ({@code gen_ai.operation.name}, {@code gen_ai.request.model}; the response's model, provider and token
     * usage are added when it is known).
     */
    public Span modelCall(String operation, String model) {
        return tracer.spanBuilder(operation + " " + model).setSpanKind(SpanKind.CLIENT)
                .setAttribute(GEN_AI_OPERATION, operation).setAttribute(GEN_AI_REQUEST_MODEL, model).startSpan();
    }

    /** One attempt at an upstream: an HTTP client span under {@code call}. */
    public Span upstreamAttempt(Span call, String deployment, String url) {
        java.net.URI uri = java.net.URI.create(url);
        return tracer.spanBuilder("POST").setParent(Context.current().with(call)).setSpanKind(SpanKind.CLIENT)
                .setAttribute("http.request.method", "POST").setAttribute("server.address", String.valueOf(uri.getHost()))
                .setAttribute("url.full", url).setAttribute("tollgate.deployment", deployment).startSpan();
    }

    /** The headers that carry {@code span} to an upstream ({@code traceparent}, {@code tracestate}). */
    public Map<HeaderName, String> headers(Span span) {
        Map<HeaderName, String> out = new LinkedHashMap<>();
        otel.getPropagators().getTextMapPropagator().inject(Context.current().with(span), out,
                (carrier, key, value) -> carrier.put(HeaderNames.create(key), value));
        return out;
    }

    /** Runs {@code work} in a span of its own named {@code name}, a child of the current one. */
    public <T> T inSpan(String name, java.util.function.Supplier<T> work) {
        Span span = tracer.spanBuilder(name).startSpan();
        try (Scope ignored = span.makeCurrent()) {
            return work.get();
        } catch (RuntimeException e) {
            span.setStatus(StatusCode.ERROR, e.getMessage());
            throw e;
        } finally {
            span.end();
        }
    }

    /** A SERVER span per request, current while it is handled, its ids in the log lines' MDC. */
    public Filter filter() {
        TextMapPropagator propagator = otel.getPropagators().getTextMapPropagator();
        return (FilterChain chain, RoutingRequest req, RoutingResponse res) -> {
            Context parent = propagator.extract(Context.root(), req, HEADERS);
            String method = req.prologue().method().text();
            Span span = tracer.spanBuilder(method).setParent(parent).setSpanKind(SpanKind.SERVER)
                    .setAttribute("http.request.method", method)
                    .setAttribute("url.path", req.prologue().uriPath().rawPath()).startSpan();
            try (Scope ignored = span.makeCurrent()) {
                if (span.getSpanContext().isValid()) {
                    MDC.put("trace_id", span.getSpanContext().getTraceId());
                    MDC.put("span_id", span.getSpanContext().getSpanId());
                }
                chain.proceed();
            } finally {
                String route = req.matchingPattern().orElse(null);
                if (route != null) {
                    span.updateName(method + " " + route);
                    span.setAttribute("http.route", route);
                }
                int status = res.status().code();
                span.setAttribute("http.response.status_code", status);
                if (status >= 500) {
                    span.setStatus(StatusCode.ERROR);
                }
                span.end();
            }
        };
    }

    /** Sends what is left of the spans and stops the exporter. */
    @Override
    public void close() {
        if (sdk != null) {
            sdk.close();
        }
    }
}
