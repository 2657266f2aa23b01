package io.tollgate.gateway.proxy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.micrometer.core.instrument.Timer;
import io.tollgate.gateway.auth.Access;
import io.tollgate.gateway.auth.Guard;
import io.tollgate.gateway.conversations.Conversations;
import io.tollgate.gateway.http.DatabaseException;
import io.tollgate.gateway.auth.Principal;
import io.tollgate.gateway.auth.Scopes;
import io.tollgate.gateway.controls.Admission;
import io.tollgate.gateway.controls.InFlight;
import io.tollgate.gateway.controls.LimitBook;
import io.tollgate.gateway.controls.Refusal;
import io.tollgate.gateway.http.AccessLog;
import io.tollgate.gateway.http.ApiError;
import io.tollgate.gateway.http.Bodies;
import io.tollgate.gateway.http.ErrorResponses;
import io.tollgate.gateway.http.Json;
import io.tollgate.gateway.plans.Limits;
import io.tollgate.gateway.providers.ModelRoute;
import io.tollgate.gateway.providers.UserProviderKeys;
import io.tollgate.gateway.plans.Plan;
import io.tollgate.gateway.plans.PlanCatalog;
import io.tollgate.gateway.telemetry.Tracing;
import io.tollgate.gateway.routing.ModelCatalog;
import io.tollgate.gateway.routing.Router;
import io.tollgate.ledger.events.NewEvent;
import io.tollgate.ledger.events.UsageRecorded;
import io.tollgate.ledger.money.Micros;

/**
 * The data plane: authenticate, check the body, route to the model's provider, relay the reply
 * (streams event by event) and record exactly one {@code UsageRecorded} per upstream call, committed
 * before the client receives the reply's last byte.
 */
public final class ProxyService implements HttpService {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Set<Integer> PASSED_THROUGH = Set.of(400, 404, 409, 413, 422);
    private static final int MAX_UPSTREAM_BODY = 64 << 20;
    /** An SSE event is held until its blank line; one that never ends would otherwise grow without bound. */
    private static final int MAX_STREAM_EVENT = 8 << 20;
    /**
     * Stream events are counted against the memory budget in steps of this size, beyond a first one
     * this size that is not counted: events are small, and counting each line would make every
     * stream contend on the budget.
     */
    private static final long STREAM_EVENT_UNCOUNTED = 64 << 10;
    /**
     * What a body costs in memory per byte, as counted against the budget of {@link InFlight}: a
     * request is held as bytes, its parsed tree and the upstream's copy; a reply as bytes and its tree.
     */
    private static final int REQUEST_COPIES = 4;
    private static final int REPLY_COPIES = 3;
    private static final byte[] DATA = "data:".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DONE = "[DONE]".getBytes(StandardCharsets.US_ASCII);

    private final Guard guard;
    private final Json json;
    private final ModelCatalog catalog;
    private final Router router;
    private final UpstreamClient upstream;
    private final UsageLedger ledger;
    private final TokenCounter tokens;
    private final MeterRegistry meters;
    private final PlanCatalog plans;
    private final LimitBook limits;
    private final Admission admission;
    private final InFlight inFlight;
    private final Conversations conversations;
    private final RequestBoard board;
    private final UserProviderKeys userKeys;

    private final Tracing tracing;

    public ProxyService(Guard guard, Json json, ModelCatalog catalog, Router router, UpstreamClient upstream, UsageLedger ledger,
                        TokenCounter tokens, MeterRegistry meters, PlanCatalog plans, LimitBook limits,
                        Admission admission, InFlight inFlight, Conversations conversations, RequestBoard board,
                        UserProviderKeys userKeys, Tracing tracing) {
        this.tracing = tracing;
        this.userKeys = userKeys;
        this.board = board;
        this.conversations = conversations;
        this.inFlight = inFlight;
        this.plans = plans;
        this.limits = limits;
        this.admission = admission;
        this.guard = guard;
        this.json = json;
        this.catalog = catalog;
        this.router = router;
        this.upstream = upstream;
        this.ledger = ledger;
        this.tokens = tokens;
        this.meters = meters;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/chat/completions", (req, res) -> handle(req, res, Endpoint.CHAT))
                .post("/completions", (req, res) -> handle(req, res, Endpoint.COMPLETIONS))
                .post("/embeddings", (req, res) -> handle(req, res, Endpoint.EMBEDDINGS))
                .post("/messages", (req, res) -> handle(req, res, Endpoint.MESSAGES))
                .post("/generate", this::generate);
    }

