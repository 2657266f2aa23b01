package io.tollgate.gateway.admin;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.tollgate.gateway.auth.Access;
import io.tollgate.gateway.auth.Guard;
import io.tollgate.gateway.auth.Principal;
import io.tollgate.gateway.auth.Scopes;
import io.tollgate.gateway.http.ApiError;
import io.tollgate.gateway.http.Json;
import io.tollgate.gateway.api.OpenApiDocument;
import io.tollgate.gateway.http.Validation;
import io.tollgate.gateway.providers.ModelRoute;
import io.tollgate.gateway.providers.ProviderRegistry;
import io.tollgate.gateway.providers.UpstreamAddresses;
import io.tollgate.gateway.routing.ModelCatalog;
import io.tollgate.gateway.proxy.ModelLifecycle;
import io.tollgate.gateway.routing.ModelCatalog.NewModel;
import io.tollgate.ledger.money.Micros;

/**
 * {@code /v1/models}: the OpenAI model list (filtered by the key's model scopes) and seed 000's
 * model registration. Every model has a price, or is explicitly free: nothing costs $0 by accident.
 */
public final class ModelsService implements HttpService {
    record RegisterModel(String name, String modelName, String upstreamModel, String endpoint, String apiKey,
                         Long providerId, JsonNode inputPricePerMillion, JsonNode outputPricePerMillion, Boolean free) {
    }

    private final Guard guard;
    private final Json json;
    private final ProviderRegistry registry;
    private final ModelCatalog catalog;
    private final ModelLifecycle lifecycle;

