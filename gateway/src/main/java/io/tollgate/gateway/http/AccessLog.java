package io.tollgate.gateway.http;

import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/**
 * One access log line per request (logger {@code tollgate.access}): method, route pattern, path (never the
 * query, which may hold a token), status and latency, with what the request's handling put in the MDC on
 * the way: {@code request_id} (the client's valid {@code X-Request-Id}, else a new one), the caller's
 * {@code key_id} and {@code user_id}, and for a model call its {@code model}, {@code deployment},
 * {@code tokens} and {@code cost_micros}. Never a secret or a prompt. Every other line logged while the
 * request is handled carries the same {@code request_id} (and {@code trace_id} when tracing is on).
 */
public final class AccessLog implements Filter {
    public static final String REQUEST_ID = "request_id";
    private static final Logger LOG = LoggerFactory.getLogger("tollgate.access");
    private static final HeaderName X_REQUEST_ID = HeaderNames.create("X-Request-Id");
    /** What a client's own request id may be (as {@code /v1/requests/{id}} takes it). */
    public static final Pattern ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        long start = System.nanoTime();
        MDC.put(REQUEST_ID, req.headers().first(X_REQUEST_ID).filter(id -> ID.matcher(id).matches())
                .orElseGet(AccessLog::newId));
        try {
            chain.proceed();
        } finally {
            LOG.atInfo()
                    .addKeyValue("method", req.prologue().method().text())
                    .addKeyValue("route", req.matchingPattern().orElse("unmatched"))
                    .addKeyValue("path", req.prologue().uriPath().rawPath())
                    .addKeyValue("status", res.status().code())
                    .addKeyValue("latency_ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))
                    .log("{} {} {}", req.prologue().method().text(), req.prologue().uriPath().rawPath(), res.status().code());
            MDC.clear();
        }
    }

    /** The id of the request being handled on this thread (set by the filter), or a new one outside a request. */
    public static String requestId() {
        String id = MDC.get(REQUEST_ID);
        return id != null ? id : newId();
    }

    /** Facts about the request for its access line (and any other line logged while it is handled). */
    public static void note(String key, Object value) {
        if (value != null) {
            MDC.put(key, value.toString());
        }
    }

    private static String newId() {
        return "req_" + UUID.randomUUID().toString().replace("-", "");
    }
}
