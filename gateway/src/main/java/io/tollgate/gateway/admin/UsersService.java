package io.tollgate.gateway.admin;


import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.tollgate.gateway.auth.Access;
import io.tollgate.gateway.auth.Guard;
import io.tollgate.gateway.auth.Passwords;
import io.tollgate.gateway.auth.Principal;
import io.tollgate.gateway.http.ApiError;
import io.tollgate.gateway.http.Json;
import io.tollgate.gateway.http.Validation;
import io.tollgate.gateway.identity.Logins;
import io.tollgate.gateway.identity.UserDirectory;

/** {@code /api/users}: administrators create and list users. */
public final class UsersService implements HttpService {
    record CreateUser(String email, String name, String role, String password) {
    }

    private final Guard guard;
    private final Json json;
    private final UserDirectory directory;
    private final Passwords passwords;
    private final Logins logins;

    public UsersService(Guard guard, Json json, UserDirectory directory, Passwords passwords, Logins logins) {
        this.logins = logins;
        this.passwords = passwords;
        this.guard = guard;
        this.json = json;
        this.directory = directory;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/", this::create)
                .get("/", this::list)
                .get("/{id}", this::get)
                .put("/{id}", this::update)
                .delete("/{id}", this::disable);
    }

    record UpdateUser(String name, String role, Boolean disabled, String password) {
    }

    /** Seed 004's {@code PUT /api/users/:id}: name, role, disabled (and password, as an administrator's reset). */
    private void update(ServerRequest req, ServerResponse res) {
        Principal admin = guard.require(req, Access.ADMIN);
        long id = Validation.pathId(req, "id");
        UpdateUser body = Json.bind(json.readObject(req), UpdateUser.class);
        if (body.role() != null && !Principal.ROLES.contains(body.role())) {
            throw ApiError.badRequest("invalid_role", "role must be \"admin\", \"finance\" or \"user\"");
        }
        String name = body.name() == null ? null : Validation.required("name", Validation.text("name", body.name(), 200));
        UserDirectory.User user = directory.updateUser(admin.userId(), id, name, body.role(), body.disabled());
        if (body.password() != null) {
            logins.setPassword(admin.userId(), id, null, body.password(), null);
        }
        Json.send(res, 200, user);
    }

    /**
     * Seed 004's {@code DELETE /api/users/:id}. A user's usage stays in the ledger for good, so the user
     * is disabled rather than deleted: its keys and sessions stop working at once.
     */
    private void disable(ServerRequest req, ServerResponse res) {
        Principal admin = guard.require(req, Access.ADMIN);
        directory.updateUser(admin.userId(), Validation.pathId(req, "id"), null, null, true);
        Json.noContent(res);
    }

    private void create(ServerRequest req, ServerResponse res) {
        Principal admin = guard.require(req, Access.ADMIN);
        CreateUser body = Json.bind(json.readObject(req), CreateUser.class);
        String email = Validation.email(body.email());
        String role = body.role() == null ? Principal.USER_ROLE : body.role();
        if (!Principal.ROLES.contains(role)) {
            throw ApiError.badRequest("invalid_role", "role must be \"admin\", \"finance\" or \"user\"");
        }
        String name = body.name() == null ? email : Validation.text("name", body.name(), 200);
        String hash = null;
        if (body.password() != null) {
            String problem = Passwords.problem(body.password());
            if (problem != null) {
                throw ApiError.badRequest("invalid_password", problem);
            }
            hash = passwords.hash(body.password());
        }
        Json.send(res, 201, directory.createUser(admin.userId(), email, name, role, hash));
    }

    private void list(ServerRequest req, ServerResponse res) {
        guard.require(req, Access.ADMIN);
        Json.send(res, 200, directory.users());
    }

    private void get(ServerRequest req, ServerResponse res) {
        Principal caller = guard.require(req, Access.OWN_READ);
        long id = Validation.pathId(req, "id");
        if (!caller.isAdmin() && caller.userId() != id) {
            throw ApiError.notFound("no user " + id);
        }
        Json.send(res, 200, directory.user(id).orElseThrow(() -> ApiError.notFound("no user " + id)));
    }
}
