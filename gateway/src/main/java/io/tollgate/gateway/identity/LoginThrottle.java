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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.tollgate.gateway.Db;
import io.tollgate.gateway.http.ApiError;
import io.tollgate.ledger.events.LoginLockedOut;
import io.tollgate.ledger.events.NewEvent;
import io.tollgate.ledger.store.EventStore;

/**
 * Password guessing limits, counted per subject before any password is checked: every attempt takes
 * a place first (under the subject's row lock), so a burst of concurrent attempts cannot all pass a
 * check that only the first ten fit, and none of the refused ones waits for a bcrypt hash. Three
 * subjects, so that a stranger cannot lock a user out from one address:
 * <ul>
 *   <li>an email from one client address: {@value #PER_EMAIL_AND_ADDRESS} failures lock that pair;</li>
 *   <li>a client address, whatever the emails: {@value #PER_ADDRESS} failures (spraying many accounts);</li>
 *   <li>an email from anywhere: {@value #PER_EMAIL} failures (guessing from many addresses).</li>
 * </ul>
 * Each counts within {@link #WINDOW}; a lock lasts as long. A success frees the email's places and gives
 * back its place at the address. The lock of a user's email is audited ({@code LoginLockedOut}).
 */
final class LoginThrottle {
    static final int PER_EMAIL_AND_ADDRESS = 10;
    static final int PER_ADDRESS = 50;
    static final int PER_EMAIL = 100;
    static final Duration WINDOW = Duration.ofMinutes(15);

    /** One attempt's places: pass to {@link #succeeded} or {@link #failed}. */
    record Attempt(String email, List<String> subjects) {
    }

    private final Db db;
    private final EventStore events;
    private final Clock clock;

    LoginThrottle(Db db, EventStore events, Clock clock) {
        this.db = db;
        this.events = events;
        this.clock = clock;
    }

    /** Takes a place for an attempt on {@code email} from {@code address}, or refuses it (429, Retry-After). */
    Attempt begin(String email, InetAddress address) {
        String from = address == null ? "unknown" : address.getHostAddress();
        Map<String, Integer> limits = Map.of(pair(email, from), PER_EMAIL_AND_ADDRESS, "addr:" + from, PER_ADDRESS,
                "email:" + email, PER_EMAIL);
        List<String> subjects = new ArrayList<>(limits.keySet());
        subjects.sort(Comparator.naturalOrder());  // one lock order for every attempt: no deadlocks
        Instant now = clock.instant();
        Instant refusedUntil = db.tx(c -> {
            Instant until = null;
            for (String s : subjects) {
                Instant u = take(c, s, limits.get(s), now);
                if (u != null && (until == null || u.isAfter(until))) {
                    until = u;
                }
            }
            if (until != null) {
                c.rollback();  // a refused attempt takes no place
            }
            return until;
        });
        if (refusedUntil != null) {
            long seconds = Math.max(1, Duration.between(now, refusedUntil).toSeconds());
            throw new ApiError(429, "rate_limit_error", "too_many_attempts", "too many failed logins; try again in "
                    + seconds + " s", Map.of("Retry-After", Long.toString(seconds)));
        }
        return new Attempt(email, subjects);
    }

    /** The password matched: the email's failures are forgotten, and the address gets its place back. */
    void succeeded(Attempt attempt) {
        db.tx(c -> {
            for (String s : attempt.subjects()) {
                try (PreparedStatement q = c.prepareStatement(s.startsWith("addr:")
                        ? "UPDATE login_failures SET failures = greatest(failures - 1, 0) WHERE subject = ?"
                        : "DELETE FROM login_failures WHERE subject = ?")) {
                    q.setString(1, s);
                    q.executeUpdate();
                }
            }
            return null;
        });
    }

    /** The attempt failed: a subject at its limit is locked, and the lock of a known user's email audited. */
    void failed(Attempt attempt) {
        Instant now = clock.instant();
        db.tx(c -> {
            for (String s : attempt.subjects()) {
                try (PreparedStatement q = c.prepareStatement("UPDATE login_failures SET locked_until = ? "
                        + "WHERE subject = ? AND locked_until IS NULL AND failures >= ? RETURNING failures")) {
                    q.setTimestamp(1, Timestamp.from(now.plus(WINDOW)));
                    q.setString(2, s);
                    q.setInt(3, limitOf(s));
                    try (ResultSet rs = q.executeQuery()) {
                        if (rs.next() && !s.startsWith("addr:")) {
                            Optional<Long> user = userIdOf(c, attempt.email());
                            if (user.isPresent()) {
                                events.append(c, List.of(NewEvent.of(new LoginLockedOut(user.get(), rs.getInt(1),
                                        now.plus(WINDOW)))));
                            }
                        }
                    }
                }
            }
            return null;
        });
    }

    private static int limitOf(String subject) {
        return subject.startsWith("addr:") ? PER_ADDRESS : subject.startsWith("email:") ? PER_EMAIL : PER_EMAIL_AND_ADDRESS;
    }

    private static String pair(String email, String from) {
        return "pair:" + email + "|" + from;
    }

    /** Takes a place in {@code subject}'s window; returns until when it is refused instead (null: taken). */
    private Instant take(Connection c, String subject, int limit, Instant now) throws SQLException {
        try (PreparedStatement ensure = c.prepareStatement("INSERT INTO login_failures (subject, failures, first_at) "
                + "VALUES (?, 0, ?) ON CONFLICT (subject) DO NOTHING")) {
            ensure.setString(1, subject);
            ensure.setTimestamp(2, Timestamp.from(now));
            ensure.executeUpdate();
        }
        int failures;
        Instant first;
        Instant lockedUntil;
        try (PreparedStatement q = c.prepareStatement("SELECT failures, first_at, locked_until FROM login_failures "
                + "WHERE subject = ? FOR UPDATE")) {
            q.setString(1, subject);
            try (ResultSet rs = q.executeQuery()) {
                rs.next();
                failures = rs.getInt(1);
                first = rs.getTimestamp(2).toInstant();
                lockedUntil = rs.getTimestamp(3) == null ? null : rs.getTimestamp(3).toInstant();
            }
        }
        if (lockedUntil != null && lockedUntil.isAfter(now)) {
            return lockedUntil;
        }
        boolean windowOver = !first.isAfter(now.minus(WINDOW)) || lockedUntil != null;
        if (!windowOver && failures >= limit) {
            return first.plus(WINDOW);  // the places are taken by attempts still being checked
        }
        try (PreparedStatement u = c.prepareStatement("UPDATE login_failures SET failures = ?, first_at = ?, "
                + "locked_until = NULL WHERE subject = ?")) {
            u.setInt(1, windowOver ? 1 : failures + 1);
            u.setTimestamp(2, Timestamp.from(windowOver ? now : first));
            u.setString(3, subject);
            u.executeUpdate();
        }
        return null;
    }

    private static Optional<Long> userIdOf(Connection c, String email) throws SQLException {
        try (PreparedStatement q = c.prepareStatement("SELECT id FROM users WHERE email = ?")) {
            q.setString(1, email);
            try (ResultSet rs = q.executeQuery()) {
                return rs.next() ? Optional.of(rs.getLong(1)) : Optional.empty();
            }
        }
    }
}
