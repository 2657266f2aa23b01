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
import io.tollgate.gateway.providers.ProviderRegistry;
import io.tollgate.gateway.providers.UserProviderKeys;

/**
 * {@code /v1/users/provider-keys} (seed 002): the caller's own keys for providers. With one set, the
 * caller's calls to that provider's models use it, and cost the organisation nothing (ledgered at 0).
 * {@code provider} is a provider's name, or its type when exactly one provider has that type.
 */
public final class ProviderKeysService implements HttpService {
    record NewKey(String provider, String apiKey) {
    }

    private final Guard guard;
    private final Json json;
    private final ProviderRegistry registry;
    private final UserProviderKeys keys;

    public ProviderKeysService(Guard guard, Json json, ProviderRegistry registry, UserProviderKeys keys) {
        this.guard = guard;
        this.json = json;
        this.registry = registry;
        this.keys = keys;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::list)
                .post("/", this::set)
                .delete("/{provider}", this::remove);
    }

    private void list(ServerRequest req, ServerResponse res) {
        Principal caller = guard.require(req, Access.OWN_MANAGE);
        Json.send(res, 200, Map.of("data", keys.list(caller.userId()).stream().map(k -> {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("provider", k.provider());
            out.put("provider_id", k.providerId());
            out.put("key_hint", k.keyHint());
            out.put("created_at", k.createdAt().toString());
            return out;
        }).toList()));
    }

    private void set(ServerRequest req, ServerResponse res) {
        Principal caller = guard.require(req, Access.OWN_MANAGE);
        NewKey in = Json.bind(json.readObject(req), NewKey.class);
        Provider provider = provider(Validation.required("provider", in.provider()));
        String apiKey = Validation.required("api_key", in.apiKey());
        if (apiKey.length() < 8 || apiKey.length() > 512 || apiKey.chars().anyMatch(ch -> ch < 0x21 || ch > 0x7e)) {
            throw ApiError.badRequest("invalid_api_key", "api_key must be 8 to 512 printable characters without spaces");
        }
        keys.set(caller.userId(), caller.userId(), provider, apiKey);
        Json.send(res, 201, Map.of("provider", provider.name(), "provider_id", provider.id(),
                "key_hint", "…" + apiKey.substring(apiKey.length() - 4)));
    }

    private void remove(ServerRequest req, ServerResponse res) {
        Principal caller = guard.require(req, Access.OWN_MANAGE);
        keys.remove(caller.userId(), caller.userId(), provider(req.path().pathParameters().get("provider")));
        Json.noContent(res);
    }

    private Provider provider(String nameOrType) {
        return registry.providerByName(nameOrType).orElseGet(() -> {
            List<Provider> ofType = registry.providers().stream().filter(p -> p.type().equals(nameOrType)).toList();
            if (ofType.size() == 1) {
                return ofType.getFirst();
            }
            throw ofType.isEmpty() ? ApiError.notFound("no provider " + nameOrType)
                    : ApiError.badRequest("ambiguous_provider", ofType.size() + " providers have type " + nameOrType
                    + "; name one of " + ofType.stream().map(Provider::name).toList());
        });
    }
}
