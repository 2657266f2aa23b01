package io.tollgate.gateway.providers;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import io.tollgate.gateway.Db;
import io.tollgate.gateway.http.ApiError;
import io.tollgate.ledger.events.DefaultModelSet;
import io.tollgate.ledger.events.ModelRegistered;
import io.tollgate.ledger.events.NewEvent;
import io.tollgate.ledger.events.ProviderModelsRefreshed;
import io.tollgate.ledger.events.ProviderRegistered;
import io.tollgate.ledger.events.ProviderRemoved;
import io.tollgate.ledger.events.ProviderUpdated;
import io.tollgate.ledger.store.EventStore;

/**
 * The upstreams: their settings (keys sealed at rest) and what each lists at {@code GET /models}. The
 * models they serve are {@link io.tollgate.gateway.routing.ModelCatalog}'s, told of every change here.
 */
public final class ProviderRegistry {
    private static final String PROVIDER_COLUMNS = "id, name, type, base_url, api_key_enc, enabled, created_at";
    /** The same columns of a query's {@code providers p}, in the order {@link #read} takes them. */
    public static final String PROVIDER_COLUMNS_OF_P = "p.id, p.name, p.type, p.base_url, p.api_key_enc, p.enabled, "
            + "p.created_at";

    private final Db db;
    private final EventStore events;
    private final SecretBox secrets;
    private final List<Runnable> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    public ProviderRegistry(Db db, EventStore events, SecretBox secrets) {
        this.db = db;
        this.events = events;
        this.secrets = secrets;
    }

    public Provider createProvider(long actorUserId, String name, String type, String baseUrl, String apiKey,
                                   boolean enabled) {
        Provider p = db.tx(c -> createProvider(c, actorUserId, name, type, baseUrl, apiKey, enabled));
        changed();
        return p;
    }

