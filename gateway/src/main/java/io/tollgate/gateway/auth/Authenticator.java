package io.tollgate.gateway.auth;

import java.nio.ByteBuffer;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import io.tollgate.gateway.Db;
import io.tollgate.gateway.http.ApiError;

/**
 * Resolves the caller's key from {@code Authorization: Bearer}, {@code X-API-Key} or
 * {@code X-Virtual-Key}. Known keys are served from memory; a revocation on this instance drops the
 * entry at once, so the next request with that key is refused.
 */
public final class Authenticator {
    private static final io.helidon.http.HeaderName X_API_KEY = HeaderNames.create("X-API-Key");
    private static final io.helidon.http.HeaderName X_VIRTUAL_KEY = HeaderNames.create("X-Virtual-Key");

    private final Db db;
    private final Clock clock;
    private final ConcurrentHashMap<ByteBuffer, Principal> byHash = new ConcurrentHashMap<>();

    public Authenticator(Db db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    public Principal authenticate(Headers headers) {
        String key = presentedKey(headers)
                .orElseThrow(() -> ApiError.unauthorized("missing_api_key",
                        "no API key: send Authorization: Bearer <key>, X-API-Key or X-Virtual-Key"));
        ByteBuffer hash = ByteBuffer.wrap(ApiKeys.hash(key));
        Principal principal = byHash.get(hash);
        if (principal == null) {
            principal = load(hash.array()).orElseThrow(() -> ApiError.unauthorized("invalid_api_key",
                    "invalid API key"));
            byHash.put(hash, principal);
        }
        if (principal.expiresAt() != null && !clock.instant().isBefore(principal.expiresAt())) {
            throw ApiError.unauthorized("expired_api_key", "API key expired at " + principal.expiresAt());
        }
        return principal;
    }

    /** Drops a key from the cache; the next request re-reads it (and finds it revoked). */
    public void invalidateKey(long keyId) {
        byHash.values().removeIf(p -> p.keyId() == keyId);
    }

    public void invalidateUser(long userId) {
        byHash.values().removeIf(p -> p.userId() == userId);
    }

    static Optional<String> presentedKey(Headers headers) {
        for (io.helidon.http.HeaderName name : new io.helidon.http.HeaderName[] {X_VIRTUAL_KEY, X_API_KEY}) {
            Optional<String> v = headers.first(name).map(String::trim).filter(s -> !s.isEmpty());
            if (v.isPresent()) {
                return v;
            }
        }
        return headers.first(HeaderNames.AUTHORIZATION)
                .map(String::trim)
                .filter(v -> v.regionMatches(true, 0, "Bearer ", 0, 7))
                .map(v -> v.substring(7).trim())
                .filter(s -> !s.isEmpty());
    }

    private Optional<Principal> load(byte[] hash) {
        return db.read(c -> {
            try (PreparedStatement q = c.prepareStatement("SELECT k.id, k.user_id, u.role, k.scopes, k.environment, "
                    + "k.cost_centre, k.project, k.agent, k.expires_at FROM api_keys k JOIN users u ON u.id = k.user_id "
                    + "WHERE k.key_hash = ? AND k.revoked_at IS NULL AND NOT u.disabled")) {
                q.setBytes(1, hash);
                try (ResultSet rs = q.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.<Principal>empty();
                    }
                    String[] scopes = (String[]) rs.getArray(4).getArray();
                    Timestamp expires = rs.getTimestamp(9);
                    Instant expiresAt = expires == null ? null : expires.toInstant();
                    return Optional.of(new Principal(rs.getLong(1), rs.getLong(2), rs.getString(3),
                            new LinkedHashSet<>(Arrays.asList(scopes)), rs.getString(5), rs.getString(6),
                            rs.getString(7), rs.getString(8), expiresAt));
                }
            }
        });
    }
}
