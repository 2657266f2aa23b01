package io.tollgate.gateway.auth;

import java.net.InetAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import io.helidon.webserver.http.ServerRequest;
import io.tollgate.gateway.Db;
import io.tollgate.gateway.http.ApiError;
import io.tollgate.ledger.events.KeyRevoked;
import io.tollgate.ledger.events.KeyRotated;
import io.tollgate.ledger.events.KeyUpdated;
import io.tollgate.ledger.events.PlanAssigned;
import io.tollgate.ledger.events.RecordedEvent;
import io.tollgate.ledger.events.UserUpdated;

/**
 * Resolves the caller's key from {@code Authorization: Bearer}, {@code X-API-Key} or
 * {@code X-Virtual-Key}, then applies the key's own restrictions: expiry, rotation grace period,
 * IP allowlist and allowed domains. Known keys are served from memory; any change to a key or its
 * owner drops the entry (on this instance at once, on others when they read the event), so the
 * next request sees the change.
 */
public final class Authenticator {
    private static final HeaderName X_API_KEY = HeaderNames.create("X-API-Key");
    private static final HeaderName X_VIRTUAL_KEY = HeaderNames.create("X-Virtual-Key");

    /** A secret that works until {@code validUntil} (null: until revoked); set for a rotated-out secret. */
    private record Cached(Principal principal, Instant validUntil) {
    }

    private final Db db;
    private final Clock clock;
    private final ClientAddress clientAddress;
    private final ConcurrentHashMap<ByteBuffer, Cached> byHash = new ConcurrentHashMap<>();

    public Authenticator(Db db, Clock clock, ClientAddress clientAddress) {
        this.db = db;
        this.clock = clock;
        this.clientAddress = clientAddress;
    }

    public Principal authenticate(ServerRequest req) {
        Headers headers = req.headers();
        String key = presentedKey(headers)
                .orElseThrow(() -> ApiError.unauthorized("missing_api_key",
                        "no API key: send Authorization: Bearer <key>, X-API-Key or X-Virtual-Key"));
        ByteBuffer hash = ByteBuffer.wrap(ApiKeys.hash(key));
        Cached cached = byHash.get(hash);
        if (cached == null) {
            cached = load(hash.array()).orElseThrow(() -> ApiError.unauthorized("invalid_api_key", "invalid API key"));
            byHash.put(hash, cached);
        }
        Instant now = clock.instant();
        Principal principal = cached.principal();
        if (cached.validUntil() != null && !now.isBefore(cached.validUntil())) {
            throw ApiError.unauthorized("rotated_api_key", "this key was rotated; its old secret stopped working at "
                    + cached.validUntil());
        }
        if (principal.expiresAt() != null && !now.isBefore(principal.expiresAt())) {
            throw ApiError.unauthorized("expired_api_key", "API key expired at " + principal.expiresAt());
        }
        checkAddress(principal.policy(), clientAddress.of(req));
        checkDomain(principal.policy(), headers);
        return principal;
    }

    /** Drops a key from the cache; the next request re-reads it (and finds it revoked, rotated or changed). */
    public void invalidateKey(long keyId) {
        byHash.values().removeIf(c -> c.principal().keyId() == keyId
                || c.principal().lineage().stream().anyMatch(a -> a.keyId() == keyId));
    }

    public void invalidateUser(long userId) {
        byHash.values().removeIf(c -> c.principal().userId() == userId);
    }

    /** Another instance changed a key or a user's plan: drop what this one cached about it. */
    public void follow(RecordedEvent e) {
        switch (e.event()) {
            case KeyRevoked k -> invalidateKey(k.keyId());
            case KeyRotated k -> invalidateKey(k.keyId());
            case KeyUpdated k -> invalidateKey(k.keyId());
            case PlanAssigned p -> invalidateUser(p.userId());
            case UserUpdated u -> invalidateUser(u.userId());
            default -> {
            }
        }
    }

    private static void checkAddress(KeyPolicy policy, InetAddress peer) {
        if (policy.ipAllowlist().isEmpty()) {
            return;
        }
        if (peer == null || policy.ipAllowlist().stream().noneMatch(c -> c.contains(peer))) {
            throw ApiError.forbidden("ip_not_allowed", "this key may not be used from "
                    + (peer == null ? "an unknown address" : peer.getHostAddress()));
        }
    }

    private static void checkDomain(KeyPolicy policy, Headers headers) {
        if (policy.allowedDomains().isEmpty()) {
            return;
        }
        String host = headers.first(HeaderNames.ORIGIN).or(() -> headers.first(HeaderNames.REFERER))
                .map(Authenticator::hostOf).orElse(null);
        if (host == null) {
            throw ApiError.forbidden("origin_required", "this key is limited to domains " + policy.allowedDomains()
                    + "; the request has no Origin or Referer");
        }
        if (policy.allowedDomains().stream().noneMatch(d -> domainMatches(d, host))) {
            throw ApiError.forbidden("domain_not_allowed", "this key may not be used from " + host);
        }
    }

