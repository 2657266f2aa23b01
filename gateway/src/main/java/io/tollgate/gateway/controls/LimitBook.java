package io.tollgate.gateway.controls;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

import io.tollgate.gateway.Db;
import io.tollgate.gateway.plans.Limits;
import io.tollgate.ledger.events.LimitsSet;
import io.tollgate.ledger.events.NewEvent;
import io.tollgate.ledger.events.RecordedEvent;
import io.tollgate.ledger.store.EventStore;

/**
 * Rate limits set for one key or one user ({@code POST /api/admin/limits}), cached; a change drops the
 * cache entry here at once and on other instances when their follower reads the {@code LimitsSet} event.
 */
public final class LimitBook {
    private record Subject(String type, long id) {
    }

    private final Db db;
    private final EventStore events;
    private final ConcurrentHashMap<Subject, Limits> cache = new ConcurrentHashMap<>();

    public LimitBook(Db db, EventStore events, LedgerFollower follower) {
        this.db = db;
        this.events = events;
        follower.listen(this::apply);
    }

    public Limits forKey(long keyId) {
        return get(new Subject("key", keyId));
    }

    public Limits forUser(long userId) {
        return get(new Subject("user", userId));
    }

    /** Replaces the limits of a key or user ({@code userId}: the account, the key's owner for a key). */
    public void set(String subject, long subjectId, long userId, Limits limits, long actorUserId) {
        db.tx(c -> {
            try (PreparedStatement up = c.prepareStatement("INSERT INTO rate_limits (subject, subject_id, "
                    + String.join(", ", Limits.NAMES) + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (subject, subject_id) "
                    + "DO UPDATE SET " + String.join(", ", java.util.Arrays.stream(Limits.NAMES).map(n -> n + " = EXCLUDED." + n)
                    .toList()))) {
                up.setString(1, subject);
                up.setLong(2, subjectId);
                limits.bind(up, 3);
                up.executeUpdate();
            }
            events.append(c, List.of(NewEvent.of(new LimitsSet(subject, subjectId, userId, limits.asMap(), actorUserId))));
            return null;
        });
        cache.remove(new Subject(subject, subjectId));
    }

    private Limits get(Subject s) {
        return cache.computeIfAbsent(s, this::load);
    }

    private Limits load(Subject s) {
        return db.read(c -> {
            try (PreparedStatement q = c.prepareStatement("SELECT " + String.join(", ", Limits.NAMES)
                    + " FROM rate_limits WHERE subject = ? AND subject_id = ?")) {
                q.setString(1, s.type());
                q.setLong(2, s.id());
                try (ResultSet rs = q.executeQuery()) {
                    return rs.next() ? Limits.read(rs, 1) : Limits.NONE;
                }
            }
        });
    }

    private void apply(RecordedEvent e) {
        if (e.event() instanceof LimitsSet l) {
            cache.remove(new Subject(l.subject(), l.subjectId()));
        }
    }
}
