package io.tollgate.gateway.admin;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.tollgate.gateway.auth.Access;
import io.tollgate.gateway.auth.Guard;
import io.tollgate.gateway.auth.Principal;
import io.tollgate.gateway.http.ApiError;
import io.tollgate.gateway.http.Json;
import io.tollgate.gateway.http.Validation;
import io.tollgate.gateway.providers.ModelRoute;
import io.tollgate.gateway.providers.ProviderRegistry;
import io.tollgate.gateway.routing.DeploymentHealth;
import io.tollgate.gateway.routing.ModelCatalog;
import io.tollgate.gateway.routing.ModelCatalog.DeploymentRow;
import io.tollgate.ledger.money.Micros;

/**
 * How a model routes, for administrators: its deployments (added, changed, removed), its strategy and
 * fallback chain, its price from a given time, and what this instance knows of each deployment's health.
 * Every change is a ledger event.
 */
public final class RoutingService implements HttpService {
    private static final int MAX_FALLBACKS = 5;
    private static final Set<String> DEPLOYMENT_FIELDS = Set.of("name", "provider_id", "upstream_model", "weight",
            "priority", "rpm_limit", "tpm_limit", "input_price_per_million", "output_price_per_million");

    private final Guard guard;
    private final Json json;
    private final ProviderRegistry registry;
    private final ModelCatalog catalog;
    private final DeploymentHealth health;

    public RoutingService(Guard guard, Json json, ProviderRegistry registry, ModelCatalog catalog, DeploymentHealth health) {
        this.guard = guard;
        this.json = json;
        this.registry = registry;
        this.catalog = catalog;
        this.health = health;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/models/{id}/routing", this::get)
                .put("/models/{id}/routing", this::setRouting)
                .post("/models/{id}/deployments", this::add)
                .put("/models/{id}/price", this::setPrice)
                .patch("/deployments/{id}", this::change)
                .delete("/deployments/{id}", this::remove)
                .get("/admin/deployments/health", this::health);
    }

    private void get(ServerRequest req, ServerResponse res) {
        guard.require(req, Access.ADMIN);
        Json.send(res, 200, view(registered(req)));
    }

    /** {@code {"strategy": "weighted"|..., "fallbacks": ["model", ...]}}; either may be left out. */
    private void setRouting(ServerRequest req, ServerResponse res) {
        Principal admin = guard.require(req, Access.ADMIN);
        ModelCatalog.Model m = registered(req);
        ObjectNode body = json.readObject(req);
        Validation.onlyFields(body, Set.of("strategy", "fallbacks"));
        String strategy = m.strategy();
        if (body.hasNonNull("strategy")) {
            strategy = body.get("strategy").asText();
            if (!body.get("strategy").isTextual() || !ModelCatalog.STRATEGIES.contains(strategy)) {
                throw ApiError.badRequest("invalid_strategy", "strategy must be one of " + ModelCatalog.STRATEGIES);
            }
        }
        List<String> fallbacks = m.fallbacks();
        if (body.has("fallbacks")) {
            fallbacks = fallbacks(m.modelId(), body.get("fallbacks"));
        }
        catalog.setRouting(admin.userId(), m.modelId(), strategy, fallbacks);
        Json.send(res, 200, view(catalog.model(m.modelId()).orElseThrow()));
    }

    private List<String> fallbacks(String modelId, JsonNode given) {
        if (given == null || given.isNull()) {
            return List.of();
        }
        if (!given.isArray() || given.size() > MAX_FALLBACKS) {
            throw ApiError.badRequest("invalid_fallbacks", "fallbacks must be an array of at most " + MAX_FALLBACKS
                    + " model ids");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode f : given) {
            String id = f.isTextual() ? f.asText() : "";
            if (id.equals(modelId) || out.contains(id)) {
                throw ApiError.badRequest("invalid_fallbacks", "a fallback is another model, named once: " + f);
            }
            if (catalog.model(id).isEmpty()) {
                throw ApiError.badRequest("unknown_model", "no model " + f + " to fall back to");
            }
            out.add(id);
        }
        return out;
    }

