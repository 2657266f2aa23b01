package io.tollgate.gateway.http;

import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/**
 * Refuses a NUL character anywhere in the path or query with 400: no endpoint has a use for it, and
 * Postgres text cannot hold it (a filter value carrying one would otherwise fail in the database).
 */
public final class InputGuard implements Filter {
    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        String query = req.query().rawValue();
        String path = req.path().rawPath();
        if (hasNul(query) || hasNul(path)) {
            throw ApiError.badRequest("invalid_request", "the URL must not contain a NUL character (%00)");
        }
        chain.proceed();
    }

    private static boolean hasNul(String raw) {
        return raw != null && (raw.indexOf('\0') >= 0 || raw.toLowerCase(java.util.Locale.ROOT).contains("%00"));
    }
}
