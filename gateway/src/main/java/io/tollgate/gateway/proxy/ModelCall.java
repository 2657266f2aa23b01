package io.tollgate.gateway.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.helidon.http.HeaderNames;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webserver.http.ServerResponse;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.tollgate.gateway.auth.Principal;
import io.tollgate.gateway.controls.Admission;
import io.tollgate.gateway.http.InFlight;
import io.tollgate.gateway.http.AccessLog;
import io.tollgate.gateway.http.ApiError;
import io.tollgate.gateway.http.Bodies;
import io.tollgate.gateway.providers.ModelRoute;
import io.tollgate.gateway.routing.Router;
import io.tollgate.gateway.telemetry.Tracing;
import io.tollgate.ledger.events.NewEvent;
import io.tollgate.ledger.events.UsageRecorded;

/**
 * One admitted call to a model, from its first upstream attempt to its single usage event: tries the
 * deployments in order, relays the reply of the one that served (a stream through {@link StreamRelay}),
 * and records exactly one {@code UsageRecorded}, committed before the client receives the last byte.
 */
public final class ModelCall {
    /** What every call shares. */
    public record Context(Router router, UpstreamClient upstream, UsageLedger ledger, TokenCounter tokens,
                          MeterRegistry meters, RequestBoard board, Tracing tracing) {
    }

    private static final Set<Integer> PASSED_THROUGH = Set.of(400, 404, 409, 413, 422);
    /** The most upstream attempts one call makes, over its deployments and fallbacks, before it gives up. */
    static final int MAX_ATTEMPTS = 4;
    /** Longest pause between attempts, and the longest {@code Retry-After} waited for rather than moving on. */
    private static final long MAX_BACKOFF_MS = 1_000;
    private static final long MAX_RETRY_AFTER_MS = 2_000;
    /** Upstream answers that another attempt may cure; any other refusal is the request's own. */
    private static final Set<Integer> RETRYABLE = Set.of(429, 500, 502, 503, 504);

    private final Router router;
    private final UpstreamClient upstream;
    private final UsageLedger ledger;
    final TokenCounter tokens;
    private final MeterRegistry meters;
    private final RequestBoard board;
    private final Tracing tracing;
    final String requestId;
    final Principal caller;
    final ProxyRequest request;
    final String promptHash;
    final long promptTokens;
    final long started;
    final Admission.Ticket ticket;
    final InFlight.Place place;
    final Finish finish;
    final RequestBoard.Running running;
    /** The call's span; the current attempt's, while one is under way. */
    final Span span;
    Span attemptSpan;
    /** Each failed attempt, {@code "deployment: outcome"}, in order. */
    final List<String> attempts = new java.util.ArrayList<>();
    ModelRoute route;
    Wire wire;
    UsageMeter meter;
    boolean recorded;

    public ModelCall(Context context, String requestId, Principal caller, ProxyRequest request, long promptTokens,
                     long started, Admission.Ticket ticket, InFlight.Place place, Finish finish,
                     RequestBoard.Running running, Span span) {
        this.router = context.router();
        this.upstream = context.upstream();
        this.ledger = context.ledger();
        this.tokens = context.tokens();
        this.meters = context.meters();
        this.board = context.board();
        this.tracing = context.tracing();
        this.requestId = requestId;
        this.caller = caller;
        this.request = request;
        this.promptHash = PromptText.hash(request);
        this.promptTokens = promptTokens;
        this.started = started;
        this.ticket = ticket;
        this.place = place;
        this.finish = finish;
        this.running = running;
        this.span = span;
    }

    /**
     * Runs the call over {@code candidates} and relays the answer; a call that ends without a usage event
     * leaves the request board too.
     */
    void run(ServerResponse res, List<ModelRoute> candidates) {
        try {
            attempts(res, candidates);
        } finally {
            if (!recorded) {
                board.forget(running);
            }
        }
    }

