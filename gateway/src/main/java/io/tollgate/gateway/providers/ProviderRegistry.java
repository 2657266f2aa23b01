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
 * Providers and priced models. Routes are cached in memory for the hot path; a miss reads the
 * database once, so a model registered on another instance is found on first use.
 */
public final class ProviderRegistry {
    public record NewModel(String modelId, String displayName, long providerId, String upstreamName,
                           long inputMicrosPerMillion, long outputMicrosPerMillion, boolean free) {
    }

    private static final String PROVIDER_COLUMNS = "id, name, type, base_url, api_key_enc, enabled, created_at";
    private static final String MODEL_SELECT = "SELECT m.id, m.model_id, m.display_name, m.upstream_name, "
            + "m.input_micros_per_million, m.output_micros_per_million, m.free, m.created_at, p.id, p.name, p.type, "
            + "p.base_url, p.api_key_enc, p.enabled, p.created_at FROM models m JOIN providers p ON p.id = m.provider_id ";

    private final Db db;
    private final EventStore events;
    private final SecretBox secrets;
    private final ConcurrentHashMap<String, ModelRoute> routes = new ConcurrentHashMap<>();

    public ProviderRegistry(Db db, EventStore events, SecretBox secrets) {
        this.db = db;
        this.events = events;
        this.secrets = secrets;
    }

    public Provider createProvider(long actorUserId, String name, String type, String baseUrl, String apiKey,
                                   boolean enabled) {
        return db.tx(c -> createProvider(c, actorUserId, name, type, baseUrl, apiKey, enabled));
    }

