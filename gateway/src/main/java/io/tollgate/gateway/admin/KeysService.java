package io.tollgate.gateway.admin;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
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
import io.tollgate.gateway.auth.KeyPolicy;
import io.tollgate.gateway.auth.Principal;
import io.tollgate.gateway.auth.Scopes;
import io.tollgate.gateway.http.ApiError;
import io.tollgate.gateway.http.Json;
import io.tollgate.gateway.http.Validation;
import io.tollgate.gateway.identity.KeyBounds;
import io.tollgate.gateway.identity.UserDirectory;
import io.tollgate.gateway.identity.UserDirectory.User;
import io.tollgate.gateway.identity.UserDirectory.Key;
import io.tollgate.gateway.identity.UserDirectory.KeySpec;

/**
 * Keys: {@code /api/keys} and seed 001's {@code /api/user/api-keys}. An administrator manages anyone's
 * keys, finance every virtual key; a user its own, granting at most the scopes of the credential it
 * calls with, and from a key only a child inside that key's limits ({@link KeyBounds}). The secret is in the
 * reply that creates or rotates a key and nowhere else, ever. Under {@code /api/user/api-keys} a
 * delete needs {@code ?confirm=true} (seed 001: confirmation required).
 */
public final class KeysService implements HttpService {
    private static final Set<String> CREATE_FIELDS = union(Set.of("user_id", "name", "scopes", "environment",
            "cost_centre", "project", "agent", "expires_at"), KeyInput.POLICY_FIELDS);
    private static final Set<String> UPDATE_FIELDS = union(Set.of("action", "name", "cost_centre", "project", "agent",
            "expires_at", "grace_period_seconds", "key_ids"), KeyInput.POLICY_FIELDS);
    private static final long MAX_GRACE_SECONDS = 30L * 86_400;
    private static final Set<String> TOKEN_FIELDS = Set.of("name", "scopes", "expires_days");
    private static final long MAX_TOKEN_DAYS = 3_650;

    private final Guard guard;
    private final Json json;
    private final UserDirectory directory;
    private final boolean confirmDeletes;
    private final Set<String> defaultScopes;

    /**
     * @param confirmDeletes seed 001's variant: a delete needs its confirmation, and answers with its outcome
     * @param defaultScopes  what a key gets when the request names no scopes (seed 004 sends only a name)
     */
    public KeysService(Guard guard, Json json, UserDirectory directory, boolean confirmDeletes, Set<String> defaultScopes) {
        this.defaultScopes = defaultScopes;
        this.guard = guard;
        this.json = json;
        this.directory = directory;
        this.confirmDeletes = confirmDeletes;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/", this::create)
                .get("/", this::list)
                .get("/{id}", this::get)
                .put("/{id}", this::update)
                .delete("/{id}", this::revoke);
    }

    private void create(ServerRequest req, ServerResponse res) {
        Principal caller = guard.require(req, Access.OWN_MANAGE);
        KeyInput in = new KeyInput(Seed001Keys.canonical(json.readObject(req)), CREATE_FIELDS);
        Long userId = in.count("user_id", 1);
        long owner = userId == null ? caller.userId() : userId;
        if (!caller.isAdmin() && owner != caller.userId()) {
            throw ApiError.forbidden("admin_required", "only administrators issue keys for other users");
        }
        User user = directory.user(owner).orElseThrow(() -> ApiError.badRequest("unknown_user", "no user " + owner));
        Set<String> scopes = in.has("scopes") ? Scopes.parse(in.node("scopes"))
                : defaultScopes.stream().filter(caller::mayGrant).collect(java.util.stream.Collectors.toCollection(LinkedHashSet::new));
        if (scopes.isEmpty()) {
            throw ApiError.badRequest("invalid_scopes", "name the key's scopes, e.g. \"completion:invoke,model:any\"");
        }
        KeySpec spec = new KeySpec(Validation.required("name", in.text("name", 320)), scopes,
                in.environment(), in.text("cost_centre", 200), in.text("project", 200), in.text("agent", 200),
                in.future("expires_at"), in.policy("api"));
        Json.send(res, 201, issued(caller, user, spec));
    }

    /**
     * Issues a key within what {@code caller} may grant: scopes it has itself (and that the owner's role
     * allows); from a key without finance or admin power, a child of that key inside its bounds.
     */
    private Map<String, Object> issued(Principal caller, User owner, KeySpec requested) {
        for (String s : requested.scopes()) {
            if (!caller.mayGrant(s)) {
                throw ApiError.forbidden("scope_escalation", "a key cannot grant the scope " + s + ", which its "
                        + "creator's credential does not have");
            }
        }
        if (requested.scopes().contains(Scopes.ADMIN) && !Principal.ADMIN_ROLE.equals(owner.role())
                || requested.scopes().contains(Scopes.FINANCE) && Principal.USER_ROLE.equals(owner.role())) {
            throw ApiError.badRequest("invalid_scopes", "the admin scope is for administrators' keys and finance for "
                    + "finance's or administrators'; user " + owner.id() + " is " + owner.role());
        }
        KeySpec spec = requested;
        Long parent = null;
        if (!caller.isSession() && !caller.isFinance()) {
            KeyBounds bounds = KeyBounds.of(caller);
            spec = bounds.inherit(requested);
            bounds.check(spec);
            parent = caller.keyId();
        } else if (spec.environment() == null) {
            spec = new KeySpec(spec.name(), spec.scopes(), "live", spec.costCentre(), spec.project(), spec.agent(),
                    spec.expiresAt(), spec.policy());
        }
        UserDirectory.IssuedKey issued = directory.issueKey(caller.userId(), owner.id(), spec, parent);
        return withSecret(KeyInput.view(issued.key()), issued.secret());
    }