    public Provider createProvider(Connection c, long actorUserId, String name, String type, String baseUrl,
                                    String apiKey, boolean enabled) throws SQLException {
        Provider provider;
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO providers (name, type, base_url, api_key_enc, "
                + "enabled) VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING RETURNING " + PROVIDER_COLUMNS)) {
            insert.setString(1, name);
            insert.setString(2, type);
            insert.setString(3, baseUrl);
            insert.setBytes(4, apiKey == null ? null : secrets.seal(apiKey));
            insert.setBoolean(5, enabled);
            try (ResultSet rs = insert.executeQuery()) {
                if (!rs.next()) {
                    throw ApiError.conflict("name_exists", "a provider named " + name + " already exists");
                }
                provider = read(rs, 1);
            }
        }
        events.append(c, List.of(NewEvent.of(new ProviderRegistered(provider.id(), name, type, baseUrl,
                apiKey != null, enabled, actorUserId))));
        return provider;
    }

    /**
     * Changes a provider. {@code apiKey} null keeps the stored key (seed 004: "set only if non-empty").
     * Cached routes are dropped so the next request uses the new settings.
     */
    public Provider updateProvider(long actorUserId, long id, String name, String baseUrl, String apiKey,
                                   Boolean enabled) {
        Provider updated = db.tx(c -> {
            try (PreparedStatement u = c.prepareStatement("UPDATE providers SET name = coalesce(?, name), "
                    + "base_url = coalesce(?, base_url), api_key_enc = coalesce(?, api_key_enc), "
                    + "enabled = coalesce(?, enabled) WHERE id = ? RETURNING " + PROVIDER_COLUMNS)) {
                u.setString(1, name);
                u.setString(2, baseUrl);
                u.setBytes(3, apiKey == null ? null : secrets.seal(apiKey));
                u.setObject(4, enabled);
                u.setLong(5, id);
                Provider p;
                try (ResultSet rs = u.executeQuery()) {
                    if (!rs.next()) {
                        throw ApiError.notFound("no provider " + id);
                    }
                    p = read(rs, 1);
                }
                events.append(c, List.of(NewEvent.of(new ProviderUpdated(id, p.name(), p.type(), p.baseUrl(),
                        p.apiKey() != null, apiKey != null, p.enabled(), actorUserId))));
                return p;
            } catch (SQLException e) {
                if ("23505".equals(e.getSQLState())) {
                    throw ApiError.conflict("name_exists", "a provider named " + name + " already exists");
                }
                throw e;
            }
        });
        changed();
        return updated;
    }

    /**
     * Deletes a provider with the models registered on it, what it listed and users' own keys for it
     * (seed 004); the ledger keeps its history ({@code ProviderRemoved}) and usage keeps their names.
     */
    public void removeProvider(long actorUserId, long id) {
        db.tx(c -> {
            Provider p = null;
            try (PreparedStatement q = c.prepareStatement("SELECT " + PROVIDER_COLUMNS + " FROM providers WHERE id = ? "
                    + "FOR UPDATE")) {
                q.setLong(1, id);
                try (ResultSet rs = q.executeQuery()) {
                    if (rs.next()) {
                        p = read(rs, 1);
                    }
                }
            }
            if (p == null) {
                throw ApiError.notFound("no provider " + id);
            }
            // Its deployments go, and the models left with none.
            List<String> models = new ArrayList<>();
            try (PreparedStatement q = c.prepareStatement("DELETE FROM deployments WHERE provider_id = ? RETURNING model_id")) {
                q.setLong(1, id);
                try (ResultSet rs = q.executeQuery()) {
                    while (rs.next()) {
                        models.add(rs.getString(1));
                    }
                }
            }
            try (PreparedStatement q = c.prepareStatement("DELETE FROM models m WHERE m.model_id = ANY (?) "
                    + "AND NOT EXISTS (SELECT 1 FROM deployments d WHERE d.model_id = m.model_id)")) {
                q.setArray(1, c.createArrayOf("text", models.toArray()));
                q.executeUpdate();
            }
            for (String sql : new String[] {"DELETE FROM provider_models WHERE provider_id = ?",
                    "DELETE FROM user_provider_keys WHERE provider_id = ?", "DELETE FROM providers WHERE id = ?"}) {
                try (PreparedStatement q = c.prepareStatement(sql)) {
                    q.setLong(1, id);
                    q.executeUpdate();
                }
            }
            events.append(c, List.of(NewEvent.of(new ProviderRemoved(id, p.name(), models, actorUserId))));
            return null;
        });
        changed();
    }

    public List<Provider> providers() {
        return db.read(c -> {
            try (PreparedStatement q = c.prepareStatement("SELECT " + PROVIDER_COLUMNS + " FROM providers ORDER BY id");
                 ResultSet rs = q.executeQuery()) {
                List<Provider> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(read(rs, 1));
                }
                return out;
            }
        });
    }

    public Optional<Provider> provider(long id) {
        return db.read(c -> {
            try (PreparedStatement q = c.prepareStatement("SELECT " + PROVIDER_COLUMNS + " FROM providers WHERE id = ?")) {
                q.setLong(1, id);
                try (ResultSet rs = q.executeQuery()) {
                    return rs.next() ? Optional.of(read(rs, 1)) : Optional.<Provider>empty();
                }
            }
        });
    }

    public Optional<Provider> providerByName(String name) {
        return db.read(c -> {
            try (PreparedStatement q = c.prepareStatement("SELECT " + PROVIDER_COLUMNS + " FROM providers WHERE name = ?")) {
                q.setString(1, name);
                try (ResultSet rs = q.executeQuery()) {
                    return rs.next() ? Optional.of(read(rs, 1)) : Optional.<Provider>empty();
                }
            }
        });
    }

    /** Records what {@code GET {base_url}/models} listed. Discovered models stay uncallable until priced. */
    public void recordDiscovered(long actorUserId, long providerId, List<String> upstreamModels) {
        db.tx(c -> {
            try (PreparedStatement del = c.prepareStatement("DELETE FROM provider_models WHERE provider_id = ?");
                 PreparedStatement ins = c.prepareStatement("INSERT INTO provider_models (provider_id, upstream_name) "
                         + "VALUES (?, ?) ON CONFLICT DO NOTHING")) {
                del.setLong(1, providerId);
                del.executeUpdate();
                for (String m : upstreamModels) {
                    ins.setLong(1, providerId);
                    ins.setString(2, m);
                    ins.addBatch();
                }
                ins.executeBatch();
            }
            events.append(c, List.of(NewEvent.of(new ProviderModelsRefreshed(providerId, upstreamModels, actorUserId))));
            return null;
        });
        changed();
    }

    public List<String> discovered(long providerId) {
        return db.read(c -> {
            try (PreparedStatement q = c.prepareStatement("SELECT upstream_name FROM provider_models WHERE provider_id = ? "
                    + "ORDER BY upstream_name")) {
                q.setLong(1, providerId);
                try (ResultSet rs = q.executeQuery()) {
                    List<String> out = new ArrayList<>();
                    while (rs.next()) {
                        out.add(rs.getString(1));
                    }
                    return out;
                }
            }
        });
    }

    /** Called after any change to providers or what they list: the model catalogue reads them again. */
    public void onChange(Runnable listener) {
        listeners.add(listener);
    }

    /** Tells the listeners a provider changed (also after a change made in another component's transaction). */
    public void changed() {
        listeners.forEach(Runnable::run);
    }

    /** The provider {@code id} inside the caller's transaction, or null. */
    public Provider provider(Connection c, long id) throws SQLException {
        try (PreparedStatement q = c.prepareStatement("SELECT " + PROVIDER_COLUMNS + " FROM providers WHERE id = ?")) {
            q.setLong(1, id);
            try (ResultSet rs = q.executeQuery()) {
                return rs.next() ? read(rs, 1) : null;
            }
        }
    }

    /** The provider in the {@link #PROVIDER_COLUMNS_OF_P} of a row, starting at column {@code from}; its key decrypted. */
    public Provider read(ResultSet rs, int from) throws SQLException {
        byte[] sealed = rs.getBytes(from + 4);
        return new Provider(rs.getLong(from), rs.getString(from + 1), rs.getString(from + 2), rs.getString(from + 3),
                sealed == null ? null : secrets.open(sealed), rs.getBoolean(from + 5),
                rs.getTimestamp(from + 6).toInstant());
    }
}
