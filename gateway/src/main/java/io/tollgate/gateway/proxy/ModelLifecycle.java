package io.tollgate.gateway.proxy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import io.tollgate.gateway.http.ApiError;
import io.tollgate.gateway.providers.ModelRoute;
import io.tollgate.gateway.providers.Provider;
import io.tollgate.gateway.routing.DeploymentHealth;
import io.tollgate.gateway.routing.ModelCatalog;

/**
 * Seed 002's model lifecycle. On a provider that holds models in memory (Ollama) load and unload are real:
 * {@code POST /api/generate} with a {@code keep_alive} of forever, or of 0, and {@code GET /api/ps} says
 * what is loaded. On a hosted provider a model is always resident, so load is a health check (the
 * provider lists the model) that makes the model available again, and unload stops new calls while
 * those in flight finish (or, forced, are cancelled).
 */
public final class ModelLifecycle {
    /** How a model stands, overall and per deployment. */
    public record Status(String model, String status, boolean available, int inFlight, String fallback,
                         List<Map<String, Object>> deployments) {
        public Map<String, Object> view() {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("model", model);
            out.put("status", status);
            out.put("available", available);
            out.put("in_flight", inFlight);
            if (fallback != null) {
                out.put("fallback", fallback);
            }
            out.put("deployments", deployments);
            return out;
        }
    }

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private final ModelCatalog catalog;
    private final DeploymentHealth health;
    private final UpstreamClient upstream;
    private final RequestBoard board;
    private final Duration drainLimit;
    private final Map<String, CompletableFuture<Status>> loading = new ConcurrentHashMap<>();

    /** @param drainLimit how long an unload waits for calls in flight before unloading a provider's model anyway */
    public ModelLifecycle(ModelCatalog catalog, DeploymentHealth health, UpstreamClient upstream, RequestBoard board,
                          Duration drainLimit) {
        this.catalog = catalog;
        this.health = health;
        this.upstream = upstream;
        this.board = board;
        this.drainLimit = drainLimit;
    }

    public Status status(String modelId) {
        return status(model(modelId), new HashMap<>());
    }

    /** Every available model some deployment of which is loaded (or, hosted, ready). */
    public List<Status> loaded() {
        Map<Long, List<String>> running = new HashMap<>();
        List<Status> out = new ArrayList<>();
        for (ModelCatalog.Model m : catalog.all()) {
            if (m.available() && !m.deployments().isEmpty()) {
                Status s = status(m, running);
                if ("loaded".equals(s.status())) {
                    out.add(s);
                }
            }
        }
        return out;
    }

    /**
     * Loads the model on every deployment; when {@code wait}, returns once done, else at once with status
     * {@code loading}. If no deployment can serve it, the model's first available fallback serves instead when
     * {@code useFallback} (status {@code fallback}); otherwise 502 {@code model_load_failed}.
     */
    public Status load(long actorUserId, String modelId, boolean wait, boolean useFallback) {
        ModelCatalog.Model m = model(modelId);
        CompletableFuture<Status> task = loading.computeIfAbsent(modelId, id -> CompletableFuture
                .supplyAsync(() -> loadNow(actorUserId, m, useFallback), r -> Thread.ofVirtual().name("load-" + id).start(r)));
        task.whenComplete((s, e) -> loading.remove(modelId, task));
        if (!wait) {
            return task.isDone() ? join(task) : new Status(modelId, "loading", m.available(), board.inFlight(modelId), null, List.of());
        }
        return join(task);
    }

    private static Status join(CompletableFuture<Status> task) {
        try {
            return task.get(10, TimeUnit.MINUTES);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof ApiError api ? api : new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw ApiError.gatewayTimeout("load_timeout", "the model is still loading; GET its status later");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiError.unavailable("interrupted", "interrupted");
        }
    }

    private Status loadNow(long actorUserId, ModelCatalog.Model m, boolean useFallback) {
        List<Map<String, Object>> outcomes = new ArrayList<>();
        boolean any = false;
        for (ModelRoute d : m.deployments()) {
            Map<String, Object> row = deploymentRow(d);
            try {
                if (d.provider().loadsModels()) {
                    upstream.json(d.provider(), nativeRoot(d.provider()) + "/api/generate",
                            NODES.objectNode().put("model", d.upstreamName()).put("keep_alive", -1));
                    row.put("state", "loaded");
                } else if (upstream.listModels(d.provider()).contains(d.upstreamName())) {
                    row.put("state", "ready");
                } else {
                    row.put("state", "not_listed");
                    row.put("detail", d.provider().name() + " does not list " + d.upstreamName());
                }
            } catch (UpstreamClient.Unreachable e) {
                row.put("state", "unreachable");
                row.put("detail", e.getMessage());
            }
            any |= "loaded".equals(row.get("state")) || "ready".equals(row.get("state"));
            outcomes.add(row);
        }
        if (any) {
            if (!m.available() && m.registered()) {
                catalog.setAvailable(actorUserId, m.modelId(), true, false);
            }
            return new Status(m.modelId(), "loaded", true, board.inFlight(m.modelId()), null, outcomes);
        }
        Optional<String> fallback = useFallback ? m.fallbacks().stream()
                .filter(f -> catalog.model(f).filter(ModelCatalog.Model::available).isPresent()).findFirst() : Optional.empty();
        if (fallback.isEmpty()) {
            throw ApiError.badGateway("model_load_failed", "no deployment of " + m.modelId() + " could load it: "
                    + outcomes.stream().map(o -> o.get("deployment") + " " + o.get("state")
                    + (o.containsKey("detail") ? " (" + o.get("detail") + ")" : "")).toList()
                    + (useFallback ? "; and it has no available fallback" : ""));
        }
        if (!m.available() && m.registered()) {
            catalog.setAvailable(actorUserId, m.modelId(), true, false);
        }
        // Calls go on to name this model; its deployments fail fast and cool down, and the fallback serves.
        return new Status(m.modelId(), "fallback", true, board.inFlight(m.modelId()), fallback.get(), outcomes);
    }

