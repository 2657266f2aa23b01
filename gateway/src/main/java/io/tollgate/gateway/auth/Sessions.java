package io.tollgate.gateway.auth;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTVerifier;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.JWTVerificationException;
import com.auth0.jwt.interfaces.DecodedJWT;

import io.helidon.http.ServerRequestHeaders;
import io.helidon.http.SetCookie;
import io.tollgate.gateway.Db;
import io.tollgate.gateway.http.ApiError;

/**
 * Management-plane logins. A login is a row in {@code sessions} and a JWT (HS256, key derived from the
 * master key) naming it; the token travels as {@code Authorization: Bearer} or as the HttpOnly
 * {@code session} cookie. Every use checks the row, so logout, a password change or disabling the user
 * ends a session at once rather than when its token expires.
 */
public final class Sessions {
    public static final String COOKIE = "session";
    private static final String ISSUER = "tollgate";

    /** A new login: the token to hand out and when it stops working. */
    public record Login(String token, UUID sessionId, Instant expiresAt) {
    }

    private final Db db;
    private final Clock clock;
    private final LoginSettings settings;
    private final Algorithm algorithm;
    private final JWTVerifier verifier;

    public Sessions(Db db, Clock clock, LoginSettings settings, byte[] signingKey) {
        this.db = db;
        this.clock = clock;
        this.settings = settings;
        this.algorithm = Algorithm.HMAC256(signingKey);
        this.verifier = JWT.require(algorithm).withIssuer(ISSUER).build();
    }

    public LoginSettings settings() {
        return settings;
    }

    /** Starts a session for {@code userId} inside the caller's transaction. */
    public Login open(Connection c, long userId) throws SQLException {
        UUID id = UUID.randomUUID();
        Instant now = clock.instant();
        Instant expires = now.plus(settings.sessionTtl());
        try (PreparedStatement insert = c.prepareStatement(
                "INSERT INTO sessions (id, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)")) {
            insert.setObject(1, id);
            insert.setLong(2, userId);
            insert.setTimestamp(3, Timestamp.from(now));
            insert.setTimestamp(4, Timestamp.from(expires));
            insert.executeUpdate();
        }
        String token = JWT.create().withIssuer(ISSUER).withSubject(Long.toString(userId)).withJWTId(id.toString())
                .withIssuedAt(now).withExpiresAt(expires).sign(algorithm);
        return new Login(token, id, expires);
    }

    /** The caller a session token stands for; 401 when it is forged, expired, logged out or its user disabled. */
    public Principal authenticate(String token) {
        UUID id = sessionId(token);
        return db.read(c -> {
            try (PreparedStatement q = c.prepareStatement("SELECT u.id, u.role, u.plan_id FROM sessions s "
                    + "JOIN users u ON u.id = s.user_id WHERE s.id = ? AND s.revoked_at IS NULL AND s.expires_at > ? "
                    + "AND NOT u.disabled")) {
                q.setObject(1, id);
                q.setTimestamp(2, Timestamp.from(clock.instant()));
                try (ResultSet rs = q.executeQuery()) {
                    if (!rs.next()) {
                        throw ApiError.unauthorized("invalid_session", "this session has ended; log in again");
                    }
                    String role = rs.getString(2);
                    // No key: key id 0, and none of a key's own limits or attribution.
                    return new Principal(0, rs.getLong(1), role, SessionScopes.of(role, settings.userKeyScopes()), null,
                            null, null, null, null, KeyPolicy.NONE, rs.getString(3), Principal.Credential.SESSION,
                            java.util.List.of(), false);
                }
            }
        });
    }

    /**
     * The CSRF token of the session {@code token} names: an HMAC of its id, so it needs no storage and
     * cannot be derived without the server's key. Pages read it at login and send it as {@code X-CSRF-Token}.
     */
    public String csrfToken(String token) {
        return csrfOf(sessionId(token));
    }

    public String csrfOf(UUID sessionId) {
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(algorithm.sign(
                ("csrf:" + sessionId).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    public boolean csrfTokenMatches(String token, String presented) {
        return java.security.MessageDigest.isEqual(csrfToken(token).getBytes(java.nio.charset.StandardCharsets.UTF_8),
                presented.trim().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** The session a token names, if the token is genuine and unexpired. */
    public UUID sessionId(String token) {
        try {
            DecodedJWT jwt = verifier.verify(token);
            return UUID.fromString(jwt.getId());
        } catch (JWTVerificationException | IllegalArgumentException | NullPointerException e) {
            throw ApiError.unauthorized("invalid_session", "the session token is invalid or expired; log in again");
        }
    }

    /** Ends every session of {@code userId} but {@code keep} (null: all), in the caller's transaction. */
    public static void closeAll(Connection c, long userId, UUID keep) throws SQLException {
        try (PreparedStatement q = c.prepareStatement("UPDATE sessions SET revoked_at = now() WHERE user_id = ? "
                + "AND revoked_at IS NULL AND id IS DISTINCT FROM ?")) {
            q.setLong(1, userId);
            q.setObject(2, keep);
            q.executeUpdate();
        }
    }

    /**
     * A session token in the request: a bearer token shaped like a JWT (API keys never are), or the
     * cookie when no key is presented. A presented API key always wins.
     */
    public static Optional<String> presented(ServerRequestHeaders headers) {
        Optional<String> bearer = Authenticator.presentedKey(headers);
        if (bearer.isPresent()) {
            return bearer.filter(Sessions::isJwt);
        }
        return headers.cookies().first(COOKIE).asOptional().filter(Sessions::isJwt);
    }

    /** True when the session came in the cookie (no key or bearer token sent): the case CSRF is about. */
    public static boolean fromCookie(ServerRequestHeaders headers) {
        return Authenticator.presentedKey(headers).isEmpty() && headers.cookies().first(COOKIE).asOptional().isPresent();
    }

    private static boolean isJwt(String token) {
        return token.startsWith("eyJ") && token.chars().filter(ch -> ch == '.').count() == 2;
    }

    /** The session cookie; {@code Secure} when configured or when the request came over TLS. */
    public SetCookie cookie(Login login, boolean overTls) {
        return SetCookie.builder(COOKIE, login.token()).path("/api").httpOnly(true)
                .secure(settings.secureCookie() || overTls).sameSite(SetCookie.SameSite.STRICT)
                .expires(login.expiresAt()).build();
    }

    /** Tells the browser to drop the cookie. */
    public SetCookie clearedCookie(boolean overTls) {
        return SetCookie.builder(COOKIE, "").path("/api").httpOnly(true).secure(settings.secureCookie() || overTls)
                .sameSite(SetCookie.SameSite.STRICT).expires(Instant.EPOCH).build();
    }
}