    /**
     * {@code {"provider_id", "upstream_model", "name"?, "weight"? (1), "priority"? (0, tried first),
     * "rpm_limit"?, "tpm_limit"?, "input_price_per_million"? and "output_price_per_million"? (as a pair)}}.
     */
    private void add(ServerRequest req, ServerResponse res) {
        Principal admin = guard.require(req, Access.ADMIN);
        ModelCatalog.Model m = registered(req);
        ObjectNode body = json.readObject(req);
        Validation.onlyFields(body, DEPLOYMENT_FIELDS);
        JsonNode providerField = body.get("provider_id");
        if (providerField == null || !providerField.canConvertToExactIntegral()) {
            throw ApiError.badRequest("missing_field", "provider_id is required");
        }
        long providerId = providerField.asLong();
        String providerName = registry.provider(providerId).orElseThrow(() -> ApiError.badRequest("unknown_provider",
                "no provider " + providerId)).name();
        String upstream = Validation.text("upstream_model", Validation.required("upstream_model",
                text(body, "upstream_model")), 200);
        String name = body.hasNonNull("name") ? Validation.text("name", text(body, "name"), 200) : m.modelId() + "@" + providerName;
        Long[] price = prices(body);
        long id = catalog.addDeployment(admin.userId(), m.modelId(), new ModelCatalog.NewDeployment(name, providerId,
                upstream, price[0], price[1], (int) bounded(body, "weight", 1, 1, 1000),
                (int) bounded(body, "priority", 0, 0, 100), optionalPositive(body, "rpm_limit"),
                optionalPositive(body, "tpm_limit")));
        Json.send(res, 201, deploymentView(catalog.deploymentRow(id).orElseThrow()));
    }

    /** Any of weight, priority, rpm_limit, tpm_limit (null clears), enabled, and the price pair (nulls: the model's). */
    private void change(ServerRequest req, ServerResponse res) {
        Principal admin = guard.require(req, Access.ADMIN);
        long id = Validation.pathId(req, "id");
        catalog.deploymentRow(id).orElseThrow(() -> ApiError.notFound("no deployment " + id));
        ObjectNode body = json.readObject(req);
        Validation.onlyFields(body, Set.of("weight", "priority", "rpm_limit", "tpm_limit", "enabled", "input_price_per_million",
                "output_price_per_million"));
        Map<String, Object> changes = new LinkedHashMap<>();
        if (body.has("weight")) {
            changes.put("weight", (int) bounded(body, "weight", 1, 1, 1000));
        }
        if (body.has("priority")) {
            changes.put("priority", (int) bounded(body, "priority", 0, 0, 100));
        }
        for (String limit : List.of("rpm_limit", "tpm_limit")) {
            if (body.has(limit)) {
                changes.put(limit, optionalPositive(body, limit));
            }
        }
        if (body.has("enabled")) {
            changes.put("enabled", Validation.flag(body, "enabled", true));
        }
        if (body.has("input_price_per_million") || body.has("output_price_per_million")) {
            Long[] price = prices(body);
            changes.put("input_micros_per_million", price[0]);
            changes.put("output_micros_per_million", price[1]);
        }
        if (changes.isEmpty()) {
            throw ApiError.badRequest("nothing_to_change", "give at least one of weight, priority, rpm_limit, tpm_limit, "
                    + "enabled, input_price_per_million and output_price_per_million");
        }
        catalog.changeDeployment(admin.userId(), id, changes);
        Json.send(res, 200, deploymentView(catalog.deploymentRow(id).orElseThrow()));
    }

    private void remove(ServerRequest req, ServerResponse res) {
        Principal admin = guard.require(req, Access.ADMIN);
        catalog.removeDeployment(admin.userId(), Validation.pathId(req, "id"));
        Json.noContent(res);
    }

