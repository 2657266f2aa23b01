package io.tollgate.devstack;

import io.tollgate.gateway.Gateway;
import io.tollgate.gateway.providers.Provider;
import io.tollgate.gateway.providers.ProviderRegistry;
import io.tollgate.gateway.routing.ModelCatalog;
import io.tollgate.gateway.routing.ModelCatalog.NewModel;

/**
 * What {@code --demo} registers: the mock upstream as an OpenAI provider ({@code demo-chat},
 * {@code demo-embed}) and as an Anthropic provider ({@code demo-claude}), all priced. Re-running on
 * the same data directory re-points the providers at the mock's current address and adds nothing twice.
 */
public final class DemoCatalog {
    public static final String UPSTREAM_KEY = "demo-upstream-key";

    private DemoCatalog() {
    }

    public static void ensure(Gateway gateway, String mockBaseUrl) {
        long admin = gateway.directory().firstAdmin().orElseThrow().id();
        ProviderRegistry registry = gateway.registry();
        Provider openai = provider(registry, admin, "demo", "openai", mockBaseUrl);
        Provider anthropic = provider(registry, admin, "demo-anthropic", "anthropic", mockBaseUrl);
        ModelCatalog models = gateway.models();
        model(models, admin, new NewModel("demo-chat", "Demo chat (mock upstream)", openai.id(), "mock-chat",
                500_000L, 1_500_000L, false));
        model(models, admin, new NewModel("demo-embed", "Demo embeddings (mock upstream)", openai.id(), "mock-embed",
                100_000L, 0L, false));
        model(models, admin, new NewModel("demo-claude", "Demo Anthropic messages (mock upstream)", anthropic.id(),
                "mock-claude", 3_000_000L, 15_000_000L, false));
    }

    private static Provider provider(ProviderRegistry registry, long admin, String name, String type, String baseUrl) {
        return registry.providerByName(name)
                .map(p -> p.baseUrl().equals(baseUrl) ? p : registry.updateProvider(admin, p.id(), null, baseUrl, null, null))
                .orElseGet(() -> registry.createProvider(admin, name, type, baseUrl, UPSTREAM_KEY, true));
    }

    private static void model(ModelCatalog models, long admin, NewModel model) {
        if (models.model(model.modelId()).filter(ModelCatalog.Model::registered).isEmpty()) {
            models.register(admin, model);
        }
    }
}