    /**
     * Seed 004's {@code POST /api/chat}: a chat completion that never streams. Keys only, like the rest
     * of the data plane (seed 004 takes its session cookie here; a call must be attributable to a key).
     */
    public HttpService seed004Chat() {
        return rules -> rules.post("/chat", (req, res) -> handle(req, res, Endpoint.CHAT, body -> body.put("stream", false)));
    }

    /**
     * Seed 004's /api/v1 and /api/chat also take its console's login session (its calls billed to the user's
     * console key); every other path of the data plane takes keys only.
     */
    private static Access invokeAccess(ServerRequest req) {
        return req.prologue().uriPath().path().startsWith("/api/") ? Access.INVOKE_OR_SESSION : Access.INVOKE;
    }

    private void handle(ServerRequest req, ServerResponse res, Endpoint requested) {
        handle(req, res, requested, body -> { });
    }

    /** @param adjust changes the client's body before it is checked (seed 004's chat never streams) */
    private void handle(ServerRequest req, ServerResponse res, Endpoint requested, Consumer<ObjectNode> adjust) {
        long started = System.nanoTime();
        Principal caller = guard.require(req, invokeAccess(req));
        String requestId = RequestBoard.idFor(req);
        try (InFlight.Place place = inFlight.enter()) {
            ObjectNode body = json.readObject(req, bytes -> place.hold(REQUEST_COPIES * bytes));
            adjust.accept(body);
            proxy(res, ProxyRequest.of(requested, body), requestId, caller, started, place, null, requestFallbacks(req), true);
        }
    }

    /** Seed 002's {@code /v1/generate}: a chat completion in other clothes, optionally inside a session. */
    private void generate(ServerRequest req, ServerResponse res) {
        long started = System.nanoTime();
        Principal caller = guard.require(req, invokeAccess(req));
        String requestId = RequestBoard.idFor(req);
        try (InFlight.Place place = inFlight.enter()) {
            Generate.Ask ask = Generate.parse(json.readObject(req, bytes -> place.hold(REQUEST_COPIES * bytes)));
            Generate.Selection selection = select(ask, caller);
            List<Conversations.Turn> history = ask.sessionId() == null ? List.of()
                    : conversations.turns(caller.userId(), ask.sessionId());
            ProxyRequest request = ProxyRequest.of(Endpoint.CHAT, Generate.chatBody(ask, selection.model(), history));
            proxy(res, request, requestId, caller, started, place, new Finish() {
                @Override
                public JsonNode reply(JsonNode chat, Exchange exchange) {
                    keep(Generate.text(chat));
                    return Generate.reply(chat, exchange.requestId, exchange.route.provider().name(),
                            exchange.route.modelId().equals(selection.model()) ? selection
                                    : new Generate.Selection(exchange.route.modelId(), "fallback"), ask.sessionId());
                }

                @Override
                public void streamed(String text) {
                    keep(text);
                }

                private void keep(String text) {
                    if (ask.sessionId() != null) {
                        try {
                            conversations.append(caller.userId(), ask.sessionId(), Generate.turns(ask, text));
                        } catch (DatabaseException e) {
                            throw ApiError.unavailable("session_not_saved", "the reply was ledgered but could not be "
                                    + "kept in session " + ask.sessionId());
                        }
                    }
                }
            }, requestFallbacks(req), ask.useFallback());
        }
    }

