package io.tollgate.gateway.admin;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.tollgate.gateway.auth.Access;
import io.tollgate.gateway.auth.Guard;
import io.tollgate.gateway.auth.Principal;
import io.tollgate.gateway.controls.Admission;
import io.tollgate.gateway.controls.LimitBook;
import io.tollgate.gateway.http.ApiError;
import io.tollgate.gateway.http.Json;
import io.tollgate.gateway.identity.UserDirectory;
import io.tollgate.gateway.plans.Limits;
import io.tollgate.gateway.plans.Plan;
import io.tollgate.gateway.plans.PlanCatalog;

/**
 * Rate limits: {@code POST /api/admin/limits} (seed 001's {@code /admin/limit}) sets a key's or a user's
 * requests and tokens per minute, hour and day; {@code GET /api/user/limit} shows the caller's limits,
 * usage and reset times for its user and the key it calls with.
 */
public final class LimitsService implements HttpService {
    private final Guard guard;
    private final Json json;
    private final UserDirectory directory;
    private final LimitBook limits;
    private final PlanCatalog plans;
    private final Admission admission;

    public LimitsService(Guard guard, Json json, UserDirectory directory, LimitBook limits, PlanCatalog plans,
                         Admission admission) {
        this.guard = guard;
        this.json = json;
        this.directory = directory;
        this.limits = limits;
        this.plans = plans;
        this.admission = admission;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/admin/limits", this::set)
                .post("/admin/limit", this::set)
                .get("/user/limit", this::mine);
    }

    private void set(ServerRequest req, ServerResponse res) {
        Principal admin = guard.require(req, Access.ADMIN);
        ObjectNode body = seed001(json.readObject(req));
        Limits l = Limits.fromJson(body, Set.of("user_id", "key_id"));
        boolean forKey = body.hasNonNull("key_id");
        if (forKey == body.hasNonNull("user_id")) {
            throw ApiError.badRequest("missing_field", "give exactly one of user_id or key_id");
        }
        long id = body.get(forKey ? "key_id" : "user_id").asLong();
        long owner = forKey
                ? directory.key(id).orElseThrow(() -> ApiError.badRequest("unknown_key", "no key " + id)).userId()
                : directory.user(id).orElseThrow(() -> ApiError.badRequest("unknown_user", "no user " + id)).id();
        limits.set(forKey ? "key" : "user", id, owner, l, admin.userId());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put(forKey ? "key_id" : "user_id", id);
        out.put("limits", l.asMap());
        Json.send(res, 200, out);
    }

    /**
     * Seed 001's SetRateLimitRequest, {@code {"api_key", "rate_limits": {...}}}, as Tollgate's
     * {@code {"key_id", ...}}: the limits apply to the key the secret names.
     */
    private ObjectNode seed001(ObjectNode body) {
        com.fasterxml.jackson.databind.JsonNode secret = body.remove("api_key");
        if (secret != null) {
            if (!secret.isTextual() || body.has("key_id") || body.has("user_id")) {
                throw ApiError.badRequest("invalid_request", "give api_key (a string) instead of key_id or user_id");
            }
            body.put("key_id", directory.keyBySecret(secret.asText()).orElseThrow(() -> ApiError.badRequest("unknown_key",
                    "no key matches api_key")).id());
        }
        com.fasterxml.jackson.databind.JsonNode nested = body.remove("rate_limits");
        if (nested != null) {
            if (!nested.isObject()) {
                throw ApiError.badRequest("invalid_request", "rate_limits must be an object of limits");
            }
            nested.properties().forEach(e -> body.set(e.getKey(), e.getValue()));
        }
        return body;
    }

    private void mine(ServerRequest req, ServerResponse res) {
        Principal caller = guard.require(req, Access.OWN_READ);
        Plan plan = plans.find(caller.planId()).orElse(null);
        Limits userLimits = plan == null ? limits.forUser(caller.userId())
                : plan.limits().overriddenBy(limits.forUser(caller.userId()));
        Limits keyLimits = limits.forKey(caller.keyId());
        List<Map<String, Object>> windows = admission.windows(caller.userId(), caller.keyId(), keyLimits, userLimits)
                .stream().map(w -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("subject", w.subject());
                    m.put("window", w.granularity().name().toLowerCase(java.util.Locale.ROOT));
                    m.put("requests", w.requests());
                    m.put("requests_limit", w.requestLimit());
                    m.put("requests_remaining", w.requestLimit() == null ? null : Math.max(0, w.requestLimit() - w.requests()));
                    m.put("tokens", w.tokens());
                    m.put("tokens_limit", w.tokenLimit());
                    m.put("tokens_remaining", w.tokenLimit() == null ? null : Math.max(0, w.tokenLimit() - w.tokens()));
                    m.put("resets_at", w.resetsAt());
                    return m;
                }).toList();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("user_id", caller.userId());
        out.put("key_id", caller.keyId());
        out.put("plan", caller.planId());
        out.put("user_limits", userLimits.asMap());
        out.put("key_limits", keyLimits.asMap());
        out.put("windows", windows);
        Json.send(res, 200, out);
    }
}
