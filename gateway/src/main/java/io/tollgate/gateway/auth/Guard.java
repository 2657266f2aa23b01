package io.tollgate.gateway.auth;

import java.net.URI;
import java.util.Locale;
import java.util.Optional;

import io.helidon.http.HeaderNames;
import io.helidon.http.HttpMediaType;
import io.helidon.http.Method;
import io.helidon.webserver.http.ServerRequest;
import io.tollgate.gateway.http.AccessLog;
import io.tollgate.gateway.http.ApiError;

/**
 * The one gate every route passes: it finds the caller (an API key, or a login session as bearer token
 * or cookie) and lets it through only if {@link Access} allows the operation's level. Cookie-borne
 * writes must also prove they come from our own pages (CSRF): a same-origin {@code Origin} or the
 * session's CSRF token, and a JSON body type, which a cross-site form cannot send.
 */
public final class Guard {
    private static final io.helidon.http.HeaderName CSRF_HEADER = io.helidon.http.HeaderNames.create("X-CSRF-Token");

    private final Authenticator authenticator;
    private final Sessions sessions;
    private final ClientAddress clientAddress;
    private final java.util.function.UnaryOperator<Principal> consoleKey;

    /** @param consoleKey the caller a login session's model call runs as (seed 004: the user's console key) */
    public Guard(Authenticator authenticator, Sessions sessions, ClientAddress clientAddress,
                 java.util.function.UnaryOperator<Principal> consoleKey) {
        this.consoleKey = consoleKey;
        this.authenticator = authenticator;
        this.sessions = sessions;
        this.clientAddress = clientAddress;
    }

    /** The caller, if it may use an operation of level {@code access}; null for {@link Access#PUBLIC}. */
    public Principal require(ServerRequest req, Access access) {
        if (access == Access.PUBLIC) {
            return null;
        }
        Principal p = authenticate(req);
        boolean write = isWrite(req.prologue().method());
        if (access.allows(p, write)) {
            Principal caller = access == Access.INVOKE_OR_SESSION && p.isSession() ? consoleKey.apply(p) : p;
            AccessLog.note("user_id", caller.userId());
            AccessLog.note("key_id", caller.keyId() == 0 ? null : caller.keyId());
            return caller;
        }
        throw refusal(p, access, req.prologue().method());
    }

    /** The caller, whoever it is (401 without a credential), for the checks {@link Access} leaves to the handler. */
    public Principal authenticate(ServerRequest req) {
        Optional<String> session = Sessions.presented(req.headers());
        if (session.isEmpty()) {
            Optional<OpenBootstrap.Grant> bootstrap = req.context().get(OpenBootstrap.Grant.class);
            if (bootstrap.isPresent() && Authenticator.presentedKey(req.headers()).isEmpty()) {
                return bootstrap.get().administrator();
            }
            return authenticator.authenticate(req);
        }
        Principal p = sessions.authenticate(session.get());
        if (Sessions.fromCookie(req.headers()) && isWrite(req.prologue().method())) {
            checkSameOrigin(req, session.get());
        }
        return p;
    }

    /** The client's address (behind trusted proxies, the one they forwarded); null when unknown. */
    public java.net.InetAddress clientOf(ServerRequest req) {
        return clientAddress.of(req);
    }

    /**
     * The caller if it presented a credential (which must then be valid), or null: for public routes
     * whose answer a credential narrows, such as the model catalogue filtered by a key's model scopes.
     */
    public Principal optional(ServerRequest req) {
        boolean presented = Authenticator.presentedKey(req.headers()).isPresent()
                || req.headers().cookies().first(Sessions.COOKIE).asOptional().isPresent();
        return presented ? authenticate(req) : null;
    }

    /** Whether the request reached us over TLS, directly or through a trusted proxy that says so. */
    public boolean overTls(ServerRequest req) {
        return req.isSecure() || clientAddress.fromTrustedProxy(req)
                && req.headers().first(HeaderNames.X_FORWARDED_PROTO).map(v -> v.trim().equalsIgnoreCase("https")).orElse(false);
    }