    /**
     * The model asked for; else the modality's default, if it is on the asked provider (when one is named);
     * else, with a provider named (seed 002: "specify provider to let the backend select a suitable model"),
     * the cheapest model on that provider the caller may use.
     */
    private Generate.Selection select(Generate.Ask ask, Principal caller) {
        if (ask.model() != null) {
            return new Generate.Selection(ask.model(), "requested");
        }
        Optional<String> byDefault = catalog.defaultModel(ask.modality())
                .filter(m -> ask.provider() == null || catalog.route(m).filter(r -> onProvider(r, ask.provider())).isPresent());
        if (byDefault.isPresent()) {
            return new Generate.Selection(byDefault.get(), "default");
        }
        if (ask.provider() == null) {
            throw ApiError.badRequest("model_required", "name a model: no default " + ask.modality()
                    + " model is set (POST /v1/models/{id}/default)");
        }
        return catalog.models().stream()
                .filter(r -> onProvider(r, ask.provider()) && r.provider().enabled() && caller.mayUseModel(r.modelId()))
                .min(java.util.Comparator.comparingLong(ModelRoute::outputMicrosPerMillion).thenComparing(ModelRoute::modelId))
                .map(r -> new Generate.Selection(r.modelId(), "provider"))
                .orElseThrow(() -> ApiError.badRequest("model_required", "provider " + ask.provider()
                        + " has no model this key may use; name a model"));
    }

    private static boolean onProvider(ModelRoute route, String provider) {
        return route.provider().name().equals(provider) || route.provider().type().equals(provider);
    }

    /** What a generate call does with a finished reply; null for the plain endpoints. */
    private interface Finish {
        /** The client's body for a whole chat completion {@code chat}. */
        JsonNode reply(JsonNode chat, Exchange exchange);

        /** A stream ended with this generated text (before its final event is sent). */
        void streamed(String text);
    }

    /** The most upstream attempts one call makes, over its deployments and fallbacks, before it gives up. */
    static final int MAX_ATTEMPTS = 4;
    /** Longest pause between attempts, and the longest {@code Retry-After} waited for rather than moving on. */
    private static final long MAX_BACKOFF_MS = 1_000;
    private static final long MAX_RETRY_AFTER_MS = 2_000;
    /** Upstream answers that another attempt may cure; any other refusal is the request's own. */
    private static final Set<Integer> RETRYABLE = Set.of(429, 500, 502, 503, 504);
    /** The client's own chain of fallback models for this call (comma-separated), after the model's configured ones. */
    static final String FALLBACKS_HEADER = "X-Tollgate-Fallbacks";

    /** @param useFallbacks false: only the model's own deployments (seed 002's {@code use_fallback: false}) */
    private void proxy(ServerResponse res, ProxyRequest request, String requestId, Principal caller, long started,
                       InFlight.Place place, Finish finish, List<String> requestFallbacks, boolean useFallbacks) {
        Span span = tracing.modelCall(request.endpoint().operation(), request.model());
        try (Scope ignored = span.makeCurrent()) {
            proxy(res, request, requestId, caller, started, place, finish, requestFallbacks, useFallbacks, span);
        } catch (ApiError e) {
            span.setStatus(StatusCode.ERROR, e.code());
            throw e;
        } finally {
            span.end();
        }
    }

    private void proxy(ServerResponse res, ProxyRequest request, String requestId, Principal caller, long started,
                       InFlight.Place place, Finish finish, List<String> requestFallbacks, boolean useFallbacks, Span span) {
        Plan plan = plans.find(caller.planId()).orElse(null);
        ModelCatalog.Model model = resolve(caller, plan, request);
        List<ModelRoute> candidates = candidates(caller, plan, request, model, requestFallbacks, useFallbacks);
        if (!ledger.accepting()) {
            throw ApiError.unavailable("ledger_unavailable", "the usage ledger is unavailable; no upstream call was made");
        }
        if (ledger.behind()) {
            throw ApiError.overloaded("the usage ledger is more than " + UsageLedger.MAX_BACKLOG.toMillis()
                    + " ms behind; no upstream call was made; retry shortly");
        }
        OutputCap cap = OutputCap.apply(caller.policy(), plan, request);
        long prompt = tokens.prompt(request);
        // Whichever deployment serves, the reservation covers it.
        long worstCost = candidates.stream().mapToLong(r -> Micros.cost(prompt, cap.worstOutputTokens(),
                r.inputMicrosPerMillion(), r.outputMicrosPerMillion())).max().orElse(0);
        Limits userLimits = plan == null ? limits.forUser(caller.userId()) : plan.limits().overriddenBy(limits.forUser(caller.userId()));
        Admission.Ask ask = new Admission.Ask(caller, plan, limits.forKey(caller.keyId()), userLimits, prompt,
                prompt + cap.worstOutputTokens(), worstCost);
        try (Admission.Ticket ticket = tracing.inSpan("tollgate.admission", () -> admitted(ask))) {
            Refusals.headers(ticket.admitted()).forEach(res::header);
            res.header("x-request-id", requestId);
            Exchange exchange = new Exchange(requestId, caller, request, PromptText.hash(request), prompt, started, ticket,
                    place, finish, board.start(requestId, caller.userId(), model.modelId(), request.stream()), span);
            try {
                call(exchange, res, candidates);
            } finally {
                if (!exchange.recorded) {
                    board.forget(exchange.running);
                }
            }
        }
    }

