package io.tollgate.gateway.auth;

import java.util.Optional;

import io.helidon.http.Method;
import io.helidon.webserver.http.ServerRequest;
import io.tollgate.gateway.http.ApiError;

/**
 * Authentication and role checks. The management plane takes an API key or a login session; the
 * data plane takes keys only, because every proxied call is attributed to, and limited by, a key.
 */
public final class Guard {
    private final Authenticator authenticator;
    private final Sessions sessions;

    public Guard(Authenticator authenticator, Sessions sessions) {
        this.authenticator = authenticator;
        this.sessions = sessions;
    }

    public Principal caller(ServerRequest req) {
        Optional<String> session = Sessions.presented(req.headers());
        Principal p = session.isPresent() ? sessions.authenticate(session.get()) : authenticator.authenticate(req);
        Method method = req.prologue().method();
        if (p.readOnly() && !method.equals(Method.GET) && !method.equals(Method.HEAD)) {
            throw ApiError.forbidden("read_only_token", "this token has the read scope only: it may not "
                    + method.text() + "; create one with write (POST /v1/users/tokens)");
        }
        return p;
    }

    public Principal admin(ServerRequest req) {
        Principal p = caller(req);
        if (!p.isAdmin()) {
            throw ApiError.forbidden("admin_required", "this endpoint is for administrators");
        }
        return p;
    }

    public Principal withScope(ServerRequest req, String scope) {
        return scoped(caller(req), scope);
    }

    /** The data plane: an API key with {@code scope}; a login session is refused. */
    public Principal keyWithScope(ServerRequest req, String scope) {
        if (Sessions.presented(req.headers()).isPresent()) {
            throw ApiError.unauthorized("api_key_required", "this endpoint takes an API key, not a login session: "
                    + "create a key with POST /api/keys");
        }
        return scoped(authenticator.authenticate(req), scope);
    }

    private static Principal scoped(Principal p, String scope) {
        if (!p.hasScope(scope)) {
            throw ApiError.forbidden("missing_scope", "this key lacks the scope " + scope);
        }
        return p;
    }
}
