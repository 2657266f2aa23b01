package io.tollgate.gateway.providers;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.tollgate.gateway.Db;
import io.tollgate.gateway.http.ApiError;
import io.tollgate.ledger.events.NewEvent;
import io.tollgate.ledger.events.ProviderKeyRemoved;
import io.tollgate.ledger.events.ProviderKeySet;
import io.tollgate.ledger.events.RecordedEvent;
import io.tollgate.ledger.store.EventStore;

/**
 * Users' own provider keys (seed 002): sealed at rest, decrypted into memory per user on first use
 * (a user without keys is remembered as such, so the proxy asks the database once per user, not per
 * call). A change on any instance reaches the others through the ledger ({@link #follow}).
 */
public final class UserProviderKeys {
    /** What a listing shows of a stored key. */
    public record Stored(long providerId, String provider, String keyHint, Instant createdAt) {
    }

    private final Db db;
    private final EventStore events;
    private final SecretBox secrets;
    private final Map<Long, Map<Long, String>> byUser = new ConcurrentHashMap<>();

    public UserProviderKeys(Db db, EventStore events, SecretBox secrets) {
        this.db = db;
        this.events = events;
        this.secrets = secrets;
    }

    /** The user's own key for {@code providerId}, or null: the organisation's key applies. */
    public String keyFor(long userId, long providerId) {
        return byUser.computeIfAbsent(userId, this::load).get(providerId);
    }

    public void set(long actorUserId, long userId, Provider provider, String apiKey) {
        String hint = "…" + apiKey.substring(Math.max(0, apiKey.length() - 4));
        db.tx(c -> {
            try (PreparedStatement q = c.prepareStatement("INSERT INTO user_provider_keys (user_id, provider_id, "
                    + "api_key_sealed, key_hint) VALUES (?, ?, ?, ?) ON CONFLICT (user_id, provider_id) DO UPDATE "
                    + "SET api_key_sealed = EXCLUDED.api_key_sealed, key_hint = EXCLUDED.key_hint, created_at = now()")) {
                q.setLong(1, userId);
                q.setLong(2, provider.id());
                q.setBytes(3, secrets.seal(apiKey));
                q.setString(4, hint);
                q.executeUpdate();
            }
            events.append(c, List.of(NewEvent.of(new ProviderKeySet(userId, provider.id(), actorUserId))));
            return null;
        });
        byUser.remove(userId);
    }

    public void remove(long actorUserId, long userId, Provider provider) {
        db.tx(c -> {
            try (PreparedStatement q = c.prepareStatement(
                    "DELETE FROM user_provider_keys WHERE user_id = ? AND provider_id = ?")) {
                q.setLong(1, userId);
                q.setLong(2, provider.id());
                if (q.executeUpdate() == 0) {
                    throw ApiError.notFound("no key of yours for provider " + provider.name());
                }
            }
            events.append(c, List.of(NewEvent.of(new ProviderKeyRemoved(userId, provider.id(), actorUserId))));
            return null;
        });
        byUser.remove(userId);
    }

    public List<Stored> list(long userId) {
        return db.read(c -> {
            try (PreparedStatement q = c.prepareStatement("SELECT k.provider_id, p.name, k.key_hint, k.created_at "
                    + "FROM user_provider_keys k JOIN providers p ON p.id = k.provider_id WHERE k.user_id = ? ORDER BY p.name")) {
                q.setLong(1, userId);
                try (ResultSet rs = q.executeQuery()) {
                    List<Stored> out = new ArrayList<>();
                    while (rs.next()) {
                        out.add(new Stored(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getTimestamp(4).toInstant()));
                    }
                    return out;
                }
            }
        });
    }

    /** Another instance changed a user's keys: read them again on the next call. */
    public void follow(RecordedEvent e) {
        switch (e.event()) {
            case ProviderKeySet k -> byUser.remove(k.userId());
            case ProviderKeyRemoved k -> byUser.remove(k.userId());
            default -> {
            }
        }
    }

    private Map<Long, String> load(long userId) {
        return db.read(c -> {
            try (PreparedStatement q = c.prepareStatement(
                    "SELECT provider_id, api_key_sealed FROM user_provider_keys WHERE user_id = ?")) {
                q.setLong(1, userId);
                try (ResultSet rs = q.executeQuery()) {
                    Map<Long, String> keys = new HashMap<>();
                    while (rs.next()) {
                        keys.put(rs.getLong(1), secrets.open(rs.getBytes(2)));
                    }
                    return Map.copyOf(keys);
                }
            }
        });
    }
}