    /** Admission's answer; a refusal is counted by its reason (budgets and credits running out are alerted on). */
    private Admission.Ticket admitted(Admission.Ask ask) {
        try {
            return admission.admit(ask);
        } catch (Refusal refused) {
            Counter.builder("tollgate_admission_refusals").description("Calls refused before any upstream call, by reason")
                    .tags("reason", refused.refused().reason().code()).register(meters).increment();
            throw Refusals.toHttp(refused.refused());
        }
    }

    /**
     * Tries the candidates in order until one answers 200, which is relayed; a refusal that another attempt
     * cannot cure (a 400, say) is the answer. Connection failures, timeouts, 429 and 5xx before any byte
     * reached the client move on to the next candidate, after a short backoff or the upstream's
     * {@code Retry-After}; at most {@link #MAX_ATTEMPTS} attempts, going round the candidates again if there
     * are fewer. Exactly one usage event follows, naming the deployment that served and the attempts before.
     */
    private void call(Exchange exchange, ServerResponse res, List<ModelRoute> candidates) {
        ProxyRequest request = exchange.request;
        ApiError last = null;
        int lastStatus = 0;
        for (int i = 0; exchange.attempts.size() < MAX_ATTEMPTS && i < candidates.size() * MAX_ATTEMPTS; i++) {
            ModelRoute route = candidates.get(i % candidates.size());
            if (!router.health().acquire(route)) {
                continue;
            }
            if (!exchange.attempts.isEmpty()) {
                pause(exchange.attempts.size(), last);
            }
            exchange.attempt(route, tokens);
            UpstreamClient.Call call;
            long attemptStarted = System.nanoTime();
            try {
                Wire wire = exchange.wire;
                call = upstream.post(route.provider(), wire.upstreamPath(request), wire == Wire.DIRECT
                        ? upstreamBody(request, route) : bytes(wire.translatedBody(request, route)),
                        tracing.headers(exchange.attemptSpan), exchange.running::attach);
            } catch (UpstreamClient.Unreachable e) {
                String outcome = e.timedOut() ? "timeout" : "unreachable";
                router.health().failed(route, outcome);
                exchange.failed(outcome);
                lastStatus = 0;
                last = e.timedOut() ? ApiError.gatewayTimeout("upstream_timeout", e.getMessage())
                        : ApiError.badGateway("upstream_unreachable", e.getMessage());
                continue;
            } catch (UpstreamClient.Cancelled e) {
                exchange.attemptEnded(0);
                router.health().released(route, 0);
                // The upstream has the prompt and may bill it: ledgered as estimated, with nothing generated.
                exchange.record(0, exchange.meter.usage(tokens));
                throw cancelled();
            }
            try (call) {
                HttpClientResponse reply = call.response();
                int status = reply.status().code();
                if (status == 200) {
                    served(res, exchange, exchange.attempts.size());
                    try {
                        if (request.stream()) {
                            relayStream(exchange, call, res);
                        } else {
                            relayBody(exchange, call, res);
                        }
                    } finally {
                        exchange.attemptEnded(200);
                        router.health().succeeded(route, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - attemptStarted),
                                exchange.meter.usage(tokens).totalTokens());
                    }
                    return;
                }
                if (RETRYABLE.contains(status)) {
                    router.health().failed(route, Integer.toString(status));
                    last = upstreamError(exchange, reply, status);
                    lastStatus = status;
                    exchange.failed(Integer.toString(status));
                    continue;
                }
                router.health().released(route, 0);
                refuse(exchange, reply, status);
            }
        }
        if (exchange.route == null) {
            throw ApiError.unavailable("no_deployment", "every deployment of " + request.model()
                    + " is cooling down after failures or at its rate limit; retry shortly");
        }
        // Nothing served it: one event with every attempt, charged only what an upstream reported.
        exchange.record(lastStatus, exchange.meter.reportedOnly());
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
    private static void served(ServerResponse res, Exchange exchange, int failedBefore) {
        res.header("x-tollgate-model", exchange.route.modelId());
        res.header("x-tollgate-provider", exchange.route.provider().name());
        res.header("x-tollgate-deployment", exchange.route.deployment());
        res.header("x-tollgate-attempts", Integer.toString(failedBefore + 1));
    }