    private static boolean isWrite(Method m) {
        return !m.equals(Method.GET) && !m.equals(Method.HEAD) && !m.equals(Method.OPTIONS);
    }

    private void checkSameOrigin(ServerRequest req, String token) {
        boolean json = req.headers().contentType().map(HttpMediaType::mediaType)
                .map(t -> t.subtype().equals("json") || t.subtype().endsWith("+json")).orElse(false);
        if (!json) {
            throw ApiError.forbidden("csrf_check_failed", "a write signed in by cookie must send Content-Type: "
                    + "application/json (a cross-site form cannot)");
        }
        Optional<String> csrf = req.headers().first(CSRF_HEADER);
        if (csrf.isPresent() && sessions.csrfTokenMatches(token, csrf.get())) {
            return;
        }
        Optional<String> origin = req.headers().first(HeaderNames.ORIGIN);
        if (origin.isEmpty() || !sameOrigin(origin.get(), req)) {
            throw ApiError.forbidden("csrf_check_failed", "a write signed in by cookie must come from this site: "
                    + "send a same-origin Origin header or the X-CSRF-Token given at login");
        }
    }

    private boolean sameOrigin(String origin, ServerRequest req) {
        String host = clientAddress.fromTrustedProxy(req)
                ? req.headers().first(HeaderNames.X_FORWARDED_HOST).or(() -> req.headers().first(HeaderNames.HOST)).orElse("")
                : req.headers().first(HeaderNames.HOST).orElse("");
        try {
            URI o = URI.create(origin.trim());
            if (o.getHost() == null) {
                return false;
            }
            String authority = o.getHost().toLowerCase(Locale.ROOT) + (o.getPort() < 0 ? "" : ":" + o.getPort());
            String expected = host.trim().toLowerCase(Locale.ROOT);
            return authority.equals(expected) || authority.equals(defaultPortless(expected, o.getScheme()));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** {@code host:443} for https (or {@code :80} for http) is the same origin as {@code host}. */
    private static String defaultPortless(String hostHeader, String scheme) {
        String suffix = "https".equalsIgnoreCase(scheme) ? ":443" : ":80";
        return hostHeader.endsWith(suffix) ? hostHeader.substring(0, hostHeader.length() - suffix.length()) : hostHeader;
    }

    private static ApiError refusal(Principal p, Access access, Method method) {
        if (p.readOnly() && isWrite(method)) {
            return ApiError.forbidden("read_only_token", "this token has the read scope only: it may not "
                    + method.text() + "; create one with write (POST /v1/users/tokens)");
        }
        return switch (access) {
            // Only a read-only token's write is refused at these levels, and that is answered above.
            case PUBLIC, OWN_READ -> ApiError.forbidden("forbidden", "not allowed");
            case INVOKE, INVOKE_OR_SESSION -> p.isSession()
                    ? ApiError.forbidden("api_key_required", "calling models takes an API key, not a login session: "
                            + "create a key with POST /api/keys")
                    : ApiError.forbidden("missing_scope", "this key lacks the scope " + Scopes.INVOKE);
            case OWN_MANAGE -> ApiError.forbidden("management_not_allowed", p.isVirtualKey()
                    ? "a virtual key calls models and reads its own usage; it manages nothing"
                    : "this key calls models only: manage with a login session or a key with the manage scope");
            case MODEL_WRITE -> ApiError.forbidden("missing_scope", "this key lacks the scope " + Scopes.MODEL_WRITE);
            case FINANCE -> ApiError.forbidden("finance_required", "this endpoint is for finance and administrators "
                    + "(a key needs the finance or admin scope as well as the role)");
            case ADMIN -> ApiError.forbidden("admin_required", "this endpoint is for administrators "
                    + "(a key needs the admin scope as well as the admin role)");
        };
    }
}
