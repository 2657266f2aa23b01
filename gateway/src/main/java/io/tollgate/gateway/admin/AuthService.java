package io.tollgate.gateway.admin;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.tollgate.gateway.auth.Access;
import io.tollgate.gateway.auth.Guard;
import io.tollgate.gateway.auth.Principal;
import io.tollgate.gateway.auth.Scopes;
import io.tollgate.gateway.auth.Sessions;
import io.tollgate.gateway.http.ApiError;
import io.tollgate.gateway.http.Forms;
import io.tollgate.gateway.http.Json;
import io.tollgate.gateway.http.Validation;
import io.tollgate.gateway.identity.Logins;
import io.tollgate.gateway.identity.Logins.SignedIn;
import io.tollgate.gateway.identity.UserDirectory;
import io.tollgate.gateway.identity.UserDirectory.User;

/**
 * Password login for the management plane: {@code /api/auth/login} (seed 004: session cookie),
 * {@code /api/auth/token} (seed 003: an OAuth2-style bearer token from a form), {@code /api/auth/logout},
 * {@code /api/auth/me}, self-service {@code /api/auth/register}, {@code /api/account} (own password), and
 * administrators' invites and password resets. Seed 002's {@code /v1/users/register} and {@code /login} are
 * aliases. Every login opens a revocable session (see {@link Sessions}).
 */
public final class AuthService implements HttpService {
    record Credentials(String email, String password) {
    }

    /** Seeds 001 and 002's registration: seed 001 sends a username and no password (Gatewayz's UserRegistrationRequest). */
    record Registration(String email, String name, String username, String password, String inviteToken,
                        String authMethod, Long initialCredits, String environmentTag, String keyName) {
    }

    record PasswordChange(String currentPassword, String newPassword) {
    }

    record NewInvite(String email, Long expiresInHours) {
    }

    record Reset(String password) {
    }

    private static final long MAX_INVITE_HOURS = 30 * 24;

    private final Guard guard;
    private final Json json;
    private final UserDirectory directory;
    private final Logins logins;
    private final Sessions sessions;

    public AuthService(Guard guard, Json json, UserDirectory directory, Logins logins, Sessions sessions) {
        this.guard = guard;
        this.json = json;
        this.directory = directory;
        this.logins = logins;
        this.sessions = sessions;
    }

    /** Under {@code /api/auth}. */
    @Override
    public void routing(HttpRules rules) {
        rules.post("/login", this::login)
                .post("/token", this::token)
                .post("/logout", this::logout)
                .get("/me", this::me)
                .post("/register", this::register);
    }

    /** Under {@code /api}: the caller's account, invites and password resets by administrators. */
    public HttpService account() {
        return rules -> rules.get("/account", this::me)
                .put("/account", this::changeOwnPassword)
                .get("/user/profile", this::me)
                .put("/user/profile", (req, res) -> rename(req, res, "name"))
                .delete("/user/account", this::closeAccount)
                .post("/admin/invites", this::invite)
                .post("/users/{id}/password", this::resetPassword);
    }

    /** Seed 002's {@code /v1/users/register}, {@code /login} (the session token in the body) and {@code /me}. */
    public HttpService seed002() {
        return rules -> rules.post("/register", this::register)
                .post("/login", this::login)
                .get("/me", this::me)
                .patch("/me", (req, res) -> rename(req, res, "display_name"));
    }

    private void login(ServerRequest req, ServerResponse res) {
        Credentials in = Json.bind(json.readObject(req), Credentials.class);
        SignedIn signedIn = logins.login(Validation.email(in.email()), Validation.required("password", in.password()),
                guard.clientOf(req));
        signedIn(req, res, 200, signedIn, null);
    }

    /** The OAuth2 password grant's shape: form fields {@code username} and {@code password}, or the same as JSON. */
    private void token(ServerRequest req, ServerResponse res) {
        String contentType = req.headers().contentType().map(t -> t.text()).orElse("");
        byte[] body = json.readBytes(req);
        Map<String, String> form;
        if (Forms.isForm(contentType)) {
            form = Forms.fields(body, contentType);
        } else {
            ObjectNode object = Json.parseObject(body);
            form = new LinkedHashMap<>();
            for (String f : new String[] {"username", "password"}) {
                if (object.hasNonNull(f)) {
                    if (!object.get(f).isTextual()) {
                        throw ApiError.badRequest("invalid_request", f + " must be a string");
                    }
                    form.put(f, object.get(f).asText());
                }
            }
        }
        SignedIn signedIn = logins.login(Validation.email(form.get("username")),
                Validation.required("password", form.get("password")), guard.clientOf(req));
        Sessions.Login login = signedIn.login();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("access_token", login.token());
        out.put("token_type", "bearer");
        out.put("expires_in", Duration.between(Instant.now(), login.expiresAt()).toSeconds());
        Json.send(res, 200, out);
    }