    public ModelsService(Guard guard, Json json, ProviderRegistry registry, ModelCatalog catalog, ModelLifecycle lifecycle) {
        this.catalog = catalog;
        this.lifecycle = lifecycle;
        this.guard = guard;
        this.json = json;
        this.registry = registry;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::list)
                .post("/", this::register)
                .get("/loaded", this::loaded)
                .get("/{id}", this::get)
                .post("/{id}/default", this::makeDefault)
                .get("/{id}/status", this::status)
                .post("/{id}/load", this::load)
                .post("/{id}/unload", this::unload);
    }

    /** Seed 002: the available models with a deployment loaded (or, hosted, ready) that the caller may use. */
    private void loaded(ServerRequest req, ServerResponse res) {
        Principal caller = guard.require(req, Access.OWN_READ);
        List<Map<String, Object>> data = lifecycle.loaded().stream().filter(s -> caller.mayUseModel(s.model()))
                .map(ModelLifecycle.Status::view).toList();
        Json.send(res, 200, Map.of("object", "list", "data", data));
    }

    private void status(ServerRequest req, ServerResponse res) {
        Principal caller = guard.require(req, Access.OWN_READ);
        Json.send(res, 200, lifecycle.status(usable(caller, req)).view());
    }

    /** Seed 002: {@code {"wait": true, "use_fallback": false}}; 202 while it loads when not waiting. */
    private void load(ServerRequest req, ServerResponse res) {
        Principal caller = guard.require(req, Access.MODEL_WRITE);
        String id = usable(caller, req);
        ObjectNode body = optionalBody(req, Set.of("wait", "use_fallback"));
        ModelLifecycle.Status s = lifecycle.load(caller.userId(), id, Validation.flag(body, "wait", true),
                Validation.flag(body, "use_fallback", false));
        Json.send(res, "loading".equals(s.status()) ? 202 : 200, s.view());
    }

    /** Seed 002: {@code {"force": false}}; forced, calls in flight are cancelled rather than left to finish. */
    private void unload(ServerRequest req, ServerResponse res) {
        Principal caller = guard.require(req, Access.MODEL_WRITE);
        String id = usable(caller, req);
        ObjectNode body = optionalBody(req, Set.of("force"));
        Json.send(res, 200, lifecycle.unload(caller.userId(), id, Validation.flag(body, "force", false)).view());
    }

    private String usable(Principal caller, ServerRequest req) {
        String id = req.path().pathParameters().get("id");
        return catalog.model(id).filter(m -> caller.mayUseModel(m.modelId())).map(ModelCatalog.Model::modelId)
                .orElseThrow(() -> ApiError.notFound("The model '" + id + "' does not exist"));
    }

    private ObjectNode optionalBody(ServerRequest req, Set<String> fields) {
        if (!req.content().hasEntity()) {
            return JsonNodeFactory.instance.objectNode();
        }
        ObjectNode body = json.readObject(req);
        Validation.onlyFields(body, fields);
        return body;
    }

    /** Seed 002: {@code {"modality":"text"}} (the default) names the model {@code /v1/generate} uses when none is given. */
    private void makeDefault(ServerRequest req, ServerResponse res) {
        Principal caller = guard.require(req, Access.MODEL_WRITE);
        String id = req.path().pathParameters().get("id");
        ModelRoute m = catalog.route(id).orElseThrow(() -> ApiError.notFound("The model '" + id + "' does not exist"));
        String modality = "text";
        if (req.content().hasEntity()) {
            JsonNode given = json.readObject(req).get("modality");
            if (given != null && !given.isNull()) {
                modality = given.isTextual() ? given.asText() : "";
            }
        }
        if (!ModelCatalog.MODALITIES.contains(modality)) {
            throw ApiError.badRequest("unsupported_modality", "modality must be one of " + ModelCatalog.MODALITIES);
        }
        catalog.setDefault(caller.userId(), modality, m.modelId());
        Json.send(res, 200, Map.of("model", m.modelId(), "modality", modality, "default", true));
    }

    private void list(ServerRequest req, ServerResponse res) {
        Principal caller = guard.require(req, Access.OWN_READ);
        List<Map<String, Object>> data = catalog.models().stream()
                .filter(m -> caller.mayUseModel(m.modelId()))
                .map(ModelsService::openAiView)
                .toList();
        Json.send(res, 200, Map.of("object", "list", "data", data));
    }

    private void get(ServerRequest req, ServerResponse res) {
        Principal caller = guard.require(req, Access.OWN_READ);
        String id = req.path().pathParameters().get("id");
        ModelRoute m = catalog.route(id).filter(r -> caller.mayUseModel(r.modelId()))
                .orElseThrow(() -> ApiError.notFound("The model '" + id + "' does not exist"));
        Json.send(res, 200, openAiView(m));
    }

    private void register(ServerRequest req, ServerResponse res) {
        Principal caller = guard.require(req, Access.MODEL_WRITE);
        RegisterModel body = Json.bind(json.readObject(req), RegisterModel.class);
        String modelId = Validation.required("model_name", body.modelName());
        if (!modelId.matches("[A-Za-z0-9._:/@-]{1,128}")) {
            throw ApiError.badRequest("invalid_model_name", "model_name may hold letters, digits and ._:/@- only");
        }
        boolean free = Boolean.TRUE.equals(body.free());
        // A free model costs nothing against any budget, and a new endpoint is a new upstream to send
        // prompts to: both are an administrator's decision, not model:write's alone.
        boolean administrator = Principal.ADMIN_ROLE.equals(caller.role());
        if ((free || body.endpoint() != null) && !administrator) {
            throw ApiError.forbidden("admin_required", "registering a free model or a new endpoint needs the admin "
                    + "role as well as model:write; register a priced model on an existing provider_id instead");
        }
        // No price: the catalogue's for the upstream name, or the model is unpriced (callable, flagged, charged
        // 0, and refused to callers with a budget or prepaid credit until priced).
        Long input = price("input_price_per_million", body.inputPricePerMillion());
        Long output = price("output_price_per_million", body.outputPricePerMillion());
        if ((input == null) != (output == null)) {
            throw ApiError.badRequest("missing_price", "give both input_price_per_million and output_price_per_million, "
                    + "or neither (the price catalogue's, if it knows the model)");
        }
        NewModel model = new NewModel(modelId, body.name() == null ? modelId : Validation.text("name", body.name(), 200),
                0, body.upstreamModel() == null ? modelId : Validation.required("upstream_model", body.upstreamModel()),
                input, output, free);
        ModelRoute route;
        if (body.providerId() != null) {
            if (body.endpoint() != null || body.apiKey() != null) {
                throw ApiError.badRequest("invalid_request", "give either provider_id or endpoint/api_key, not both");
            }
            long providerId = body.providerId();
            registry.provider(providerId).orElseThrow(() -> ApiError.badRequest("unknown_provider",
                    "no provider " + providerId));
            route = catalog.register(caller.userId(), new NewModel(model.modelId(), model.displayName(),
                    providerId, model.upstreamName(), input, output, free));
        } else if (body.endpoint() != null) {
            String endpoint = UpstreamAddresses.checked("endpoint", body.endpoint(), administrator);
            String apiKey = body.apiKey() == null || body.apiKey().isBlank() ? null : body.apiKey();
            route = catalog.registerWithEndpoint(caller.userId(), endpoint, apiKey, model);
        } else {
            throw ApiError.badRequest("missing_field", "provider_id or endpoint is required");
        }
        Map<String, Object> out = openAiView(route);
        out.put("name", route.displayName());
        out.put("upstream_model", route.upstreamName());
        out.put("provider_id", route.provider().id());
        Json.send(res, 201, out);
    }

    private static Long price(String field, JsonNode value) {
        return value == null || value.isNull() ? null : Validation.money(field, value);
    }

    /**
     * Seed 002's {@code GET /v1/schema?model=}: what a model takes through {@code /v1/generate} (its input
     * and parameters, from the OpenAPI document), the endpoints that reach it and its prices.
     */
    public HttpService seed002Schema(OpenApiDocument openApi) {
        Map<String, Object> generate = openApi.schema("GenerateRequest");
        @SuppressWarnings("unchecked")
        Map<String, Object> properties = (Map<String, Object>) generate.get("properties");
        return rules -> rules.get("/", (req, res) -> {
            Principal caller = guard.require(req, Access.OWN_READ);
            String id = req.query().first("model").orElseThrow(() -> ApiError.badRequest("model_required",
                    "name the model: /v1/schema?model={model_id}"));
            ModelRoute m = catalog.route(id).filter(r -> caller.mayUseModel(r.modelId()))
                    .orElseThrow(() -> ApiError.notFound("The model '" + id + "' does not exist"));
            Map<String, Object> out = openAiView(m);
            out.put("provider_type", m.provider().type());
            out.put("modality", "text");
            // The bridges translate chat completions and messages both ways; the rest is OpenAI's alone.
            out.put("endpoints", "anthropic".equals(m.provider().dialect())
                    ? List.of("/v1/generate", "/v1/messages", "/v1/chat/completions")
                    : List.of("/v1/generate", "/v1/chat/completions", "/v1/messages", "/v1/completions", "/v1/embeddings"));
            out.put("input", properties.get("input"));
            out.put("parameters", properties.get("parameters"));
            Json.send(res, 200, out);
        });
    }

    static Map<String, Object> openAiView(ModelRoute m) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", m.modelId());
        out.put("object", "model");
        out.put("created", m.createdAt().getEpochSecond());
        out.put("owned_by", m.provider().name());
        out.put("pricing", pricing(m));
        return out;
    }

    /** A model's price as views show it; {@code priced} false (and no prices) when none is known. */
    static Map<String, Object> pricing(ModelRoute m) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("input_per_million", m.priced() ? Micros.toDecimal(m.inputMicrosPerMillion()) : null);
        out.put("output_per_million", m.priced() ? Micros.toDecimal(m.outputMicrosPerMillion()) : null);
        out.put("free", m.free());
        out.put("priced", m.priced());
        out.put("source", m.priceSource());
        return out;
    }
}