    /**
     * {@code {"input_price_per_million", "output_price_per_million", "effective_at"?}}: the model's price from
     * {@code effective_at} (ISO-8601; now if absent). Calls already ledgered keep the price they were charged.
     */
    private void setPrice(ServerRequest req, ServerResponse res) {
        Principal admin = guard.require(req, Access.ADMIN);
        ModelCatalog.Model m = registered(req);
        ObjectNode body = json.readObject(req);
        Validation.onlyFields(body, Set.of("input_price_per_million", "output_price_per_million", "effective_at"));
        Long[] price = prices(body);
        if (price[0] == null) {
            throw ApiError.badRequest("missing_price", "give input_price_per_million and output_price_per_million");
        }
        if (m.free()) {
            throw ApiError.conflict("model_free", "model " + m.modelId() + " is free; it takes no price");
        }
        Instant at = Instant.now();
        if (body.hasNonNull("effective_at")) {
            try {
                at = Instant.parse(body.get("effective_at").asText());
            } catch (DateTimeParseException e) {
                throw ApiError.badRequest("invalid_effective_at", "effective_at must be an ISO-8601 instant, "
                        + "e.g. 2026-12-01T00:00:00Z");
            }
        }
        catalog.setPrice(admin.userId(), m.modelId(), price[0], price[1], at);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("model", m.modelId());
        out.put("input_price_per_million", Micros.toDecimal(price[0]));
        out.put("output_price_per_million", Micros.toDecimal(price[1]));
        out.put("effective_at", at.toString());
        Json.send(res, 200, out);
    }

    private void health(ServerRequest req, ServerResponse res) {
        guard.require(req, Access.ADMIN);
        Json.send(res, 200, Map.of("data", health.view()));
    }

    private Map<String, Object> view(ModelCatalog.Model m) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("model", m.modelId());
        out.put("strategy", m.strategy());
        out.put("fallbacks", m.fallbacks());
        out.put("available", m.available());
        out.put("free", m.free());
        Map<String, ModelRoute> routes = new LinkedHashMap<>();
        m.deployments().forEach(d -> routes.put(d.deployment(), d));
        List<Map<String, Object>> deployments = new ArrayList<>();
        for (DeploymentRow row : catalog.deploymentRows(m.modelId())) {
            Map<String, Object> d = deploymentView(row);
            ModelRoute route = routes.get(row.name());
            if (route != null) {
                d.put("pricing", ModelsService.pricing(route));
                d.put("circuit", health.circuit(route).name().toLowerCase());
            }
            deployments.add(d);
        }
        out.put("deployments", deployments);
        return out;
    }

    private static Map<String, Object> deploymentView(DeploymentRow d) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", d.id());
        out.put("model", d.modelId());
        out.put("name", d.name());
        out.put("provider_id", d.providerId());
        out.put("provider", d.providerName());
        out.put("upstream_model", d.upstreamName());
        out.put("weight", d.weight());
        out.put("priority", d.priority());
        out.put("rpm_limit", d.rpmLimit());
        out.put("tpm_limit", d.tpmLimit());
        out.put("enabled", d.enabled());
        out.put("input_price_per_million", d.inputMicrosPerMillion() == null ? null : Micros.toDecimal(d.inputMicrosPerMillion()));
        out.put("output_price_per_million", d.outputMicrosPerMillion() == null ? null : Micros.toDecimal(d.outputMicrosPerMillion()));
        out.put("created_at", d.createdAt().toString());
        return out;
    }

    private ModelCatalog.Model registered(ServerRequest req) {
        String id = req.path().pathParameters().get("id");
        return catalog.model(id).filter(ModelCatalog.Model::registered).orElseThrow(() -> ApiError.notFound(
                "no registered model " + id + " (a model only a provider lists is registered with POST /v1/models)"));
    }

    private static String text(ObjectNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw ApiError.badRequest("invalid_field", field + " must be a string");
        }
        return v.asText();
    }

    /** Both prices, or neither (nulls); negative or finer than a micro-dollar is refused. */
    private static Long[] prices(ObjectNode body) {
        JsonNode in = body.get("input_price_per_million");
        JsonNode out = body.get("output_price_per_million");
        boolean hasIn = in != null && !in.isNull();
        boolean hasOut = out != null && !out.isNull();
        if (hasIn != hasOut) {
            throw ApiError.badRequest("missing_price", "input_price_per_million and output_price_per_million come as a pair");
        }
        return hasIn ? new Long[] {Validation.money("input_price_per_million", in),
                Validation.money("output_price_per_million", out)} : new Long[] {null, null};
    }

    private static long bounded(ObjectNode body, String field, long otherwise, long min, long max) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return otherwise;
        }
        if (!v.canConvertToExactIntegral() || v.asLong() < min || v.asLong() > max) {
            throw ApiError.badRequest("invalid_field", field + " must be a whole number from " + min + " to " + max);
        }
        return v.asLong();
    }

    private static Long optionalPositive(ObjectNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        return bounded(body, field, 0, 1, Long.MAX_VALUE);
    }
}