    private void logout(ServerRequest req, ServerResponse res) {
        guard.require(req, Access.OWN_READ);
        String token = Sessions.presented(req.headers()).orElseThrow(() -> ApiError.badRequest("not_a_session",
                "logout ends a login session; send its token or cookie (API keys are revoked with DELETE /api/keys/{id})"));
        logins.logout(sessions.sessionId(token));
        res.headers().addCookie(sessions.clearedCookie(guard.overTls(req)));
        Json.send(res, 200, Map.of("ok", true));
    }

    private void me(ServerRequest req, ServerResponse res) {
        Principal caller = guard.require(req, Access.OWN_READ);
        User user = directory.user(caller.userId()).orElseThrow(() -> ApiError.unauthorized("invalid_session", "no such user"));
        Map<String, Object> out = view(user);
        // A page reloaded by a signed-in browser gets its CSRF proof again here; cross-site pages cannot read it.
        if (Sessions.fromCookie(req.headers())) {
            Sessions.presented(req.headers()).ifPresent(token -> out.put("csrf_token", sessions.csrfToken(token)));
        }
        Json.send(res, 200, out);
    }

    private void register(ServerRequest req, ServerResponse res) {
        Registration in = Json.bind(json.readObject(req), Registration.class);
        String email = Validation.email(in.email());
        String given = in.name() != null ? in.name() : in.username();
        String name = given == null ? email : Validation.text("name", given, 200);
        if (in.authMethod() != null && !"email".equals(in.authMethod())) {
            throw ApiError.badRequest("unsupported_auth_method", "auth_method email is the only one here");
        }
        String environment = in.environmentTag() == null ? "live" : in.environmentTag();
        if (!io.tollgate.gateway.auth.ApiKeys.ENVIRONMENTS.contains(environment)) {
            throw ApiError.badRequest("invalid_environment", "environment_tag must be one of "
                    + io.tollgate.gateway.auth.ApiKeys.ENVIRONMENTS);
        }
        String keyName = in.keyName() == null ? "primary" : Validation.required("key_name", Validation.text("key_name",
                in.keyName(), 320));
        SignedIn signedIn = logins.register(email, name, in.password(), Validation.text("invite_token", in.inviteToken(), 200));
        // Seed 001: registering also hands out a first API key (shown once), its client's key for everything
        // (calls and managing its own account): the scopes a user may grant itself, and manage.
        Set<String> scopes = new LinkedHashSet<>(sessions.settings().userKeyScopes());
        scopes.add(Scopes.MANAGE);
        UserDirectory.IssuedKey primary = directory.issueKey(signedIn.user().id(), signedIn.user().id(),
                new UserDirectory.KeySpec(keyName, scopes, environment, null, null, null, null,
                        io.tollgate.gateway.auth.KeyPolicy.NONE), null);
        Map<String, Object> out = signedInView(req, res, signedIn, primary.secret());
        // Seed 001's UserRegistrationResponse. Credits are granted by finance, never by registering
        // (initial_credits is not honoured), so a new account starts at 0.
        out.put("user_id", signedIn.user().id());
        out.put("username", signedIn.user().name());
        out.put("email", signedIn.user().email());
        out.put("credits", 0);
        out.put("environment_tag", environment);
        out.put("scope_permissions", Map.of("scopes", scopes));
        out.put("auth_method", "email");
        out.put("subscription_status", "active");
        out.put("message", "registered; the api_key is shown this once");
        out.put("timestamp", Instant.now().toString());
        Json.send(res, 201, out);
    }

    private void changeOwnPassword(ServerRequest req, ServerResponse res) {
        Principal caller = guard.require(req, Access.OWN_MANAGE);
        ObjectNode body = json.readObject(req);
        if (body.has("email")) {
            throw ApiError.badRequest("unsupported_field", "the email of an account cannot be changed");
        }
        if (!body.hasNonNull("new_password")) {
            throw ApiError.badRequest("no_changes", "send new_password (and current_password) to change the password");
        }
        PasswordChange in = Json.bind(body, PasswordChange.class);
        UUID current = Sessions.presented(req.headers()).map(sessions::sessionId).orElse(null);
        logins.setPassword(caller.userId(), caller.userId(), in.currentPassword(), in.newPassword(), current);
        Json.send(res, 200, view(directory.user(caller.userId()).orElseThrow()));
    }

