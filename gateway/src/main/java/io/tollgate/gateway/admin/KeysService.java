package io.tollgate.gateway.admin;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.tollgate.gateway.auth.ApiKeys;
import io.tollgate.gateway.auth.Guard;
import io.tollgate.gateway.auth.Principal;
import io.tollgate.gateway.auth.Scopes;
import io.tollgate.gateway.http.ApiError;
import io.tollgate.gateway.http.Json;
import io.tollgate.gateway.identity.UserDirectory;
import io.tollgate.gateway.identity.UserDirectory.Key;
import io.tollgate.gateway.identity.UserDirectory.KeySpec;

/**
 * {@code /api/keys}: an administrator issues keys for anyone; a user issues keys for itself with at
 * most the scopes of the key it calls with. The secret is in the 201 reply and nowhere else, ever.
 */
public final class KeysService implements HttpService {
    record CreateKey(Long userId, String name, JsonNode scopes, String environment, String costCentre,
                     String project, String agent, Instant expiresAt) {
    }

    private final Guard guard;
    private final Json json;
    private final UserDirectory directory;

    public KeysService(Guard guard, Json json, UserDirectory directory) {
        this.guard = guard;
        this.json = json;
        this.directory = directory;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/", this::create)
                .get("/", this::list)
                .get("/{id}", this::get)
                .delete("/{id}", this::revoke);
    }

    private void create(ServerRequest req, ServerResponse res) {
        Principal caller = guard.caller(req);
        CreateKey body = Json.bind(json.readObject(req), CreateKey.class);
        long owner = body.userId() == null ? caller.userId() : body.userId();
        if (!caller.isAdmin() && owner != caller.userId()) {
            throw ApiError.forbidden("admin_required", "only administrators issue keys for other users");
        }
        if (directory.user(owner).isEmpty()) {
            throw ApiError.badRequest("unknown_user", "no user " + owner);
        }
        Set<String> scopes = Scopes.parse(body.scopes());
        if (!caller.isAdmin() && !caller.scopes().containsAll(scopes)) {
            throw ApiError.forbidden("scope_escalation", "a key cannot grant scopes its creator's key does not have");
        }
        String environment = body.environment() == null ? "live" : body.environment();
        if (!ApiKeys.ENVIRONMENTS.contains(environment)) {
            throw ApiError.badRequest("invalid_environment", "environment must be one of " + ApiKeys.ENVIRONMENTS);
        }
        if (body.expiresAt() != null && !body.expiresAt().isAfter(Instant.now())) {
            throw ApiError.badRequest("invalid_expiry", "expires_at must be in the future");
        }
        KeySpec spec = new KeySpec(Validation.required("name", body.name()), scopes, environment,
                Validation.text("cost_centre", body.costCentre(), 200), Validation.text("project", body.project(), 200),
                Validation.text("agent", body.agent(), 200), body.expiresAt());
        UserDirectory.IssuedKey issued = directory.issueKey(caller.userId(), owner, spec);
        Map<String, Object> out = view(issued.key());
        out.put("key", issued.secret());
        Json.send(res, 201, out);
    }

    private void list(ServerRequest req, ServerResponse res) {
        Principal caller = guard.caller(req);
        long owner = req.query().first("user_id").map(Long::parseLong).orElse(caller.userId());
        if (!caller.isAdmin() && owner != caller.userId()) {
            throw ApiError.forbidden("admin_required", "only administrators list other users' keys");
        }
        Json.send(res, 200, directory.keysOf(owner).stream().map(KeysService::view).toList());
    }

    private void get(ServerRequest req, ServerResponse res) {
        Json.send(res, 200, view(owned(req, guard.caller(req))));
    }

    private void revoke(ServerRequest req, ServerResponse res) {
        Principal caller = guard.caller(req);
        Key key = owned(req, caller);
        directory.revokeKey(caller.userId(), key.id(), req.query().first("reason").orElse("revoked by owner"));
        Json.noContent(res);
    }

    /** A key the caller may see; someone else's key is reported as missing rather than forbidden. */
    private Key owned(ServerRequest req, Principal caller) {
        long id = Validation.pathId(req, "id");
        return directory.key(id)
                .filter(k -> caller.isAdmin() || k.userId() == caller.userId())
                .orElseThrow(() -> ApiError.notFound("no key " + id));
    }

    private static Map<String, Object> view(Key k) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", k.id());
        m.put("user_id", k.userId());
        m.put("name", k.name());
        m.put("prefix", k.prefix());
        m.put("scopes", k.scopes());
        m.put("environment", k.environment());
        m.put("cost_centre", k.costCentre());
        m.put("project", k.project());
        m.put("agent", k.agent());
        m.put("expires_at", k.expiresAt());
        m.put("revoked", k.revokedAt() != null);
        m.put("revoked_at", k.revokedAt());
        m.put("created_at", k.createdAt());
        return m;
    }
}
