package io.tollgate.gateway.admin;

import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.node.TextNode;

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
import io.tollgate.gateway.http.Validation;
import io.tollgate.gateway.identity.UserDirectory;
import io.tollgate.gateway.identity.UserDirectory.Key;
import io.tollgate.gateway.identity.UserDirectory.KeySpec;
import io.tollgate.gateway.identity.UserDirectory.User;

/**
 * Seed 003's {@code /api/admin/virtual-keys}: keys an administrator issues to a user for one cost
 * centre, project or agent, with a monthly budget cap and per-request token limits. They call the
 * data plane like any key ({@code X-Virtual-Key} or {@code Authorization: Bearer}).
 */
public final class VirtualKeysService implements HttpService {
    private static final Set<String> FIELDS;

    static {
        Set<String> f = new HashSet<>(Set.of("name", "user_email", "user_id", "cost_centre", "environment",
                "agent_name", "project", "allowed_models", "expires_at"));
        f.addAll(KeyInput.POLICY_FIELDS);
        FIELDS = Set.copyOf(f);
    }

    private final Guard guard;
    private final Json json;
    private final UserDirectory directory;

    public VirtualKeysService(Guard guard, Json json, UserDirectory directory) {
        this.guard = guard;
        this.json = json;
        this.directory = directory;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/", this::create)
                .get("/", this::list)
                .get("/{id}", this::get);
    }

    private void create(ServerRequest req, ServerResponse res) {
        Principal admin = guard.require(req, Access.FINANCE);
        KeyInput in = new KeyInput(json.readObject(req), FIELDS);
        User owner = owner(in);
        Set<String> scopes = new LinkedHashSet<>(List.of(Scopes.INVOKE));
        List<String> models = in.strings("allowed_models");
        if (models == null || models.isEmpty()) {
            scopes.add(Scopes.MODEL_ANY);
        } else {
            models.forEach(m -> scopes.add("model:" + m));
            Scopes.parse(TextNode.valueOf(String.join(",", scopes))); // refuses malformed model names
        }
        KeySpec spec = new KeySpec(Validation.required("name", in.text("name", 320)), scopes,
                in.environment() == null ? "live" : in.environment(),
                in.text("cost_centre", 200), in.text("project", 200), in.text("agent_name", 200), in.future("expires_at"),
                in.policy("virtual"));
        UserDirectory.IssuedKey issued = directory.issueKey(admin.userId(), owner.id(), spec, null);
        Map<String, Object> out = view(issued.key(), owner);
        out.put("key", issued.secret());
        Json.send(res, 201, out);
    }

    private void list(ServerRequest req, ServerResponse res) {
        guard.require(req, Access.FINANCE);
        Json.send(res, 200, directory.keysOfKind("virtual").stream()
                .map(k -> view(k, directory.user(k.userId()).orElseThrow())).toList());
    }

    private void get(ServerRequest req, ServerResponse res) {
        guard.require(req, Access.FINANCE);
        long id = Validation.pathId(req, "id");
        Key key = directory.key(id).filter(k -> "virtual".equals(k.policy().kind()))
                .orElseThrow(() -> ApiError.notFound("no virtual key " + id));
        Json.send(res, 200, view(key, directory.user(key.userId()).orElseThrow()));
    }

    private User owner(KeyInput in) {
        String email = in.text("user_email", 320);
        Long id = in.count("user_id", 1);
        if ((email == null) == (id == null)) {
            throw ApiError.badRequest("missing_field", "give exactly one of user_email or user_id");
        }
        return (email != null ? directory.userByEmail(email) : directory.user(id))
                .orElseThrow(() -> ApiError.badRequest("unknown_user", "no user " + (email != null ? email : id)));
    }

    /** Seed 003's shape (user_email, agent_name, is_active) plus the key's other settings. */
    private static Map<String, Object> view(Key key, User owner) {
        Map<String, Object> out = KeyInput.view(key);
        out.put("user_email", owner.email());
        out.put("agent_name", key.agent());
        out.put("allowed_models", key.scopes().stream().filter(s -> s.startsWith("model:") && !s.equals(Scopes.MODEL_ANY))
                .map(s -> s.substring(6)).toList());
        return out;
    }
}