    /**
     * Tries the candidates in order until one answers 200, which is relayed; a refusal that another attempt
     * cannot cure (a 400, say) is the answer. Connection failures, timeouts, 429 and 5xx before any byte
     * reached the client move on to the next candidate, after a short backoff or the upstream's
     * {@code Retry-After}; at most {@link #MAX_ATTEMPTS} attempts, going round the candidates again if there
     * are fewer. Exactly one usage event follows, naming the deployment that served and the attempts before.
     */
    private void attempts(ServerResponse res, List<ModelRoute> candidates) {
                ApiError last = null;
        int lastStatus = 0;
        for (int i = 0; attempts.size() < MAX_ATTEMPTS && i < candidates.size() * MAX_ATTEMPTS; i++) {
            ModelRoute route = candidates.get(i % candidates.size());
            if (!router.health().acquire(route)) {
                continue;
            }
            if (!attempts.isEmpty()) {
                pause(attempts.size(), last);
            }
            attempt(route);
            UpstreamClient.Call call;
            long attemptStarted = System.nanoTime();
            try {
                call = upstream.post(route.provider(), wire.upstreamPath(request), wire == Wire.DIRECT
                        ? upstreamBody(request, route) : Replies.bytes(wire.translatedBody(request, route)),
                        tracing.headers(attemptSpan), running::attach);
            } catch (UpstreamClient.Unreachable e) {
                String outcome = e.timedOut() ? "timeout" : "unreachable";
                router.health().failed(route, outcome);
                failed(outcome);
                lastStatus = 0;
                last = e.timedOut() ? ApiError.gatewayTimeout("upstream_timeout", e.getMessage())
                        : ApiError.badGateway("upstream_unreachable", e.getMessage());
                continue;
            } catch (UpstreamClient.Cancelled e) {
                attemptEnded(0);
                router.health().released(route, 0);
                // The upstream has the prompt and may bill it: ledgered as estimated, with nothing generated.
                record(0, meter.usage(tokens));
                throw Replies.cancelled();
            }
            try (call) {
                HttpClientResponse reply = call.response();
                int status = reply.status().code();
                if (status == 200) {
                    served(res, attempts.size());
                    try {
                        if (request.stream()) {
                            StreamRelay.relay(this, call, res);
                        } else {
                            BodyRelay.relay(this, call, res);
                        }
                    } finally {
                        attemptEnded(200);
                        router.health().succeeded(route, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - attemptStarted),
                                meter.usage(tokens).totalTokens());
                    }
                    return;
                }
                if (RETRYABLE.contains(status)) {
                    router.health().failed(route, Integer.toString(status));
                    last = upstreamError(reply, status);
                    lastStatus = status;
                    failed(Integer.toString(status));
                    continue;
                }
                router.health().released(route, 0);
                refuse(reply, status);
            }
        }
        if (route == null) {
            throw ApiError.unavailable("no_deployment", "every deployment of " + request.model()
                    + " is cooling down after failures or at its rate limit; retry shortly");
        }
        // Nothing served it: one event with every attempt, charged only what an upstream reported.
        record(lastStatus, meter.reportedOnly());
        throw last;
    }

    /**
     * Before another attempt: the upstream's Retry-After in full when it is short, else a backoff doubling
     * from 50 ms, jittered down to half so that calls failing together do not come back together.
     */
    private static void pause(int attemptsSoFar, ApiError last) {
        long backoff = Math.min(MAX_BACKOFF_MS, 50L << Math.min(attemptsSoFar, 6));
        long ms = backoff / 2 + java.util.concurrent.ThreadLocalRandom.current().nextLong(backoff / 2 + 1);
        if (last != null && last.headers().containsKey("Retry-After")) {
            try {
                long after = Long.parseLong(last.headers().get("Retry-After").trim()) * 1000;
                ms = after <= MAX_RETRY_AFTER_MS ? Math.max(after, ms) : ms;
            } catch (NumberFormatException e) {
                // an HTTP date, or nonsense: keep the backoff
            }
        }
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The client is told who served: the model (a fallback's, perhaps), its provider and deployment, and the attempts. */
    private void served(ServerResponse res, int failedBefore) {
        res.header("x-tollgate-model", route.modelId());
        res.header("x-tollgate-provider", route.provider().name());
        res.header("x-tollgate-deployment", route.deployment());
        res.header("x-tollgate-attempts", Integer.toString(failedBefore + 1));
    }

    /** The client's body with the upstream's model name; OpenAI streams are asked to report usage. */
    private static byte[] upstreamBody(ProxyRequest request, ModelRoute route) {
        ObjectNode body = request.body().deepCopy();
        body.put("model", route.upstreamName());
        if (request.stream() && request.endpoint().dialect() == Endpoint.Dialect.OPENAI) {
            ObjectNode options = body.get("stream_options") instanceof ObjectNode o ? o : body.putObject("stream_options");
            options.put("include_usage", true);
        }
        return Replies.bytes(body);
    }

    /** Upstream refused for good: record what it reported, then answer with a status that means something to the client. */
    private void refuse(HttpClientResponse reply, int status) {
        ApiError error = upstreamError(reply, status);
        attemptEnded(status);
        record(status, meter.reportedOnly());
        throw error;
    }

    /** What an upstream's refusal means to the client (its usage, if reported, is observed on the way). */
    private ApiError upstreamError(HttpClientResponse reply, int status) {
        JsonNode body;
        try (InputStream in = reply.inputStream()) {
            body = Replies.parse(Bodies.read(in, reply.headers().contentLength().orElse(-1), 64 << 10));
        } catch (IOException | UncheckedIOException e) {
            body = null;
        }
        if (body != null) {
            meter.observe(body);
        }
        String upstreamMessage = body == null ? "" : body.path("error").path("message").asText("");
        if (PASSED_THROUGH.contains(status)) {
            return new ApiError(status, "invalid_request_error", "upstream_" + status,
                    "the upstream refused the request" + (upstreamMessage.isEmpty() ? "" : ": " + upstreamMessage));
        }
        if (status == 429) {
            return new ApiError(429, "rate_limit_error", "upstream_rate_limited", "the upstream provider is rate limiting",
                    reply.headers().first(HeaderNames.RETRY_AFTER).map(v -> Map.of("Retry-After", v)).orElse(Map.of()));
        }
        // 401/403 upstream means the gateway's provider credentials are wrong: not the caller's fault, and
        // the upstream's text may echo part of the provider key, so it is not passed on.
        return ApiError.badGateway("upstream_error", "the upstream provider answered " + status);
    }

    /** The next attempt goes to {@code next}. */
    private void attempt(ModelRoute next) {
        route = next;
        attemptSpan = tracing.upstreamAttempt(span, next.deployment(), next.provider().baseUrl());
        wire = Wire.of(request, next);
        meter = new UsageMeter(request, promptTokens, wire.upstreamDialect(request));
    }

    /** The attempt in progress failed with {@code outcome}; the next one, if any, is recorded after it. */
    private void failed(String outcome) {
        attempts.add(route.deployment() + ": " + outcome);
        attemptSpan.setAttribute("error.type", outcome);
        attemptSpan.setStatus(StatusCode.ERROR, outcome);
        attemptSpan.end();
    }

    /** The attempt in progress got its answer ({@code status}; 0: none, cancelled). */
    private void attemptEnded(int status) {
        if (status != 0) {
            attemptSpan.setAttribute("http.response.status_code", status);
        }
        attemptSpan.end();
    }

    /**
     * The call's one usage event (later calls do nothing): settles admission's reservation to its real
     * cost, then waits for the event's durable commit.
     */
    void record(int upstreamStatus, UsageMeter.Usage usage) {
        if (recorded) {
            return;
        }
        recorded = true;
        long elapsed = System.nanoTime() - started;
        Timer.builder("tollgate_upstream_latency")
                .description("Time from request start to the end of the upstream reply")
                .publishPercentileHistogram()
                .minimumExpectedValue(java.time.Duration.ofMillis(1))
                .maximumExpectedValue(java.time.Duration.ofSeconds(120))
                .tags("provider", route.provider().name(), "model", route.modelId(),
                        "status", Integer.toString(upstreamStatus))
                .register(meters).record(elapsed, TimeUnit.NANOSECONDS);
        UsageRecorded event = UsageLedger.event(new UsageLedger.Call(requestId, caller, route, request, promptHash,
                usage, TimeUnit.NANOSECONDS.toMillis(elapsed), upstreamStatus, List.copyOf(attempts)));
        span.setAttribute(Tracing.GEN_AI_RESPONSE_MODEL, route.upstreamName());
        span.setAttribute(Tracing.GEN_AI_PROVIDER, route.provider().type());
        span.setAttribute(Tracing.GEN_AI_INPUT_TOKENS, event.promptTokens());
        span.setAttribute(Tracing.GEN_AI_OUTPUT_TOKENS, event.completionTokens());
        AccessLog.note("model", event.model());
        AccessLog.note("deployment", event.deployment());
        AccessLog.note("tokens", event.totalTokens());
        AccessLog.note("cost_micros", event.costMicros());
        NewEvent recordedEvent = NewEvent.of(event);
        ticket.settle(recordedEvent.eventId(), recordedEvent.occurredAt(), event);
        board.finish(running, upstreamStatus, usage.promptTokens(), usage.completionTokens(), event.costMicros(),
                TimeUnit.NANOSECONDS.toMillis(elapsed));
        tracing.inSpan("tollgate.ledger.commit", () -> {
            ledger.record(recordedEvent);
            return null;
        });
    }
}