    /**
     * The requested model, which the caller must be allowed and which must be available: 400 for a model
     * nobody serves, 403 for one the key or plan excludes, 503 for one unloaded or whose provider is off.
     */
    private ModelCatalog.Model resolve(Principal caller, Plan plan, ProxyRequest request) {
        ModelCatalog.Model model = catalog.model(request.model()).orElseThrow(() -> new ApiError(400,
                "invalid_request_error", "model_not_found", "The model '" + request.model() + "' does not exist"));
        if (!caller.mayUseModel(model.modelId())) {
            throw ApiError.forbidden("model_not_allowed", "this key may not use model " + model.modelId());
        }
        if (plan != null) {
            if (!plan.allowsModel(model.modelId())) {
                throw ApiError.forbidden("model_not_in_plan", "the " + plan.name() + " plan does not include model "
                        + model.modelId());
            }
            String feature = request.endpoint().feature();
            if (!plan.hasFeature(feature) || request.stream() && !plan.hasFeature("streaming")) {
                throw ApiError.forbidden("feature_not_in_plan", "the " + plan.name() + " plan does not include "
                        + (plan.hasFeature(feature) ? "streaming" : feature) + "; it includes " + plan.features());
            }
        }
        if (!model.available()) {
            throw ApiError.unavailable("model_unloaded", "model " + model.modelId() + " is unloaded; load it with "
                    + "POST /v1/models/" + model.modelId() + "/load");
        }
        if (catalog.deployments(model.modelId()).isEmpty()) {
            throw ApiError.unavailable("provider_disabled", "no enabled provider serves " + model.modelId());
        }
        return model;
    }

