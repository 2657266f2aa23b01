package io.tollgate.gateway.identity;

import java.net.InetAddress;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import io.tollgate.gateway.Db;
import io.tollgate.gateway.auth.ApiKeys;
import io.tollgate.gateway.auth.Passwords;
import io.tollgate.gateway.auth.Principal;
import io.tollgate.gateway.auth.Sessions;
import io.tollgate.gateway.http.ApiError;
import io.tollgate.gateway.identity.UserDirectory.User;
import io.tollgate.ledger.events.PasswordChanged;
import io.tollgate.ledger.events.SessionClosed;
import io.tollgate.ledger.events.SessionOpened;
import io.tollgate.ledger.store.EventStore;
import io.tollgate.ledger.events.NewEvent;

/** Password login, self-service registration (closed, by invite, or open) and password changes. */
public final class Logins {
    /** A signed-in user and their new session. */
    public record SignedIn(User user, Sessions.Login login) {
    }

    /** An invite as issued: the token is shown once, only its hash is stored. */
    public record Invite(String token, String email, Instant expiresAt) {
    }

    private final Db db;
    private final EventStore events;
    private final UserDirectory directory;
    private final Passwords passwords;
    private final Sessions sessions;
    private final Clock clock;
    private final LoginThrottle throttle;

    public Logins(Db db, EventStore events, UserDirectory directory, Passwords passwords, Sessions sessions,
                  Clock clock) {
        this.db = db;
        this.events = events;
        this.directory = directory;
        this.passwords = passwords;
        this.sessions = sessions;
        this.clock = clock;
        this.throttle = new LoginThrottle(db, events, clock);
    }

    /**
     * 401 {@code invalid_credentials} alike for an unknown email, a wrong password, no password set or a
     * disabled user; 429 {@code too_many_attempts} before any password is checked once {@link LoginThrottle}
     * says this email, this address or the pair has failed too often.
     */
    public SignedIn login(String email, String password, InetAddress from) {
        LoginThrottle.Attempt attempt = throttle.begin(email, from);
        SignedIn signedIn;
        try {
            signedIn = checkedLogin(email, password);
        } catch (ApiError e) {
            if (e.status() == 401) {
                throttle.failed(attempt);
            }
            throw e;
        }
        throttle.succeeded(attempt);
        return signedIn;
    }

    private SignedIn checkedLogin(String email, String password) {
        record Stored(long id, String hash, boolean disabled) {
        }
        Stored stored = db.read(c -> {
            try (PreparedStatement q = c.prepareStatement("SELECT id, password_hash, disabled FROM users WHERE email = ?")) {
                q.setString(1, email);
                try (ResultSet rs = q.executeQuery()) {
                    return rs.next() ? new Stored(rs.getLong(1), rs.getString(2), rs.getBoolean(3)) : null;
                }
            }
        });
        boolean matches = passwords.matches(password, stored == null ? null : stored.hash());
        if (!matches || stored.disabled()) {
            throw ApiError.unauthorized("invalid_credentials", "invalid credentials");
        }
        Sessions.Login login = db.tx(c -> opened(c, stored.id(), "password"));
        return new SignedIn(directory.user(stored.id()).orElseThrow(), login);
    }

    /** A new account with role {@code user}, signed in at once; {@code password} null: a keys-only account. */
    public SignedIn register(String email, String name, String password, String inviteToken) {
        String mode = sessions.settings().registration();
        if (mode.equals("closed")) {
            throw ApiError.forbidden("registration_closed", "self-service registration is off; ask an administrator");
        }
        if (mode.equals("invite") && (inviteToken == null || inviteToken.isBlank())) {
            throw ApiError.forbidden("invite_required", "registration needs an invite_token from an administrator");
        }
        // Seed 001 registers without a password: such an account signs in with its key only, until one is set.
        String hash = null;
        if (password != null) {
            requireAcceptable(password);
            hash = passwords.hash(password);
        }
        String passwordHash = hash;
        return db.tx(c -> {
            byte[] invite = inviteToken == null || inviteToken.isBlank() ? null : ApiKeys.hash(inviteToken.trim());
            if (invite != null) {
                checkInvite(c, invite, email);
            }
            User user = directory.createUser(c, null, email, name, Principal.USER_ROLE, passwordHash);
            if (invite != null) {
                try (PreparedStatement used = c.prepareStatement(
                        "UPDATE invites SET used_by = ?, used_at = now() WHERE token_hash = ?")) {
                    used.setLong(1, user.id());
                    used.setBytes(2, invite);
                    used.executeUpdate();
                }
            }
            return new SignedIn(user, opened(c, user.id(), "register"));
        });
    }

