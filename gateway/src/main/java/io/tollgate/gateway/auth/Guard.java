package io.tollgate.gateway.auth;

import io.helidon.webserver.http.ServerRequest;
import io.tollgate.gateway.http.ApiError;

/** Authentication and role checks for management endpoints. */
public final class Guard {
    private final Authenticator authenticator;

    public Guard(Authenticator authenticator) {
        this.authenticator = authenticator;
    }

    public Principal caller(ServerRequest req) {
        return authenticator.authenticate(req);
    }

    public Principal admin(ServerRequest req) {
        Principal p = caller(req);
        if (!p.isAdmin()) {
            throw ApiError.forbidden("admin_required", "this endpoint is for administrators");
        }
        return p;
    }

    public Principal withScope(ServerRequest req, String scope) {
        Principal p = caller(req);
        if (!p.hasScope(scope)) {
            throw ApiError.forbidden("missing_scope", "this key lacks the scope " + scope);
        }
        return p;
    }
}