    /** The secret, shown this once: as {@code key}, and as seed 004 ({@code value}) and seed 001 ({@code api_key}) name it. */
    private static Map<String, Object> withSecret(Map<String, Object> view, String secret) {
        view.put("key", secret);
        view.put("value", secret);
        view.put("api_key", secret);
        return view;
    }

    private void list(ServerRequest req, ServerResponse res) {
        Principal caller = guard.require(req, Access.OWN_MANAGE);
        long owner = req.query().first("user_id").map(KeysService::id).orElse(caller.userId());
        if (!caller.isAdmin() && owner != caller.userId()) {
            throw ApiError.forbidden("admin_required", "only administrators list other users' keys");
        }
        List<Map<String, Object>> keys = directory.keysOf(owner).stream().map(KeyInput::view).toList();
        // Seed 001's ListApiKeysResponse wraps the list; seed 004's GET /api/keys is the bare array.
        Json.send(res, 200, confirmDeletes ? Map.of("status", "success", "total_keys", keys.size(), "keys", keys) : keys);
    }

    /**
     * Seed 002's {@code /v1/users/tokens}: the caller's own keys by another name. A {@code read} token may
     * only read; a {@code write} token may also change things and call models, with the creating key's
     * model scopes. A token is a child of the creating key: its cost attribution and limits, never more.
     */
    public HttpService seed002Tokens() {
        return rules -> rules.get("/", this::list)
                .post("/", this::createToken)
                .delete("/{id}", this::revoke);
    }

    private void createToken(ServerRequest req, ServerResponse res) {
        Principal caller = guard.require(req, Access.OWN_MANAGE);
        KeyInput in = new KeyInput(json.readObject(req), TOKEN_FIELDS);
        Set<String> scopes = new LinkedHashSet<>(Scopes.parse(in.node("scopes")));
        if (scopes.contains(Scopes.WRITE)) {
            caller.scopes().stream().filter(s -> s.equals(Scopes.INVOKE) || s.startsWith("model:") && !s.equals(Scopes.MODEL_WRITE))
                    .forEach(scopes::add);
        }
        Long days = in.count("expires_days", 1);
        if (days != null && days > MAX_TOKEN_DAYS) {
            throw ApiError.badRequest("invalid_field", "expires_days must be at most " + MAX_TOKEN_DAYS);
        }
        Instant expires = days == null ? null : Instant.now().plus(Duration.ofDays(days));
        if (caller.expiresAt() != null && (expires == null || expires.isAfter(caller.expiresAt()))) {
            expires = caller.expiresAt();
        }
        KeySpec spec = new KeySpec(Validation.required("name", in.text("name", 320)), scopes, null, null, null, null,
                expires, KeyPolicy.NONE);
        Map<String, Object> out = issued(caller, directory.user(caller.userId()).orElseThrow(), spec);
        out.put("token", out.get("key"));
        Json.send(res, 201, out);
    }

    /** Seed 004's {@code GET /api/admin/users/:id/keys}: a user's keys, for administrators (never a secret). */
    public HttpService byUser() {
        return rules -> rules.get("/{id}/keys", (req, res) -> {
            guard.require(req, Access.ADMIN);
            long user = Validation.pathId(req, "id");
            if (directory.user(user).isEmpty()) {
                throw ApiError.notFound("no user " + user);
            }
            Json.send(res, 200, directory.keysOf(user).stream().map(KeyInput::view).toList());
        });
    }

    private void get(ServerRequest req, ServerResponse res) {
        Json.send(res, 200, KeyInput.view(owned(Validation.pathId(req, "id"), guard.require(req, Access.OWN_MANAGE))));
    }