    private static String hostOf(String url) {
        try {
            String host = URI.create(url.trim()).getHost();
            return host == null ? null : host.toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** {@code example.com} matches only itself; {@code *.example.com} matches its subdomains. */
    static boolean domainMatches(String allowed, String host) {
        String a = allowed.toLowerCase(Locale.ROOT);
        return a.startsWith("*.") ? host.endsWith(a.substring(1)) : host.equals(a);
    }

    static Optional<String> presentedKey(Headers headers) {
        for (HeaderName name : new HeaderName[] {X_VIRTUAL_KEY, X_API_KEY}) {
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

    private static final String POLICY_COLUMNS = "k.kind, k.monthly_budget_micros, k.max_tokens_per_request, "
            + "k.max_reasoning_tokens, k.ip_allowlist, k.allowed_domains, k.max_requests, k.max_spend_micros";

    private Optional<Cached> load(byte[] hash) {
        return load("CASE WHEN k.key_hash = ? THEN NULL ELSE k.previous_valid_until END",
                "(k.key_hash = ? OR k.previous_key_hash = ?)", q -> {
                    q.setBytes(1, hash);
                    q.setBytes(2, hash);
                    q.setBytes(3, hash);
                });
    }

    /**
     * The caller a key stands for when the gateway uses the key itself, on behalf of its owner's
     * session (seed 004's console calls models with the user's console key); empty if it stopped working.
     */
    public Optional<Principal> ofKey(long keyId) {
        return load("NULL::timestamptz", "k.id = ?", q -> q.setLong(1, keyId)).map(Cached::principal);
    }

    private interface Binder {
        void bind(PreparedStatement q) throws SQLException;
    }

    private Optional<Cached> load(String validUntil, String condition, Binder binder) {
        return db.read(c -> {
            try (PreparedStatement q = c.prepareStatement("SELECT k.id, k.user_id, u.role, k.scopes, k.environment, "
                    + "k.cost_centre, k.project, k.agent, k.expires_at, u.plan_id, " + validUntil + ", k.parent_key_id, "
                    + POLICY_COLUMNS + ", k.issued_by IS DISTINCT FROM k.user_id OR k.kind = 'virtual' "
                    + "FROM api_keys k JOIN users u ON u.id = k.user_id "
                    + "WHERE " + condition + " AND k.revoked_at IS NULL AND NOT u.disabled")) {
                binder.bind(q);
                try (ResultSet rs = q.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.<Cached>empty();
                    }
                    long keyId = rs.getLong(1);
                    Instant expires = instant(rs.getTimestamp(9));
                    List<Principal.Ancestor> lineage = List.of();
                    if (Db.nullableLong(rs, 12) != null) {
                        Lineage up = lineage(c, keyId);
                        lineage = up.ancestors();
                        expires = expires == null ? up.expiresAt()
                                : up.expiresAt() == null || expires.isBefore(up.expiresAt()) ? expires : up.expiresAt();
                    }
                    Principal p = new Principal(keyId, rs.getLong(2), rs.getString(3),
                            new LinkedHashSet<>(Db.texts(rs.getArray(4))), rs.getString(5), rs.getString(6),
                            rs.getString(7), rs.getString(8), expires, policy(rs, 13), rs.getString(10),
                            Principal.Credential.KEY, lineage, rs.getBoolean(21));
                    return Optional.of(new Cached(p, instant(rs.getTimestamp(11))));
                }
            }
        });
    }

    /** A key's ancestors, nearest first, and the earliest of their expiries; 401 if one was revoked. */
    private record Lineage(List<Principal.Ancestor> ancestors, Instant expiresAt) {
    }

    private static Lineage lineage(java.sql.Connection c, long keyId) throws SQLException {
        try (PreparedStatement q = c.prepareStatement("WITH RECURSIVE up (id, parent, depth) AS ("
                + "SELECT id, parent_key_id, 0 FROM api_keys WHERE id = ? UNION ALL "
                + "SELECT a.id, a.parent_key_id, up.depth + 1 FROM api_keys a JOIN up ON a.id = up.parent) "
                + "SELECT k.id, k.revoked_at, k.expires_at, " + POLICY_COLUMNS
                + " FROM up JOIN api_keys k ON k.id = up.id WHERE up.depth > 0 ORDER BY up.depth")) {
            q.setLong(1, keyId);
            List<Principal.Ancestor> out = new java.util.ArrayList<>();
            Instant expires = null;
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    if (rs.getTimestamp(2) != null) {
                        throw ApiError.unauthorized("parent_key_revoked", "this key was created from key "
                                + rs.getLong(1) + ", which is revoked; a key never outlives the key it was made from");
                    }
                    Instant e = instant(rs.getTimestamp(3));
                    if (e != null && (expires == null || e.isBefore(expires))) {
                        expires = e;
                    }
                    out.add(new Principal.Ancestor(rs.getLong(1), policy(rs, 4)));
                }
            }
            return new Lineage(List.copyOf(out), expires);
        }
    }

    /** The eight {@link #POLICY_COLUMNS} starting at column {@code from}. */
    private static KeyPolicy policy(ResultSet rs, int from) throws SQLException {
        return new KeyPolicy(rs.getString(from), Db.nullableLong(rs, from + 1), Db.nullableLong(rs, from + 2),
                Db.nullableLong(rs, from + 3), Db.texts(rs.getArray(from + 4)).stream().map(Cidr::parse).toList(),
                Db.texts(rs.getArray(from + 5)), Db.nullableLong(rs, from + 6), Db.nullableLong(rs, from + 7));
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