    /**
     * The caller's display name: seed 001's {@code PUT /api/user/profile} sends it as {@code name}, seed
     * 002's {@code PATCH /v1/users/me} as {@code display_name}.
     */
    private void rename(ServerRequest req, ServerResponse res, String field) {
        Principal caller = guard.require(req, Access.OWN_MANAGE);
        ObjectNode body = json.readObject(req);
        body.fieldNames().forEachRemaining(f -> {
            if (!f.equals(field)) {
                throw ApiError.badRequest("invalid_request", "unknown field " + f + "; send " + field);
            }
        });
        JsonNode value = body.get(field);
        if (value != null && !value.isNull() && !value.isTextual()) {
            throw ApiError.badRequest("invalid_field", field + " must be a string");
        }
        String name = Validation.required(field, Validation.text(field, value == null ? null : value.textValue(), 200));
        Json.send(res, 200, view(directory.updateUser(caller.userId(), caller.userId(), name, null, null)));
    }

    /**
     * Seed 001's account deletion, which needs its confirmation ({@code {"confirmation": "DELETE"}} or
     * {@code {"confirm": true}}): see {@link UserDirectory#closeAccount}.
     */
    private void closeAccount(ServerRequest req, ServerResponse res) {
        Principal caller = guard.require(req, Access.OWN_MANAGE);
        if (!Validation.confirmed(req, req.content().hasEntity() ? json.readObject(req) : null)) {
            throw ApiError.badRequest("confirmation_required", "send {\"confirmation\": \"DELETE\"} to close this account");
        }
        directory.closeAccount(caller.userId());
        res.headers().addCookie(sessions.clearedCookie(guard.overTls(req)));
        Json.send(res, 200, Map.of("ok", true, "status", "closed", "user_id", caller.userId(),
                "message", "account closed", "timestamp", Instant.now().toString(),
                "kept", "usage already ledgered stays in the ledger; keys, sessions, conversations and provider keys are gone"));
    }

    private void resetPassword(ServerRequest req, ServerResponse res) {
        Principal admin = guard.require(req, Access.ADMIN);
        long id = Validation.pathId(req, "id");
        Reset in = Json.bind(json.readObject(req), Reset.class);
        logins.setPassword(admin.userId(), id, null, in.password(), null);
        Json.send(res, 200, view(directory.user(id).orElseThrow()));
    }

    private void invite(ServerRequest req, ServerResponse res) {
        Principal admin = guard.require(req, Access.ADMIN);
        NewInvite in = Json.bind(json.readObject(req), NewInvite.class);
        long hours = in.expiresInHours() == null ? 72 : in.expiresInHours();
        if (hours < 1 || hours > MAX_INVITE_HOURS) {
            throw ApiError.badRequest("invalid_field", "expires_in_hours must be between 1 and " + MAX_INVITE_HOURS);
        }
        String email = in.email() == null ? null : Validation.email(in.email());
        Logins.Invite invite = logins.invite(admin.userId(), email, Duration.ofHours(hours));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("invite_token", invite.token());
        out.put("email", invite.email());
        out.put("expires_at", invite.expiresAt().toString());
        Json.send(res, 201, out);
    }

    private void signedIn(ServerRequest req, ServerResponse res, int status, SignedIn signedIn, String apiKey) {
        Json.send(res, status, signedInView(req, res, signedIn, apiKey));
    }

    private Map<String, Object> signedInView(ServerRequest req, ServerResponse res, SignedIn signedIn, String apiKey) {
        res.headers().addCookie(sessions.cookie(signedIn.login(), guard.overTls(req)));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("ok", true);
        out.put("token", signedIn.login().token());
        out.put("token_type", "bearer");
        out.put("expires_at", signedIn.login().expiresAt().toString());
        // Pages signed in by cookie send it back as X-CSRF-Token (or a same-origin Origin) with each write.
        out.put("csrf_token", sessions.csrfOf(signedIn.login().sessionId()));
        out.put("user", view(signedIn.user()));
        if (apiKey != null) {
            out.put("api_key", apiKey);
        }
        return out;
    }

    /** Seeds 003 and 004's account shape; never the password hash. */
    private static Map<String, Object> view(User u) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", u.id());
        out.put("email", u.email());
        out.put("name", u.name());
        out.put("full_name", u.name());
        out.put("display_name", u.name());
        out.put("role", u.role());
        out.put("is_admin", Principal.ADMIN_ROLE.equals(u.role()));
        out.put("disabled", u.disabled());
        out.put("plan_id", u.planId());
        out.put("must_change_password", false);
        return out;
    }
}