    /** Seed 001's actions: {@code update} (the default), {@code rotate} and {@code bulk_rotate}. */
    private void update(ServerRequest req, ServerResponse res) {
        Principal caller = guard.require(req, Access.OWN_MANAGE);
        ObjectNode body = Seed001Keys.canonical(json.readObject(req));
        Key key = owned(Validation.pathId(req, "id"), caller);
        if (Seed001Keys.deactivates(body)) {
            directory.revokeKey(caller.userId(), key.id(), "deactivated by owner");
            Json.send(res, 200, KeyInput.view(directory.key(key.id()).orElseThrow()));
            return;
        }
        KeyInput in = new KeyInput(body, UPDATE_FIELDS);
        String action = in.text("action", 32);
        switch (action == null ? "update" : action) {
            case "update" -> {
                Map<String, Object> changes = new LinkedHashMap<>();
                for (String f : List.of("name", "cost_centre", "project", "agent")) {
                    if (in.has(f)) {
                        changes.put(f, f.equals("name") ? Validation.required("name", in.text(f, 320)) : in.text(f, 200));
                    }
                }
                if (in.has("expires_at")) {
                    changes.put("expires_at", in.future("expires_at"));
                }
                changes.putAll(in.policyChanges());
                if (changes.isEmpty()) {
                    throw ApiError.badRequest("nothing_to_update", "name none of the key's settings to change");
                }
                checkUpdateBounds(caller, key, changes);
                Json.send(res, 200, KeyInput.view(directory.updateKey(caller.userId(), key.id(), changes)));
            }
            case "rotate" -> Json.send(res, 200, rotated(directory.rotateKey(caller.userId(), key.id(), grace(in))));
            case "bulk_rotate" -> {
                List<Long> ids = new ArrayList<>(List.of(key.id()));
                JsonNode more = in.node("key_ids");
                if (more != null && !more.isNull()) {
                    if (!more.isArray()) {
                        throw ApiError.badRequest("invalid_field", "key_ids must be an array of key ids");
                    }
                    for (JsonNode id : more) {
                        if (!id.isIntegralNumber()) {
                            throw ApiError.badRequest("invalid_field", "key_ids must be an array of key ids");
                        }
                        ids.add(owned(id.asLong(), caller).id());
                    }
                }
                long grace = grace(in);
                List<Map<String, Object>> out = new ArrayList<>();
                for (long id : new java.util.LinkedHashSet<>(ids)) {
                    out.add(rotated(directory.rotateKey(caller.userId(), id, grace)));
                }
                Json.send(res, 200, Map.of("rotated", out));
            }
            default -> throw ApiError.badRequest("invalid_action", "action must be update, rotate or bulk_rotate");
        }
    }

    private void revoke(ServerRequest req, ServerResponse res) {
        Principal caller = guard.require(req, Access.OWN_MANAGE);
        Key key = owned(Validation.pathId(req, "id"), caller);
        if (confirmDeletes && !Validation.confirmed(req, req.content().hasEntity() ? json.readObject(req) : null)) {
            throw ApiError.badRequest("confirmation_required", "deleting key " + key.prefix()
                    + " stops it working at once; send {\"confirmation\": \"DELETE\"} or ?confirm=true");
        }
        directory.revokeKey(caller.userId(), key.id(), req.query().first("reason").orElse("revoked by owner"));
        if (!confirmDeletes) {
            Json.noContent(res);
            return;
        }
        // Seed 001's DeleteApiKeyResponse.
        Json.send(res, 200, Map.of("status", "success", "message", "API key " + key.prefix() + " deleted",
                "deleted_key_id", key.id(), "timestamp", Instant.now().toString()));
    }

    private static Map<String, Object> rotated(UserDirectory.IssuedKey issued) {
        return withSecret(KeyInput.view(issued.key()), issued.secret());
    }

    private static long grace(KeyInput in) {
        Long grace = in.count("grace_period_seconds", 0);
        if (grace != null && grace > MAX_GRACE_SECONDS) {
            throw ApiError.badRequest("invalid_field", "grace_period_seconds must be at most " + MAX_GRACE_SECONDS);
        }
        return grace == null ? 0 : grace;
    }

    /**
     * An update may not take a key out of its bounds unless finance or an administrator makes it: the
     * calling key's own, what someone else set on the key (a virtual key's budget and attribution above
     * all), and the bounds of the key it was created from.
     */
    private void checkUpdateBounds(Principal caller, Key key, Map<String, Object> changes) {
        if (caller.isFinance()) {
            return;
        }
        KeySpec after = UserDirectory.applied(key, changes);
        if (!caller.isSession()) {
            KeyBounds.of(caller).check(after);
        }
        if (setBySomeoneElse(key) && !changes.keySet().equals(Set.of("name"))) {
            KeyBounds.of(key, true).check(after);
        }
        if (key.parentKeyId() != null) {
            directory.key(key.parentKeyId()).ifPresent(parent -> KeyBounds.of(parent, setBySomeoneElse(parent)).check(after));
        }
    }

    /** A key whose limits and attribution someone other than its owner set: every virtual key, and admins' gifts. */
    private static boolean setBySomeoneElse(Key key) {
        return key.virtual() || key.issuedBy() != null && key.issuedBy() != key.userId();
    }

    /**
     * A key the caller may see and manage: its own; finance also every virtual key, administrators every
     * key. Someone else's key is reported as missing rather than forbidden.
     */
    private Key owned(long id, Principal caller) {
        return directory.key(id)
                .filter(k -> caller.isAdmin() || k.userId() == caller.userId() || caller.isFinance() && k.virtual())
                .orElseThrow(() -> ApiError.notFound("no key " + id));
    }


    private static long id(String raw) {
        try {
            return Long.parseLong(raw);
        } catch (NumberFormatException e) {
            throw ApiError.badRequest("invalid_user_id", "user_id must be a number");
        }
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> out = new HashSet<>(a);
        out.addAll(b);
        return Set.copyOf(out);
    }
}