    /**
     * Stops new calls to the model at once. Calls in flight finish (or, {@code force}, are cancelled); a
     * provider holding the model in memory is then told to unload it.
     */
    public Status unload(long actorUserId, String modelId, boolean force) {
        ModelCatalog.Model m = model(modelId);
        if (!m.registered()) {
            throw ApiError.conflict("model_not_registered", "model " + modelId + " is only listed by its provider; "
                    + "register it (POST /v1/models) to manage its lifecycle");
        }
        catalog.setAvailable(actorUserId, modelId, false, force);
        int inFlight = force ? board.cancelModel(modelId) : board.inFlight(modelId);
        List<ModelRoute> resident = m.deployments().stream().filter(d -> d.provider().loadsModels()).toList();
        if (!resident.isEmpty()) {
            Thread.ofVirtual().name("unload-" + modelId).start(() -> {
                long deadline = System.nanoTime() + drainLimit.toNanos();
                while (!force && board.inFlight(modelId) > 0 && System.nanoTime() < deadline) {
                    sleep(100);
                }
                resident.forEach(d -> {
                    try {
                        upstream.json(d.provider(), nativeRoot(d.provider()) + "/api/generate",
                                NODES.objectNode().put("model", d.upstreamName()).put("keep_alive", 0));
                    } catch (UpstreamClient.Unreachable e) {
                        // The provider is away: it unloads idle models by itself (Ollama after its keep-alive).
                    }
                });
            });
        }
        List<Map<String, Object>> rows = m.deployments().stream().map(ModelLifecycle::deploymentRow).toList();
        return new Status(modelId, "unloaded", false, inFlight, null, rows);
    }

    private Status status(ModelCatalog.Model m, Map<Long, List<String>> running) {
        int inFlight = board.inFlight(m.modelId());
        CompletableFuture<Status> task = loading.get(m.modelId());
        if (task != null && !task.isDone()) {
            return new Status(m.modelId(), "loading", m.available(), inFlight, null, List.of());
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        boolean any = false;
        boolean onDemand = false;
        for (ModelRoute d : m.deployments()) {
            Map<String, Object> row = deploymentRow(d);
            if (health.circuit(d) == DeploymentHealth.Circuit.OPEN) {
                row.put("state", "cooling_down");
            } else if (d.provider().loadsModels()) {
                List<String> resident = running.computeIfAbsent(d.provider().id(), id -> running(d.provider()));
                boolean loaded = resident != null && resident.contains(d.upstreamName());
                row.put("state", resident == null ? "unreachable" : loaded ? "loaded" : "not_loaded");
                any |= loaded;
                onDemand |= resident != null && !loaded;
            } else {
                row.put("state", "ready");
                any = true;
            }
            rows.add(row);
        }
        String status = !m.available() ? "unloaded" : any ? "loaded" : onDemand ? "not_loaded" : "unavailable";
        return new Status(m.modelId(), status, m.available(), inFlight, null, rows);
    }

    /** What an Ollama server has in memory ({@code GET /api/ps}), or null if it did not say. */
    private List<String> running(Provider p) {
        try {
            List<String> out = new ArrayList<>();
            for (JsonNode r : upstream.json(p, nativeRoot(p) + "/api/ps", null).path("models")) {
                out.add(r.path("model").asText(r.path("name").asText()));
            }
            return out;
        } catch (UpstreamClient.Unreachable e) {
            return null;
        }
    }

    private static Map<String, Object> deploymentRow(ModelRoute d) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("deployment", d.deployment());
        row.put("provider", d.provider().name());
        row.put("provider_type", d.provider().type());
        row.put("upstream_model", d.upstreamName());
        return row;
    }

    /** Ollama's own API sits at the server's root; its OpenAI-compatible one (the base URL) under /v1. */
    private static String nativeRoot(Provider p) {
        return p.baseUrl().replaceFirst("/v1/?$", "");
    }

    private ModelCatalog.Model model(String modelId) {
        return catalog.model(modelId).orElseThrow(() -> ApiError.notFound("The model '" + modelId + "' does not exist"));
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
