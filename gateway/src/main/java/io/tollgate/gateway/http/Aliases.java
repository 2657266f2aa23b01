package io.tollgate.gateway.http;

import java.util.LinkedHashMap;
import java.util.Map;

import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * The seeds' own paths for canonical routes: a request to an alias is rerouted, whole (method, headers,
 * query, body), to the path it means, so it is authorised, validated and answered exactly as there.
 * A {@code {name}} in an alias carries over into its target. Register the more specific aliases first.
 */
public final class Aliases implements HttpService {
    private final Map<String, String> targets;

    private Aliases(Map<String, String> targets) {
        this.targets = targets;
    }

    /** Alternating alias and target paths, e.g. {@code "/user/balance", "/api/user/balance"}. */
    public static Aliases of(String... aliasThenTarget) {
        if (aliasThenTarget.length % 2 != 0) {
            throw new IllegalArgumentException("aliases come in pairs");
        }
        Map<String, String> targets = new LinkedHashMap<>();
        for (int i = 0; i < aliasThenTarget.length; i += 2) {
            targets.put(aliasThenTarget[i], aliasThenTarget[i + 1]);
        }
        return new Aliases(targets);
    }

    @Override
    public void routing(HttpRules rules) {
        targets.forEach((alias, target) -> rules.any(alias, (req, res) -> reroute(req, res, target)));
    }

    private static void reroute(ServerRequest req, ServerResponse res, String target) {
        String path = target;
        for (String name : req.path().pathParameters().names()) {
            path = path.replace("{" + name + "}", req.path().pathParameters().get(name));
        }
        res.reroute(path, req.query());
    }
}
