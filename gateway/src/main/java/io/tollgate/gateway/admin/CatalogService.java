package io.tollgate.gateway.admin;

import java.util.ArrayList;
import java.util.Comparator;
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
import io.tollgate.gateway.http.Json;
import io.tollgate.gateway.providers.ModelRoute;
import io.tollgate.gateway.providers.Provider;
import io.tollgate.gateway.providers.ProviderRegistry;
import io.tollgate.gateway.routing.ModelCatalog;
import io.tollgate.gateway.proxy.UpstreamClient;
import io.tollgate.ledger.money.Micros;

/**
 * Seed 001's catalogue endpoints under {@code /api}: provider statistics ({@code /models/providers}),
 * refreshing every provider's model list at once ({@code /admin/refresh-models}) and the state of the
 * in-memory model cache ({@code /admin/cache-status}).
 */
public final class CatalogService implements HttpService {
    private final Guard guard;
    private final ProviderRegistry registry;
    private final ModelCatalog catalog;
    private final UpstreamClient upstream;

    public CatalogService(Guard guard, ProviderRegistry registry, ModelCatalog catalog, UpstreamClient upstream) {
        this.catalog = catalog;
        this.guard = guard;
        this.registry = registry;
        this.upstream = upstream;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/models/providers", this::providers)
                .get("/models", this::runtimeModels)
                .post("/admin/refresh-models", this::refreshAll)
                .get("/admin/cache-status", this::cacheStatus);
    }

    /**
     * Per provider: its models, how many are priced, and the cheapest by output price. Public (seed 001);
     * with a key, only the models that key may use.
     */
    private void providers(ServerRequest req, ServerResponse res) {
        guard.require(req, Access.PUBLIC);
        List<ModelRoute> models = visible(guard.optional(req));
        List<Map<String, Object>> out = new ArrayList<>();
        for (Provider p : registry.providers()) {
            List<ModelRoute> mine = models.stream().filter(m -> m.provider().id() == p.id()).toList();
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("provider", p.name());
            row.put("type", p.type());
            row.put("enabled", p.enabled());
            row.put("models", mine.size());
            row.put("priced_models", mine.stream().filter(m -> m.priced() && !m.free()).count());
            row.put("suggested_model", mine.stream().min(Comparator.comparingLong(ModelRoute::outputMicrosPerMillion)
                    .thenComparing(ModelRoute::modelId)).map(m -> Map.of("id", m.modelId(),
                    "input_price_per_million", Micros.toDecimal(m.inputMicrosPerMillion()),
                    "output_price_per_million", Micros.toDecimal(m.outputMicrosPerMillion()))).orElse(null));
            out.add(row);
        }
        Json.send(res, 200, Map.of("data", out));
    }

    private List<ModelRoute> visible(Principal caller) {
        return catalog.models().stream().filter(m -> caller == null || caller.mayUseModel(m.modelId())).toList();
    }

    /**
     * Seed 001's public {@code GET /models}: every callable model with its pricing (USD per million tokens,
     * and per token as OpenRouter-style catalogues give it), what it can do and its provider.
     */
    public HttpService seed001Models() {
        return rules -> rules.get("/", (req, res) -> {
            guard.require(req, Access.PUBLIC);
            List<Map<String, Object>> data = new ArrayList<>();
            for (ModelRoute m : visible(guard.optional(req))) {
                Map<String, Object> row = ModelsService.openAiView(m);
                row.put("name", m.displayName());
                row.put("provider", m.provider().name());
                row.put("provider_type", m.provider().type());
                Map<String, Object> pricing = new LinkedHashMap<>(ModelsService.pricing(m));
                pricing.put("prompt", perToken(m.inputMicrosPerMillion()));
                pricing.put("completion", perToken(m.outputMicrosPerMillion()));
                row.put("pricing", pricing);
                row.put("capabilities", Map.of("chat", true, "streaming", true,
                        "messages", true, "embeddings", !"anthropic".equals(m.provider().dialect())));
                data.add(row);
            }
            Json.send(res, 200, Map.of("object", "list", "data", data, "total", data.size()));
        });
    }

    /** Micro-dollars per million tokens as dollars per token, exactly (a plain decimal string). */
    private static String perToken(long microsPerMillion) {
        return java.math.BigDecimal.valueOf(microsPerMillion).movePointLeft(12).stripTrailingZeros().toPlainString();
    }

    /** Seed 004's {@code GET /api/models}: the model ids enabled providers listed at their last refresh. */
    private void runtimeModels(ServerRequest req, ServerResponse res) {
        guard.require(req, Access.OWN_READ);
        List<Map<String, Object>> out = new ArrayList<>();
        for (Provider p : registry.providers()) {
            if (p.enabled()) {
                registry.discovered(p.id()).forEach(name -> out.add(Map.of("provider_id", p.id(), "provider_name", p.name(),
                        "name", name)));
            }
        }
        Json.send(res, 200, out);
    }

    /** Every enabled provider's {@code GET /models}, each with its own outcome: one failing does not stop the others. */
    private void refreshAll(ServerRequest req, ServerResponse res) {
        Principal admin = guard.require(req, Access.ADMIN);
        List<Map<String, Object>> out = new ArrayList<>();
        for (Provider p : registry.providers()) {
            if (!p.enabled()) {
                continue;
            }
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("provider", p.name());
            try {
                List<String> ids = upstream.listModels(p);
                registry.recordDiscovered(admin.userId(), p.id(), ids);
                row.put("status", "ok");
                row.put("models", ids.size());
            } catch (UpstreamClient.Unreachable | io.tollgate.gateway.http.ApiError e) {
                row.put("status", "failed");
                row.put("error", e.getMessage());
            }
            out.add(row);
        }
        Json.send(res, 200, Map.of("data", out));
    }

    private void cacheStatus(ServerRequest req, ServerResponse res) {
        guard.require(req, Access.ADMIN);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("models", catalog.models().size());
        out.put("priced_models", catalog.models().stream().filter(ModelRoute::priced).count());
        out.put("price_catalog", Map.of("retrieved", catalog.prices().retrieved(), "models", catalog.prices().sizes()));
        out.put("providers", registry.providers().size());
        List<Map<String, Object>> discovered = new ArrayList<>();
        for (Provider p : registry.providers()) {
            discovered.add(Map.of("provider", p.name(), "runtime_models", registry.discovered(p.id()).size()));
        }
        out.put("discovered", discovered);
        Json.send(res, 200, out);
    }
}