    /**
     * The deployments to try, in order: the model's, then its fallbacks' (the model's configured chain, then
     * the client's {@value #FALLBACKS_HEADER}), each as the router orders them; through the caller's own key
     * where they stored one. Deployments that cannot serve this endpoint are left out; so is an unpriced one
     * for a caller whose money is limited (a budget, a spend limit, prepaid credit or a spend quota), which
     * gets 403 {@code model_unpriced} if nothing priced is left: no limit is escaped through a missing price.
     */
    private List<ModelRoute> candidates(Principal caller, Plan plan, ProxyRequest request, ModelCatalog.Model model,
                                        List<String> requestFallbacks, boolean useFallbacks) {
        List<String> chain = new java.util.ArrayList<>(List.of(model.modelId()));
        for (String f : useFallbacks ? concat(model.fallbacks(), requestFallbacks) : List.<String>of()) {
            if (!chain.contains(f)) {
                chain.add(f);
            }
        }
        boolean moneyLimited = moneyLimited(caller, plan);
        List<ModelRoute> out = new java.util.ArrayList<>();
        boolean unpricedLeftOut = false;
        boolean endpointLeftOut = false;
        for (String name : chain) {
            ModelCatalog.Model m = name.equals(model.modelId()) ? model : catalog.model(name).orElse(null);
            if (m == null || !m.available() || !caller.mayUseModel(m.modelId()) || plan != null && !plan.allowsModel(m.modelId())) {
                continue;
            }
            for (ModelRoute r : router.order(m, catalog.deployments(m.modelId()))) {
                String own = userKeys.keyFor(caller.userId(), r.provider().id());
                ModelRoute route = own == null ? r : r.withOwnKey(own);
                if (!route.provider().dialect().equals(request.endpoint().providerType())
                        && Wire.of(request, route) == Wire.DIRECT) {
                    endpointLeftOut = true;
                } else if (!route.priced() && moneyLimited) {
                    unpricedLeftOut = true;
                } else {
                    out.add(route);
                }
            }
        }
        if (out.isEmpty() && unpricedLeftOut) {
            throw ApiError.forbidden("model_unpriced", "model " + model.modelId() + " has no price yet; a key with a "
                    + "budget or spend limit, or an account on prepaid credit or a spend quota, cannot use it until an "
                    + "administrator prices it (PUT /api/models/" + model.modelId() + "/price)");
        }
        if (out.isEmpty() && endpointLeftOut) {
            ModelRoute any = catalog.deployments(model.modelId()).getFirst();
            throw ApiError.badRequest("wrong_endpoint", "model " + model.modelId() + " is served by an "
                    + any.provider().type() + " provider; call "
                    + ("anthropic".equals(any.provider().dialect()) ? "/v1/messages" : "/v1/chat/completions"));
        }
        if (out.isEmpty()) {
            throw ApiError.unavailable("no_deployment", "every deployment of " + model.modelId()
                    + " is cooling down after failures or at its rate limit; retry shortly");
        }
        return out;
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new java.util.ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    /** Whether any limit on the caller's money applies: then an unpriced call would be a way around it. */
    private static boolean moneyLimited(Principal caller, Plan plan) {
        boolean keyLimited = caller.family().stream().anyMatch(a -> a.policy().monthlyBudgetMicros() != null
                || a.policy().maxSpendMicros() != null);
        return keyLimited || plan != null && (plan.prepaid() || plan.monthlySpendQuotaMicros() != null);
    }

    /** The fallback models a client asked for in {@value #FALLBACKS_HEADER}. */
    static List<String> requestFallbacks(ServerRequest req) {
        return req.headers().first(io.helidon.http.HeaderNames.create(FALLBACKS_HEADER))
                .map(v -> java.util.Arrays.stream(v.split(",")).map(String::trim).filter(f -> !f.isEmpty()).limit(5).toList())
                .orElse(List.of());
    }

    /** The client's body with the upstream's model name; OpenAI streams are asked to report usage. */
    private static byte[] upstreamBody(ProxyRequest request, ModelRoute route) {
        ObjectNode body = request.body().deepCopy();
        body.put("model", route.upstreamName());
        if (request.stream() && request.endpoint().dialect() == Endpoint.Dialect.OPENAI) {
            ObjectNode options = body.get("stream_options") instanceof ObjectNode o ? o : body.putObject("stream_options");
            options.put("include_usage", true);
        }
        return bytes(body);
    }

    private static byte[] bytes(JsonNode body) {
        try {
            return MAPPER.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private void relayBody(Exchange exchange, UpstreamClient.Call call, ServerResponse res) {
        HttpClientResponse reply = call.response();
        byte[] body;
        try (InputStream in = reply.inputStream()) {
            try {
                body = Bodies.read(in, reply.headers().contentLength().orElse(-1), MAX_UPSTREAM_BODY, bytes -> exchange.place.hold(REPLY_COPIES * bytes));
            } catch (Bodies.Refused refused) {
                // Not relayed, but done and billed upstream: its usage is read as the reply streams past.
                exchange.meter.observeUsageOnly(MAPPER.createParser(refused.rest()));
                exchange.record(200, exchange.meter.usage(tokens));
                throw refused.refusal();
            }
        } catch (IOException | UncheckedIOException e) {
            exchange.record(200, exchange.meter.reportedOnly());
            if (call.cancelled()) {
                throw cancelled();
            }
            throw call.timedOut() ? ApiError.gatewayTimeout("upstream_timeout", "the upstream did not finish its reply in time")
                    : ApiError.badGateway("upstream_broken", "the upstream connection broke mid-reply");
        }
        JsonNode parsed = body.length > MAX_UPSTREAM_BODY ? null : parse(body);
        if (parsed == null) {
            exchange.record(200, exchange.meter.reportedOnly());
            throw ApiError.badGateway("upstream_invalid_response", "the upstream reply was not JSON of at most "
                    + (MAX_UPSTREAM_BODY >> 20) + " MB");
        }
        exchange.meter.observe(parsed);
        exchange.record(200, exchange.meter.usage(tokens));
        res.header(HeaderValues.CONTENT_TYPE_JSON);
        if (exchange.wire == Wire.DIRECT && exchange.finish == null) {
            res.send(body);
            return;
        }
        JsonNode answer = exchange.wire.reply(parsed, exchange.request);
        // A generate call is always a chat completion by now, from either kind of provider.
        res.send(bytes(exchange.finish == null ? answer : exchange.finish.reply(answer, exchange)));
    }

    /**
     * Relays SSE events as they arrive. The final event ({@code data: [DONE]} or Anthropic's
     * {@code message_stop}) is held back until the usage event is committed.
     */
    private void relayStream(Exchange exchange, UpstreamClient.Call call, ServerResponse res) {
        ProxyRequest request = exchange.request;
        boolean anthropic = exchange.meter.upstream() == Endpoint.Dialect.ANTHROPIC;
        StreamBridge bridge = exchange.wire.stream(request);
        ByteArrayOutputStream translated = bridge == null ? null : new ByteArrayOutputStream(512);
        res.header(HeaderNames.CONTENT_TYPE, "text/event-stream");
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        OutputStream out = res.outputStream();
        boolean clientGone = false;
        try (InputStream body = call.response().inputStream()) {
            SseLines events = new SseLines(body, exchange.place::hold);
            ByteArrayOutputStream event = new ByteArrayOutputStream(512);
            long eventHeld = STREAM_EVENT_UNCOUNTED;
            boolean forward = true;
            boolean last = false;
            byte[] line;
            while (!clientGone && (line = events.next()) != null) {
                call.progressed();
                if (line.length > 0) {
                    if (startsWith(line, DATA)) {
                        int from = DATA.length;
                        int to = line.length;
                        while (from < to && line[from] == ' ') {
                            from++;
                        }
                        while (to > from && line[to - 1] == ' ') {
                            to--;
                        }
                        if (Arrays.equals(line, from, to, DONE, 0, DONE.length)) {
                            last = true;
                        } else {
                            JsonNode chunk = parse(line, from, to - from);
                            if (chunk != null) {
                                exchange.meter.observe(chunk);
                                last |= anthropic && UsageMeter.isFinalAnthropicEvent(chunk);
                                if (bridge != null) {
                                    translated.write(bridge.event(chunk));
                                }
                                // Usage was asked for on the client's behalf; don't hand it a chunk it didn't ask for.
                                forward &= anthropic || request.clientWantsUsage() || !isUsageOnly(chunk);
                            }
                        }
                    }
                    event.write(line);
                    event.write('\n');
                    if (event.size() > MAX_STREAM_EVENT) {
                        throw new IOException("an upstream stream event is longer than " + (MAX_STREAM_EVENT >> 20) + " MB");
                    }
                    if (event.size() > eventHeld) {
                        long more = Math.max(event.size() - eventHeld, STREAM_EVENT_UNCOUNTED);
                        exchange.place.hold(more);
                        eventHeld += more;
                    }
                    continue;
                }
                if (event.size() == 0) {
                    continue;
                }
                if (last) {
                    exchange.record(200, exchange.meter.usage(tokens));
                    if (exchange.finish != null) {
                        exchange.finish.streamed(exchange.meter.completionText());
                    }
                }
                if (bridge != null) {
                    if (last) {
                        translated.write(bridge.end());
                    }
                    if (translated.size() > 0) {
                        clientGone = !write(out, translated.toByteArray(), last || !events.buffered());
                        translated.reset();
                    }
                } else if (forward) {
                    event.write('\n');
                    // Events that arrived together leave together: flush once nothing more is already here.
                    clientGone = !write(out, event.toByteArray(), last || !events.buffered());
                }
                if (last) {
                    break;
                }
                event.reset();
                forward = true;
            }
        } catch (IOException | UncheckedIOException e) {
            // Upstream broke mid-stream (or the call was cancelled): what was generated so far is still recorded below.
            if (call.cancelled()) {
                write(out, ("data: " + errorJson(cancelled()) + "\n\n").getBytes(StandardCharsets.UTF_8), true);
            }
        } catch (ApiError e) {
            // The ledger refused the usage event, or the stream outgrew the memory budget: the client
            // gets an error instead of the final event.
            write(out, ("data: " + errorJson(e) + "\n\n").getBytes(StandardCharsets.UTF_8), true);
        } finally {
            if (!exchange.recorded) {
                try {
                    exchange.record(200, exchange.meter.usage(tokens));
                } catch (ApiError e) {
                    // Nothing more can be said to the client; the writer has logged the failure.
                }
            }
            try {
                out.close();
            } catch (IOException | UncheckedIOException e) {
                // client already gone
            }
        }
    }

    /** Upstream refused for good: record what it reported, then answer with a status that means something to the client. */
    private void refuse(Exchange exchange, HttpClientResponse reply, int status) {
        ApiError error = upstreamError(exchange, reply, status);
        exchange.attemptEnded(status);
        exchange.record(status, exchange.meter.reportedOnly());
        throw error;
    }

    /** What an upstream's refusal means to the client (its usage, if reported, is observed on the way). */
    private ApiError upstreamError(Exchange exchange, HttpClientResponse reply, int status) {
        JsonNode body;
        try (InputStream in = reply.inputStream()) {
            body = parse(Bodies.read(in, reply.headers().contentLength().orElse(-1), 64 << 10));
        } catch (IOException | UncheckedIOException e) {
            body = null;
        }
        if (body != null) {
            exchange.meter.observe(body);
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

    private static ApiError cancelled() {
        return new ApiError(409, "invalid_request_error", "request_cancelled", "the request was cancelled "
                + "(POST /v1/requests/{id}/cancel); what was generated until then is billed");
    }

    private static boolean isUsageOnly(JsonNode chunk) {
        return chunk.path("usage").isObject() && chunk.path("choices").isArray() && chunk.path("choices").isEmpty();
    }

    private static boolean startsWith(byte[] line, byte[] prefix) {
        return line.length >= prefix.length && Arrays.equals(line, 0, prefix.length, prefix, 0, prefix.length);
    }

    private static boolean write(OutputStream out, byte[] bytes, boolean flush) {
        try {
            out.write(bytes);
            if (flush) {
                out.flush();
            }
            return true;
        } catch (IOException | UncheckedIOException e) {
            return false;
        }
    }

    private static String errorJson(ApiError e) {
        try {
            return MAPPER.writeValueAsString(Map.of("error", ErrorResponses.body(e)));
        } catch (JsonProcessingException x) {
            throw new IllegalStateException(x);
        }
    }

    private static JsonNode parse(byte[] bytes) {
        return parse(bytes, 0, bytes.length);
    }

    private static JsonNode parse(byte[] bytes, int offset, int length) {
        try {
            return MAPPER.readTree(bytes, offset, length);
        } catch (IOException e) {
            return null;
        }
    }

    /** One call: its attempts, the one in progress, and its single usage event ({@link #record} runs once). */
    private final class Exchange {
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

        Exchange(String requestId, Principal caller, ProxyRequest request, String promptHash, long promptTokens,
                 long started, Admission.Ticket ticket, InFlight.Place place, Finish finish, RequestBoard.Running running,
                 Span span) {
            this.span = span;
            this.finish = finish;
            this.running = running;
            this.ticket = ticket;
            this.place = place;
            this.requestId = requestId;
            this.caller = caller;
            this.request = request;
            this.promptHash = promptHash;
            this.promptTokens = promptTokens;
            this.started = started;
        }

        /** The next attempt goes to {@code next}. */
        void attempt(ModelRoute next, TokenCounter tokens) {
            route = next;
            attemptSpan = tracing.upstreamAttempt(span, next.deployment(), next.provider().baseUrl());
            wire = Wire.of(request, next);
            meter = new UsageMeter(request, promptTokens, wire.upstreamDialect(request));
        }

        /** The attempt in progress failed with {@code outcome}; the next one, if any, is recorded after it. */
        void failed(String outcome) {
            attempts.add(route.deployment() + ": " + outcome);
            attemptSpan.setAttribute("error.type", outcome);
            attemptSpan.setStatus(StatusCode.ERROR, outcome);
            attemptSpan.end();
        }

        /** The attempt in progress got its answer ({@code status}; 0: none, cancelled). */
        void attemptEnded(int status) {
            if (status != 0) {
                attemptSpan.setAttribute("http.response.status_code", status);
            }
            attemptSpan.end();
        }

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
}