    /** A new session, and its {@code SessionOpened} event for the audit log, in one transaction. */
    private Sessions.Login opened(Connection c, long userId, String method) throws SQLException {
        Sessions.Login login = sessions.open(c, userId);
        events.append(c, List.of(NewEvent.of(new SessionOpened(userId, method))));
        return login;
    }

    /** Ends a session (logout), recording {@code SessionClosed} if it was still open. */
    public void logout(UUID sessionId) {
        db.tx(c -> {
            try (PreparedStatement q = c.prepareStatement("UPDATE sessions SET revoked_at = now() WHERE id = ? "
                    + "AND revoked_at IS NULL RETURNING user_id")) {
                q.setObject(1, sessionId);
                try (ResultSet rs = q.executeQuery()) {
                    if (rs.next()) {
                        events.append(c, List.of(NewEvent.of(new SessionClosed(rs.getLong(1)))));
                    }
                }
            }
            return null;
        });
    }

    /** Locks the invite row, so two registrations racing on one token cannot both use it. */
    private void checkInvite(Connection c, byte[] tokenHash, String email) throws SQLException {
        try (PreparedStatement q = c.prepareStatement("SELECT email, expires_at, used_at FROM invites "
                + "WHERE token_hash = ? FOR UPDATE")) {
            q.setBytes(1, tokenHash);
            try (ResultSet rs = q.executeQuery()) {
                if (!rs.next() || rs.getTimestamp(3) != null
                        || !rs.getTimestamp(2).toInstant().isAfter(clock.instant())) {
                    throw ApiError.forbidden("invalid_invite", "the invite token is unknown, used or expired");
                }
                String invited = rs.getString(1);
                if (invited != null && !invited.equals(email)) {
                    throw ApiError.forbidden("invalid_invite", "this invite is for another email address");
                }
            }
        }
    }

    public Invite invite(long adminId, String email, Duration ttl) {
        String token = ApiKeys.token("inv_");
        Instant expires = clock.instant().plus(ttl);
        db.tx(c -> {
            try (PreparedStatement q = c.prepareStatement("INSERT INTO invites (token_hash, created_by, email, expires_at) "
                    + "VALUES (?, ?, ?, ?)")) {
                q.setBytes(1, ApiKeys.hash(token));
                q.setLong(2, adminId);
                q.setString(3, email);
                q.setTimestamp(4, Timestamp.from(expires));
                return q.executeUpdate();
            }
        });
        return new Invite(token, email, expires);
    }

    /**
     * Sets {@code userId}'s password. {@code current} must match the present one, if there is one and the
     * caller changes its own ({@code actorUserId == userId}); administrators reset others' without it.
     * Every other session of the user ends; {@code keep} (the caller's own session, or null) stays.
     */
    public void setPassword(long actorUserId, long userId, String current, String next, UUID keep) {
        requireAcceptable(next);
        String existing = db.read(c -> {
            try (PreparedStatement q = c.prepareStatement("SELECT password_hash FROM users WHERE id = ?")) {
                q.setLong(1, userId);
                try (ResultSet rs = q.executeQuery()) {
                    if (!rs.next()) {
                        throw ApiError.notFound("no user " + userId);
                    }
                    return rs.getString(1);
                }
            }
        });
        if (actorUserId == userId && existing != null && (current == null || !passwords.matches(current, existing))) {
            throw ApiError.badRequest("current_password_incorrect", "current_password does not match");
        }
        String hash = passwords.hash(next);
        db.tx(c -> {
            try (PreparedStatement q = c.prepareStatement("UPDATE users SET password_hash = ? WHERE id = ?")) {
                q.setString(1, hash);
                q.setLong(2, userId);
                q.executeUpdate();
            }
            Sessions.closeAll(c, userId, keep);
            events.append(c, List.of(NewEvent.of(new PasswordChanged(userId, actorUserId))));
            return null;
        });
    }

    private static void requireAcceptable(String password) {
        String problem = Passwords.problem(password);
        if (problem != null) {
            throw ApiError.badRequest(password == null || password.length() < Passwords.MIN_LENGTH
                    ? "new_password_too_short" : "password_too_long", problem);
        }
    }
}