    private Provider createProvider(Connection c, long actorUserId, String name, String type, String baseUrl,
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
                provider = provider(rs, 1);
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
                    p = provider(rs, 1);
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
        routes.values().removeIf(r -> r.provider().id() == id);
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
                        p = provider(rs, 1);
                    }
                }
            }
            if (p == null) {
                throw ApiError.notFound("no provider " + id);
            }
            List<String> models = new ArrayList<>();
            try (PreparedStatement q = c.prepareStatement("DELETE FROM models WHERE provider_id = ? RETURNING model_id")) {
                q.setLong(1, id);
                try (ResultSet rs = q.executeQuery()) {
                    while (rs.next()) {
                        models.add(rs.getString(1));
                    }
                }
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
        routes.values().removeIf(r -> r.provider().id() == id);
    }

    public List<Provider> providers() {
        return db.read(c -> {
            try (PreparedStatement q = c.prepareStatement("SELECT " + PROVIDER_COLUMNS + " FROM providers ORDER BY id");
                 ResultSet rs = q.executeQuery()) {
                List<Provider> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(provider(rs, 1));
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
                    return rs.next() ? Optional.of(provider(rs, 1)) : Optional.<Provider>empty();
                }
            }
        });
    }

    public Optional<Provider> providerByName(String name) {
        return db.read(c -> {
            try (PreparedStatement q = c.prepareStatement("SELECT " + PROVIDER_COLUMNS + " FROM providers WHERE name = ?")) {
                q.setString(1, name);
                try (ResultSet rs = q.executeQuery()) {
                    return rs.next() ? Optional.of(provider(rs, 1)) : Optional.<Provider>empty();
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

    public ModelRoute registerModel(long actorUserId, NewModel m) {
        ModelRoute route = db.tx(c -> insertModel(c, actorUserId, m));
        routes.put(route.modelId(), route);
        return route;
    }

    /**
     * Seed 000's form: a model with its own endpoint and key. The endpoint becomes a provider of its
     * own, created in the same transaction as the model.
     */
    public ModelRoute registerModelWithEndpoint(long actorUserId, String endpoint, String apiKey, NewModel m) {
        ModelRoute route = db.tx(c -> {
            Provider p = createProvider(c, actorUserId, "model:" + m.modelId(), "openai", endpoint, apiKey, true);
            return insertModel(c, actorUserId, new NewModel(m.modelId(), m.displayName(), p.id(), m.upstreamName(),
                    m.inputMicrosPerMillion(), m.outputMicrosPerMillion(), m.free()));
        });
        routes.put(route.modelId(), route);
        return route;
    }

    private ModelRoute insertModel(Connection c, long actorUserId, NewModel m) throws SQLException {
        long id;
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO models (model_id, display_name, provider_id, "
                + "upstream_name, input_micros_per_million, output_micros_per_million, free) VALUES (?, ?, ?, ?, ?, ?, ?) "
                + "ON CONFLICT (model_id) DO NOTHING RETURNING id")) {
            insert.setString(1, m.modelId());
            insert.setString(2, m.displayName());
            insert.setLong(3, m.providerId());
            insert.setString(4, m.upstreamName());
            insert.setLong(5, m.inputMicrosPerMillion());
            insert.setLong(6, m.outputMicrosPerMillion());
            insert.setBoolean(7, m.free());
            try (ResultSet rs = insert.executeQuery()) {
                if (!rs.next()) {
                    throw ApiError.conflict("model_exists", "a model with id " + m.modelId() + " already exists");
                }
                id = rs.getLong(1);
            }
        }
        events.append(c, List.of(NewEvent.of(new ModelRegistered(id, m.modelId(), m.displayName(), m.providerId(),
                m.upstreamName(), m.inputMicrosPerMillion(), m.outputMicrosPerMillion(), m.free(), actorUserId))));
        return findModel(c, m.modelId()).orElseThrow();
    }

    /** Seed 002's modalities; only text is served (by chat completions). */
    public static final java.util.Set<String> MODALITIES = java.util.Set.of("text");

    /** Makes {@code modelId} the model {@code /v1/generate} uses for {@code modality} when a request names none. */
    public void setDefault(long actorUserId, String modality, String modelId) {
        db.tx(c -> {
            try (PreparedStatement upsert = c.prepareStatement("INSERT INTO model_defaults (modality, model_id) "
                    + "VALUES (?, ?) ON CONFLICT (modality) DO UPDATE SET model_id = EXCLUDED.model_id, set_at = now()")) {
                upsert.setString(1, modality);
                upsert.setString(2, modelId);
                upsert.executeUpdate();
            }
            events.append(c, List.of(NewEvent.of(new DefaultModelSet(modality, modelId, actorUserId))));
            return null;
        });
    }

    public Optional<String> defaultModel(String modality) {
        return db.read(c -> {
            try (PreparedStatement q = c.prepareStatement("SELECT model_id FROM model_defaults WHERE modality = ?")) {
                q.setString(1, modality);
                try (ResultSet rs = q.executeQuery()) {
                    return rs.next() ? Optional.of(rs.getString(1)) : Optional.<String>empty();
                }
            }
        });
    }

    /** How many model routes are held in memory (seed 001's cache status). */
    public int cachedRoutes() {
        return routes.size();
    }

    /** The route for a public model id, from memory when known. */
    public Optional<ModelRoute> route(String modelId) {
        ModelRoute cached = routes.get(modelId);
        if (cached != null) {
            return Optional.of(cached);
        }
        Optional<ModelRoute> loaded = db.read(c -> findModel(c, modelId));
        loaded.ifPresent(r -> routes.put(modelId, r));
        return loaded;
    }

    public List<ModelRoute> models() {
        return db.read(c -> {
            try (PreparedStatement q = c.prepareStatement(MODEL_SELECT + "ORDER BY m.model_id");
                 ResultSet rs = q.executeQuery()) {
                List<ModelRoute> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(model(rs));
                }
                return out;
            }
        });
    }

    private Optional<ModelRoute> findModel(Connection c, String modelId) throws SQLException {
        try (PreparedStatement q = c.prepareStatement(MODEL_SELECT + "WHERE m.model_id = ?")) {
            q.setString(1, modelId);
            try (ResultSet rs = q.executeQuery()) {
                return rs.next() ? Optional.of(model(rs)) : Optional.empty();
            }
        }
    }

    private ModelRoute model(ResultSet rs) throws SQLException {
        return new ModelRoute(rs.getLong(1), rs.getString(2), rs.getString(3), provider(rs, 9), rs.getString(4),
                rs.getLong(5), rs.getLong(6), rs.getBoolean(7), rs.getTimestamp(8).toInstant());
    }

    private Provider provider(ResultSet rs, int from) throws SQLException {
        byte[] sealed = rs.getBytes(from + 4);
        return new Provider(rs.getLong(from), rs.getString(from + 1), rs.getString(from + 2), rs.getString(from + 3),
                sealed == null ? null : secrets.open(sealed), rs.getBoolean(from + 5),
                rs.getTimestamp(from + 6).toInstant());
    }
}
