package io.tollgate.gateway.admin;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
import io.tollgate.gateway.providers.Provider;
import io.tollgate.gateway.providers.UpstreamAddresses;
import io.tollgate.gateway.providers.ProviderRegistry;
import io.tollgate.gateway.routing.ModelCatalog;
import io.tollgate.gateway.proxy.UpstreamClient;

/** {@code /api/providers}: upstreams and the models they list. Provider keys go in, never out. */
public final class ProvidersService implements HttpService {
    record CreateProvider(String name, String type, String baseUrl, String apiKey, Boolean enabled) {
    }

    record UpdateProvider(String name, String baseUrl, String apiKey, Boolean enabled) {
    }

    private static final Map<String, String> DEFAULT_BASE_URLS = Map.of(
            "openai", "https://api.openai.com/v1", "anthropic", "https://api.anthropic.com/v1",
            "ollama", "http://127.0.0.1:11434/v1");

    private final Guard guard;
    private final Json json;
    private final ProviderRegistry registry;
    private final ModelCatalog catalog;
    private final UpstreamClient upstream;

    public ProvidersService(Guard guard, Json json, ProviderRegistry registry, ModelCatalog catalog, UpstreamClient upstream) {
        this.catalog = catalog;
        this.guard = guard;
        this.json = json;
        this.registry = registry;
        this.upstream = upstream;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/", this::create)
                .get("/", this::list)
                .get("/{id}", this::get)
                .put("/{id}", this::update)
                .delete("/{id}", this::remove)
                .post("/{id}/refresh_models", this::refresh);
    }

    private void create(ServerRequest req, ServerResponse res) {
        Principal admin = guard.require(req, Access.ADMIN);
        CreateProvider body = Json.bind(json.readObject(req), CreateProvider.class);
        String type = body.type() == null ? "openai" : body.type();
        if (!Provider.TYPES.contains(type)) {
            throw ApiError.badRequest("invalid_type", "type must be one of " + Provider.TYPES);
        }
        String baseUrl = UpstreamAddresses.checked("base_url", body.baseUrl() == null ? DEFAULT_BASE_URLS.get(type)
                : body.baseUrl(), admin.isAdmin());
        String apiKey = body.apiKey() == null || body.apiKey().isBlank() ? null : body.apiKey();
        Provider p = registry.createProvider(admin.userId(), Validation.required("name", body.name()), type, baseUrl,
                apiKey, body.enabled() == null || body.enabled());
        Json.send(res, 201, p.enabled() ? refreshed(admin, p) : view(p, List.of()));
    }

    private void list(ServerRequest req, ServerResponse res) {
        guard.require(req, Access.OWN_READ);
        Json.send(res, 200, registry.providers().stream().map(p -> view(p, registry.discovered(p.id()))).toList());
    }

    private void get(ServerRequest req, ServerResponse res) {
        guard.require(req, Access.ADMIN);
        Provider p = found(req);
        Json.send(res, 200, view(p, registry.discovered(p.id())));
    }

    private void update(ServerRequest req, ServerResponse res) {
        Principal admin = guard.require(req, Access.ADMIN);
        long id = found(req).id();
        UpdateProvider body = Json.bind(json.readObject(req), UpdateProvider.class);
        if (body.name() == null && body.baseUrl() == null && body.apiKey() == null && body.enabled() == null) {
            throw ApiError.badRequest("no_changes", "give at least one of name, base_url, api_key, enabled");
        }
        Provider p = registry.updateProvider(admin.userId(), id,
                body.name() == null ? null : Validation.required("name", body.name()),
                body.baseUrl() == null ? null : UpstreamAddresses.checked("base_url", body.baseUrl(), admin.isAdmin()),
                body.apiKey() == null || body.apiKey().isBlank() ? null : body.apiKey(), body.enabled());
        // Seed 004: enabling a provider (or pointing it elsewhere) pulls its models again.
        boolean refresh = p.enabled() && (Boolean.TRUE.equals(body.enabled()) || body.baseUrl() != null || body.apiKey() != null);
        Json.send(res, 200, refresh ? refreshed(admin, p) : view(p, registry.discovered(p.id())));
    }

    /** Seed 004's {@code DELETE /api/providers/:id}: the provider and the models registered on it. */
    private void remove(ServerRequest req, ServerResponse res) {
        Principal admin = guard.require(req, Access.ADMIN);
        registry.removeProvider(admin.userId(), Validation.pathId(req, "id"));
        Json.noContent(res);
    }

    /**
     * The provider after pulling its model list; an upstream that cannot be reached leaves it saved,
     * with {@code refresh} saying why (seed 004 pulls models after creating a provider).
     */
    private Map<String, Object> refreshed(Principal admin, Provider p) {
        try {
            List<String> models = upstream.listModels(p);
            registry.recordDiscovered(admin.userId(), p.id(), models);
            Map<String, Object> out = view(p, models);
            out.put("refresh", "ok");
            return out;
        } catch (UpstreamClient.Unreachable e) {
            Map<String, Object> out = view(p, registry.discovered(p.id()));
            out.put("refresh", "failed: " + e.getMessage());
            return out;
        }
    }

    private void refresh(ServerRequest req, ServerResponse res) {
        Principal admin = guard.require(req, Access.ADMIN);
        Provider p = found(req);
        List<String> models;
        try {
            models = upstream.listModels(p);
        } catch (UpstreamClient.Unreachable e) {
            throw ApiError.badGateway("refresh_failed", e.getMessage());
        }
        registry.recordDiscovered(admin.userId(), p.id(), models);
        Json.send(res, 200, view(p, models));
    }

    private Provider found(ServerRequest req) {
        long id = Validation.pathId(req, "id");
        return registry.provider(id).orElseThrow(() -> ApiError.notFound("no provider " + id));
    }

    /** Seed 004's provider object; {@code runtime_models} are the ids the provider listed at its last refresh. */
    private Map<String, Object> view(Provider p, List<String> runtimeModels) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", p.id());
        m.put("name", p.name());
        m.put("type", p.type());
        m.put("base_url", p.baseUrl());
        m.put("has_api_key", p.apiKey() != null);
        m.put("enabled", p.enabled());
        m.put("created_at", p.createdAt());
        m.put("runtime_models", runtimeModels);
        m.put("models", catalog.all().stream().filter(ModelCatalog.Model::registered)
                .flatMap(model -> model.deployments().stream()).filter(r -> r.provider().id() == p.id())
                .map(r -> Map.of("id", r.modelId(), "upstream_model", r.upstreamName(), "deployment", r.deployment()))
                .toList());
        return m;
    }
}
