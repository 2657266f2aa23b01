package io.tollgate.gateway.proxy;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.tollgate.gateway.auth.Access;
import io.tollgate.gateway.auth.Guard;
import io.tollgate.gateway.conversations.Conversations;
import io.tollgate.gateway.http.DatabaseException;
import io.tollgate.gateway.auth.Principal;
import io.tollgate.gateway.controls.Admission;
import io.tollgate.gateway.http.InFlight;
import io.tollgate.gateway.http.ApiError;
import io.tollgate.gateway.http.Json;
import io.tollgate.gateway.providers.ModelRoute;
import io.tollgate.gateway.routing.ModelCatalog;

/**
 * The data plane's routes: authenticate, read and check the body, then hand the call to
 * {@link Preflight} (may it go, and where) and {@link ModelCall} (the upstream attempts, the relayed
 * reply and its one usage event). Seed 002's generate and seed 004's chat are shapes of the same call.
 */
public final class ProxyService implements HttpService {
    /**
     * What a request body costs in memory per byte, as counted against the budget of {@link InFlight}:
     * its bytes, its parsed tree and the upstream's copy.
     */
    private static final int REQUEST_COPIES = 4;

    private final Guard guard;
    private final Json json;
    private final InFlight inFlight;
    private final Conversations conversations;
    private final ModelCatalog catalog;
    private final Preflight preflight;
    private final ModelCall.Context calls;

    public ProxyService(Guard guard, Json json, InFlight inFlight, Conversations conversations, ModelCatalog catalog,
                        Preflight preflight, ModelCall.Context calls) {
        this.guard = guard;
        this.json = json;
        this.inFlight = inFlight;
        this.conversations = conversations;
        this.catalog = catalog;
        this.preflight = preflight;
        this.calls = calls;
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
                public JsonNode reply(JsonNode chat, ModelCall call) {
                    keep(Generate.text(chat));
                    return Generate.reply(chat, call.requestId, call.route.provider().name(),
                            call.route.modelId().equals(selection.model()) ? selection
                                    : new Generate.Selection(call.route.modelId(), "fallback"), ask.sessionId());
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

    /** The client's own chain of fallback models for this call (comma-separated), after the model's configured ones. */
    static final String FALLBACKS_HEADER = "X-Tollgate-Fallbacks";

    /** @param useFallbacks false: only the model's own deployments (seed 002's {@code use_fallback: false}) */
    private void proxy(ServerResponse res, ProxyRequest request, String requestId, Principal caller, long started,
                       InFlight.Place place, Finish finish, List<String> requestFallbacks, boolean useFallbacks) {
        Span span = calls.tracing().modelCall(request.endpoint().operation(), request.model());
        try (Scope ignored = span.makeCurrent()) {
            Preflight.Cleared cleared = preflight.clear(caller, request, requestFallbacks, useFallbacks);
            try (Admission.Ticket ticket = cleared.ticket()) {
                Refusals.headers(ticket.admitted()).forEach(res::header);
                res.header("x-request-id", requestId);
                RequestBoard.Running running = calls.board().start(requestId, caller.userId(), cleared.model().modelId(),
                        request.stream());
                new ModelCall(calls, requestId, caller, request, cleared.promptTokens(), started, ticket, place, finish,
                        running, span).run(res, cleared.candidates());
            }
        } catch (ApiError e) {
            span.setStatus(StatusCode.ERROR, e.code());
            throw e;
        } finally {
            span.end();
        }
    }

    /** The fallback models a client asked for in {@value #FALLBACKS_HEADER}. */
    static List<String> requestFallbacks(ServerRequest req) {
        return req.headers().first(io.helidon.http.HeaderNames.create(FALLBACKS_HEADER))
                .map(v -> java.util.Arrays.stream(v.split(",")).map(String::trim).filter(f -> !f.isEmpty()).limit(5).toList())
                .orElse(List.of());
    }
}
